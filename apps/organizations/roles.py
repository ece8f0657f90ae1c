"""Roles on the tree and the Django groups that carry their permissions.

The groups are created, with their permissions, by data migrations: this app's for its own
models, and each later app's for the models it adds.
"""

from __future__ import annotations

from apps.organizations.models import RegionLevel, Role

# The node a role sits on: a region of these levels, or (None) an organization.
ROLE_NODE_LEVELS: dict[str, tuple[str, ...] | None] = {
    Role.PROVINCE_ADMIN: (RegionLevel.PROVINCE,),
    Role.PREFECTURE_ADMIN: (RegionLevel.PREFECTURE,),
    Role.COUNTY_STAFF: (RegionLevel.COUNTY,),
    Role.STATION_STAFF: (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE),
    Role.FEDERATION_LIAISON: None,
}


def group_name(role: str) -> str:
    return Role(role).label
