"""Query filters of the talent lists; every id filter is limited to the scope."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters

from apps.core.api import scoped_choices
from apps.members.selectors import person_list
from apps.organizations.models import Federation
from apps.organizations.scoping import scoped
from apps.organizations.selectors import organization_list, region_list
from apps.talent.models import (
    Attendance,
    AttendanceStatus,
    Availability,
    CourseStatus,
    Expert,
    ExpertiseField,
    Rotation,
    RotationStatus,
    TrainingCourse,
    TrainingFormat,
    TrainingMode,
    TrainingSession,
)


def _courses(*, user) -> QuerySet:
    return scoped(TrainingCourse.objects.all(), user)


def _sessions(*, user) -> QuerySet:
    return scoped(TrainingSession.objects.all(), user)


class TrainingCourseFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=CourseStatus.choices, label="状态")
    format = filters.ChoiceFilter(choices=TrainingFormat.choices, label="培训形式")
    mode = filters.ChoiceFilter(choices=TrainingMode.choices, label="培训方式")
    federation = filters.ModelChoiceFilter(
        queryset=Federation.objects.all(),
        method="filter_federation",
        label="群团类别 ID（牵头、联合主办或业务所属）",
    )
    lead_organization = filters.ModelChoiceFilter(queryset=scoped_choices(organization_list), label="牵头组织 ID")
    is_common = filters.BooleanFilter(label="通用知识培训（true）或某一群团的业务培训（false）")
    starts_after = filters.IsoDateTimeFilter(
        field_name="first_start", lookup_expr="gte", label="首次课开始时间不早于（ISO 8601，含时区）"
    )
    starts_before = filters.IsoDateTimeFilter(
        field_name="first_start", lookup_expr="lt", label="首次课开始时间早于（ISO 8601，含时区）"
    )

    class Meta:
        model = TrainingCourse
        fields = [
            "status",
            "format",
            "mode",
            "federation",
            "lead_organization",
            "is_common",
            "starts_after",
            "starts_before",
        ]

    def filter_federation(self, queryset: QuerySet, name: str, value) -> QuerySet:
        co_organizing = TrainingCourse.co_organizers.through.objects.filter(organization__federation=value)
        return queryset.filter(
            Q(lead_organization__federation=value)
            | Q(federation=value)
            | Q(pk__in=co_organizing.values("trainingcourse_id"))
        )


class TrainingSessionFilter(filters.FilterSet):
    course = filters.ModelChoiceFilter(queryset=scoped_choices(_courses), label="培训班 ID")
    date_from = filters.DateFilter(
        field_name="starts_at", lookup_expr="date__gte", label="开始日期不早于（YYYY-MM-DD）"
    )
    date_to = filters.DateFilter(field_name="starts_at", lookup_expr="date__lte", label="开始日期不晚于（YYYY-MM-DD）")

    class Meta:
        model = TrainingSession
        fields = ["course", "date_from", "date_to"]


class AttendanceFilter(filters.FilterSet):
    session = filters.ModelChoiceFilter(queryset=scoped_choices(_sessions), label="课次 ID")
    course = filters.ModelChoiceFilter(
        queryset=scoped_choices(_courses), field_name="session__course", label="培训班 ID"
    )
    person = filters.ModelChoiceFilter(queryset=scoped_choices(person_list), label="学员 ID")
    status = filters.ChoiceFilter(choices=AttendanceStatus.choices, label="出勤")

    class Meta:
        model = Attendance
        fields = ["session", "course", "person", "status"]


class RotationFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=RotationStatus.choices, label="状态")
    person = filters.ModelChoiceFilter(queryset=scoped_choices(person_list), label="干部 ID")
    across_federations = filters.BooleanFilter(label="跨群团交流（true）或群团内轮岗（false）")
    to_organization = filters.ModelChoiceFilter(queryset=scoped_choices(organization_list), label="轮岗组织 ID")

    class Meta:
        model = Rotation
        fields = ["status", "person", "across_federations", "to_organization"]


class ExpertFilter(filters.FilterSet):
    field = filters.ModelChoiceFilter(
        queryset=ExpertiseField.objects.all(),
        to_field_name="code",
        field_name="fields",
        label="专长领域代码（expertise-fields/ 的 code）",
    )
    region = filters.ModelChoiceFilter(
        queryset=scoped_choices(region_list), method="filter_region", label="所在区划 ID（含全部下级区划）"
    )
    availability = filters.ChoiceFilter(choices=Availability.choices, label="可邀请情况")
    is_active = filters.BooleanFilter(label="在库（true）或已出库（false）")

    class Meta:
        model = Expert
        fields = ["field", "region", "availability", "is_active"]

    def filter_region(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(region__path__startswith=value.path)
