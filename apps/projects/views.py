"""Staff pages of 服务共融: service projects (list, create, the page where services and spending
are recorded), bundles with their rolled-up figures, and the bundling suggestions that staff
turn into a bundle in one step.

Thin, like the other pages: parse, call one service or selector, render. Projects and bundles
come from the scoped selectors, so anything outside the user's scope answers 404; a rule a
service refuses (400) or a conflict (409, a one-off service received twice) is shown on the
form in Chinese, never as a 500.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.core.access import permission, signed_in
from apps.core.exceptions import ConflictError
from apps.core.refusals import add_service_errors, errors_to_messages, forbidden
from apps.members import selectors as member_selectors
from apps.organizations.scoping import scoped
from apps.organizations.views import paginate, render_results
from apps.projects import selectors, services
from apps.projects.bundling import CONTENT, CRITERIA, NATURE, POLICY, TARGET, Suggestion
from apps.projects.forms import (
    BundleAddProjectForm,
    BundleFilterForm,
    ExpenseForm,
    GoalForm,
    ProjectFilterForm,
    ProjectForm,
    ServiceRecordForm,
    SuggestionBundleForm,
    SuggestionFilterForm,
)
from apps.projects.models import Bundle, ServiceProject
from apps.resources.models import Fund

PERSON_NOT_FOUND = "未找到该身份证号对应的人员（或不在您的管辖范围内）。"
SUGGESTION_GONE = "该建议已失效：其中有项目已被捆绑、已结项或不在您的管辖范围内。请刷新页面后重试。"
CREATED = "已创建服务项目“{name}”（筹备中）。"
STATUS_CHANGED = {"start": "项目已启动。", "finish": "项目已结项。", "cancel": "项目已取消。"}
RECORDED = "已登记：{name} 接受“{service}”（{date}）。"
RECORD_DELETED = "已删除 {name} 的服务记录。"
GOAL_ADDED = "已添加目标“{name}”。"
GOAL_DELETED = "已删除目标“{name}”。"
EXPENSE_RECORDED = "已记支出 {amount} 元（凭证号 {voucher}）。"
BUNDLED = "已创建捆绑项目“{name}”，包含 {count} 个服务项目。"
MEMBER_REMOVED = "“{name}”已退出捆绑项目，它的服务记录仍留在项目中。"
MEMBER_ADDED = "“{name}”已加入捆绑项目。"
# Where a service's field has another name on the page.
GOAL_FIELDS = {"target": "goal_target", "service_type": "goal_service_type", "metric": "goal_metric"}


def _project(user, pk: int) -> ServiceProject:
    return get_object_or_404(selectors.project_detail_queryset(user=user), pk=pk)


def _bundle(user, pk: int) -> Bundle:
    return get_object_or_404(selectors.bundle_list(user=user), pk=pk)


# Projects -------------------------------------------------------------------------------


@signed_in
def project_list(request: HttpRequest) -> HttpResponse:
    form = ProjectFilterForm(request.GET, user=request.user)
    projects = selectors.project_list(user=request.user, **form.filters())
    return render_results(
        request,
        page_template="projects/project_list.html",
        results_template="projects/_project_results.html",
        target="project-results",
        context={
            "form": form,
            "may_create": request.user.has_perm("projects.add_serviceproject"),
            **paginate(request, projects),
        },
    )


@permission("projects.add_serviceproject")
def project_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    status = 200
    if request.method == "POST":
        status = 400
        form = ProjectForm(request.POST, user=user)
        if form.is_valid():
            try:
                project = services.project_create(actor=user, **form.project_arguments())
            except ValidationError as error:
                add_service_errors(form, error, aliases=GOAL_FIELDS)
            except PermissionDenied:
                return forbidden(request)
            else:
                messages.success(request, CREATED.format(name=project.name))
                return redirect("web-project-detail", project.pk)
    else:
        year = timezone.localdate().year
        form = ProjectForm(
            user=user,
            initial={"start_date": f"{year}-01-01", "end_date": f"{year}-12-31", "budget": "0"},
        )
    return render(request, "projects/project_form.html", {"form": form}, status=status)


def _detail_context(request: HttpRequest, project: ServiceProject, **forms) -> dict:
    user = request.user
    records = selectors.service_record_list(user=user, project=project)
    expenses = list(selectors.project_expense_list(project))
    # The ledger's own page only opens for the fund's owner's users.
    fund_visible = project.fund_id is not None and scoped(Fund.objects.filter(pk=project.fund_id), user).exists()
    today = timezone.localdate()
    return {
        "project": project,
        "figures": selectors.project_figures(project),
        "expenses": expenses,
        "fund_visible": fund_visible,
        "record_form": forms.get("record_form")
        or ServiceRecordForm(project=project, initial={"date": min(today, project.end_date)}),
        "goal_form": forms.get("goal_form") or GoalForm(service_types=project.service_types.all()),
        "expense_form": forms.get("expense_form") or ExpenseForm(initial={"date": today}),
        **paginate(request, records),
    }


def _render_detail(request: HttpRequest, project: ServiceProject, *, status: int = 200, **forms) -> HttpResponse:
    response = render_results(
        request,
        page_template="projects/project_detail.html",
        results_template="projects/_record_results.html",
        target="record-results",
        context=_detail_context(request, project, **forms),
    )
    response.status_code = status
    return response


@signed_in
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _project(request.user, pk))


@permission("projects.change_serviceproject")
@require_POST
def project_set_status(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    project = _project(request.user, pk)
    try:
        services.project_set_status(actor=request.user, project=project, action=action)
    except PermissionDenied:
        return forbidden(request)
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(request, STATUS_CHANGED[action])
    return redirect("web-project-detail", project.pk)


@permission("projects.add_servicerecord")
@require_POST
def service_record_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    project = _project(user, pk)
    form = ServiceRecordForm(request.POST, project=project)
    status = 400
    if form.is_valid():
        data = dict(form.cleaned_data)
        person = member_selectors.person_list(user=user, id_number=data.pop("id_number")).first()
        if person is None:
            form.add_error("id_number", PERSON_NOT_FOUND)
        else:
            try:
                record = services.service_record_create(actor=user, project=project, person=person, **data)
            except ValidationError as error:
                # Outside the target group is about the person: shown on the ID number.
                add_service_errors(form, error, aliases={"person": "id_number"})
            except ConflictError as conflict:
                form.add_error("id_number", conflict.message)
                status = 409
            except PermissionDenied:
                return forbidden(request)
            else:
                messages.success(
                    request, RECORDED.format(name=person.name, service=record.service_type.name, date=record.date)
                )
                return redirect("web-project-detail", project.pk)
    return _render_detail(request, project, status=status, record_form=form)


@permission("projects.delete_servicerecord")
@require_POST
def service_record_delete(request: HttpRequest, pk: int, record_pk: int) -> HttpResponse:
    user = request.user
    project = _project(user, pk)
    record = get_object_or_404(selectors.service_record_list(user=user, project=project), pk=record_pk)
    try:
        services.service_record_delete(actor=user, record=record)
    except PermissionDenied:
        return forbidden(request)
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(request, RECORD_DELETED.format(name=record.person.name))
    return redirect("web-project-detail", project.pk)


@permission("projects.add_goal")
@require_POST
def project_goal_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    project = _project(user, pk)
    form = GoalForm(request.POST, service_types=project.service_types.all())
    if form.is_valid():
        try:
            goal = services.goal_add(actor=user, project=project, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied:
            return forbidden(request)
        else:
            messages.success(request, GOAL_ADDED.format(name=goal.name))
            return redirect("web-project-detail", project.pk)
    return _render_detail(request, project, status=400, goal_form=form)


@permission("projects.delete_goal")
@require_POST
def project_goal_delete(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    project = _project(request.user, pk)
    goal = get_object_or_404(project.goals.all(), pk=goal_pk)
    return _goal_delete(request, goal, redirect("web-project-detail", project.pk))


def _goal_delete(request: HttpRequest, goal, response: HttpResponse) -> HttpResponse:
    try:
        services.goal_delete(actor=request.user, goal=goal)
    except PermissionDenied:
        return forbidden(request)
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(request, GOAL_DELETED.format(name=goal.name))
    return response


@permission("projects.add_projectexpense")
@require_POST
def project_expense_record(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    project = _project(user, pk)
    form = ExpenseForm(request.POST)
    if form.is_valid():
        try:
            expense = services.project_expense_record(actor=user, project=project, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied:
            return forbidden(request)
        else:
            entry = expense.entry
            messages.success(
                request, EXPENSE_RECORDED.format(amount=f"{entry.amount:.2f}", voucher=entry.voucher_number)
            )
            return redirect("web-project-detail", project.pk)
    return _render_detail(request, project, status=400, expense_form=form)


# Bundles --------------------------------------------------------------------------------


@signed_in
def bundle_list(request: HttpRequest) -> HttpResponse:
    form = BundleFilterForm(request.GET)
    search = form.cleaned_data["q"].strip() if form.is_valid() else ""
    return render_results(
        request,
        page_template="projects/bundle_list.html",
        results_template="projects/_bundle_results.html",
        target="bundle-results",
        context={"form": form, **paginate(request, selectors.bundle_list(user=request.user, search=search))},
    )


def _bundle_context(request: HttpRequest, bundle: Bundle, **forms) -> dict:
    figures = selectors.bundle_figures(bundle)
    contents = {project.content_category_id for project in figures.members}
    candidates = selectors.bundle_candidates(user=request.user).filter(content_category__in=contents)
    return {
        "bundle": bundle,
        "figures": figures,
        "goal_form": forms.get("goal_form") or GoalForm(),
        "add_form": forms.get("add_form") or BundleAddProjectForm(candidates=candidates),
    }


@signed_in
def bundle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bundle = _bundle(request.user, pk)
    return render(request, "projects/bundle_detail.html", _bundle_context(request, bundle))


@permission("projects.change_bundle")
@require_POST
def bundle_remove_project(request: HttpRequest, pk: int, project_pk: int) -> HttpResponse:
    bundle = _bundle(request.user, pk)
    project = get_object_or_404(ServiceProject.objects.filter(bundle=bundle), pk=project_pk)
    try:
        services.bundle_remove_project(actor=request.user, bundle=bundle, project=project)
    except PermissionDenied:
        return forbidden(request)
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(request, MEMBER_REMOVED.format(name=project.name))
    return redirect("web-bundle-detail", bundle.pk)


@permission("projects.change_bundle")
@require_POST
def bundle_add_project(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    bundle = _bundle(user, pk)
    form = BundleAddProjectForm(request.POST, candidates=selectors.bundle_candidates(user=user))
    if form.is_valid():
        project = form.cleaned_data["project"]
        try:
            services.bundle_add_project(actor=user, bundle=bundle, project=project)
        except ValidationError as error:
            add_service_errors(form, error, aliases={"projects": "project"})
        except ConflictError as conflict:
            form.add_error("project", conflict.message)
        except PermissionDenied:
            return forbidden(request)
        else:
            messages.success(request, MEMBER_ADDED.format(name=project.name))
            return redirect("web-bundle-detail", bundle.pk)
    return render(request, "projects/bundle_detail.html", _bundle_context(request, bundle, add_form=form), status=400)


@permission("projects.add_goal")
@require_POST
def bundle_goal_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    bundle = _bundle(user, pk)
    form = GoalForm(request.POST)
    if form.is_valid():
        try:
            goal = services.goal_add(actor=user, bundle=bundle, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied:
            return forbidden(request)
        else:
            messages.success(request, GOAL_ADDED.format(name=goal.name))
            return redirect("web-bundle-detail", bundle.pk)
    return render(request, "projects/bundle_detail.html", _bundle_context(request, bundle, goal_form=form), status=400)


@permission("projects.delete_goal")
@require_POST
def bundle_goal_delete(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    bundle = _bundle(request.user, pk)
    goal = get_object_or_404(bundle.goals.all(), pk=goal_pk)
    return _goal_delete(request, goal, redirect("web-bundle-detail", bundle.pk))


# Suggestions ----------------------------------------------------------------------------


def _names(projects, attribute: str) -> str:
    return "、".join(dict.fromkeys(getattr(project, attribute).name for project in projects))


def _criteria(suggestion: Suggestion, projects: list) -> list[dict]:
    """The four criteria in the practice's order, each with whether it matches and a short reason."""
    same = suggestion.matches
    reasons = {
        CONTENT: f"均为“{projects[0].content_category.name}”",
        POLICY: f"均执行“{projects[0].policy_standard.name}”"
        if same[POLICY]
        else f"政策标准不同：{_names(projects, 'policy_standard')}",
        TARGET: "服务区域、身份、年龄、性别有共同的人群" if same[TARGET] else "服务对象没有共同的人群",
        NATURE: f"均为“{projects[0].work_nature.name}”"
        if same[NATURE]
        else f"工作性质不同：{_names(projects, 'work_nature')}",
    }
    return [
        {"label": CRITERIA[name], "ok": same[name], "reason": reasons[name]}
        for name in (CONTENT, POLICY, NATURE, TARGET)
    ]


