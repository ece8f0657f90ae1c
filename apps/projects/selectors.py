"""Scoped reads of projects, bundles and service records, their figures and the bundling suggestions."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from apps.members.models import IdentityTag
from apps.organizations.scoping import scoped
from apps.projects.bundling import Candidate, Suggestion, bundle_suggestions
from apps.projects.models import (
    Bundle,
    Goal,
    GoalMetric,
    ProjectExpense,
    ProjectParticipant,
    ProjectStatus,
    ServiceProject,
    ServiceRecord,
)
from apps.projects.targets import TargetGroup

MONEY = DecimalField(max_digits=16, decimal_places=2)
ZERO = Decimal("0.00")


def _count(records: QuerySet, aggregate) -> Subquery:
    return Coalesce(
        Subquery(records.order_by().values("project").annotate(n=aggregate).values("n")[:1]),
        Value(0),
        output_field=IntegerField(),
    )


def _spent(expenses: QuerySet, group_by: str) -> Coalesce:
    net = Sum("entry__amount") - Coalesce(Sum("entry__reversed_by__amount"), Value(ZERO), output_field=MONEY)
    return Coalesce(
        Subquery(expenses.order_by().values(group_by).annotate(s=net).values("s")[:1], output_field=MONEY),
        Value(ZERO),
        output_field=MONEY,
    )


def with_figures(projects: QuerySet) -> QuerySet:
    """Records, distinct people and net spending of each project, as subqueries (no join blow-up)."""
    records = ServiceRecord.objects.filter(project=OuterRef("pk"))
    return projects.annotate(
        records_count=_count(records, Count("pk")),
        people_served=_count(records, Count("person", distinct=True)),
        spent=_spent(ProjectExpense.objects.filter(project=OuterRef("pk")), "project"),
    )


def of_federation(projects: QuerySet, federation) -> QuerySet:
    """Projects the federation leads or takes part in."""
    taking_part = ProjectParticipant.objects.filter(organization__federation=federation).values("project_id")
    return projects.filter(Q(lead_organization__federation=federation) | Q(pk__in=taking_part))


def project_expense_list(project: ServiceProject) -> QuerySet:
    """A project's spending, newest first, with each entry's reversal (the project is already in scope)."""
    return (
        ProjectExpense.objects.filter(project=project)
        .select_related("entry__category", "entry__reversed_by")
        .order_by("-date", "-id")
    )


def project_list(
    *,
    user,
    federation=None,
    policy_standard=None,
    work_nature=None,
    content_category=None,
    status: str | None = None,
    region=None,
    bundle=None,
    bundled: bool | None = None,
    search: str = "",
) -> QuerySet:
    """Projects in scope (lead, region, or taking part); `federation` matches leads and participants."""
    projects = scoped(ServiceProject.objects.all(), user).select_related(
        "lead_organization__federation",
        "region",
        "policy_standard",
        "work_nature",
        "content_category",
        "bundle",
        "fund",
    )
    if federation is not None:
        projects = of_federation(projects, federation)
    for name, value in (
        ("policy_standard", policy_standard),
        ("work_nature", work_nature),
        ("content_category", content_category),
        ("bundle", bundle),
    ):
        if value is not None:
            projects = projects.filter(**{name: value})
    if status:
        projects = projects.filter(status=status)
    if region is not None:
        projects = projects.filter(region__path__startswith=region.path)
    if bundled is not None:
        projects = projects.filter(bundle__isnull=not bundled)
    if search:
        projects = projects.filter(name__contains=search.strip())
    return with_figures(projects).order_by("-start_date", "-id")


def project_detail_queryset(*, user) -> QuerySet:
    """project_list plus everything a detail shows, for any number of projects in a fixed number of queries."""
    return project_list(user=user).prefetch_related(
        Prefetch(
            "participants",
            queryset=ProjectParticipant.objects.select_related("organization__federation").order_by("id"),
        ),
        Prefetch("target_tags", queryset=IdentityTag.objects.order_by("sort_order")),
        "service_types",
        Prefetch("goals", queryset=Goal.objects.select_related("service_type").order_by("id")),
    )


def bundle_list(*, user, search: str = "") -> QuerySet:
    """Bundles in scope with their rolled-up figures; a person served by two members counts once."""
    bundles = scoped(Bundle.objects.all(), user).select_related("lead_organization__federation")
    if search:
        bundles = bundles.filter(name__contains=search.strip())
    records = ServiceRecord.objects.filter(project__bundle=OuterRef("pk")).order_by().values("project__bundle")
    members = ServiceProject.objects.filter(bundle=OuterRef("pk")).order_by().values("bundle")
    return bundles.annotate(
        project_count=Coalesce(Subquery(members.annotate(n=Count("pk")).values("n")[:1]), Value(0)),
        records_count=Coalesce(Subquery(records.annotate(n=Count("pk")).values("n")[:1]), Value(0)),
        people_served=Coalesce(Subquery(records.annotate(n=Count("person", distinct=True)).values("n")[:1]), Value(0)),
        spent=_spent(ProjectExpense.objects.filter(project__bundle=OuterRef("pk")), "project__bundle"),
    ).order_by("-id")


def service_record_list(
    *,
    user,
    project=None,
    bundle=None,
    person=None,
    service_type=None,
    organization=None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet:
    records = scoped(ServiceRecord.objects.all(), user).select_related(
        "person", "project", "service_type", "organization__federation"
    )
    for name, value in (
        ("project", project),
        ("project__bundle", bundle),
        ("person", person),
        ("service_type", service_type),
        ("organization", organization),
    ):
        if value is not None:
            records = records.filter(**{name: value})
    if date_from is not None:
        records = records.filter(date__gte=date_from)
    if date_to is not None:
        records = records.filter(date__lte=date_to)
    return records.order_by("-date", "-id")


@dataclass(frozen=True)
class ServiceFigure:
    service_type_id: int
    name: str
    unit: str
    records: int
    quantity: Decimal


@dataclass(frozen=True)
class GoalProgress:
    goal: Goal
    achieved: Decimal

    @property
    def percent(self) -> int:
        return min(100, int(self.achieved * 100 / self.goal.target)) if self.goal.target else 0


@dataclass
class Figures:
    """What a project, or a bundle's members together, achieved."""

    people: int
    records: int
    spent: Decimal
    budget: Decimal
    services: list[ServiceFigure]
    goals: list[GoalProgress] = field(default_factory=list)

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.spent

    def achieved(self, goal: Goal) -> Decimal:
        if goal.metric == GoalMetric.PEOPLE:
            return Decimal(self.people)
        if goal.metric == GoalMetric.RECORDS:
            return Decimal(self.records)
        if goal.metric == GoalMetric.SPENDING:
            return self.spent
        return next((s.quantity for s in self.services if s.service_type_id == goal.service_type_id), ZERO)


