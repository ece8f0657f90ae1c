"""Query filters of the resources lists; every id filter is limited to the user's scope."""

from __future__ import annotations

from django_filters import rest_framework as filters

from apps.core.api import scoped_choices
from apps.members.selectors import person_list
from apps.organizations.selectors import organization_list, region_list
from apps.resources.models import (
    CenterKind,
    DutyShift,
    EntryKind,
    Fund,
    LedgerEntry,
    Secondment,
    ServiceCenter,
    ShiftStatus,
)
from apps.resources.selectors import center_list, fund_list


class ServiceCenterFilter(filters.FilterSet):
    region = filters.ModelChoiceFilter(
        queryset=scoped_choices(region_list), method="filter_region", label="所在区划 ID（含全部下级区划）"
    )
    kind = filters.ChoiceFilter(choices=CenterKind.choices, label="类型")

    class Meta:
        model = ServiceCenter
        fields = ["region", "kind"]

    def filter_region(self, queryset, name, value):
        return queryset.filter(region__path__startswith=value.path)


class SecondmentFilter(filters.FilterSet):
    center = filters.ModelChoiceFilter(queryset=scoped_choices(center_list), label="服务中心（站）ID")
    person = filters.ModelChoiceFilter(queryset=scoped_choices(person_list), label="人员 ID")
    organization = filters.ModelChoiceFilter(queryset=scoped_choices(organization_list), label="派出组织 ID")

    class Meta:
        model = Secondment
        fields = ["center", "person", "organization"]


class DutyShiftFilter(filters.FilterSet):
    center = filters.ModelChoiceFilter(queryset=scoped_choices(center_list), label="服务中心（站）ID")
    person = filters.ModelChoiceFilter(queryset=scoped_choices(person_list), label="值班人 ID")
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte", label="日期不早于（YYYY-MM-DD）")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte", label="日期不晚于（YYYY-MM-DD）")
    status = filters.ChoiceFilter(choices=ShiftStatus.choices, label="状态")

    class Meta:
        model = DutyShift
        fields = ["center", "person", "date_from", "date_to", "status"]


class FundFilter(filters.FilterSet):
    owner = filters.ModelChoiceFilter(queryset=scoped_choices(organization_list), label="所属组织 ID")
    year = filters.NumberFilter(label="年度")

    class Meta:
        model = Fund
        fields = ["owner", "year"]


class LedgerEntryFilter(filters.FilterSet):
    fund = filters.ModelChoiceFilter(queryset=scoped_choices(fund_list), label="经费 ID")
    kind = filters.ChoiceFilter(choices=EntryKind.choices, label="类型")
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte", label="日期不早于（YYYY-MM-DD）")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte", label="日期不晚于（YYYY-MM-DD）")

    class Meta:
        model = LedgerEntry
        fields = ["fund", "kind", "date_from", "date_to"]
