"""Staff pages of 组织共建's co-building: joint branches (list, establish), coverage per region with the
gaps unit by unit (and their xlsx export), joint meetings with decisions and follow-ups, and the
督办 list of open and overdue items.

Thin like the other pages: parse, call one service or selector, render. Rows come from the scoped
selectors, so whatever lies outside the user's scope answers 404; a rule a service refuses is shown
on the form in Chinese (400, 409 on a conflict), never as a 500.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from apps.core.access import permission, signed_in
from apps.core.exceptions import ConflictError
from apps.core.refusals import add_service_errors, forbidden
from apps.core.spreadsheets import neutralize
from apps.organizations import coverage_cache, selectors, services
from apps.organizations.forms_cobuilding import (
    CoverageForm,
    FollowUpFilterForm,
    FollowUpForm,
    JointBranchForm,
    MeetingFilterForm,
    MeetingForm,
    OrganizationPick,
)
from apps.organizations.models import (
    Decision,
    FollowUp,
    FollowUpStatus,
    Meeting,
)
from apps.organizations.scoping import get_in_scope, scoped
from apps.organizations.views import PAGE_SIZE, paginate, render_results

ESTABLISHED = "{unit}联建完成：{branches}。"
MEETING_CREATED = "已登记会议“{title}”。"
FOLLOW_UP_ADDED = "已交办：{organization}——{task}。"
COMPLETED = "“{task}”已办结。"
REOPENED = "“{task}”已重新打开。"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GAP_COLUMNS = ("区划", "单位名称", "单位类型", "从业人数", "应建组织", "已建组织", "缺少组织")


# Joint branches and coverage ---------------------------------------------------------------


@signed_in
def joint_branch_list(request: HttpRequest) -> HttpResponse:
    joints = selectors.joint_branch_list(user=request.user).order_by("-established_on", "-id")
    return render_results(
        request,
        page_template="organizations/cobuilding/joint_branch_list.html",
        results_template="organizations/cobuilding/_joint_results.html",
        target="joint-results",
        context={"may_establish": request.user.has_perm("organizations.add_jointbranch"), **paginate(request, joints)},
    )


@permission("organizations.add_jointbranch")
def joint_branch_establish(request: HttpRequest) -> HttpResponse:
    """Establish a joint branch; ?host_unit= (from a coverage gap) picks the unit."""
    user = request.user
    status = 200
    if request.method == "POST":
        status = 400
        form = JointBranchForm(request.POST, user=user)
        if form.is_valid():
            try:
                joint = services.joint_branch_establish(actor=user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            except ConflictError as conflict:
                form.add_error(None, conflict.message)
                status = 409
            except PermissionDenied:
                return forbidden(request)
            else:
                names = "、".join(b.name for b in joint.branches.all())
                messages.success(request, ESTABLISHED.format(unit=joint.host_unit.name, branches=names))
                return redirect("web-joint-branch-list")
    else:
        initial = {"established_on": timezone.localdate()}
        asked = request.GET.get("host_unit", "")
        if asked.isascii() and asked.isdigit():
            unit = selectors.host_unit_list(user=user).filter(pk=int(asked)).first()
            if unit is not None:
                initial["host_unit"] = unit.pk
                (unit_coverage,) = selectors.unit_coverage([unit])
                missing = unit_coverage.missing
                initial["federations"] = [f.pk for f in missing]
        form = JointBranchForm(user=user, initial=initial)
    return render(request, "organizations/cobuilding/joint_branch_form.html", {"form": form}, status=status)


def _gaps_workbook(gaps) -> HttpResponse:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("组织覆盖缺口")
    for column, width in zip("ABCDEFG", (12, 30, 14, 10, 30, 30, 24), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.append([_bold(sheet, title) for title in GAP_COLUMNS])
    for gap in _every_gap(gaps):
        unit = gap.host_unit
        sheet.append(
            [
                unit.region.name,
                neutralize(unit.name),
                unit.get_kind_display(),
                unit.head_count,
                "、".join(f.name for f in gap.required),
                "、".join(f.name for f in gap.present) or "—",
                "、".join(f.name for f in gap.missing),
            ]
        )
    response = HttpResponse(content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, "组织覆盖缺口.xlsx")
    book.save(response)
    return response


def _bold(sheet, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = Font(bold=True)
    return cell


def _every_gap(gaps, batch: int = 2000):
    """Every gap of the queryset with what it lacks, a batch of units at a time (a province has thousands)."""
    rest = gaps
    while True:
        units = list(rest[:batch])
        yield from selectors.unit_coverage(units)
        if len(units) < batch:
            return
        last = units[-1]  # the next batch by the list's own order (name, id): no OFFSET
        rest = gaps.filter(Q(name__gt=last.name) | Q(name=last.name, pk__gt=last.pk))


@signed_in
def coverage(request: HttpRequest) -> HttpResponse:
    form = CoverageForm(request.GET, user=request.user)
    form.is_valid()
    region = form.cleaned_data.get("region")
    gaps = selectors.coverage_gaps(user=request.user, region=region)
    if request.GET.get("format") == "xlsx":
        return _gaps_workbook(gaps)
    report = coverage_cache.served(user=request.user, region=region)
    paginator = Paginator(gaps, PAGE_SIZE)
    paginator.count = report.gaps  # counted by the report's grouped query already
    page = paginator.get_page(request.GET.get("page"))
    return render_results(
        request,
        page_template="organizations/cobuilding/coverage.html",
        results_template="organizations/cobuilding/_coverage_gaps.html",
        target="gap-results",
        context={
            "form": form,
            "report": report,
            "page": page,
            "page_numbers": list(paginator.get_elided_page_range(page.number)),
            "gaps": selectors.unit_coverage(page.object_list),
            "may_establish": request.user.has_perm("organizations.add_jointbranch"),
            "export_query": request.GET.urlencode(),
        },
    )


# Meetings ----------------------------------------------------------------------------------


def _meeting(user, pk: int) -> Meeting:
    return get_in_scope(Meeting.objects.select_related("host__federation", "region"), user, pk=pk)


@signed_in
def meeting_list(request: HttpRequest) -> HttpResponse:
    form = MeetingFilterForm(request.GET)
    meetings = selectors.meeting_list(user=request.user).order_by("-held_on", "-id")
    if form.is_valid() and form.cleaned_data["kind"]:
        meetings = meetings.filter(kind=form.cleaned_data["kind"])
    return render_results(
        request,
        page_template="organizations/cobuilding/meeting_list.html",
        results_template="organizations/cobuilding/_meeting_results.html",
        target="meeting-results",
        context={
            "form": form,
            "may_create": request.user.has_perm("organizations.add_meeting"),
            **paginate(request, meetings),
        },
    )


@permission("organizations.add_meeting")
def meeting_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    pick = OrganizationPick(user)
    status = 200
    if request.method == "POST":
        status = 400
        form = MeetingForm(request.POST, pick=pick)
        if form.is_valid():
            try:
                meeting = services.meeting_create(actor=user, **form.meeting_arguments())
            except ValidationError as error:
                add_service_errors(form, error)
            except ConflictError as conflict:
                form.add_error(None, conflict.message)
                status = 409
            except PermissionDenied:
                return forbidden(request)
            else:
                messages.success(request, MEETING_CREATED.format(title=meeting.title))
                return redirect("web-meeting-detail", meeting.pk)
    else:
        form = MeetingForm(pick=pick, initial={"held_on": timezone.localdate()})
    return render(request, "organizations/cobuilding/meeting_form.html", {"form": form}, status=status)


def _render_meeting(request: HttpRequest, meeting: Meeting, *, status: int = 200, failed=None) -> HttpResponse:
    """The meeting page; `failed` is (decision pk, form) or (follow-up pk, message) to show again."""
    user = request.user
    pick = OrganizationPick(user)
    decisions = selectors.meeting_decisions(meeting)
    for decision in decisions:
        decision.add_form = FollowUpForm(pick=pick, prefix=f"d{decision.pk}")
        if failed and failed[0] == ("decision", decision.pk):
            decision.add_form = failed[1]
        for item in decision.follow_ups.all():
            item.error = failed[1] if failed and failed[0] == ("follow_up", item.pk) else ""
    response = render(
        request,
        "organizations/cobuilding/meeting_detail.html",
        {
            "meeting": meeting,
            "attendees": list(meeting.attendees.select_related("federation").order_by("federation__sort_order")),
            "decisions": decisions,
            "today": timezone.localdate(),
            "may_add": user.has_perm("organizations.add_followup"),
            "may_change": user.has_perm("organizations.change_followup"),
        },
    )
    response.status_code = status
    return response


@signed_in
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_meeting(request, _meeting(request.user, pk))


@permission("organizations.add_followup")
@require_POST
def follow_up_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A follow-up added to a decision of a meeting in scope (pk: the decision)."""
    user = request.user
    meetings = scoped(Meeting.objects.all(), user)
    decision = get_object_or_404(Decision.objects.select_related("meeting").filter(meeting__in=meetings), pk=pk)
    meeting = _meeting(user, decision.meeting_id)
    form = FollowUpForm(request.POST, pick=OrganizationPick(user), prefix=f"d{decision.pk}")
    if form.is_valid():
        try:
            item = services.follow_up_add(actor=user, decision=decision, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, aliases={"follow_ups": "task"})
        except PermissionDenied:
            return forbidden(request)
        else:
            messages.success(request, FOLLOW_UP_ADDED.format(organization=item.organization.name, task=item.task))
            return redirect("web-meeting-detail", meeting.pk)
    return _render_meeting(request, meeting, status=400, failed=(("decision", decision.pk), form))


