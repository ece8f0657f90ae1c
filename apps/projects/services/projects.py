"""Service projects: create, edit, start/finish/cancel, goals, and spending through the fund's ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from apps.members.models import IdentityTag
from apps.organizations.models import Organization, Region
from apps.organizations.services.checks import (
    clean_name,
    require_organization_in_scope,
    require_perm,
    require_region_in_scope,
)
from apps.projects.models import (
    Bundle,
    ContentCategory,
    Goal,
    GoalMetric,
    PolicyStandard,
    ProjectExpense,
    ProjectParticipant,
    ProjectRole,
    ProjectStatus,
    ServiceProject,
    ServiceType,
    WorkNature,
)
from apps.resources.models import EntryKind, ExpenseCategory, Fund
from apps.resources.services import ledger_entry_create

PERIOD = "结束日期不能早于开始日期。"
AGE_RANGE = "年龄上限必须大于最低年龄。"
SERVICES_REQUIRED = "请至少选择一项提供的服务。"
BUDGET_NEEDS_FUND = "有预算的项目须选择经费来源。"
BUDGET_NOT_NEGATIVE = "预算不能为负数，且最多两位小数。"
FUND_YEAR = "经费年度 {year} 不在项目期间内。"
STATUS_CHANGE = "项目当前为「{status}」，不能{action}。"
NOT_SPENDABLE = "只有实施中的项目可以记支出。"
NO_FUND = "项目未指定经费来源，不能记支出。"
OVER_BUDGET = "超出项目预算：预算 {budget} 元，已支出 {spent} 元，本笔 {amount} 元。"
GOAL_TARGET = "目标值必须大于 0。"
GOAL_SERVICE = "服务量口径须选择一项服务。"
GOAL_SERVICE_NOT_OFFERED = "项目不提供该服务。"

CENT = Decimal("0.01")
EDITABLE = (
    "name",
    "lead_organization",
    "policy_standard",
    "work_nature",
    "content_category",
    "region",
    "min_age",
    "max_age",
    "gender",
    "fund",
    "budget",
    "start_date",
    "end_date",
    "description",
)


def _validate(project: ServiceProject) -> None:
    errors: dict[str, str] = {}
    if project.start_date > project.end_date:
        errors["end_date"] = PERIOD
    if project.min_age is not None and project.max_age is not None and project.max_age <= project.min_age:
        errors["max_age"] = AGE_RANGE
    budget = Decimal(project.budget)
    if budget < 0 or budget != budget.quantize(CENT):
        errors["budget"] = BUDGET_NOT_NEGATIVE
    elif budget > 0 and project.fund is None:
        errors["fund"] = BUDGET_NEEDS_FUND
    if project.fund is not None and not project.start_date.year <= project.fund.year <= project.end_date.year:
        errors["fund"] = FUND_YEAR.format(year=project.fund.year)
    if errors:
        raise ValidationError(errors)


def _check_places(actor, project: ServiceProject, *, fund: bool = True) -> None:
    require_organization_in_scope(actor, project.lead_organization, field="lead_organization")
    require_region_in_scope(actor, project.region)
    # A provincial fund chosen by the province stays; only choosing a fund needs it in scope.
    if fund and project.fund is not None:
        require_organization_in_scope(actor, project.fund.owner, field="fund")


def _set_participants(project: ServiceProject, participants: Iterable[tuple[Organization, str]]) -> None:
    # Participants are partners drawn in, not writes into their scope (see activity_create).
    rows = {org.pk: (org, role) for org, role in participants if org.pk != project.lead_organization_id}
    project.participants.all().delete()
    ProjectParticipant.objects.bulk_create(
        ProjectParticipant(project=project, organization=org, role=role or ProjectRole.PARTNER)
        for org, role in rows.values()
    )


@transaction.atomic
def project_create(
    *,
    actor=None,
    name: str,
    lead_organization: Organization,
    policy_standard: PolicyStandard,
    work_nature: WorkNature,
    content_category: ContentCategory,
    service_types: Iterable[ServiceType],
    region: Region,
    start_date: dt.date,
    end_date: dt.date,
    participants: Iterable[tuple[Organization, str]] = (),
    target_tags: Iterable[IdentityTag] = (),
    min_age: int | None = None,
    max_age: int | None = None,
    gender: str = "",
    fund: Fund | None = None,
    budget: Decimal = Decimal("0"),
    description: str = "",
    goals: Iterable[dict] = (),
) -> ServiceProject:
    require_perm(actor, "projects.add_serviceproject")
    service_types = list(service_types)
    if not service_types:
        raise ValidationError({"service_types": SERVICES_REQUIRED})
    project = ServiceProject(
        name=clean_name(name),
        lead_organization=lead_organization,
        policy_standard=policy_standard,
        work_nature=work_nature,
        content_category=content_category,
        region=region,
        start_date=start_date,
        end_date=end_date,
        min_age=min_age,
        max_age=max_age,
        gender=gender or "",
        fund=fund,
        budget=budget,
        description=(description or "").strip(),
        created_by=actor,
    )
    _check_places(actor, project)
    _validate(project)
    project.full_clean(
        exclude=["lead_organization", "policy_standard", "work_nature", "content_category", "region", "fund", "bundle"],
        validate_constraints=False,
    )
    project.save()
    project.service_types.set(service_types)
    project.target_tags.set(target_tags)
    _set_participants(project, participants)
    for goal in goals:
        goal_add(actor=actor, project=project, **goal)
    return project


@transaction.atomic
def project_update(
    *,
    actor=None,
    project: ServiceProject,
    service_types: Iterable[ServiceType] | None = None,
    target_tags: Iterable[IdentityTag] | None = None,
    participants: Iterable[tuple[Organization, str]] | None = None,
    **changes,
) -> ServiceProject:
    """Change what was given; the project's records stay as they were."""
    require_perm(actor, "projects.change_serviceproject")
    _check_places(actor, project, fund=False)  # the project as it is: the actor must hold it
    project = ServiceProject.objects.select_for_update().get(pk=project.pk)
    for name, value in changes.items():
        if name not in EDITABLE:
            raise ValidationError({name: "该字段不能修改。"})
        setattr(project, name, value.strip() if isinstance(value, str) else value)
    project.name = clean_name(project.name)
    _check_places(actor, project, fund="fund" in changes)  # and as it will be
    _validate(project)
    project.full_clean(
        exclude=["lead_organization", "policy_standard", "work_nature", "content_category", "region", "fund", "bundle"],
        validate_constraints=False,
    )
    project.save()
    if service_types is not None:
        service_types = list(service_types)
        if not service_types:
            raise ValidationError({"service_types": SERVICES_REQUIRED})
        project.service_types.set(service_types)
    if target_tags is not None:
        project.target_tags.set(target_tags)
    if participants is not None:
        _set_participants(project, participants)
    return project