def _figures(records: QuerySet, expenses: QuerySet, budget: Decimal, goals) -> Figures:
    totals = records.aggregate(records=Count("pk"), people=Count("person", distinct=True))
    services = [
        ServiceFigure(row["service_type"], row["service_type__name"], row["service_type__unit"], row["n"], row["q"])
        for row in records.order_by()
        .values("service_type", "service_type__name", "service_type__unit", "service_type__sort_order")
        .annotate(n=Count("pk"), q=Sum("quantity"))
        .order_by("service_type__sort_order", "service_type")
    ]
    spent = expenses.aggregate(
        spent=Coalesce(Sum("entry__amount"), Value(ZERO), output_field=MONEY)
        - Coalesce(Sum("entry__reversed_by__amount"), Value(ZERO), output_field=MONEY)
    )["spent"]
    figures = Figures(people=totals["people"], records=totals["records"], spent=spent, budget=budget, services=services)
    figures.goals = [GoalProgress(goal, figures.achieved(goal)) for goal in goals]
    return figures


def project_figures(project: ServiceProject) -> Figures:
    """Four queries whatever the number of records (goals prefetched or read once)."""
    return _figures(
        ServiceRecord.objects.filter(project=project),
        ProjectExpense.objects.filter(project=project),
        project.budget,
        project.goals.select_related("service_type").order_by("id"),
    )


