"""Scoped reads of the tree, shared by the pages, the admin, the API and exports."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from apps.core.models import Deletion
from apps.organizations.models import Federation, HostUnit, Organization, Region, RoleAssignment
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
