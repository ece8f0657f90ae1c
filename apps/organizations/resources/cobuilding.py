"""Co-building in spreadsheets (xlsx, csv), export only: joint branches, meetings, follow-ups.

Each export reads the rows through the selectors the pages use (scoped, with the members a
branch brings and a meeting's figures), limited to the rows the admin's changelist hands
over, in its order. Nothing is imported: a joint branch, a meeting and a follow-up are each
written by one service call on a page.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from import_export import fields, resources, widgets

from apps.organizations import selectors
from apps.organizations.models import Decision, FollowUp, JointBranch, Meeting

DATE = widgets.DateWidget("%Y-%m-%d")
COUNT = widgets.IntegerWidget()
YES, NO = "是", "否"


class ExportResource(resources.ModelResource):
    """Export only, through the user's scope: the selector's rows, limited to the given queryset."""

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user

    @property
    def actor(self):
        if self.user is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs user= for its scope.")
        return self.user

    def listed(self) -> QuerySet:
        """The selector's scoped rows, with what the columns read."""
        raise NotImplementedError(f"{type(self).__name__} must implement listed()")

    def get_queryset(self) -> QuerySet:
        return self.listed()

    def filter_export(self, queryset: QuerySet, **kwargs) -> QuerySet:
        # Whatever queryset a caller hands over, only the selector's (scoped) rows go out,
        # in the caller's order.
        rows = self.listed().filter(pk__in=queryset.values("pk"))
        return rows.order_by(*queryset.query.order_by) if queryset.query.order_by else rows

    def import_data(self, *args, **kwargs):
        raise ImproperlyConfigured(f"{type(self).__name__} is an export only.")


class JointBranchResource(ExportResource):
    host_unit = fields.Field(attribute="host_unit__name", column_name="所在单位")
    kind = fields.Field(attribute="host_unit__get_kind_display", column_name="单位类型")
    region = fields.Field(attribute="host_unit__region__full_name", column_name="所在区划")
    region_code = fields.Field(attribute="host_unit__region__code", column_name="区划代码")
    established_on = fields.Field(attribute="established_on", column_name="联建日期", widget=DATE)
    branches = fields.Field(column_name="联建的群团组织")
    members = fields.Field(column_name="覆盖会员数", widget=COUNT)
    note = fields.Field(attribute="note", column_name="说明")

    class Meta:
        model = JointBranch
        name = "联建"
        fields = ("host_unit", "kind", "region", "region_code", "established_on", "branches", "members", "note")
        export_order = fields
        chunk_size = 2000

    def listed(self) -> QuerySet:
        return selectors.joint_branch_list(user=self.actor)

    def dehydrate_branches(self, joint: JointBranch) -> str:
        return "、".join(f"{branch.name}（{branch.members} 人）" for branch in joint.branches.all())

    def dehydrate_members(self, joint: JointBranch) -> int:
        return sum(branch.members for branch in joint.branches.all())


class MeetingResource(ExportResource):
    title = fields.Field(attribute="title", column_name="会议名称")
    kind = fields.Field(attribute="get_kind_display", column_name="会议类型")
    held_on = fields.Field(attribute="held_on", column_name="召开日期", widget=DATE)
    region = fields.Field(attribute="region__full_name", column_name="所在区划")
    host = fields.Field(attribute="host__name", column_name="召集单位")
    attendees = fields.Field(column_name="参会单位")
    decisions = fields.Field(column_name="议定事项")
    decision_count = fields.Field(attribute="decision_count", column_name="议定事项数", widget=COUNT)
    open_count = fields.Field(attribute="open_count", column_name="办理中事项", widget=COUNT)
    overdue_count = fields.Field(attribute="overdue_count", column_name="逾期事项", widget=COUNT)
    minutes = fields.Field(attribute="minutes", column_name="会议纪要")

    class Meta:
        model = Meeting
        name = "联席会议"
        fields = (
            "title",
            "kind",
            "held_on",
            "region",
            "host",
            "attendees",
            "decisions",
            "decision_count",
            "open_count",
            "overdue_count",
            "minutes",
        )
        export_order = fields
        chunk_size = 2000

    def listed(self) -> QuerySet:
        decisions = Prefetch("decisions", queryset=Decision.objects.order_by("sort_order", "id"))
        return selectors.meeting_list(user=self.actor).prefetch_related(decisions)

    def dehydrate_attendees(self, meeting: Meeting) -> str:
        return "、".join(organization.name for organization in meeting.attendees.all())

    def dehydrate_decisions(self, meeting: Meeting) -> str:
        return "；".join(f"{decision.sort_order}. {decision.text}" for decision in meeting.decisions.all())


class FollowUpResource(ExportResource):
    meeting = fields.Field(attribute="decision__meeting__title", column_name="会议")
    held_on = fields.Field(attribute="decision__meeting__held_on", column_name="召开日期", widget=DATE)
    decision = fields.Field(attribute="decision__text", column_name="议定事项")
    organization = fields.Field(attribute="organization__name", column_name="承办单位")
    task = fields.Field(attribute="task", column_name="落实任务")
    due_date = fields.Field(attribute="due_date", column_name="完成时限", widget=DATE)
    status = fields.Field(attribute="get_status_display", column_name="状态")
    overdue = fields.Field(column_name="是否逾期")
    done_on = fields.Field(attribute="done_on", column_name="办结日期", widget=DATE)
    result = fields.Field(attribute="result", column_name="办理结果")

    class Meta:
        model = FollowUp
        name = "落实事项"
        fields = (
            "meeting",
            "held_on",
            "decision",
            "organization",
            "task",
            "due_date",
            "status",
            "overdue",
            "done_on",
            "result",
        )
        export_order = fields
        chunk_size = 2000

    def __init__(self, user=None, **kwargs):
        super().__init__(user, **kwargs)
        self.today = timezone.localdate()

    def listed(self) -> QuerySet:
        return selectors.follow_up_list(user=self.actor)

    def dehydrate_overdue(self, item: FollowUp) -> str:
        return YES if item.is_overdue(self.today) else NO
