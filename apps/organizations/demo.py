"""Qinghai demo data for the tree: real divisions, the six federations' units, demo users.

Run through `manage.py seed_demo`; every step looks before it writes, so a second run
changes nothing and keeps what users have added or edited.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.organizations.management.commands.load_divisions import read_divisions
from apps.organizations.models import (
    Federation,
    FollowUp,
    HostUnit,
    HostUnitKind,
    Meeting,
    MeetingKind,
    Organization,
    Region,
    RegionLevel,
    Role,
    RoleAssignment,
)
from apps.organizations.services import (
    follow_up_complete,
    host_unit_create,
    joint_branch_establish,
    meeting_create,
    organization_create,
    regions_load_divisions,
    role_assign,
)

# The published demo password; production seeds no demo data.
DEMO_PASSWORD = "qunzhi-demo-2026"  # nosec B105
DEMO_MEETING = "城东区群团联席会议（演示）"

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


# Host units where the federations set up together (联建), and some where branches are still missing.
# name, kind, county, employees, federations set up together (empty: none yet), days ago
DEMO_JOINT = [
    ("生物科技产业园区", HostUnitKind.INDUSTRIAL_PARK, "630105", 0, ["union", "youth_league", "women", "science"], 400),
    ("力盟商业巷商圈", HostUnitKind.BUSINESS_DISTRICT, "630102", 1200, ["union", "youth_league", "women"], 200),
    ("青海云端网络科技有限公司", HostUnitKind.INTERNET_FIRM, "630104", 86, ["union", "women"], 90),
    ("西宁市小商品批发市场", HostUnitKind.PROFESSIONAL_MARKET, "630103", 300, [], 0),
    ("青海高原牦牛乳业有限公司", HostUnitKind.ENTERPRISE, "630102", 140, [], 0),
]


def seed_cobuilding() -> int:
    """Joint branches, and three joint meetings of 城东区 and 西宁市 with follow-ups (one overdue)."""
    today = timezone.localdate()
    created = 0
    for name, kind, code, employees, federations, days_ago in DEMO_JOINT:
        region = Region.objects.get(code=code)
        unit = HostUnit.objects.filter(name=name, region=region).first()
        if unit is None:
            unit = host_unit_create(name=name, kind=kind, region=region, head_count=employees)
        if federations and not unit.joint_branches.exists():
            joint_branch_establish(
                host_unit=unit,
                federations=list(Federation.objects.filter(code__in=federations)),
                established_on=today - dt.timedelta(days=days_ago),
                note="党委牵头，群团组织同步建立（演示）",
            )
            created += 1
    if Meeting.objects.filter(title=DEMO_MEETING).exists():
        return created

    def unit(code: str, federation: str) -> Organization:
        return Organization.objects.get(region__code=code, federation__code=federation, host_unit__isnull=True)

    chengdong = [unit("630102", f) for f in ("youth_league", "women", "disabled", "science", "red_cross")]
    meeting_create(
        kind=MeetingKind.JOINT,
        title=DEMO_MEETING,
        held_on=today - dt.timedelta(days=40),
        host=unit("630102", "union"),
        attendees=chengdong,
        minutes="研究群众之家共建共用、暖心工程捆绑实施和年度联合培训计划。",
        decisions=[
            {
                "text": "群众之家功能室向各群团开放预约，每月通报使用情况",
                "follow_ups": [
                    {"organization": unit("630102", "union"), "task": "制定功能室共用预约规则",
                     "due_date": today - dt.timedelta(days=10)},  # overdue: the reminder has something to say
                    {"organization": chengdong[1], "task": "汇总妇女之家活动需求",
                     "due_date": today + dt.timedelta(days=20)},
                ],
            },
            {
                "text": "暖心工程电热炕改造由总工会牵头、妇联配合捆绑实施",
                "follow_ups": [
                    {"organization": chengdong[1], "task": "摸排困难妇女家庭名单",
                     "due_date": today - dt.timedelta(days=20)},
                ],
            },
        ],
    )  # fmt: skip
    meeting_create(
        kind=MeetingKind.REGULAR,
        title="西宁市群团工作例会（演示）",
        held_on=today - dt.timedelta(days=15),
        host=unit("630100", "union"),
        attendees=[unit("630100", f) for f in ("youth_league", "women", "disabled", "science", "red_cross")],
        minutes="通报各县区群团服务中心值班和联建进展。",
        decisions=[
            {
                "text": "各县区年底前完成专业市场、互联网企业群团组织联建",
                "follow_ups": [
                    {"organization": unit("630103", "union"), "task": "小商品批发市场建立工会和妇委会",
                     "due_date": today + dt.timedelta(days=30)},
                ],
            }
        ],
    )  # fmt: skip
    meeting_create(
        kind=MeetingKind.ON_SITE,
        title="生物科技产业园区联建现场观摩会（演示）",
        held_on=today - dt.timedelta(days=5),
        host=unit("630100", "youth_league"),
        attendees=[unit("630100", "union"), unit("630100", "women"), unit("630105", "science")],
        minutes="观摩园区群团组织联建和职工服务阵地。",
    )
    # The first follow-up of the meeting was in fact done: one done, one overdue, two open.
    done = FollowUp.objects.get(task="摸排困难妇女家庭名单")
    follow_up_complete(follow_up=done, result="已摸排 36 户，名单报总工会", done_on=today - dt.timedelta(days=22))
    return created


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
    joint = seed_cobuilding()
    lines = [f"区划新增 {created_regions} 个，群团组织新增 {created_units} 个，联建新增 {joint} 处。"]
    return lines + seed_users()
