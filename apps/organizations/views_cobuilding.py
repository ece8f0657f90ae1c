"""Staff pages of 组织共建's co-building: joint branches (list, establish), coverage per region with the
gaps unit by unit (and their xlsx export), joint meetings with decisions and follow-ups, and the
督办 list of open and overdue items.

Thin like the other pages: parse, call one service or selector, render. Rows come from the scoped
selectors, so whatever lies outside the user's scope answers 404; a rule a service refuses is shown
on the form in Chinese (400, 409 on a conflict), never as a 500.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST
from openpyxl import Workbook
from openpyxl.styles import Font

from apps.core.access import NO_PERMISSION, permission, signed_in
from apps.core.exceptions import ConflictError
from apps.organizations import selectors, services
from apps.organizations.models import (
    Decision,
    Federation,
    FollowUp,
    FollowUpStatus,
    HostUnit,
    Meeting,
    MeetingKind,
)
from apps.organizations.scoping import get_in_scope, scoped
from apps.organizations.views import FilterForm, paginate, render_results

ESTABLISHED = "{unit}联建完成：{branches}。"
MEETING_CREATED = "已登记会议“{title}”。"
FOLLOW_UP_ADDED = "已交办：{organization}——{task}。"
COMPLETED = "“{task}”已办结。"
REOPENED = "“{task}”已重新打开。"
ROW_INCOMPLETE = "请填写完整：承办单位、落实任务和完成时限。"
DECISION_MISSING = "请先写明议定事项，再交办落实任务。"
ORGANIZATION_INVALID = "请选择列表中的单位。"
DECISION_ROWS = 5
FOLLOW_UP_ROWS = 3
DATE_INPUT = "%Y-%m-%d"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GAP_COLUMNS = ("区划", "单位名称", "单位类型", "从业人数", "应建组织", "已建组织", "缺少组织")
FOLLOW_UP_STATES = [("open", "办理中"), ("overdue", "已逾期"), ("done", "已办结"), ("all", "全部")]


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "403.html", {"reason": NO_PERMISSION}, status=403)


def _add_service_errors(form: forms.Form, error: ValidationError, *, aliases: dict[str, str] | None = None) -> None:
    """A service's {field: message} onto the form's fields; any other key above the form."""
    aliases = aliases or {}
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            name = aliases.get(name, name)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _date(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}, format=DATE_INPUT), **kwargs)


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple):
            widget.attrs["class"] = "form-check-input"
        else:
            widget.attrs["class"] = "form-select" if isinstance(widget, forms.Select) else "form-control"


class OrganizationPick:
    """The federations' own units in scope, read once: a page renders many selects of them."""

    def __init__(self, user):
        units = selectors.organization_list(user=user).filter(host_unit__isnull=True)
        self.by_pk = {o.pk: o for o in units.order_by("region__path", "federation__sort_order", "path")}
        self.choices = [(pk, f"{o.name}") for pk, o in self.by_pk.items()]

    def field(self, label: str, *, required: bool = True, multiple: bool = False) -> forms.Field:
        empty = [] if multiple else [("", "请选择" if required else "—")]
        kind = forms.TypedMultipleChoiceField if multiple else forms.TypedChoiceField
        extra = {"widget": forms.SelectMultiple(attrs={"size": 6})} if multiple else {"empty_value": None}
        return kind(
            label=label,
            choices=empty + self.choices,
            coerce=lambda value: self.by_pk[int(value)],
            required=required,
            error_messages={"invalid_choice": ORGANIZATION_INVALID},
            **extra,
        )


# Forms ------------------------------------------------------------------------------------


class HostUnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, unit: HostUnit) -> str:
        return f"{unit.name}（{unit.region.name}，{unit.get_kind_display()}）"


