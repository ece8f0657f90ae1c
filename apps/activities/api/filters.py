"""Query filters of the activities and volunteer-records lists; every id filter is limited to the scope."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters

from apps.activities.models import (
    Activity,
    ActivityMode,
    ActivityParticipant,
    ActivityStatus,
    Theme,
    VolunteerRecord,
)
from apps.activities.selectors import activity_list
from apps.core.api import scoped_choices
from apps.members.selectors import person_list
from apps.organizations.models import Federation
from apps.organizations.selectors import organization_list, region_list


class ActivityFilter(filters.FilterSet):
    federation = filters.ModelChoiceFilter(
        queryset=Federation.objects.all(),
        field_name="lead_organization__federation",
        method="filter_federation",
        label="群团类别 ID（牵头或参与）",
    )
    theme = filters.ModelChoiceFilter(queryset=Theme.objects.all(), method="filter_theme", label="主题 ID（含子主题）")
    mode = filters.ChoiceFilter(choices=ActivityMode.choices, label="举办方式")
    region = filters.ModelChoiceFilter(
        queryset=scoped_choices(region_list), method="filter_region", label="活动区划 ID（含全部下级区划）"
    )
    status = filters.ChoiceFilter(choices=ActivityStatus.choices, label="状态")
    starts_after = filters.IsoDateTimeFilter(
        field_name="start", lookup_expr="gte", label="开始时间不早于（ISO 8601，含时区）"
    )
    starts_before = filters.IsoDateTimeFilter(
        field_name="start", lookup_expr="lt", label="开始时间早于（ISO 8601，含时区）"
    )

    class Meta:
        model = Activity
        fields = ["federation", "theme", "mode", "region", "status", "starts_after", "starts_before"]

    def filter_federation(self, queryset: QuerySet, name: str, value) -> QuerySet:
        taking_part = ActivityParticipant.objects.filter(organization__federation=value).values("activity_id")
        return queryset.filter(Q(lead_organization__federation=value) | Q(pk__in=taking_part))

    def filter_theme(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(Q(theme=value) | Q(theme__parent=value))

    def filter_region(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(region__path__startswith=value.path)


def _activity_choices(*, user):
    return activity_list(user=user)


class VolunteerRecordFilter(filters.FilterSet):
    person = filters.ModelChoiceFilter(queryset=scoped_choices(person_list), label="人员 ID")
    organization = filters.ModelChoiceFilter(queryset=scoped_choices(organization_list), label="计入组织 ID")
    activity = filters.ModelChoiceFilter(queryset=scoped_choices(_activity_choices), label="活动 ID")

    class Meta:
        model = VolunteerRecord
        fields = ["person", "organization", "activity"]
