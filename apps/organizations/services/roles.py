"""Roles on the tree: granting and revoking, with the groups that carry their permissions."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from apps.core.exceptions import ConflictError
from apps.organizations.models import (
    Organization,
    Region,
    RegionLevel,
    Role,
    RoleAssignment,
)
from apps.organizations.roles import ROLE_NODE_LEVELS, group_name
from apps.organizations.scoping import forget_scope
from apps.organizations.services.checks import (
    NO_PERMISSION,
    require_organization_in_scope,
    require_perm,
    require_region_in_scope,
    save_guarding_races,
)

ROLE_NODE_REQUIRED = "请选择一个区划或一个组织（二选一）。"
ROLE_NEEDS_ORGANIZATION = "“{role}”只能授予在组织上。"
ROLE_NEEDS_REGION_LEVEL = "“{role}”只能授予在{levels}区划上。"
ROLE_ALREADY_ASSIGNED = "该用户已在此节点上拥有此角色。"


def _validate_role_node(role: str, region: Region | None, organization: Organization | None) -> None:
    if (region is None) == (organization is None):
        raise ValidationError({"region": ROLE_NODE_REQUIRED})
    levels = ROLE_NODE_LEVELS[role]
    label = Role(role).label
    if levels is None and organization is None:
        raise ValidationError({"organization": ROLE_NEEDS_ORGANIZATION.format(role=label)})
    if levels is not None and (region is None or region.level not in levels):
        names = "、".join(RegionLevel(level).label for level in levels)
        raise ValidationError({"region": ROLE_NEEDS_REGION_LEVEL.format(role=label, levels=names)})


@transaction.atomic
def role_assign(
    *, actor=None, user, role: str, region: Region | None = None, organization: Organization | None = None
) -> RoleAssignment:
    """Give `user` a role on a node; they join the role's group and may use the staff pages and admin."""
    require_perm(actor, "organizations.add_roleassignment")
    if actor is not None and not actor.is_superuser and _role_rank(role) < _highest_rank(actor):
        raise PermissionDenied(NO_PERMISSION)
    _validate_role_node(role, region, organization)
    if region is not None:
        require_region_in_scope(actor, region)
    else:
        require_organization_in_scope(actor, organization, field="organization")
    if RoleAssignment.objects.filter(user=user, role=role, region=region, organization=organization).exists():
        raise ConflictError(ROLE_ALREADY_ASSIGNED)
    assignment = RoleAssignment(user=user, role=role, region=region, organization=organization)
    save_guarding_races(assignment, ROLE_ALREADY_ASSIGNED)
    user.groups.add(Group.objects.get(name=group_name(role)))
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    forget_scope(user)
    return assignment


_ROLE_ORDER = [
    Role.PROVINCE_ADMIN,
    Role.PREFECTURE_ADMIN,
    Role.COUNTY_STAFF,
    Role.STATION_STAFF,
    Role.FEDERATION_LIAISON,
]


def _role_rank(role: str) -> int:
    return _ROLE_ORDER.index(role)


def _highest_rank(actor) -> int:
    """An actor may only grant roles at or below their own highest role."""
    roles = set(actor.role_assignments.values_list("role", flat=True))
    return min((_role_rank(role) for role in roles), default=len(_ROLE_ORDER))


@transaction.atomic
def role_revoke(*, actor=None, assignment: RoleAssignment) -> None:
    require_perm(actor, "organizations.delete_roleassignment")
    if assignment.region is not None:
        require_region_in_scope(actor, assignment.region)
    else:
        require_organization_in_scope(actor, assignment.organization, field="organization")
    user = assignment.user
    assignment.delete()
    remaining = set(user.role_assignments.values_list("role", flat=True))
    if assignment.role not in remaining:
        user.groups.remove(Group.objects.get(name=group_name(assignment.role)))
    if not remaining and user.is_staff and not user.is_superuser:
        user.is_staff = False
        user.save(update_fields=["is_staff"])
    forget_scope(user)
