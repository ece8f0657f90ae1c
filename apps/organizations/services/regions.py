"""Regions: the official divisions, and villages added by users."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core.exceptions import ConflictError
from apps.organizations.models import (
    Region,
    RegionLevel,
)
from apps.organizations.services.checks import (
    clean_name,
    require_perm,
    require_region_in_scope,
)

REGION_CODE_FORMAT = "区划代码应为 {digits} 位数字。"
REGION_CODE_PREFIX = "区划代码应以上级区划代码的前 {length} 位“{prefix}”开头。"
REGION_CODE_TAKEN = "区划代码 {code} 已被“{name}”使用。"
REGION_PARENT_REQUIRED = "请选择上级区划。"
REGION_ROOT_EXISTS = "省级区划只能有一个。"
REGION_NO_CHILD_LEVEL = "村社区是最低一级区划，不能再添加下级。"
REGION_HAS_CHILDREN = "该区划下仍有下级区划，不能删除。"


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
    require_perm(actor, "organizations.add_region")
    name = clean_name(name)
    if parent is None:
        if actor is not None and not actor.is_superuser:
            raise ValidationError({"parent": REGION_PARENT_REQUIRED})
        if Region.objects.filter(depth=1).exists():
            raise ValidationError({"parent": REGION_ROOT_EXISTS})
        level = RegionLevel.PROVINCE
    else:
        require_region_in_scope(actor, parent, field="parent")
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
    require_perm(actor, "organizations.change_region")
    require_region_in_scope(actor, region)
    name = clean_name(name)
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
    require_perm(actor, "organizations.delete_region")
    require_region_in_scope(actor, region)
    if region.children.exists():
        raise ConflictError(REGION_HAS_CHILDREN, [child.pk for child in region.children.all()[:20]])
    region.delete()


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