_TRANSITIONS = {
    "start": ({ProjectStatus.PLANNED}, ProjectStatus.ACTIVE, "启动"),
    "finish": ({ProjectStatus.ACTIVE}, ProjectStatus.FINISHED, "结项"),
    "cancel": ({ProjectStatus.PLANNED, ProjectStatus.ACTIVE}, ProjectStatus.CANCELLED, "取消"),
}


@transaction.atomic
def project_set_status(*, actor=None, project: ServiceProject, action: str) -> ServiceProject:
    """start (筹备中 → 实施中), finish (实施中 → 已结项) or cancel (→ 已取消)."""
    require_perm(actor, "projects.change_serviceproject")
    require_organization_in_scope(actor, project.lead_organization, field="project")
    allowed, target, label = _TRANSITIONS[action]
    project = ServiceProject.objects.select_for_update().get(pk=project.pk)
    if project.status not in allowed:
        raise ValidationError({"status": STATUS_CHANGE.format(status=project.get_status_display(), action=label)})
    project.status = target
    project.save(update_fields=["status", "updated_at"])
    return project


def projects_finish_ended(*, today: dt.date) -> int:
    """Projects whose period is over are closed (idempotent: the update only claims active ones)."""
    return ServiceProject.objects.filter(status=ProjectStatus.ACTIVE, end_date__lt=today).update(
        status=ProjectStatus.FINISHED
    )