def _follow_up(user, pk: int) -> FollowUp:
    return get_in_scope(FollowUp.objects.select_related("decision__meeting__host", "organization"), user, pk=pk)


def _follow_up_change(request: HttpRequest, pk: int, *, complete: bool) -> HttpResponse:
    user = request.user
    item = _follow_up(user, pk)
    # The item shows in the 督办 list even when its meeting does not (an assignee of another county).
    back = request.POST.get("next", "")
    meeting = scoped(Meeting.objects.filter(pk=item.decision.meeting_id), user).first()
    status = 400
    try:
        if complete:
            services.follow_up_complete(actor=user, follow_up=item, result=request.POST.get("result", ""))
        else:
            services.follow_up_reopen(actor=user, follow_up=item)
    except ValidationError as error:
        message = "；".join(error.messages)
    except ConflictError as conflict:
        message, status = conflict.message, 409
    except PermissionDenied:
        return forbidden(request)
    else:
        messages.success(request, (COMPLETED if complete else REOPENED).format(task=item.task))
        if back == "follow-ups" or meeting is None:
            return redirect("web-follow-up-list")
        return redirect(f"{reverse('web-meeting-detail', args=[meeting.pk])}#follow-up-{item.pk}")
    if meeting is None or back == "follow-ups":
        messages.error(request, message)
        return redirect("web-follow-up-list")
    return _render_meeting(request, _meeting(user, meeting.pk), status=status, failed=(("follow_up", item.pk), message))


@permission("organizations.change_followup")
@require_POST
def follow_up_complete(request: HttpRequest, pk: int) -> HttpResponse:
    return _follow_up_change(request, pk, complete=True)


@permission("organizations.change_followup")
@require_POST
def follow_up_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _follow_up_change(request, pk, complete=False)


@signed_in
def follow_up_list(request: HttpRequest) -> HttpResponse:
    """督办: the items still open (or overdue, done, all), by organization."""
    user = request.user
    form = FollowUpFilterForm(request.GET, pick=OrganizationPick(user))
    state, organization = form.values()
    items = selectors.follow_up_list(user=user, overdue_only=state == "overdue")
    if state == "open":
        items = items.filter(status=FollowUpStatus.OPEN)
    elif state == "done":
        items = items.filter(status=FollowUpStatus.DONE)
    if organization is not None:
        items = items.filter(organization=organization)
    return render_results(
        request,
        page_template="organizations/cobuilding/follow_up_list.html",
        results_template="organizations/cobuilding/_follow_up_results.html",
        target="follow-up-results",
        context={
            "form": form,
            "today": timezone.localdate(),
            "may_change": user.has_perm("organizations.change_followup"),
            **paginate(request, items),
        },
    )
