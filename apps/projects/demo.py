"""Demo: 城东区 service projects — two bundling suggestions waiting, one bundle running, records served.

The policy standards are illustrative (a province enters its own in the admin); the
projects follow the practice: 暖心工程 heated-kang retrofits by the union and the Women's
Federation, barrier-free home adaptations by the Disabled Persons' and Women's Federations,
and a youth/worker vocational-skills contest already bundled under the Youth League.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.core.exceptions import ConflictError
from apps.members.models import IdentityTag, Person
from apps.organizations.models import Organization, Region
from apps.projects.models import (
    ContentCategory,
    GoalMetric,
    PolicyStandard,
    ProjectRole,
    ServiceProject,
    ServiceType,
    WorkNature,
)
from apps.projects.services import (
    bundle_create,
    project_create,
    project_expense_record,
    project_set_status,
    service_record_create,
)
from apps.resources.models import ExpenseCategory, Fund

POLICIES = [
    (
        "warm_kang",
        "农牧区电热炕改造补助标准",
        "暖心工程实施方案（示例）",
        "每户补助不超过 3000 元，优先困难职工和困难家庭。",
    ),
    ("barrier_free", "困难残疾人家庭无障碍改造标准", "家庭无障碍改造实施办法（示例）", "每户改造经费不超过 5000 元。"),
    ("skills_contest", "职业技能竞赛奖励办法", "职业技能竞赛组织办法（示例）", "前三名按技能等级晋升并给予奖励。"),
    ("family_education", "家庭教育指导服务规范", "家庭教育促进实施办法（示例）", "每个社区每年不少于 4 次指导活动。"),
]

# name, lead, policy, nature, content, services, tags, (min_age, max_age), budget, partners
PROJECTS = [
    ("暖心工程·城东区职工家庭电热炕改造", "西宁市城东区总工会", "warm_kang", "care", "warm_heart",
     ["kang_retrofit"], [], (None, None), Decimal("150000"), []),
    ("暖心工程·巾帼暖炕行动", "西宁市城东区妇女联合会", "warm_kang", "care", "warm_heart",
     ["kang_retrofit"], [], (None, None), Decimal("0"), []),
    ("困难残疾人家庭无障碍改造", "西宁市城东区残疾人联合会", "barrier_free", "care", "barrier_free",
     ["barrier_free_home"], ["disabled"], (None, None), Decimal("0"), [("西宁市城东区红十字会", ProjectRole.SUPPORT)]),
    ("巾帼助残·家庭无障碍改造", "西宁市城东区妇女联合会", "barrier_free", "rights", "barrier_free",
     ["barrier_free_home"], ["disabled"], (None, None), Decimal("0"), []),
    ("城东区青年职业技能大赛", "共青团西宁市城东区委员会", "skills_contest", "achievement", "skills_contest",
     ["skills_contest_entry"], [], (16, 36), Decimal("0"), []),
    ("城东区职工职业技能竞赛", "西宁市城东区总工会", "skills_contest", "achievement", "skills_contest",
     ["skills_contest_entry"], ["worker", "migrant_worker"], (16, None), Decimal("0"), []),
    ("家庭教育指导进社区", "西宁市城东区妇女联合会", "family_education", "quality", "family_education",
     ["family_guidance"], [], (None, None), Decimal("0"), [("共青团西宁市城东区委员会", ProjectRole.PARTNER)]),
]  # fmt: skip

BUNDLE = "城东区职业技能竞赛捆绑项目"
PEOPLE_PER_PROJECT = 4


def _policies() -> dict[str, PolicyStandard]:
    for order, (code, name, document, standard) in enumerate(POLICIES, start=1):
        PolicyStandard.objects.get_or_create(
            code=code, defaults={"name": name, "document": document, "standard": standard, "sort_order": order * 10}
        )
    return {policy.code: policy for policy in PolicyStandard.objects.all()}


def _projects(region: Region) -> int:
    policies = _policies()
    natures = {nature.code: nature for nature in WorkNature.objects.all()}
    contents = {content.code: content for content in ContentCategory.objects.all()}
    services = {service.code: service for service in ServiceType.objects.all()}
    tags = {tag.code: tag for tag in IdentityTag.objects.all()}
    year = timezone.localdate().year
    fund = Fund.objects.filter(owner__name="青海省总工会", year=year, name="省总工会自有经费").first()
    created = 0
    for name, lead, policy, nature, content, offered, tag_codes, (low, high), budget, partners in PROJECTS:
        if ServiceProject.objects.filter(name=name).exists():
            continue
        project = project_create(
            name=name,
            lead_organization=Organization.objects.get(name=lead),
            policy_standard=policies[policy],
            work_nature=natures[nature],
            content_category=contents[content],
            service_types=[services[code] for code in offered],
            region=region,
            start_date=dt.date(year, 1, 1),
            end_date=dt.date(year, 12, 31),
            participants=[(Organization.objects.get(name=org), role) for org, role in partners],
            target_tags=[tags[code] for code in tag_codes],
            min_age=low,
            max_age=high,
            fund=fund if budget else None,
            budget=budget,
            goals=[{"name": "服务人数", "metric": GoalMetric.PEOPLE, "target": Decimal("50")}],
        )
        project_set_status(project=project, action="start")
        created += 1
    return created


def _served(region: Region) -> int:
    """Residents served: a kang retrofit, and workers who entered both skills contests (counted once in the bundle)."""
    today = timezone.localdate()
    day = max(today - dt.timedelta(days=30), today.replace(month=1, day=1))
    people = Person.objects.filter(region__path__startswith=region.path).prefetch_related("identity_tags")
    served = 0
    for project in ServiceProject.objects.filter(region=region, status="active").prefetch_related("service_types"):
        if project.service_records.exists():
            continue
        service = project.service_types.first()
        recorded = 0
        for person in people:
            if recorded == PEOPLE_PER_PROJECT:
                break
            try:
                service_record_create(project=project, person=person, service_type=service, date=day)
                recorded += 1
            except (ValidationError, ConflictError):  # outside the project's target group, or already served
                continue
        served += recorded
    return served


def _spending() -> None:
    project = ServiceProject.objects.filter(name=PROJECTS[0][0], fund__isnull=False).first()
    if project is None or project.expenses.exists():
        return
    project_expense_record(
        project=project,
        amount=Decimal("12000.00"),
        date=timezone.localdate(),
        voucher_number="DEMO-P01",
        category=ExpenseCategory.objects.get(code="grassroots_service"),
        note="首批 4 户电热炕改造材料费",
    )


# The rest of the province: the practice counts over 100 collaborative projects a year. One per
# county and content below, each led by one federation with two others taking part.
# content, policy, nature, services, lead federation, partner federations
PROVINCE_CONTENTS = [
    ("warm_heart", "warm_kang", "care", ["kang_retrofit"], "union", ["women", "red_cross"]),
    ("skills_contest", "skills_contest", "achievement", ["skills_contest_entry"], "youth_league", ["union", "science"]),
    ("family_education", "family_education", "quality", ["family_guidance"], "women", ["youth_league", "science"]),
    ("barrier_free", "barrier_free", "care", ["barrier_free_home"], "disabled", ["women", "red_cross"]),
    ("legal_aid", "legal_aid", "rights", ["legal_consultation"], "union", ["women", "youth_league"]),
    (
        "employment",
        "employment",
        "achievement",
        ["skills_training", "job_referral"],
        "youth_league",
        ["union", "women"],
    ),
    ("health", "health", "care", ["health_check"], "red_cross", ["women", "disabled"]),
]
PROVINCE_POLICIES = [
    ("legal_aid", "职工法律援助服务标准", "法律援助工作办法（示例）", "困难职工法律援助应援尽援。"),
    ("employment", "就业创业服务补助标准", "就业创业促进办法（示例）", "每人每年职业技能培训补贴不超过 2000 元。"),
    ("health", "群众健康服务规范", "健康服务进基层实施方案（示例）", "困难群众每年免费体检一次。"),
]
PROVINCE_PROJECTS = 104
PROVINCE_YEAR = 2026


def _province_projects() -> int:
    """104 collaborative projects over Qinghai's counties outside 城东区, running through 2026."""
    counties = list(Region.objects.filter(level="county").exclude(code="630102").order_by("code"))
    first = f"{counties[0].name}{ContentCategory.objects.get(code=PROVINCE_CONTENTS[0][0]).name}协作项目"
    if ServiceProject.objects.filter(name=first).exists():
        return 0
    for code, name, document, standard in PROVINCE_POLICIES:
        PolicyStandard.objects.get_or_create(
            code=code, defaults={"name": name, "document": document, "standard": standard}
        )
    policies, natures = _policies(), {n.code: n for n in WorkNature.objects.all()}
    contents = {c.code: c for c in ContentCategory.objects.all()}
    services = {s.code: s for s in ServiceType.objects.all()}
    units = {
        (o.region_id, o.federation.code): o
        for o in Organization.objects.filter(region__in=counties, host_unit__isnull=True).select_related("federation")
    }
    created = 0
    for index in range(PROVINCE_PROJECTS):
        county = counties[index % len(counties)]
        content, policy, nature, offered, lead, partners = PROVINCE_CONTENTS[index % len(PROVINCE_CONTENTS)]
        project = project_create(
            name=f"{county.name}{contents[content].name}协作项目",
            lead_organization=units[(county.pk, lead)],
            policy_standard=policies[policy],
            work_nature=natures[nature],
            content_category=contents[content],
            service_types=[services[code] for code in offered],
            region=county,
            start_date=dt.date(PROVINCE_YEAR, 3, 1),
            end_date=dt.date(PROVINCE_YEAR, 12, 31),
            participants=[(units[(county.pk, code)], ProjectRole.PARTNER) for code in partners],
            description="群团协作项目（演示）",
        )
        project_set_status(project=project, action="start")
        created += 1
    return created


def seed() -> list[str]:
    province = _province_projects()
    region = Region.objects.get(code="630102")
    created = _projects(region)
    served = _served(region)
    _spending()
    contests = list(ServiceProject.objects.filter(content_category__code="skills_contest", region=region, bundle=None))
    if len(contests) >= 2 and not ServiceProject.objects.filter(bundle__name=BUNDLE).exists():
        lead = Organization.objects.get(name="共青团西宁市城东区委员会")
        bundle_create(name=BUNDLE, lead_organization=lead, projects=contests)
    return [
        f"演示服务项目：城东区新增 {created} 个（含 1 个捆绑项目和 2 组可捆绑建议），服务记录新增 {served} 条；"
        f"全省其他县区协作项目新增 {province} 个。"
    ]