def project_spent(project: ServiceProject) -> Decimal:
    """What the project's ledger entries took from the fund, net of their reversals."""
    figures = ProjectExpense.objects.filter(project=project).aggregate(
        spent=Sum("entry__amount"), reversed=Sum("entry__reversed_by__amount")
    )
    return ((figures["spent"] or Decimal("0")) - (figures["reversed"] or Decimal("0"))).quantize(CENT)


@transaction.atomic
def project_expense_record(
    *,
    actor=None,
    project: ServiceProject,
    amount: Decimal,
    date: dt.date,
    voucher_number: str,
    category: ExpenseCategory,
    note: str = "",
) -> ProjectExpense:
    """Spend from the project's budget: an expenditure in its fund's ledger, under the ledger's rules."""
    require_perm(actor, "projects.add_projectexpense")
    require_organization_in_scope(actor, project.lead_organization, field="project")
    project = ServiceProject.objects.select_for_update(of=("self",)).select_related("fund").get(pk=project.pk)
    if project.status != ProjectStatus.ACTIVE:
        raise ValidationError({"project": NOT_SPENDABLE})
    if project.fund is None:
        raise ValidationError({"project": NO_FUND})
    amount = Decimal(amount)
    spent = project_spent(project)
    if amount > 0 and spent + amount > project.budget:
        raise ValidationError({"amount": OVER_BUDGET.format(budget=project.budget, spent=spent, amount=amount)})
    # The ledger checks amount, date, closed periods, balance and voucher number itself.
    entry = ledger_entry_create(
        actor=None,  # the project's budget is the authorization; the fund's owner need not be in scope
        fund=project.fund,
        kind=EntryKind.EXPENDITURE,
        amount=amount,
        date=date,
        voucher_number=voucher_number,
        category=category,
        # The lead unit benefits: a provincial fund spent on a county's project counts as grassroots.
        receiving_organization=project.lead_organization,
        note=f"{project.name}：{note.strip()}" if note.strip() else project.name,
    )
    return ProjectExpense.objects.create(project=project, entry=entry, date=entry.date)


@transaction.atomic
def goal_add(
    *,
    actor=None,
    project: ServiceProject | None = None,
    bundle: Bundle | None = None,
    name: str,
    metric: str,
    target: Decimal,
    service_type: ServiceType | None = None,
) -> Goal:
    require_perm(actor, "projects.add_goal")
    owner = project or bundle
    require_organization_in_scope(actor, owner.lead_organization, field="project" if project else "bundle")
    if Decimal(target) <= 0:
        raise ValidationError({"target": GOAL_TARGET})
    if metric == GoalMetric.QUANTITY:
        if service_type is None:
            raise ValidationError({"service_type": GOAL_SERVICE})
        if project is not None and not project.service_types.filter(pk=service_type.pk).exists():
            raise ValidationError({"service_type": GOAL_SERVICE_NOT_OFFERED})
    else:
        service_type = None
    goal = Goal(project=project, bundle=bundle, name=clean_name(name), metric=metric, target=target)
    goal.service_type = service_type
    goal.full_clean(exclude=["project", "bundle", "service_type"], validate_constraints=False)
    goal.save()
    return goal


@transaction.atomic
def goal_delete(*, actor=None, goal: Goal) -> None:
    require_perm(actor, "projects.delete_goal")
    owner = goal.project or goal.bundle
    require_organization_in_scope(actor, owner.lead_organization, field="goal")
    goal.delete()
