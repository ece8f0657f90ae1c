"""Query filters of the people, memberships and cadre-posts lists."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters

from apps.core.api import (
    QuietFilterSet,
    scoped_choices,
)
from apps.core.crypto import keyed_hash
from apps.members import idnumbers
from apps.members.models import (
    CadrePost,
    IdentityTag,
    Membership,
    MembershipStatus,
    Person,
    PostType,
)
from apps.members.selectors import person_list
from apps.organizations.models import Federation
from apps.organizations.selectors import organization_list, region_list


def _in_region_subtree(queryset: QuerySet, name: str, value) -> QuerySet:
    return queryset.filter(region__path__startswith=value.path)


class PersonFilter(QuietFilterSet):
    id_number = filters.CharFilter(method="filter_id_number", label="身份证号（精确匹配，全角、小写 x、空格均可）")
    region = filters.ModelChoiceFilter(
        queryset=scoped_choices(region_list), method=_in_region_subtree, label="居住地区划 ID（含全部下级区划）"
    )
    federation = filters.ModelChoiceFilter(
        queryset=Federation.objects.all(),
        field_name="memberships__federation",
        method="filter_federation",
        label="在册会员所属群团类别 ID",
    )
    identity_tag = filters.ModelChoiceFilter(
        queryset=IdentityTag.objects.all(), to_field_name="code", field_name="identity_tags", label="身份标签代码"
    )

    class Meta:
        model = Person
        fields = ["id_number", "region", "federation", "identity_tag"]

    def filter_id_number(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # The keyed hash of the normalized number: an index hit, the ciphertext is never searched.
        return queryset.filter(id_number_hash=keyed_hash(idnumbers.normalize(value)))

    def filter_federation(self, queryset: QuerySet, name: str, value) -> QuerySet:
        # At most one active membership per federation: the join never repeats a person.
        return queryset.filter(memberships__federation=value, memberships__status=MembershipStatus.ACTIVE)


class MembershipFilter(filters.FilterSet):
    person = filters.ModelChoiceFilter(queryset=scoped_choices(person_list), label="人员 ID")
    organization = filters.ModelChoiceFilter(queryset=scoped_choices(organization_list), label="所在组织 ID")
    federation = filters.ModelChoiceFilter(queryset=Federation.objects.all(), label="群团类别 ID")
    status = filters.ChoiceFilter(choices=MembershipStatus.choices, label="状态")

    class Meta:
        model = Membership
        fields = ["person", "organization", "federation", "status"]


class CadrePostFilter(filters.FilterSet):
    person = filters.ModelChoiceFilter(queryset=scoped_choices(person_list), label="人员 ID")
    organization = filters.ModelChoiceFilter(queryset=scoped_choices(organization_list), label="任职组织 ID")
    post_type = filters.ChoiceFilter(choices=PostType.choices, label="任职方式")
    current = filters.BooleanFilter(
        method="filter_current", label="true：今天在任的任职；false：已结束或尚未开始的任职"
    )

    class Meta:
        model = CadrePost
        fields = ["person", "organization", "post_type", "current"]

    def filter_current(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        today = timezone.localdate()
        current = Q(start_date__lte=today) & (Q(end_date__isnull=True) | Q(end_date__gte=today))
        return queryset.filter(current) if value else queryset.exclude(current)
