"""Every federation's unit at the province, each prefecture, county and township; host units with
their grassroots branches; joint branches (联建).

Paths are computed here exactly as django-treebeard computes them (`Organization._get_path`:
steplen 4, alphabet 0–9A–Z): the k-th child of a node takes the parent's path and k in base
36, `depth` and `numchild` are set, siblings follow region codes. So the services
(`organization_create` → `add_child`, moves, subtree queries) work on the generated tree as
on one they built. Through `organization_create` the 2,856 official units took 7 s on
this machine and each branch would add 2–3 ms (some 25 s at 1M people, 150 s at 6M);
computed here, the whole tree takes well under a second.

Unit names follow `seed_organizations`: the federation's template with the region's full
name without the province (西宁市城东区总工会), the province's own units with 青海省.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from apps.core.scale_data.copy import local
from apps.core.scale_data.host_units import (
    BRANCH_SUFFIX,
    JOINT_BRANCH_CHANCE,
    JOINT_NOTE,
    HostUnitRow,
    draw_branches,
    draw_host_units,
    established_on,
)
from apps.organizations.models import (
    Federation,
    HostUnit,
    HostUnitKind,
    JointBranch,
    Organization,
    OrganizationLevel,
)

# When the official units were entered in the platform (before the data's history starts).
UNITS_ENTERED = dt.date(2018, 1, 2)


@dataclass(frozen=True)
class FederationRow:
    id: int
    code: str
    name: str
    template: str


@dataclass
class Unit:
    id: int
    federation: FederationRow
    region_id: int
    level: str
    path: str
    depth: int
    parent_id: int | None
    name: str
    host_unit_id: int | None = None
    created: dt.date = UNITS_ENTERED


@dataclass
class Tree:
    federations: list[FederationRow]
    units: list[Unit] = field(default_factory=list)
    host_units: list[HostUnitRow] = field(default_factory=list)
    joint_branches: list[tuple[int, int, dt.date, list[int]]] = field(default_factory=list)
    numchild: Counter = field(default_factory=Counter)

    def __post_init__(self):
        self.by_code = {federation.code: federation for federation in self.federations}
        self._official: dict[tuple[str, int], Unit] = {}

    def official(self, federation_code: str, region_id: int) -> Unit:
        """The federation's own unit for a region (not a branch in a host unit)."""
        return self._official[(federation_code, region_id)]

    def has_official(self, federation_code: str, region_id: int) -> bool:
        return (federation_code, region_id) in self._official

    def add(self, unit: Unit) -> None:
        self.units.append(unit)
        if unit.host_unit_id is None:
            self._official[(unit.federation.code, unit.region_id)] = unit


def _display(place, province) -> str:
    return place.name if place.id == province.id else place.full_name.removeprefix(province.name)


def build(ctx) -> Tree:
    """Lay out the whole tree in memory: official units, host units, branches, joint branches."""
    rows = Federation.objects.order_by("sort_order", "id").values_list("id", "code", "name", "unit_name_template")
    tree = Tree([FederationRow(*row) for row in rows])
    divisions = ctx.divisions
    province = divisions.province
    places = [province, *divisions.prefectures, *(c.place for c in divisions.counties), *divisions.townships]
    children = tree.numchild

    def child_of(parent: Unit | None, root_number: int) -> tuple[str, int]:
        if parent is None:
            return Organization._get_path("", 1, root_number), 1
        children[parent.id] += 1
        return Organization._get_path(parent.path, parent.depth + 1, children[parent.id]), parent.depth + 1

    for number, federation in enumerate(tree.federations, start=1):
        for place in places:
            parent = None if place.id == province.id else tree.official(federation.code, place.parent_id)
            path, depth = child_of(parent, number)
            name = federation.template.format(region=_display(place, province))
            tree.add(
                Unit(len(tree.units) + 1, federation, place.id, place.level, path, depth, parent and parent.id, name)
            )
    tree.host_units = draw_host_units(ctx)
    rng = ctx.rng("branches")
    codes = set(tree.by_code)
    for host in tree.host_units:
        branch_codes = draw_branches(rng, host, codes)
        together = len(branch_codes) >= 2 and rng.random() < JOINT_BRANCH_CHANCE
        day = established_on(rng, ctx.as_of)
        joint = []
        for code in branch_codes:
            parent = tree.official(code, host.region_id)
            path, depth = child_of(parent, 0)
            suffix = BRANCH_SUFFIX[code]
            if code == "union" and host.kind in (HostUnitKind.INDUSTRIAL_PARK, HostUnitKind.BUSINESS_DISTRICT):
                suffix = "联合工会"
            unit = Unit(
                len(tree.units) + 1, tree.by_code[code], host.region_id, OrganizationLevel.GRASSROOTS, path, depth,
                parent.id, host.name + suffix, host.id, day if together else established_on(rng, ctx.as_of),
            )  # fmt: skip
            tree.add(unit)
            host.branches[code] = unit.id
            joint.append(unit.id)
        if together:
            tree.joint_branches.append((len(tree.joint_branches) + 1, host.id, day, joint))
    return tree


def write(ctx, tree: Tree) -> None:
    def stamp(day: dt.date):
        return local(day, 9)

    ctx.copy(
        HostUnit,
        ("id", "created_at", "updated_at", "name", "kind", "region", "credit_code", "head_count", "address"),
        (
            (h.id, stamp(UNITS_ENTERED), stamp(UNITS_ENTERED), h.name, h.kind, h.region_id, h.credit_code,
             h.head_count, h.address)
            for h in tree.host_units
        ),
    )  # fmt: skip
    fields = (
        "id", "created_at", "updated_at", "path", "depth", "numchild", "name", "federation", "region", "parent",
        "level", "host_unit",
    )  # fmt: skip
    ctx.copy(
        Organization,
        fields,
        (
            (u.id, stamp(u.created), stamp(u.created), u.path, u.depth, tree.numchild[u.id], u.name, u.federation.id,
             u.region_id, u.parent_id, u.level, u.host_unit_id)
            for u in tree.units
        ),
    )  # fmt: skip
    ctx.copy(
        JointBranch,
        ("id", "created_at", "updated_at", "host_unit", "established_on", "note", "created_by"),
        ((jb, stamp(day), stamp(day), host, day, JOINT_NOTE, None) for jb, host, day, _ in tree.joint_branches),
    )
    ctx.copy(
        JointBranch.branches.through,
        ("jointbranch", "organization"),
        ((jb, unit) for jb, _, _, units in tree.joint_branches for unit in units),
    )
