"""Query filters of the projects and service-records lists; every id filter is limited to the scope."""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters import rest_framework as filters

from apps.core.api import scoped_choices
from apps.members.selectors import person_list
from apps.organizations.models import Federation
from apps.organizations.selectors import organization_list, region_list
from apps.projects.models import (
    ContentCategory,
    PolicyStandard,
    ProjectStatus,
    ServiceProject,
    ServiceRecord,
    ServiceType,
    WorkNature,
)
from apps.projects.selectors import bundle_list, of_federation, project_list


class ProjectFilter(filters.FilterSet):
    federation = filters.ModelChoiceFilter(
        queryset=Federation.objects.all(),
        field_name="lead_organization__federation",
        method="filter_federation",
        label="群团类别 ID（牵头或参与）",
    )
    policy_standard = filters.ModelChoiceFilter(queryset=PolicyStandard.objects.all(), label="政策标准 ID")
    work_nature = filters.ModelChoiceFilter(queryset=WorkNature.objects.all(), label="工作性质 ID")
    content_category = filters.ModelChoiceFilter(queryset=ContentCategory.objects.all(), label="服务内容类别 ID")
    status = filters.ChoiceFilter(choices=ProjectStatus.choices, label="状态")
    region = filters.ModelChoiceFilter(
        queryset=scoped_choices(region_list), method="filter_region", label="服务区域 ID（含全部下级区划）"
    )
    bundle = filters.ModelChoiceFilter(queryset=scoped_choices(bundle_list), label="所属捆绑项目 ID")
    bundled = filters.BooleanFilter(
        field_name="bundle", lookup_expr="isnull", exclude=True, label="是否已捆绑（true / false）"
    )

    class Meta:
        model = ServiceProject
        fields = [
            "federation",
            "policy_standard",
            "work_nature",
            "content_category",
            "status",
            "region",
            "bundle",
            "bundled",
        ]

    def filter_federation(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return of_federation(queryset, value)

    def filter_region(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(region__path__startswith=value.path)


class ServiceRecordFilter(filters.FilterSet):
    project = filters.ModelChoiceFilter(queryset=scoped_choices(project_list), label="项目 ID")
    bundle = filters.ModelChoiceFilter(
        queryset=scoped_choices(bundle_list), field_name="project__bundle", label="捆绑项目 ID（其全部成员项目）"
    )
    person = filters.ModelChoiceFilter(queryset=scoped_choices(person_list), label="服务对象 ID")
    service_type = filters.ModelChoiceFilter(queryset=ServiceType.objects.all(), label="服务 ID")
    organization = filters.ModelChoiceFilter(queryset=scoped_choices(organization_list), label="服务单位 ID")
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte", label="服务日期不早于（YYYY-MM-DD）")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte", label="服务日期不晚于（YYYY-MM-DD）")

    class Meta:
        model = ServiceRecord
        fields = ["project", "bundle", "person", "service_type", "organization", "date_from", "date_to"]