@dataclass
class BundleFigures:
    bundle: Bundle
    totals: Figures
    members: list[ServiceProject]  # with_figures() annotations: each member's own figures

    @property
    def members_budget(self) -> Decimal:
        return sum((project.budget for project in self.members), ZERO)

    @property
    def people_counted_twice(self) -> int:
        """People served by more than one member: counted once in the bundle, once in each project."""
        return sum(project.people_served for project in self.members) - self.totals.people


def bundle_figures(bundle: Bundle) -> BundleFigures:
    members = list(
        with_figures(ServiceProject.objects.filter(bundle=bundle))
        .select_related("lead_organization__federation", "region")
        .order_by("id")
    )
    totals = _figures(
        ServiceRecord.objects.filter(project__bundle=bundle),
        ProjectExpense.objects.filter(project__bundle=bundle),
        bundle.budget,
        bundle.goals.select_related("service_type").order_by("id"),
    )
    return BundleFigures(bundle=bundle, totals=totals, members=members)


def bundle_candidates(*, user) -> QuerySet:
    """Projects that may still be bundled: in scope, unbundled, not closed."""
    return scoped(ServiceProject.objects.all(), user).filter(
        bundle__isnull=True, status__in=[ProjectStatus.PLANNED, ProjectStatus.ACTIVE]
    )


CANDIDATE_COLUMNS = (
    "pk",
    "name",
    "content_category_id",
    "policy_standard_id",
    "work_nature_id",
    "lead_organization_id",
    "lead_organization__name",
    "lead_organization__depth",
    "lead_organization__federation__sort_order",
    "region__name",
    "region__depth",
    "content_category__name",
    "region__path",
    "min_age",
    "max_age",
    "gender",
)


def bundle_candidate_rows(*, user, content_category=None) -> list[Candidate]:
    """The bundle candidates as plain values, not model instances: 5,000 in tens of milliseconds."""
    projects = bundle_candidates(user=user)
    if content_category is not None:
        projects = projects.filter(content_category=content_category)
    tags = defaultdict(set)
    links = ServiceProject.target_tags.through.objects.filter(serviceproject__in=projects.values("pk"))
    for project_id, *tag in links.values_list("serviceproject_id", "identitytag_id", "identitytag__name"):
        tags[project_id].add(tuple(tag))
    return [
        Candidate(
            pk=row.pk,
            name=row.name,
            content_category_id=row.content_category_id,
            policy_standard_id=row.policy_standard_id,
            work_nature_id=row.work_nature_id,
            lead_organization_id=row.lead_organization_id,
            lead_organization_name=row.lead_organization__name,
            lead_rank=(
                row.lead_organization__depth,
                row.lead_organization__federation__sort_order,
                row.lead_organization_id,
            ),
            region_name=row.region__name,
            region_depth=row.region__depth,
            content_category_name=row.content_category__name,
            target=TargetGroup(
                region_path=row.region__path,
                region_name=row.region__name,
                tags=frozenset(tags[row.pk]),
                min_age=row.min_age,
                max_age=row.max_age,
                gender=row.gender,
            ),
        )
        for row in projects.order_by("pk").values_list(*CANDIDATE_COLUMNS, named=True)
    ]


def bundle_suggestion_list(*, user, content_category=None, min_score: int = 0) -> list[Suggestion]:
    """Every suggestion, best first; each names its projects by plain values (see suggestion_projects)."""
    candidates = bundle_candidate_rows(user=user, content_category=content_category)
    return [s for s in bundle_suggestions(candidates) if s.score >= min_score]


def suggestion_projects(suggestions) -> dict[int, ServiceProject]:
    """The full rows of the projects of the suggestions on show (one page), by id."""
    ids = {pk for suggestion in suggestions for pk in suggestion.project_ids}
    projects = (
        ServiceProject.objects.filter(pk__in=ids)
        .select_related("region", "lead_organization__federation", "content_category", "policy_standard", "work_nature")
        .prefetch_related(Prefetch("target_tags", queryset=IdentityTag.objects.only("pk", "name")))
    )
    return {project.pk: project for project in projects}
