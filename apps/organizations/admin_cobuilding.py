"""Co-building (组织共建) in the Django admin: scoped, every write through the services.

Who sees what (as everywhere, apps.organizations.scoping): a joint branch by its host
unit's region; a meeting by its region, its host's subtree and to the users of every
attending unit; a decision with its meeting; a follow-up by its organization or its
meeting's host. Anything else is absent from every changelist, choice and export, and its
pages answer 404.

A joint branch is set up through joint_branch_establish (the federations' branches all at
once) and a meeting through meeting_create (its decisions one a line); both are read, never
edited, afterwards. A follow-up is added to a decision through follow_up_add and reported
done or reopened by changelist actions (follow_up_complete, follow_up_reopen). Coverage
rules are reference data: the province edits them, everybody reads them (the model
permissions say who). Joint branches, meetings and follow-ups export as spreadsheets
(resources.cobuilding).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Count, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from apps.core.admin import (
    ReadOnlyAdmin,
    ReadOnlyInline,
    ServiceAdmin,
    ServiceForm,
    ServiceImportExportMixin,
    run_action,
)
from apps.organizations import selectors, services
from apps.organizations.admin import RegionSubtreeFilter, ScopedAdminMixin
from apps.organizations.models import (
    CoverageRule,
    Decision,
    Federation,
    FollowUp,
    FollowUpStatus,
    JointBranch,
    Meeting,
)
from apps.organizations.resources.cobuilding import FollowUpResource, JointBranchResource, MeetingResource
from apps.organizations.scoping import scoped

COMPLETED_RESULT = "已办结（后台）"
COMPLETED = "已办结 {count} 项落实事项。"
REOPENED = "已重新打开 {count} 项落实事项。"
DECISIONS_HELP = "每行一条议定事项；落实事项在会议登记后逐条添加。"
FEDERATIONS_HELP = "各群团的基层组织将同时建立在该单位，挂在本区划的群团组织之下。"
NONE = "-"


def overdue_q(today) -> Q:
    return Q(status=FollowUpStatus.OPEN, due_date__lt=today)


class ScopedManyToManyMixin:
    """Many-to-many choices through the user's scope too (ScopedAdminMixin does the foreign keys)."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = self.related_queryset(db_field.remote_field.model, request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class RecordAfterAddMixin:
    """Added through a service (`add_fields`), then kept as a record (`record_fields`): never
    edited, deleted or imported in place — what changes afterwards has its own service."""

    add_fields: tuple = ()
    record_fields: tuple = ()

    def get_fields(self, request, obj=None):
        return self.add_fields if obj is None else self.record_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.record_fields

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_import_permission(self, request):
        return False


# Coverage rules -----------------------------------------------------------------------------


@admin.register(CoverageRule)
class CoverageRuleAdmin(admin.ModelAdmin):
    """Reference data: the province edits it (省级管理员 holds every permission), the others read it."""

    list_display = ("host_unit_kind", "min_head_count", "federation_names", "note")
    list_filter = ("host_unit_kind",)
    ordering = ("host_unit_kind", "min_head_count")

    def get_queryset(self, request):
        federations = Prefetch("federations", queryset=Federation.objects.order_by("sort_order", "id"))
        return super().get_queryset(request).prefetch_related(federations)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "federations":
            kwargs["widget"] = forms.CheckboxSelectMultiple
            kwargs["queryset"] = Federation.objects.order_by("sort_order", "id")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description="应建组织的群团")
    def federation_names(self, rule: CoverageRule) -> str:
        return "、".join(federation.name for federation in rule.federations.all()) or NONE


# Joint branches ----------------------------------------------------------------------------


class JointBranchForm(ServiceForm):
    """Add only: joint_branch_establish sets up every federation's branch, or none and why."""

    federations = forms.ModelMultipleChoiceField(
        label="联建的群团",
        queryset=Federation.objects.order_by("sort_order", "id"),
        widget=forms.CheckboxSelectMultiple,
        help_text=FEDERATIONS_HELP,
    )
    conflict_field = "federations"

    class Meta:
        model = JointBranch
        fields = ("host_unit", "established_on", "note")

    def write(self, data):
        return services.joint_branch_establish(
            actor=self.actor,
            host_unit=data["host_unit"],
            federations=list(data["federations"]),
            established_on=data["established_on"],
            note=data.get("note") or "",
        )


class JointBranchRegionFilter(RegionSubtreeFilter):
    path_lookup = "host_unit__region__path"


