"""Query filters and pages of the joint evaluation lists; every id filter is limited to the scope.

Schemes and indicators keep no change time, so `?updated_since=` cannot narrow them: it is
checked and then every row is returned, which a syncing client simply upserts.
"""

from __future__ import annotations

from django import forms
from django_filters import rest_framework as filters
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.pagination import CursorPagination

from apps.core.api import scoped_choices
from apps.core.filters import UpdatedSinceFilter, parse_updated_since
from apps.core.pagination import SyncCursorPagination
from apps.insights.api_evaluation.serializers import scheme_choices
from apps.insights.models import (
    COMMON_CHOICES,
    EvaluationScheme,
    EvaluationSubject,
    Indicator,
    IndicatorMethod,
    SchemeStatus,
)

YEAR_INVALID = "请填写四位数的年度，如 2026。"


# Delta sync without a change time -----------------------------------------------------------


class EverySince(UpdatedSinceFilter):
    """A malformed `?updated_since=` is still a 400; a valid one narrows nothing (no change time)."""

    def filter_queryset(self, request, queryset, view):
        raw = request.query_params.get(self.param)
        if raw is not None:
            parse_updated_since(raw)
        return queryset


class ListOrderPagination(SyncCursorPagination):
    """Cursor pages in the list's own order, also during a sync: there is no change time to order by."""

    def get_ordering(self, request, queryset, view):
        ordering = tuple(CursorPagination.get_ordering(self, request, queryset, view))
        if not any(field.lstrip("-") in ("id", "pk") for field in ordering):
            ordering += ("-id" if ordering[0].startswith("-") else "id",)
        return ordering


LIST_FILTERS = [filters.DjangoFilterBackend, EverySince, SearchFilter, OrderingFilter]


class _YearFilter(filters.NumberFilter):
    field_class = forms.IntegerField


class SchemeFilter(filters.FilterSet):
    year = _YearFilter(
        min_value=1000, max_value=9999, error_messages={"invalid": YEAR_INVALID}, label="年度（如 2026）"
    )
    status = filters.ChoiceFilter(choices=SchemeStatus.choices, label="状态")
    subject = filters.ChoiceFilter(choices=EvaluationSubject.choices, label="考评对象")

    class Meta:
        model = EvaluationScheme
        fields = ["year", "status", "subject"]


class IndicatorFilter(filters.FilterSet):
    scheme = filters.ModelChoiceFilter(queryset=scoped_choices(scheme_choices), label="方案 ID")
    common = filters.ChoiceFilter(choices=COMMON_CHOICES, label="所属“六共”")
    method = filters.ChoiceFilter(choices=IndicatorMethod.choices, label="评分方式")

    class Meta:
        model = Indicator
        fields = ["scheme", "common", "method"]
