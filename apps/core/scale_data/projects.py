"""Service projects (服务共融) with partner units and the beneficiary ledger (service records).

A project for every 2,000 people (a county runs a few dozen a year across its federations),
led by a county unit or, one in five, a prefecture's, on the lines of the demo's projects:
暖心工程 heated-kang retrofits, barrier-free homes, skills contests, family education,
skills training for farmers and herders, hardship relief, health checks. Service records
grow with N (0.1 per person), drawn from the people of the project's area who fit its
target group; a one-off service (a retrofit) reaches a person once, whichever project.
A project with a fund spends from it: about a quarter of the fund's expenditures during the
project, up to its budget, are the project's (as project_expense_record writes them: the lead
unit receives, the note names the project).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from psycopg2.extras import execute_values

from apps.core.scale_data.context import HISTORY_START
from apps.core.scale_data.copy import local
from apps.core.scale_data.memberships import DISABLED, FARMER, FEMALE
from apps.projects.models import (
    ContentCategory,
    PolicyStandard,
    ProjectExpense,
    ProjectParticipant,
    ServiceProject,
    ServiceRecord,
    ServiceType,
    WorkNature,
)
from apps.resources.models import LedgerEntry

PROJECTS_PER_PERSON = 1 / 2000
SERVICE_RECORDS_PER_PERSON = 0.1
EXPENSE_SHARE = 0.25  # of the fund's expenditures while the project runs
PREFECTURE_SHARE = 0.2
# Policy standards the projects follow (reference data a province enters; added when missing).
POLICIES = [
    ("warm_kang", "农牧区电热炕改造补助标准", "暖心工程实施方案（示例）", "每户补助不超过 3000 元。"),
    ("barrier_free", "困难残疾人家庭无障碍改造标准", "家庭无障碍改造实施办法（示例）", "每户不超过 5000 元。"),
    ("skills_contest", "职业技能竞赛奖励办法", "职业技能竞赛组织办法（示例）", "前三名按技能等级晋升。"),
    ("family_education", "家庭教育指导服务规范", "家庭教育促进实施办法（示例）", "每个社区每年不少于 4 次。"),
    ("skills_training", "农牧民职业技能培训补贴标准", "职业技能提升行动方案（示例）", "每人每期补贴 1500 元。"),
    ("hardship_relief", "困难职工帮扶救助标准", "困难职工解困脱困办法（示例）", "每户每年不超过 5000 元。"),
    ("health_check", "妇女“两癌”免费检查标准", "妇女健康行动实施方案（示例）", "适龄妇女每两年一次。"),
]
# name, lead federation, policy, work nature, content, service type, target: (flag, min age, max age, gender)
TEMPLATES = [
    ("暖心工程·{place}职工家庭电热炕改造", "union", "warm_kang", "care", "warm_heart", "kang_retrofit",
     (0, None, None, "")),
    ("{place}巾帼暖炕行动", "women", "warm_kang", "care", "warm_heart", "kang_retrofit", (0, None, None, "")),
    ("{place}困难残疾人家庭无障碍改造", "disabled", "barrier_free", "care", "barrier_free", "barrier_free_home",
     (DISABLED, None, None, "")),
    ("{place}青年职业技能大赛", "youth_league", "skills_contest", "achievement", "skills_contest",
     "skills_contest_entry", (0, 16, 36, "")),
    ("{place}家庭教育指导进社区", "women", "family_education", "quality", "family_education", "family_guidance",
     (0, 18, None, "")),
    ("{place}农牧民职业技能培训", "science", "skills_training", "quality", "employment", "skills_training",
     (FARMER, 18, 60, "")),
    ("{place}困难职工帮扶救助", "union", "hardship_relief", "care", "hardship_relief", "hardship_grant",
     (0, 18, None, "")),
    ("{place}妇女健康体检", "women", "health_check", "care", "health", "health_check", (FEMALE, 35, 65, "female")),
]  # fmt: skip
TAG_OF_FLAG = {DISABLED: "disabled", FARMER: "farmer_herder"}
AMOUNT = {"kang_retrofit": Decimal("3000"), "barrier_free_home": Decimal("5000"), "hardship_grant": Decimal("2000")}


@dataclass(slots=True)
class ProjectRow:
    id: int
    name: str
    lead: int
    policy: int
    nature: int
    content: int
    region: int
    min_age: int | None
    max_age: int | None
    gender: str
    fund: int | None
    budget: Decimal
    start: dt.date
    end: dt.date
    status: str
    service: str  # the service type's code
    flag: int  # a person flag the target group asks for (0: none)


def _policies() -> dict[str, int]:
    with connection.cursor() as cursor:
        for order, (code, name, document, standard) in enumerate(POLICIES, start=1):
            cursor.execute(
                # The table is the model's own name; the values are parameters.
                f"INSERT INTO {PolicyStandard._meta.db_table} (code, name, document, standard, sort_order) "  # nosec B608
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                [code, name, document, standard, order * 10],
            )
    return dict(PolicyStandard.objects.values_list("code", "id"))


def build(ctx) -> None:
    rng = ctx.rng("projects")
    tree, divisions = ctx.tree, ctx.divisions
    policies = _policies()
    natures = dict(WorkNature.objects.values_list("code", "id"))
    contents = dict(ContentCategory.objects.values_list("code", "id"))
    types = {code: (pk, one_off) for code, pk, one_off in ServiceType.objects.values_list("code", "id", "one_off")}
    tags = ctx.shared["tag_ids"]
    codes = [f.code for f in tree.federations]
    projects, participants, links, target_links = [], [], [], []
    for project_id in range(1, ctx.scaled(PROJECTS_PER_PERSON, minimum=len(TEMPLATES)) + 1):
        name, lead_code, policy, nature, content, service, target = TEMPLATES[(project_id - 1) % len(TEMPLATES)]
        county = divisions.counties[rng.randrange(len(divisions.counties))]
        place = county.prefecture if rng.random() < PREFECTURE_SHARE else county.place
        lead = tree.official(lead_code, place.id)
        start = HISTORY_START + dt.timedelta(days=rng.randrange(640))
        end = start + dt.timedelta(days=rng.randint(120, 365))
        now = ctx.as_of
        status = "planned" if start > now else "active" if end >= now else "finished"
        status = "cancelled" if status == "finished" and rng.random() < 0.05 else status
        fund = ctx.shared.get("funds", {}).get((lead.id, start.year))
        budget = Decimal(rng.randrange(50, 500) * 1000)
        flag, min_age, max_age, gender = target
        projects.append(ProjectRow(project_id, name.format(place=place.name), lead.id, policies[policy],
                                   natures[nature], contents[content], place.id, min_age, max_age, gender, fund, budget,
                                   start, end, status, service, flag))  # fmt: skip
        links.append((project_id, types[service][0]))
        if flag in TAG_OF_FLAG and TAG_OF_FLAG[flag] in tags:
            target_links.append((project_id, tags[TAG_OF_FLAG[flag]]))
        for other in rng.sample([c for c in codes if c != lead_code], rng.randint(0, 2)):
            participants.append((project_id, tree.official(other, place.id).id, rng.choice(["partner", "support"])))
    _write(ctx, projects, participants, links, target_links)
    _records(ctx, rng, projects, types, participants)
    _expenses(ctx, projects)


def _write(ctx, projects, participants, links, target_links) -> None:
    fields = (
        "id", "created_at", "updated_at", "name", "lead_organization", "policy_standard", "work_nature",
        "content_category", "region", "min_age", "max_age", "gender", "fund", "budget", "start_date", "end_date",
        "status", "bundle", "description", "created_by",
    )  # fmt: skip
    ctx.copy(
        ServiceProject,
        fields,
        ((p.id, created, created, p.name, p.lead, p.policy, p.nature, p.content, p.region, p.min_age, p.max_age,
          p.gender, p.fund, p.budget, p.start, p.end, p.status, None, "", None)
         for p in projects for created in (local(p.start - dt.timedelta(days=20), 9),)),
    )  # fmt: skip
    ctx.copy(ServiceProject.service_types.through, ("serviceproject", "servicetype"), links)
    ctx.copy(ServiceProject.target_tags.through, ("serviceproject", "identitytag"), target_links)
    ctx.copy(ProjectParticipant, ("project", "organization", "role"), participants)


def _records(ctx, rng, projects, types, participants) -> None:
    serving = [p for p in projects if p.status in ("active", "finished")]
    if not serving:
        return
    partners: dict[int, list[int]] = {}
    for project_id, organization, _ in participants:
        partners.setdefault(project_id, []).append(organization)
    people, divisions = ctx.people, ctx.divisions
    pools = people.by_county()
    served_once: set[tuple[int, int]] = set()
    records = []
    per_project = max(1, ctx.scaled(SERVICE_RECORDS_PER_PERSON) // len(serving))
    for project in serving:
        project_id, lead, start, service, flag = project.id, project.lead, project.start, project.service, project.flag
        min_age, max_age, gender = project.min_age, project.max_age, project.gender
        type_id, one_off = types[service]
        counties = [c for c in divisions.counties if project.region in (c.place.id, c.prefecture.id)]
        pool = [p for c in counties for p in pools.get(c.index, ())]
        last = min(project.end, ctx.as_of)
        served = 0
        for _ in range(per_project * 5 if pool else 0):
            if served == per_project:
                break
            person = pool[rng.randrange(len(pool))]
            age, flags = people.age[person - 1], people.flags[person - 1]
            if flag and not flags & flag or gender == "female" and not flags & FEMALE:
                continue
            # Ages are on the data's day; the service checks them on the record's date, up to two years earlier.
            if min_age is not None and age < min_age + 2 or max_age is not None and age >= max_age:
                continue
            if one_off and (person, type_id) in served_once:
                continue
            served_once.add((person, type_id))
            served += 1
            day = start + dt.timedelta(days=rng.randrange(max(1, (last - start).days + 1)))
            quantity = AMOUNT[service] if service == "hardship_grant" else Decimal(1)
            organization = rng.choice([lead, *partners.get(project_id, [])])
            records.append((project_id, person, type_id, one_off, organization, day, quantity, AMOUNT.get(service)))
    fields = (
        "created_at", "updated_at", "project", "person", "service_type", "one_off", "organization", "date",
        "quantity", "amount", "note", "recorded_by",
    )  # fmt: skip
    ctx.copy(
        ServiceRecord,
        fields,
        (
            (local(day, 15), local(day, 15), p, person, t, one_off, org, day, quantity, amount, "", None)
            for p, person, t, one_off, org, day, quantity, amount in records
        ),
    )


def _expenses(ctx, projects) -> None:
    rng = ctx.rng("project_expenses")
    spendable = ctx.shared.get("expenditures", {})
    claimed: set[int] = set()
    expenses, entries = [], []
    for project in projects:
        if project.fund is None or project.status not in ("active", "finished"):
            continue
        last, spent = min(project.end, ctx.as_of), Decimal(0)
        for entry_id, day, amount in spendable.get(project.fund, ()):
            if not project.start <= day <= last or entry_id in claimed or rng.random() >= EXPENSE_SHARE:
                continue
            if spent + amount > project.budget:
                break
            spent += amount
            claimed.add(entry_id)
            expenses.append((project.id, entry_id, day))
            entries.append((entry_id, project.lead, project.name))
    ctx.copy(ProjectExpense, ("project", "entry", "date"), expenses)
    # The entries are already in the ledger as plain expenditures; they become the project's.
    execute_values(
        ctx.cursor.cursor,
        # The table is the model's own name; the values are parameters.
        f"UPDATE {LedgerEntry._meta.db_table} e SET receiving_organization_id = v.lead, note = v.note "  # nosec B608
        "FROM (VALUES %s) v(id, lead, note) WHERE e.id = v.id",
        entries,
        page_size=5000,
    )
