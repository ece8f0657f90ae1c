"""Every write to the tree: regions, federations, organizations, host units and roles.

The admin, the API, the pages, imports and the demo seed all come through here. `actor`
is the user on whose behalf the write happens; None means the system itself (migrations,
seeds), which is not scoped.
"""

from __future__ import annotations

import re

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from apps.core.exceptions import ConflictError
from apps.organizations.models import (
    Federation,
    HostUnit,
    Organization,
    OrganizationLevel,
    Region,
    RegionLevel,
    Role,
    RoleAssignment,
)
from apps.organizations.roles import ROLE_NODE_LEVELS, group_name
from apps.organizations.scoping import forget_scope, scope_for

NO_PERMISSION = "您没有执行此操作的权限。"
REGION_OUT_OF_SCOPE = "所选区划不在您的管辖范围内。"
ORGANIZATION_OUT_OF_SCOPE = "所选组织不在您的管辖范围内。"
REGION_CODE_FORMAT = "区划代码应为 {digits} 位数字。"
REGION_CODE_PREFIX = "区划代码应以上级区划代码的前 {length} 位“{prefix}”开头。"
REGION_CODE_TAKEN = "区划代码 {code} 已被“{name}”使用。"
REGION_PARENT_REQUIRED = "请选择上级区划。"
REGION_ROOT_EXISTS = "省级区划只能有一个。"
REGION_NO_CHILD_LEVEL = "村社区是最低一级区划，不能再添加下级。"
REGION_HAS_CHILDREN = "该区划下仍有下级区划，不能删除。"
NAME_REQUIRED = "请填写名称。"
ORG_PARENT_FEDERATION = "上级组织必须属于同一群团类别。"
ORG_PARENT_REGION = "上级组织所在区划必须包含本组织所在区划。"
ORG_PARENT_REQUIRED = "只有省级组织可以没有上级组织。"
ORG_PARENT_IS_DESCENDANT = "不能把组织移到它自己或其下级组织之下。"
ORG_PARENT_GRASSROOTS = "基层组织下不能再设下级组织。"
ORG_HOST_UNIT_REGION = "所在单位必须位于本组织所在区划内。"
ORG_NAME_TAKEN = "同一区划内已有同名的{federation}组织“{name}”。"
ORG_HAS_CHILDREN = "该组织仍有下级组织，请先删除或移走下级组织。"
ORG_DESCENDANT_OUTSIDE_REGION = "下级组织所在区划不在新区划内，请先调整下级组织。"
HOST_UNIT_CREDIT_CODE = "统一社会信用代码无效（应为 18 位，校验位正确）。"
HOST_UNIT_CREDIT_CODE_TAKEN = "统一社会信用代码已被“{name}”使用。"
ROLE_NODE_REQUIRED = "请选择一个区划或一个组织（二选一）。"
ROLE_NEEDS_ORGANIZATION = "“{role}”只能授予在组织上。"
ROLE_NEEDS_REGION_LEVEL = "“{role}”只能授予在{levels}区划上。"
ROLE_ALREADY_ASSIGNED = "该用户已在此节点上拥有此角色。"


# Checks shared by the services ---------------------------------------------------------