@admin.register(JointBranch)
class JointBranchAdmin(RecordAfterAddMixin, ScopedAdminMixin, ServiceImportExportMixin, ServiceAdmin):
    form = JointBranchForm
    resource_classes = [JointBranchResource]
    list_display = ("host_unit", "host_unit_kind", "region", "established_on", "branch_list", "members")
    list_filter = ("host_unit__kind", JointBranchRegionFilter)
    date_hierarchy = "established_on"
    search_fields = ("host_unit__name", "branches__name")
    autocomplete_fields = ("host_unit",)
    show_full_result_count = False

    # No service changes a joint branch afterwards: its branches live on as organizations.
    add_fields = ("host_unit", "federations", "established_on", "note")
    record_fields = ("host_unit", "established_on", "branch_list", "members", "note", "created_by", "created_at")

    def get_queryset(self, request):
        # Scoped, each branch with the members it brings (the selector the pages use).
        return selectors.joint_branch_list(user=request.user)

    @admin.display(description="单位类型", ordering="host_unit__kind")
    def host_unit_kind(self, joint: JointBranch) -> str:
        return joint.host_unit.get_kind_display()

    @admin.display(description="所在区划", ordering="host_unit__region__path")
    def region(self, joint: JointBranch) -> str:
        return joint.host_unit.region.full_name

    @admin.display(description="联建的群团组织")
    def branch_list(self, joint: JointBranch) -> str:
        rows = [(branch.name, branch.members) for branch in joint.branches.all()]
        if not rows:
            return NONE
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}（{} 人）</li>", rows))

    @admin.display(description="覆盖会员数")
    def members(self, joint: JointBranch) -> int:
        return sum(branch.members for branch in joint.branches.all())


# Meetings ------------------------------------------------------------------------------------


class MeetingForm(ServiceForm):
    """Add only: meeting_create with its decisions, one a line."""

    decisions = forms.CharField(
        label="议定事项", widget=forms.Textarea(attrs={"rows": 5}), required=False, help_text=DECISIONS_HELP
    )
    conflict_field = "title"

    class Meta:
        model = Meeting
        fields = ("kind", "title", "held_on", "host", "attendees", "minutes")

    def write(self, data):
        lines = (line.strip() for line in (data.get("decisions") or "").splitlines())
        return services.meeting_create(
            actor=self.actor,
            kind=data["kind"],
            title=data["title"],
            held_on=data["held_on"],
            host=data["host"],
            attendees=list(data.get("attendees") or ()),
            minutes=data.get("minutes") or "",
            decisions=[{"text": line} for line in lines if line],
        )


class DecisionInline(ReadOnlyInline):
    """The meeting's decisions, each with its follow-ups (organization, task, due date, status)."""

    model = Decision
    fields = ("sort_order", "text", "follow_up_items")
    readonly_fields = fields

    def get_queryset(self, request):
        follow_ups = FollowUp.objects.select_related("organization").order_by("due_date", "id")
        return super().get_queryset(request).prefetch_related(Prefetch("follow_ups", queryset=follow_ups))

    @admin.display(description="落实事项")
    def follow_up_items(self, decision: Decision) -> str:
        return follow_up_html(decision.follow_ups.all())


def follow_up_html(items) -> str:
    today = timezone.localdate()
    rows = [
        (
            item.organization.name,
            item.task,
            item.due_date,
            item.get_status_display(),
            "，已逾期" if item.is_overdue(today) else "",
        )
        for item in items
    ]
    if not rows:
        return NONE
    return format_html("<ul>{}</ul>", format_html_join("", "<li>{}：{}（时限 {}，{}{}）</li>", rows))


class MeetingRegionFilter(RegionSubtreeFilter):
    path_lookup = "region__path"


@admin.register(Meeting)
class MeetingAdmin(
    RecordAfterAddMixin, ScopedAdminMixin, ScopedManyToManyMixin, ServiceImportExportMixin, ServiceAdmin
):
    form = MeetingForm
    inlines = (DecisionInline,)
    resource_classes = [MeetingResource]
    list_display = (
        "title",
        "kind",
        "held_on",
        "host",
        "region",
        "attendee_list",
        "decision_count",
        "open_count",
        "overdue_count",
    )
    list_filter = ("kind", ("host__federation", admin.RelatedFieldListFilter), MeetingRegionFilter)
    date_hierarchy = "held_on"
    search_fields = ("title", "host__name")
    autocomplete_fields = ("host", "attendees")
    show_full_result_count = False

    # Read once held: its follow-ups are reported done on their own (the actions there).
    add_fields = ("kind", "title", "held_on", "host", "attendees", "minutes", "decisions")
    record_fields = (
        "kind",
        "title",
        "held_on",
        "region",
        "host",
        "attendee_list",
        "minutes",
        "created_by",
        "created_at",
        "updated_at",
    )

    def get_queryset(self, request):
        # Scoped (attending units included), with each meeting's decision and follow-up counts.
        return selectors.meeting_list(user=request.user)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()

    @admin.display(description="参会单位")
    def attendee_list(self, meeting: Meeting) -> str:
        return "、".join(organization.name for organization in meeting.attendees.all()) or NONE

    @admin.display(description="议定事项", ordering="decision_count")
    def decision_count(self, meeting: Meeting) -> int:
        return meeting.decision_count

    @admin.display(description="办理中", ordering="open_count")
    def open_count(self, meeting: Meeting) -> int:
        return meeting.open_count

    @admin.display(description="逾期", ordering="overdue_count")
    def overdue_count(self, meeting: Meeting) -> int:
        return meeting.overdue_count