class JointBranchForm(forms.Form):
    host_unit = HostUnitChoiceField(label="所在单位", queryset=None, empty_label="请选择")
    federations = forms.ModelMultipleChoiceField(
        label="联建的群团",
        queryset=Federation.objects.order_by("sort_order"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择两家群团。"},
    )
    established_on = _date("联建日期")
    note = forms.CharField(label="说明", max_length=255, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["host_unit"].queryset = selectors.host_unit_list(user=user)
        _style(self)


class CoverageForm(FilterForm):
    def __init__(self, data, *, user):
        super().__init__(data, user=user)
        del self.fields["q"]
        self.fields["region"].empty_label = "我的全部辖区"


class MeetingFilterForm(forms.Form):
    kind = forms.ChoiceField(label="会议类型", choices=[("", "全部类型"), *MeetingKind.choices], required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label="会议类型", choices=MeetingKind.choices)
    title = forms.CharField(label="会议名称", max_length=128)
    held_on = _date("召开日期")
    minutes = forms.CharField(label="会议纪要", required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, pick: OrganizationPick, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["host"] = pick.field("召集单位")
        self.fields["attendees"] = pick.field("参会单位", required=False, multiple=True)
        self.fields["attendees"].help_text = "可多选（按住 Ctrl 键点选）；召集单位不必再选。"
        for d in range(DECISION_ROWS):
            self.fields[f"d{d}_text"] = forms.CharField(label=f"议定事项 {d + 1}", max_length=500, required=False)
            for f in range(FOLLOW_UP_ROWS):
                self.fields[f"d{d}_f{f}_organization"] = pick.field("承办单位", required=False)
                self.fields[f"d{d}_f{f}_task"] = forms.CharField(label="落实任务", max_length=255, required=False)
                self.fields[f"d{d}_f{f}_due"] = _date("完成时限", required=False)
        _style(self)

    def decision_rows(self) -> list[dict]:
        """The bound fields of each decision row and its follow-up rows, for the template."""
        return [
            {
                "text": self[f"d{d}_text"],
                "follow_ups": [
                    (self[f"d{d}_f{f}_organization"], self[f"d{d}_f{f}_task"], self[f"d{d}_f{f}_due"])
                    for f in range(FOLLOW_UP_ROWS)
                ],
            }
            for d in range(DECISION_ROWS)
        ]

    def clean(self):
        data = super().clean()
        decisions = []
        for d in range(DECISION_ROWS):
            text = (data.get(f"d{d}_text") or "").strip()
            follow_ups = []
            for f in range(FOLLOW_UP_ROWS):
                prefix = f"d{d}_f{f}_"
                if any(f"{prefix}{name}" in self.errors for name in ("organization", "task", "due")):
                    continue
                row = {
                    "organization": data.get(f"{prefix}organization"),
                    "task": (data.get(f"{prefix}task") or "").strip(),
                    "due_date": data.get(f"{prefix}due"),
                }
                if not any(row.values()):
                    continue  # an empty row is ignored
                if not all(row.values()):
                    self.add_error(f"{prefix}task", ROW_INCOMPLETE)
                    continue
                follow_ups.append(row)
            if not text:
                if follow_ups:
                    self.add_error(f"d{d}_text", DECISION_MISSING)
                continue
            decisions.append({"text": text, "follow_ups": follow_ups})
        data["decisions"] = decisions
        return data

    def meeting_arguments(self) -> dict:
        data = self.cleaned_data
        names = ("kind", "title", "held_on", "host", "attendees", "minutes", "decisions")
        return {name: data[name] for name in names}


class FollowUpForm(forms.Form):
    task = forms.CharField(label="落实任务", max_length=255)
    due_date = _date("完成时限")

    def __init__(self, *args, pick: OrganizationPick, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"organization": pick.field("承办单位"), **self.fields}
        _style(self)


class FollowUpFilterForm(forms.Form):
    state = forms.ChoiceField(label="状态", choices=FOLLOW_UP_STATES, required=False)

    def __init__(self, data, *, pick: OrganizationPick):
        super().__init__(data)
        self.fields["organization"] = pick.field("承办单位", required=False)
        self.fields["organization"].choices = [("", "全部单位"), *pick.choices]
        _style(self)

    def values(self) -> tuple[str, object]:
        self.is_valid()
        data = self.cleaned_data
        return data.get("state") or "open", data.get("organization")


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
                _add_service_errors(form, error)
            except ConflictError as conflict:
                form.add_error(None, conflict.message)
                status = 409
            except PermissionDenied:
                return _forbidden(request)
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
                gaps = selectors.coverage(user=user, region=unit.region).gaps
                missing = next((gap.missing for gap in gaps if gap.host_unit.pk == unit.pk), [])
                initial["federations"] = [f.pk for f in missing]
        form = JointBranchForm(user=user, initial=initial)
    return render(request, "organizations/cobuilding/joint_branch_form.html", {"form": form}, status=status)


def _gaps_workbook(report) -> HttpResponse:
    book = Workbook()
    sheet = book.active
    sheet.title = "组织覆盖缺口"
    sheet.append(GAP_COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for gap in report.gaps:
        unit = gap.host_unit
        sheet.append(
            [
                unit.region.name,
                unit.name,
                unit.get_kind_display(),
                unit.head_count,
                "、".join(f.name for f in gap.required),
                "、".join(f.name for f in gap.present) or "—",
                "、".join(f.name for f in gap.missing),
            ]
        )
    for column, width in zip("ABCDEFG", (12, 30, 14, 10, 30, 30, 24), strict=True):
        sheet.column_dimensions[column].width = width
    response = HttpResponse(content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, "组织覆盖缺口.xlsx")
    book.save(response)
    return response


@signed_in
def coverage(request: HttpRequest) -> HttpResponse:
    form = CoverageForm(request.GET, user=request.user)
    form.is_valid()
    report = selectors.coverage(user=request.user, region=form.cleaned_data.get("region"))
    if request.GET.get("format") == "xlsx":
        return _gaps_workbook(report)
    return render(
        request,
        "organizations/cobuilding/coverage.html",
        {
            "form": form,
            "report": report,
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
                _add_service_errors(form, error)
            except ConflictError as conflict:
                form.add_error(None, conflict.message)
                status = 409
            except PermissionDenied:
                return _forbidden(request)
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
            _add_service_errors(form, error, aliases={"follow_ups": "task"})
        except PermissionDenied:
            return _forbidden(request)
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
        return _forbidden(request)
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