def _require_perm(actor, perm: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(NO_PERMISSION)


def _require_region_in_scope(actor, region: Region, *, field: str = "region") -> None:
    if actor is not None and not scope_for(actor).covers_region(region):
        raise ValidationError({field: REGION_OUT_OF_SCOPE})


def _require_organization_in_scope(actor, organization: Organization, *, field: str) -> None:
    if actor is not None and not scope_for(actor).covers_organization(organization):
        raise ValidationError({field: ORGANIZATION_OUT_OF_SCOPE})


def _clean_name(name: str, *, field: str = "name") -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({field: NAME_REQUIRED})
    return name


# Regions ------------------------------------------------------------------------------

_CODE_DIGITS = {
    RegionLevel.PROVINCE: 6,
    RegionLevel.PREFECTURE: 6,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWNSHIP: 12,
    RegionLevel.VILLAGE: 12,
}
# How many leading digits a region shares with its parent's code.
_PARENT_PREFIX = {RegionLevel.PREFECTURE: 2, RegionLevel.COUNTY: 4, RegionLevel.TOWNSHIP: 6, RegionLevel.VILLAGE: 9}


def region_code_normalize(code: str, level: str) -> str:
    """Accept the 12-digit statistical form for levels that use 6-digit GB/T 2260 codes."""
    code = (code or "").strip()
    if _CODE_DIGITS[level] == 6 and len(code) == 12 and code.endswith("000000"):
        code = code[:6]
    return code


def _validate_region_code(code: str, level: str, parent: Region | None) -> None:
    digits = _CODE_DIGITS[level]
    if not re.fullmatch(rf"\d{{{digits}}}", code):
        raise ValidationError({"code": REGION_CODE_FORMAT.format(digits=digits)})
    if parent is not None:
        length = _PARENT_PREFIX[level]
        if code[:length] != parent.code[:length]:
            raise ValidationError({"code": REGION_CODE_PREFIX.format(length=length, prefix=parent.code[:length])})
    existing = Region.objects.filter(code=code).first()
    if existing is not None:
        raise ConflictError(REGION_CODE_TAKEN.format(code=code, name=existing.full_name), [existing.pk])


@transaction.atomic
def region_create(*, actor=None, parent: Region | None, code: str, name: str) -> Region:
    _require_perm(actor, "organizations.add_region")
    name = _clean_name(name)
    if parent is None:
        if actor is not None and not actor.is_superuser:
            raise ValidationError({"parent": REGION_PARENT_REQUIRED})
        if Region.objects.filter(depth=1).exists():
            raise ValidationError({"parent": REGION_ROOT_EXISTS})
        level = RegionLevel.PROVINCE
    else:
        _require_region_in_scope(actor, parent, field="parent")
        level = parent.child_level
        if level is None:
            raise ValidationError({"parent": REGION_NO_CHILD_LEVEL})
    code = region_code_normalize(code, level)
    _validate_region_code(code, level, parent)
    region = Region(code=code, name=name, level=level, parent=parent, full_name=_region_full_name(parent, name))
    if parent is None:
        return Region.objects.add_root(instance=region)
    return Region.objects.add_child(parent, instance=region)


def _region_full_name(parent: Region | None, name: str) -> str:
    return f"{parent.full_name}{name}" if parent else name


@transaction.atomic
def region_update(*, actor=None, region: Region, name: str) -> Region:
    """Rename a region (its code and place in the tree are fixed once given)."""
    _require_perm(actor, "organizations.change_region")
    _require_region_in_scope(actor, region)
    name = _clean_name(name)
    old_full_name = region.full_name
    region.name = name
    region.full_name = _region_full_name(region.parent, name)
    region.save(update_fields=["name", "full_name", "updated_at"])
    if old_full_name != region.full_name:
        # Regions are few (thousands at village level), so a rename rewrites descendants in Python.
        descendants = Region.objects.get_descendants(region).order_by("depth")
        for child in descendants:
            child.full_name = region.full_name + child.full_name[len(old_full_name) :]
        Region.objects.bulk_update(descendants, ["full_name"])
    return region


@transaction.atomic
def region_delete(*, actor=None, region: Region) -> None:
    _require_perm(actor, "organizations.delete_region")
    _require_region_in_scope(actor, region)
    if region.children.exists():
        raise ConflictError(REGION_HAS_CHILDREN, [child.pk for child in region.children.all()[:20]])
    region.delete()


# Federations ----------------------------------------------------------------------------


@transaction.atomic
def federation_save(*, actor=None, federation: Federation) -> Federation:
    """Create or update a federation kind; only the province adds kinds such as 侨联 or 工商联."""
    _require_perm(actor, f"organizations.{'change' if federation.pk else 'add'}_federation")
    federation.name = _clean_name(federation.name)
    federation.full_name = _clean_name(federation.full_name, field="full_name")
    if "{region}" not in federation.unit_name_template:
        raise ValidationError({"unit_name_template": "命名规则中应包含 {region}。"})
    federation.full_clean()
    federation.save()
    return federation


# Host units -----------------------------------------------------------------------------

_CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_normalize(code: str) -> str:
    return (code or "").strip().upper().replace(" ", "")


def credit_code_is_valid(code: str) -> bool:
    """GB 32100-2015: 18 characters from a 31-symbol alphabet, the last a weighted mod-31 check."""
    if len(code) != 18 or any(char not in _CREDIT_CODE_ALPHABET for char in code):
        return False
    total = sum(
        _CREDIT_CODE_ALPHABET.index(char) * weight for char, weight in zip(code[:17], _CREDIT_CODE_WEIGHTS, strict=True)
    )
    return _CREDIT_CODE_ALPHABET[(31 - total % 31) % 31] == code[17]


def _validate_host_unit(host_unit: HostUnit) -> None:
    host_unit.name = _clean_name(host_unit.name)
    host_unit.credit_code = credit_code_normalize(host_unit.credit_code)
    if host_unit.credit_code:
        if not credit_code_is_valid(host_unit.credit_code):
            raise ValidationError({"credit_code": HOST_UNIT_CREDIT_CODE})
        clash = HostUnit.objects.filter(credit_code=host_unit.credit_code).exclude(pk=host_unit.pk).first()
        if clash is not None:
            raise ConflictError(HOST_UNIT_CREDIT_CODE_TAKEN.format(name=clash.name), [clash.pk])
    host_unit.full_clean(validate_constraints=False)


def _save_guarding_races(instance, conflict_message: str) -> None:
    """Save; a unique constraint tripped by a concurrent writer becomes a 409, not a 500."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise ConflictError(conflict_message) from exc


@transaction.atomic
def host_unit_create(
    *,
    actor=None,
    name: str,
    kind: str,
    region: Region,
    credit_code: str = "",
    head_count: int = 0,
    address: str = "",
) -> HostUnit:
    _require_perm(actor, "organizations.add_hostunit")
    _require_region_in_scope(actor, region)
    host_unit = HostUnit(
        name=name, kind=kind, region=region, credit_code=credit_code, head_count=head_count, address=address
    )
    _validate_host_unit(host_unit)
    _save_guarding_races(host_unit, HOST_UNIT_CREDIT_CODE_TAKEN.format(name="另一单位"))
    return host_unit


_HOST_UNIT_FIELDS = ("name", "kind", "region", "credit_code", "head_count", "address")


@transaction.atomic
def host_unit_update(*, actor=None, host_unit: HostUnit, **changes) -> HostUnit:
    _require_perm(actor, "organizations.change_hostunit")
    _require_region_in_scope(actor, host_unit.region)
    for field, value in changes.items():
        if field not in _HOST_UNIT_FIELDS:
            raise TypeError(f"host_unit_update() got an unexpected field {field!r}")
        setattr(host_unit, field, value)
    if "region" in changes:
        _require_region_in_scope(actor, host_unit.region)
        outside = host_unit.organizations.exclude(region__path__startswith=host_unit.region.path)
        if outside.exists():
            raise ValidationError({"region": ORG_HOST_UNIT_REGION})
    _validate_host_unit(host_unit)
    _save_guarding_races(host_unit, HOST_UNIT_CREDIT_CODE_TAKEN.format(name="另一单位"))
    return host_unit


@transaction.atomic
def host_unit_delete(*, actor=None, host_unit: HostUnit) -> None:
    _require_perm(actor, "organizations.delete_hostunit")
    _require_region_in_scope(actor, host_unit.region)
    host_unit.delete()


# Organizations -------------------------------------------------------------------------


def _organization_level(region: Region, host_unit: HostUnit | None) -> str:
    return OrganizationLevel.GRASSROOTS if host_unit is not None else OrganizationLevel(region.level)


def _validate_organization(organization: Organization) -> None:
    parent, region, host_unit = organization.parent, organization.region, organization.host_unit
    if parent is None:
        if organization.level != OrganizationLevel.PROVINCE:
            raise ValidationError({"parent": ORG_PARENT_REQUIRED})
    else:
        if parent.federation_id != organization.federation_id:
            raise ValidationError({"parent": ORG_PARENT_FEDERATION})
        if parent.level == OrganizationLevel.GRASSROOTS:
            raise ValidationError({"parent": ORG_PARENT_GRASSROOTS})
        if not parent.region.contains(region):
            raise ValidationError({"parent": ORG_PARENT_REGION})
        if organization.pk and parent.path.startswith(organization.path):
            raise ValidationError({"parent": ORG_PARENT_IS_DESCENDANT})
    if host_unit is not None and not region.contains(host_unit.region):
        raise ValidationError({"host_unit": ORG_HOST_UNIT_REGION})
    clash = (
        Organization.objects.filter(federation=organization.federation, region=region, name=organization.name)
        .exclude(pk=organization.pk)
        .first()
    )
    if clash is not None:
        raise ConflictError(
            ORG_NAME_TAKEN.format(federation=organization.federation.name, name=organization.name), [clash.pk]
        )


@transaction.atomic
def organization_create(
    *,
    actor=None,
    name: str,
    federation: Federation,
    region: Region,
    parent: Organization | None = None,
    host_unit: HostUnit | None = None,
) -> Organization:
    _require_perm(actor, "organizations.add_organization")
    if parent is not None:
        # Covering the parent is what counts: a liaison adds units below their own organization.
        _require_organization_in_scope(actor, parent, field="parent")
    else:
        _require_region_in_scope(actor, region)
    organization = Organization(
        name=_clean_name(name),
        federation=federation,
        region=region,
        parent=parent,
        host_unit=host_unit,
        level=_organization_level(region, host_unit),
    )
    _validate_organization(organization)
    conflict = ORG_NAME_TAKEN.format(federation=federation.name, name=organization.name)
    try:
        with transaction.atomic():
            if parent is None:
                return Organization.objects.add_root(instance=organization)
            return Organization.objects.add_child(parent, instance=organization)
    except IntegrityError as exc:
        raise ConflictError(conflict) from exc


_ORGANIZATION_FIELDS = ("name", "region", "parent", "host_unit")


@transaction.atomic
def organization_update(*, actor=None, organization: Organization, **changes) -> Organization:
    """Rename, re-home or move an organization; a move carries its whole subtree along."""
    _require_perm(actor, "organizations.change_organization")
    _require_organization_in_scope(actor, organization, field="organization")
    for field in changes:
        if field not in _ORGANIZATION_FIELDS:
            raise TypeError(f"organization_update() got an unexpected field {field!r}")
    old_parent_id = organization.parent_id
    for field, value in changes.items():
        setattr(organization, field, _clean_name(value) if field == "name" else value)
    if "parent" in changes and organization.parent is not None:
        _require_organization_in_scope(actor, organization.parent, field="parent")
    if "region" in changes:
        _require_region_in_scope(actor, organization.region)
        strays = Organization.objects.get_descendants(organization).exclude(
            region__path__startswith=organization.region.path
        )
        if strays.exists():
            raise ValidationError({"region": ORG_DESCENDANT_OUTSIDE_REGION})
    organization.level = _organization_level(organization.region, organization.host_unit)
    if organization.level == OrganizationLevel.GRASSROOTS and organization.numchild:
        raise ValidationError({"host_unit": ORG_PARENT_GRASSROOTS})
    _validate_organization(organization)
    organization.save()
    if organization.parent_id != old_parent_id:
        if organization.parent is None:
            Organization.objects.move(organization, Organization.objects.get_last_root_node(), "last-sibling")
        else:
            Organization.objects.move(organization, organization.parent, "last-child")
        organization.refresh_from_db()
    return organization


@transaction.atomic
def organization_delete(*, actor=None, organization: Organization) -> None:
    _require_perm(actor, "organizations.delete_organization")
    _require_organization_in_scope(actor, organization, field="organization")
    if organization.numchild:
        raise ConflictError(ORG_HAS_CHILDREN, [child.pk for child in organization.children.all()[:20]])
    organization.delete()


# Roles ----------------------------------------------------------------------------------


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
    _require_perm(actor, "organizations.add_roleassignment")
    if actor is not None and not actor.is_superuser and _role_rank(role) < _highest_rank(actor):
        raise PermissionDenied(NO_PERMISSION)
    _validate_role_node(role, region, organization)
    if region is not None:
        _require_region_in_scope(actor, region)
    else:
        _require_organization_in_scope(actor, organization, field="organization")
    if RoleAssignment.objects.filter(user=user, role=role, region=region, organization=organization).exists():
        raise ConflictError(ROLE_ALREADY_ASSIGNED)
    assignment = RoleAssignment(user=user, role=role, region=region, organization=organization)
    _save_guarding_races(assignment, ROLE_ALREADY_ASSIGNED)
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
    _require_perm(actor, "organizations.delete_roleassignment")
    if assignment.region is not None:
        _require_region_in_scope(actor, assignment.region)
    else:
        _require_organization_in_scope(actor, assignment.organization, field="organization")
    user = assignment.user
    assignment.delete()
    remaining = set(user.role_assignments.values_list("role", flat=True))
    if assignment.role not in remaining:
        user.groups.remove(Group.objects.get(name=group_name(assignment.role)))
    if not remaining and user.is_staff and not user.is_superuser:
        user.is_staff = False
        user.save(update_fields=["is_staff"])
    forget_scope(user)


@transaction.atomic
def regions_load_divisions(rows: list[dict[str, str]]) -> tuple[int, int]:
    """Upsert official divisions (code, name, parent_code), parents first; returns (created, renamed).

    Codes are the key, so running it again, or with a newer year's list, keeps every row
    that points at a region.
    """
    by_code = {region.code: region for region in Region.objects.all()}
    created = renamed = 0
    for row in sorted(rows, key=lambda row: (len(row["parent_code"] or ""), row["code"])):
        level = RegionLevel(row["level"])
        code = region_code_normalize(row["code"], level)
        parent = (
            by_code[region_code_normalize(row["parent_code"], REGION_PARENT_LEVEL[level])]
            if row["parent_code"]
            else None
        )
        region = by_code.get(code)
        if region is None:
            by_code[code] = region_create(parent=parent, code=code, name=row["name"])
            created += 1
        elif region.name != row["name"]:
            region_update(region=region, name=row["name"])
            renamed += 1
    return created, renamed


REGION_PARENT_LEVEL = {
    RegionLevel.PREFECTURE: RegionLevel.PROVINCE,
    RegionLevel.COUNTY: RegionLevel.PREFECTURE,
    RegionLevel.TOWNSHIP: RegionLevel.COUNTY,
    RegionLevel.VILLAGE: RegionLevel.TOWNSHIP,
}
