"""Bundles (捆绑打包): projects run as one; each project keeps its own records and figures."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.core.exceptions import ConflictError
from apps.organizations.models import Organization
from apps.organizations.scoping import scoped
from apps.organizations.services.checks import clean_name, require_organization_in_scope, require_perm
from apps.projects.models import Bundle, Goal, ProjectStatus, ServiceProject
from apps.projects.services.projects import CENT, goal_add

TOO_FEW = "捆绑项目至少包含两个服务项目。"
PROJECTS_OUT_OF_SCOPE = "所选项目不在您的管辖范围内。"
ALREADY_BUNDLED = "以下项目已属于其他捆绑项目：{names}。"
CLOSED_PROJECTS = "已结项或已取消的项目不能捆绑：{names}。"
CONTENT_DIFFERS = "只有服务内容相同的项目可以捆绑。"
BUDGET_INVALID = "统筹预算不能为负数，且最多两位小数。"
NOT_IN_BUNDLE = "该项目不在此捆绑项目中。"
BUNDLE_EDITABLE = ("name", "lead_organization", "budget", "description")


def _lock_projects(actor, projects: Iterable[ServiceProject]) -> list[ServiceProject]:
    ids = sorted({project.pk for project in projects})
    # In id order, so two bundlings of overlapping sets wait for each other instead of deadlocking.
    locked = list(ServiceProject.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if actor is not None and scoped(ServiceProject.objects.filter(pk__in=ids), actor).count() != len(ids):
        raise ValidationError({"projects": PROJECTS_OUT_OF_SCOPE})
    return locked


def _check_joinable(projects: list[ServiceProject], *, joining: list[ServiceProject] = ()) -> None:
    """`projects` may join a bundle (whose current members are `joining`)."""
    taken = [p for p in projects if p.bundle_id is not None]
    if taken:
        raise ConflictError(ALREADY_BUNDLED.format(names="、".join(p.name for p in taken)), [p.pk for p in taken])
    closed = [p for p in projects if p.status in (ProjectStatus.FINISHED, ProjectStatus.CANCELLED)]
    if closed:
        raise ValidationError({"projects": CLOSED_PROJECTS.format(names="、".join(p.name for p in closed))})
    if len({p.content_category_id for p in [*projects, *joining]}) > 1:
        raise ValidationError({"projects": CONTENT_DIFFERS})


def _clean_budget(budget) -> Decimal:
    budget = Decimal(budget)
    if budget < 0 or budget != budget.quantize(CENT):
        raise ValidationError({"budget": BUDGET_INVALID})
    return budget


def _shared_goals(projects: list[ServiceProject]) -> list[dict]:
    """The members' goals added up per metric (and service): the bundle's starting shared goals."""
    summed: dict[tuple, dict] = defaultdict(lambda: {"target": Decimal("0")})
    for goal in Goal.objects.filter(project__in=projects).select_related("service_type").order_by("id"):
        row = summed[(goal.metric, goal.service_type_id)]
        row.setdefault("name", goal.name)
        row.update(metric=goal.metric, service_type=goal.service_type)
        row["target"] += goal.target
    return list(summed.values())


@transaction.atomic
def bundle_create(
    *,
    actor=None,
    name: str,
    lead_organization: Organization,
    projects: Iterable[ServiceProject],
    budget: Decimal | None = None,
    description: str = "",
    goals: Iterable[dict] | None = None,
) -> Bundle:
    """Bundle the projects in one step; budget and goals default to the members' own, added up."""
    require_perm(actor, "projects.add_bundle")
    require_organization_in_scope(actor, lead_organization, field="lead_organization")
    projects = list(projects)
    if len({project.pk for project in projects}) < 2:
        raise ValidationError({"projects": TOO_FEW})
    members = _lock_projects(actor, projects)
    _check_joinable(members)
    bundle = Bundle(
        name=clean_name(name),
        lead_organization=lead_organization,
        budget=_clean_budget(sum((p.budget for p in members), Decimal("0")) if budget is None else budget),
        description=(description or "").strip(),
        created_by=actor,
    )
    bundle.save()
    ServiceProject.objects.filter(pk__in=[p.pk for p in members]).update(bundle=bundle, updated_at=timezone.now())
    for goal in _shared_goals(members) if goals is None else goals:
        goal_add(actor=actor, bundle=bundle, **goal)
    return bundle


@transaction.atomic
def bundle_update(*, actor=None, bundle: Bundle, **changes) -> Bundle:
    require_perm(actor, "projects.change_bundle")
    require_organization_in_scope(actor, bundle.lead_organization, field="bundle")
    bundle = Bundle.objects.select_for_update().get(pk=bundle.pk)
    for field, value in changes.items():
        if field not in BUNDLE_EDITABLE:
            raise ValidationError({field: "该字段不能修改。"})
        setattr(bundle, field, value.strip() if isinstance(value, str) else value)
    bundle.name = clean_name(bundle.name)
    bundle.budget = _clean_budget(bundle.budget)
    require_organization_in_scope(actor, bundle.lead_organization, field="lead_organization")
    bundle.save()
    return bundle


@transaction.atomic
def bundle_add_project(*, actor=None, bundle: Bundle, project: ServiceProject) -> Bundle:
    require_perm(actor, "projects.change_bundle")
    require_organization_in_scope(actor, bundle.lead_organization, field="bundle")
    bundle = Bundle.objects.select_for_update().get(pk=bundle.pk)
    (locked,) = _lock_projects(actor, [project])
    if locked.bundle_id == bundle.pk:
        return bundle
    _check_joinable([locked], joining=list(bundle.projects.all()))
    ServiceProject.objects.filter(pk=locked.pk).update(bundle=bundle, updated_at=timezone.now())
    return bundle


@transaction.atomic
def bundle_remove_project(*, actor=None, bundle: Bundle, project: ServiceProject) -> Bundle:
    """The project leaves with its own records; the bundle's figures no longer count them."""
    require_perm(actor, "projects.change_bundle")
    require_organization_in_scope(actor, bundle.lead_organization, field="bundle")
    if ServiceProject.objects.filter(pk=project.pk, bundle=bundle).update(bundle=None, updated_at=timezone.now()) != 1:
        raise ValidationError({"project": NOT_IN_BUNDLE})
    return bundle


@transaction.atomic
def bundle_delete(*, actor=None, bundle: Bundle) -> None:
    """Unbundle: the projects carry on alone, with every record they had."""
    require_perm(actor, "projects.delete_bundle")
    require_organization_in_scope(actor, bundle.lead_organization, field="bundle")
    ServiceProject.objects.filter(bundle=bundle).update(bundle=None, updated_at=timezone.now())
    bundle.delete()
