"""Scoped reads of the tree and of co-building (joint branches, coverage, meetings), shared by the
pages, the admin, the API and exports.

Members are counted through the `memberships` reverse relation by name: the tree never imports
the members app that builds on it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.core.models import Deletion
from apps.organizations.models import (
    CoverageRule,
    Decision,
    Federation,
    FollowUp,
    FollowUpStatus,
    HostUnit,
    HostUnitKind,
    JointBranch,
    Meeting,
    Organization,
    Region,
    RoleAssignment,
)
from apps.organizations.scoping import scope_for, scoped


def region_list(*, user, parent: Region | int | None = None, level: str | None = None, search: str = "") -> QuerySet:
    regions = scoped(Region.objects.all(), user)
    if parent is not None:
        regions = regions.filter(parent=parent)
    if level:
        regions = regions.filter(level=level)
    if search:
        regions = regions.filter(Q(name__contains=search) | Q(full_name__contains=search) | Q(code__startswith=search))
    return regions.order_by("code")


def region_scope_roots(*, user) -> QuerySet:
    """The outermost regions the user sees: the top of each subtree in their scope."""
    regions = scoped(Region.objects.all(), user)
    return regions.filter(Q(parent__isnull=True) | ~Q(parent__in=regions.values("pk"))).order_by("code")


def federation_list(*, user) -> QuerySet:
    """Reference data: every signed-in user sees every federation."""
    return scoped(Federation.objects.all(), user)


def deletion_list(*, user) -> QuerySet:
    """Tombstones of rows the user could see: each keeps the deleted row's tree paths."""
    return scoped(Deletion.objects.all(), user)


def organization_list(
    *,
    user,
    federation: Federation | int | None = None,
    region: Region | None = None,
    parent: Organization | int | None = None,
    level: str | None = None,
    search: str = "",
) -> QuerySet:
    """Organizations in scope; `region` means the whole subtree below that region."""
    organizations = scoped(Organization.objects.all(), user).select_related("federation", "region", "parent")
    if federation is not None:
        organizations = organizations.filter(federation=federation)
    if region is not None:
        organizations = organizations.filter(region__path__startswith=region.path)
    if parent is not None:
        organizations = organizations.filter(parent=parent)
    if level:
        organizations = organizations.filter(level=level)
    if search:
        organizations = organizations.filter(name__contains=search)
    return organizations.order_by("path")


def host_unit_list(*, user, region: Region | None = None, kind: str | None = None, search: str = "") -> QuerySet:
    host_units = scoped(HostUnit.objects.all(), user).select_related("region")
    if region is not None:
        host_units = host_units.filter(region__path__startswith=region.path)
    if kind:
        host_units = host_units.filter(kind=kind)
    if search:
        host_units = host_units.filter(Q(name__contains=search) | Q(credit_code=search.upper()))
    return host_units.order_by("name", "id")


def role_assignment_list(*, user) -> QuerySet:
    return scoped(RoleAssignment.objects.all(), user).select_related("user", "region", "organization")


@dataclass(frozen=True)
class ScopeSummary:
    """What the home page tells a user about their own reach."""

    assignments: list[RoleAssignment]
    everything: bool
    region_count: int
    organization_count: int
    host_unit_count: int


def scope_summary(*, user) -> ScopeSummary:
    return ScopeSummary(
        assignments=list(user.role_assignments.select_related("region", "organization__federation")),
        everything=scope_for(user).everything,
        region_count=scoped(Region.objects.all(), user).count(),
        organization_count=scoped(Organization.objects.all(), user).count(),
        host_unit_count=scoped(HostUnit.objects.all(), user).count(),
    )


def region_ancestors(region: Region) -> list[Region]:
    """The breadcrumb above a region (names only; a user may see them without their subtrees)."""
    return list(Region.objects.get_ancestors(region)) if region.depth > 1 else []


# Co-building ---------------------------------------------------------------------------------

ACTIVE_MEMBERS = Count("memberships", filter=Q(memberships__status="active"))


def joint_branch_list(*, user) -> QuerySet:
    """Joint branches in scope, each branch with its active members counted (the coverage it brings)."""
    branches = Organization.objects.select_related("federation").annotate(members=ACTIVE_MEMBERS)
    through = JointBranch.branches.through.objects.filter(jointbranch_id=OuterRef("pk"))
    counted = through.order_by().values("jointbranch_id").annotate(n=Count("organization_id")).values("n")
    return (
        scoped(JointBranch.objects.all(), user)
        .select_related("host_unit__region")
        .prefetch_related(Prefetch("branches", queryset=branches.order_by("federation__sort_order")))
        # A subquery per joint branch shown, not a join and GROUP BY over all of them before the page.
        .annotate(branch_count=Coalesce(Subquery(counted, output_field=IntegerField()), 0))
    )


# Coverage -----------------------------------------------------------------------------------


@dataclass
class UnitCoverage:
    host_unit: HostUnit
    required: list[Federation]
    present: list[Federation]

    @property
    def missing(self) -> list[Federation]:
        have = {f.pk for f in self.present}
        return [f for f in self.required if f.pk not in have]


@dataclass
class KindCoverage:
    kind: str
    label: str
    units: int = 0
    covered: int = 0

    @property
    def gaps(self) -> int:
        return self.units - self.covered

    @property
    def share(self) -> float | None:
        return self.covered / self.units if self.units else None