# Decisions -----------------------------------------------------------------------------------


class FollowUpInline(ReadOnlyInline):
    model = FollowUp
    fields = ("organization", "task", "due_date", "status", "done_on", "result")
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organization")


@admin.register(Decision)
class DecisionAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    """Written with their meeting (meeting_create); read here, with their follow-ups."""

    inlines = (FollowUpInline,)
    list_display = ("text", "meeting", "sort_order", "follow_up_count")
    search_fields = ("text", "meeting__title")
    list_select_related = ("meeting",)
    ordering = ("-meeting__held_on", "meeting_id", "sort_order", "id")
    show_full_result_count = False

    def get_queryset(self, request):
        # A decision has no place on the tree of its own: it is seen with its meeting.
        meetings = scoped(Meeting.objects.all(), request.user)
        decisions = super().get_queryset(request).filter(meeting__in=meetings.values("pk"))
        return decisions.annotate(follow_up_count=Count("follow_ups"))

    @admin.display(description="落实事项数", ordering="follow_up_count")
    def follow_up_count(self, decision: Decision) -> int:
        return decision.follow_up_count


# Follow-ups ----------------------------------------------------------------------------------


class FollowUpForm(ServiceForm):
    """Add only: follow_up_add on a decision of a meeting the user's unit hosted."""

    service_fields = {"follow_ups": "due_date"}

    class Meta:
        model = FollowUp
        fields = ("decision", "organization", "task", "due_date")

    def write(self, data):
        return services.follow_up_add(
            actor=self.actor,
            decision=data["decision"],
            organization=data["organization"],
            task=data["task"],
            due_date=data["due_date"],
        )


class OverdueFilter(admin.SimpleListFilter):
    title = "逾期"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "已逾期"), ("no", "未逾期")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(overdue_q(timezone.localdate()))
        if self.value() == "no":
            return queryset.exclude(overdue_q(timezone.localdate()))
        return queryset


class FollowUpRegionFilter(RegionSubtreeFilter):
    title = "承办单位所在区划"
    path_lookup = "organization__region__path"


@admin.action(permissions=["change"], description="办结所选事项")
def complete_selected(modeladmin, request, queryset):
    run_action(
        modeladmin,
        request,
        queryset,
        lambda item: services.follow_up_complete(actor=request.user, follow_up=item, result=COMPLETED_RESULT),
        COMPLETED,
    )


@admin.action(permissions=["change"], description="重新打开所选事项")
def reopen_selected(modeladmin, request, queryset):
    run_action(
        modeladmin,
        request,
        queryset,
        lambda item: services.follow_up_reopen(actor=request.user, follow_up=item),
        REOPENED,
    )


@admin.register(FollowUp)
class FollowUpAdmin(RecordAfterAddMixin, ScopedAdminMixin, ServiceImportExportMixin, ServiceAdmin):
    form = FollowUpForm
    resource_classes = [FollowUpResource]
    actions = (complete_selected, reopen_selected)
    list_display = (
        "task",
        "organization",
        "meeting",
        "decision_text",
        "due_date",
        "status",
        "overdue",
        "done_on",
        "result",
    )
    list_filter = (
        "status",
        OverdueFilter,
        ("organization__federation", admin.RelatedFieldListFilter),
        FollowUpRegionFilter,
    )
    date_hierarchy = "due_date"
    search_fields = ("task", "organization__name")
    autocomplete_fields = ("decision", "organization")
    show_full_result_count = False

    # An item is reported done or reopened by the actions (the services), never edited in place.
    add_fields = ("decision", "organization", "task", "due_date")
    record_fields = (
        "meeting_link",
        "decision",
        "organization",
        "task",
        "due_date",
        "status",
        "overdue",
        "done_on",
        "result",
        "reminded_on",
        "created_at",
        "updated_at",
    )

    def get_queryset(self, request):
        return selectors.follow_up_list(user=request.user)

    @admin.display(description="会议", ordering="decision__meeting__held_on")
    def meeting(self, item: FollowUp) -> str:
        return str(item.decision.meeting)

    @admin.display(description="会议")
    def meeting_link(self, item: FollowUp) -> str:
        url = reverse("admin:organizations_meeting_change", args=[item.decision.meeting_id])
        return format_html('<a href="{}">{}</a>', url, item.decision.meeting)

    @admin.display(description="议定事项")
    def decision_text(self, item: FollowUp) -> str:
        return item.decision.text

    @admin.display(description="逾期", boolean=True)
    def overdue(self, item: FollowUp) -> bool:
        return item.is_overdue(timezone.localdate())


__all__ = [
    "CoverageRuleAdmin",
    "DecisionAdmin",
    "FollowUpAdmin",
    "JointBranchAdmin",
    "MeetingAdmin",
]
