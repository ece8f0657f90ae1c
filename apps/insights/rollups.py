"""Member rollups: the active members of a region subtree, per federation, for the region and for
each of its child regions — one grouped query over the memberships, and one distinct count of the
people (a person in three federations is one member of the region)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count
from django.db.models.functions import Substr

from apps.members.models import Membership, MembershipStatus
from apps.organizations.models import Federation, Region
from apps.organizations.scoping import scoped


@dataclass
class RollupArea:
    region: Region | None
    label: str
    members: dict[str, int] = field(default_factory=dict)  # federation code → active memberships

    @property
    def memberships(self) -> int:
        return sum(self.members.values())


@dataclass
class MemberRollup:
    region: Region
    federations: list[Federation]
    total: RollupArea
    own_level: RollupArea
    children: list[RollupArea]
    people: int  # distinct people with at least one active membership


def member_rollup(*, user, region: Region) -> MemberRollup:
    path = "organization__region__path"
    active = scoped(Membership.objects.filter(status=MembershipStatus.ACTIVE), user).filter(
        **{f"{path}__startswith": region.path}
    )
    federations = {federation.pk: federation for federation in Federation.objects.order_by("sort_order", "pk")}
    children = {
        child.path: RollupArea(child, child.name)
        for child in scoped(Region.objects.filter(parent=region), user).order_by("code")
    }
    own = RollupArea(region, f"{region.name}本级")
    total = RollupArea(region, region.name)
    grouped = (
        active.order_by()
        .annotate(bucket=Substr(path, 1, len(region.path) + Region.steplen))
        .values("bucket", "federation_id")
        .annotate(count=Count("pk"))
        .values_list("bucket", "federation_id", "count")
    )
    for bucket, federation_id, count in grouped:
        code = federations[federation_id].code
        area = own if len(bucket) <= len(region.path) else children.get(bucket)
        for target in (area, total):
            if target is not None:
                target.members[code] = target.members.get(code, 0) + count
    people = active.aggregate(people=Count("person", distinct=True))["people"]
    for area in [total, own, *children.values()]:
        for federation in federations.values():
            area.members.setdefault(federation.code, 0)
    return MemberRollup(region, list(federations.values()), total, own, list(children.values()), people)