@dataclass
class Coverage:
    region: Region | None
    kinds: list[KindCoverage]

    @property
    def units(self) -> int:
        return sum(k.units for k in self.kinds)

    @property
    def covered(self) -> int:
        return sum(k.covered for k in self.kinds)

    @property
    def gaps(self) -> int:
        return self.units - self.covered

    @property
    def share(self) -> float | None:
        return self.covered / self.units if self.units else None


def _rules() -> dict[str, list[tuple[int, list[Federation]]]]:
    """Per kind: (from how many employees, federations), largest threshold first."""
    by_kind = defaultdict(list)
    for rule in CoverageRule.objects.prefetch_related("federations").order_by("-min_head_count"):
        federations = sorted(rule.federations.all(), key=lambda f: f.sort_order)
        by_kind[rule.host_unit_kind].append((rule.min_head_count, federations))
    return by_kind


def coverage(*, user, region: Region | None = None) -> Coverage:
    """Per kind of host unit in scope (under `region`): how many a rule covers and how many have every
    branch it asks for — counted in one grouped query; the gaps themselves are coverage_gaps(), a page
    at a time (a province has thousands)."""
    counted = (
        coverable_units(user=user, region=region)
        .order_by()
        .values("kind")
        .annotate(units=Count("pk"), covered_units=Count("pk", filter=Q(covered=True)))
    )
    found = {row["kind"]: row for row in counted}
    kinds = [
        KindCoverage(kind, label, found[kind]["units"], found[kind]["covered_units"])
        for kind, label in HostUnitKind.choices
        if kind in found
    ]
    return Coverage(region, kinds)


def coverage_gaps(*, user, region: Region | None = None, kind: str = "") -> QuerySet:
    """The host units in scope a rule covers that lack a branch it asks for, by name; unit_coverage()
    says what each one of a page has and lacks."""
    gaps = coverable_units(user=user, region=region).filter(covered=False).select_related("region")
    if kind:
        gaps = gaps.filter(kind=kind)
    return gaps.order_by("name", "id")


def unit_coverage(units: Iterable[HostUnit]) -> list[UnitCoverage]:
    """The branches each unit should have, has and lacks (the rules and the units' branches: 3 queries)."""
    units = list(units)
    if not units:
        return []
    rules = _rules()
    present = defaultdict(list)
    branches = Organization.objects.filter(host_unit__in=units).select_related("federation")
    for branch in branches.order_by("federation__sort_order", "federation_id"):
        present[branch.host_unit_id].append(branch.federation)
    return [
        UnitCoverage(
            unit,
            next((feds for low, feds in rules.get(unit.kind, []) if unit.head_count >= low), []),
            present[unit.pk],
        )
        for unit in units
    ]


def coverable_units(*, user, region: Region | None = None) -> QuerySet:
    """The host units in scope (under `region`) a rule covers, each annotated `covered` (has every
    branch the rule asks for): counted in SQL, never loaded, at province scale."""
    rule = CoverageRule.objects.filter(
        host_unit_kind=OuterRef("kind"), min_head_count__lte=OuterRef("head_count")
    ).order_by("-min_head_count")
    asked = CoverageRule.federations.through.objects.filter(coveragerule_id=OuterRef("rule_id"))
    present = Organization.objects.filter(host_unit_id=OuterRef(OuterRef("pk"))).values("federation_id")
    units = scoped(HostUnit.objects.all(), user)
    if region is not None:
        units = units.filter(region__path__startswith=region.path)
    return (
        units.annotate(rule_id=Subquery(rule.values("pk")[:1]))
        .filter(Exists(asked))
        .annotate(covered=~Exists(asked.exclude(federation_id__in=present)))
    )


# Meetings and follow-ups ---------------------------------------------------------------------


def meeting_list(*, user) -> QuerySet:
    today = timezone.localdate()
    return (
        scoped(Meeting.objects.all(), user)
        .select_related("host__federation", "region")
        .prefetch_related("attendees")
        .annotate(
            decision_count=Count("decisions", distinct=True),
            open_count=Count("decisions__follow_ups", filter=Q(decisions__follow_ups__status="open"), distinct=True),
            overdue_count=Count(
                "decisions__follow_ups",
                filter=Q(decisions__follow_ups__status="open", decisions__follow_ups__due_date__lt=today),
                distinct=True,
            ),
        )
    )


def meeting_decisions(meeting: Meeting) -> list[Decision]:
    """The decisions with their follow-ups and assigned organizations: 2 queries."""
    follow_ups = FollowUp.objects.select_related("organization__federation").order_by("due_date", "id")
    return list(meeting.decisions.prefetch_related(Prefetch("follow_ups", queryset=follow_ups)))


def follow_up_list(*, user, overdue_only: bool = False, today: dt.date | None = None) -> QuerySet:
    today = today or timezone.localdate()
    items = scoped(FollowUp.objects.all(), user).select_related("organization__federation", "decision__meeting__host")
    if overdue_only:
        items = items.filter(status=FollowUpStatus.OPEN, due_date__lt=today)
    return items.order_by("status", "due_date", "id")


def meetings_held(*, user, region: Region | None = None, start: dt.date, end: dt.date) -> dict[str, int]:
    """Meetings held in [start, end] under `region`, per kind (for the scorecard)."""
    meetings = scoped(Meeting.objects.all(), user).filter(held_on__gte=start, held_on__lte=end)
    if region is not None:
        meetings = meetings.filter(region__path__startswith=region.path)
    return dict(meetings.values("kind").annotate(n=Count("pk")).values_list("kind", "n"))