def _suggestion_rows(suggestions) -> list[dict]:
    """One card per suggestion on the page, with the full rows of its projects."""
    full = selectors.suggestion_projects(suggestions)
    rows = []
    for suggestion in suggestions:
        projects = [full[pk] for pk in suggestion.project_ids if pk in full]
        if len(projects) < len(suggestion.project_ids):
            continue  # a project deleted since the suggestions were worked out
        leads = {project.lead_organization_id: project.lead_organization for project in projects}
        rows.append(
            {
                "suggestion": suggestion,
                "projects": projects,
                "criteria": _criteria(suggestion, projects),
                "leads": list(leads.values()),
                "lead": leads[suggestion.lead_organization_id],
            }
        )
    return rows


def _suggestions_page(request: HttpRequest, *, status: int = 200, failed: SuggestionBundleForm | None = None):
    user = request.user
    form = SuggestionFilterForm(request.GET)
    content_category = form.cleaned_data["content_category"] if form.is_valid() else None
    suggestions = selectors.bundle_suggestion_list(user=user, content_category=content_category)
    pages = paginate(request, suggestions)
    context = {
        "form": form,
        "rows": _suggestion_rows(pages["page"].object_list),
        "may_bundle": user.has_perm("projects.add_bundle"),
        "failed": failed,
        "failed_key": failed.data.get("projects") if failed is not None else None,
        **pages,
    }
    response = render_results(
        request,
        page_template="projects/suggestion_list.html",
        results_template="projects/_suggestion_results.html",
        target="suggestion-results",
        context=context,
    )
    response.status_code = status
    return response


@signed_in
def bundle_suggestions(request: HttpRequest) -> HttpResponse:
    return _suggestions_page(request)


@permission("projects.add_bundle")
@require_POST
def suggestion_bundle_create(request: HttpRequest) -> HttpResponse:
    """A suggestion becomes a bundle; its budget and shared goals start as the members' own, added up."""
    user = request.user
    form = SuggestionBundleForm(request.POST, user=user)
    status = 400
    if form.is_valid():
        ids = form.project_ids
        projects = list(selectors.bundle_candidates(user=user).filter(pk__in=ids))
        if len(projects) != len(set(ids)):
            form.add_error(None, SUGGESTION_GONE)
            status = 409
        else:
            try:
                bundle = services.bundle_create(
                    actor=user,
                    name=form.cleaned_data["name"],
                    lead_organization=form.cleaned_data["lead_organization"],
                    projects=projects,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except ConflictError as conflict:
                form.add_error(None, conflict.message)
                status = 409
            except PermissionDenied:
                return forbidden(request)
            else:
                messages.success(request, BUNDLED.format(name=bundle.name, count=len(projects)))
                return redirect("web-bundle-detail", bundle.pk)
    return _suggestions_page(request, status=status, failed=form)
