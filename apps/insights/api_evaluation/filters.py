"""Query filters of the joint evaluation lists; every id filter is limited to the scope."""

from __future__ import annotations

from django import forms
from django_filters import rest_framework as filters

from apps.core.api import scoped_choices
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
