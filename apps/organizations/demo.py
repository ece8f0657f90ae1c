"""Qinghai demo data for the tree: real divisions, the six federations' units, demo users.

Run through `manage.py seed_demo`; every step looks before it writes, so a second run
changes nothing and keeps what users have added or edited.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from apps.organizations.management.commands.load_divisions import read_divisions
from apps.organizations.models import (
    Federation,
    HostUnit,
    HostUnitKind,
    Organization,
    Region,
    RegionLevel,
    Role,
    RoleAssignment,
)
from apps.organizations.services import (
    host_unit_create,
    organization_create,
    regions_load_divisions,
    role_assign,
)

DEMO_PASSWORD = "qunzhi-demo-2026"

# Real industrial parks of the 西宁经济技术开发区, by county code.
DEMO_HOST_UNITS = [
    ("东川工业园区", HostUnitKind.INDUSTRIAL_PARK, "630102"),
    ("南川工业园区", HostUnitKind.INDUSTRIAL_PARK, "630103"),
    ("生物科技产业园区", HostUnitKind.INDUSTRIAL_PARK, "630105"),
    ("甘河工业园区", HostUnitKind.INDUSTRIAL_PARK, "630106"),
]

# (username, name, role, region code or None, organization name or None)
DEMO_USERS = [
    ("province_admin", "省级管理员（演示）", Role.PROVINCE_ADMIN, "630000", None),
    ("xining_admin", "西宁市管理员（演示）", Role.PREFECTURE_ADMIN, "630100", None),
    ("chengdong_staff", "城东区服务中心（演示）", Role.COUNTY_STAFF, "630102", None),
    ("chengzhong_staff", "城中区服务中心（演示）", Role.COUNTY_STAFF, "630103", None),
    ("chengdong_union", "城东区总工会联络员（演示）", Role.FEDERATION_LIAISON, None, "西宁市城东区总工会"),
    ("mobile_user", "移动端用户（演示）", None, None, None),
]


def unit_region_display(region: Region, province: Region) -> str:
    """The region part of a unit's name: 青海省, 西宁市, 西宁市城东区 (the province only for its own units)."""
    if region.pk == province.pk:
        return region.name
    return region.full_name.removeprefix(province.name)


def seed_organizations() -> int:
    """The provincial, prefectural and county units of every federation, each under its parent."""
    regions = list(Region.objects.filter(level__in=[RegionLevel.PROVINCE, RegionLevel.PREFECTURE, RegionLevel.COUNTY]))
    province = next(region for region in regions if region.level == RegionLevel.PROVINCE)
    existing = {(o.federation_id, o.region_id): o for o in Organization.objects.filter(host_unit__isnull=True)}
    created = 0
    for federation in Federation.objects.all():
        units_by_region: dict[int, Organization] = {}
        for region in sorted(regions, key=lambda r: r.depth):
            unit = existing.get((federation.pk, region.pk))
            if unit is None:
                unit = organization_create(
                    name=federation.unit_name(unit_region_display(region, province)),
                    federation=federation,
                    region=region,
                    parent=units_by_region.get(region.parent_id),
                )
                created += 1
            units_by_region[region.pk] = unit
    return created


def seed_host_units() -> None:
    for name, kind, region_code in DEMO_HOST_UNITS:
        region = Region.objects.get(code=region_code)
        if not HostUnit.objects.filter(name=name, region=region).exists():
            host_unit_create(name=name, kind=kind, region=region)


def seed_users() -> list[str]:
    User = get_user_model()
    lines = ["", "演示账号（首次创建时的密码；已改过的密码保持不变）："]
    for username, name, role, region_code, organization_name in DEMO_USERS:
        user, created = User.objects.get_or_create(username=username, defaults={"name": name})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if role is not None:
            region = Region.objects.get(code=region_code) if region_code else None
            organization = Organization.objects.get(name=organization_name) if organization_name else None
            if not RoleAssignment.objects.filter(
                user=user, role=role, region=region, organization=organization
            ).exists():
                role_assign(user=user, role=role, region=region, organization=organization)
        label = Role(role).label if role else "无角色，仅用移动端接口"
        lines.append(f"  {username:<18} {DEMO_PASSWORD}  {name} · {label}")
    return lines


def seed() -> list[str]:
    created_regions, _ = regions_load_divisions(read_divisions())
    created_units = seed_organizations()
    seed_host_units()
    lines = [f"区划新增 {created_regions} 个，群团组织新增 {created_units} 个。"]
    return lines + seed_users()
