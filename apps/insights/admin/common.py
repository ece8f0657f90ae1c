"""Messages, field lists and filters of the joint evaluation admin (schemes.py, evaluations.py)."""

from __future__ import annotations

from django.contrib import admin

from apps.insights import evaluation_selectors
from apps.insights.models import (
    COMMON_CHOICES,
    IndicatorMethod,
)

PUBLISHED = "已发布 {count} 个方案。"
COMPUTED = "已重新计算 {count} 个方案。"
CLOSED = "已定档 {count} 个方案。"
COPIED = "已将 {count} 个方案复制为下一年度的草拟方案。"
CODES_HELP = "在指标的“计算公式”中用下列代码与数字、+ - * / 和括号组成公式，例如 trainee_times / 100。"
REGION_ONLY = "仅考评区划时可用"
NO_DATA = "无数据"
NONE = "-"
COMMONS = dict(COMMON_CHOICES)
SCORING_FIELDS = ("method", "formula", "target", "lower_is_better")
INDICATOR_FIELDS = ("common", "name", "weight", *SCORING_FIELDS, "guidance", "position")
SCORE_RELATED = ("evaluation__scheme", "evaluation__region", "evaluation__organization", "indicator", "scored_by")


# Filters -------------------------------------------------------------------------------------


class SchemeYearFilter(admin.SimpleListFilter):
    """The years of the schemes the user sees (a plain field filter would list every scheme's)."""

    title = "年度"
    parameter_name = "year"
    year_lookup = "year"

    def lookups(self, request, model_admin):
        return [(str(year), f"{year}年") for year in evaluation_selectors.evaluation_years(user=request.user)]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(**{self.year_lookup: int(value)}) if value and value.isdigit() else queryset


class EvaluationYearFilter(SchemeYearFilter):
    year_lookup = "scheme__year"


class ScoreYearFilter(SchemeYearFilter):
    year_lookup = "evaluation__scheme__year"


class ScoringFilter(admin.SimpleListFilter):
    title = "评分"
    parameter_name = "scoring"

    def lookups(self, request, model_admin):
        return [("pending", "人工评分：待评分"), ("given", "人工评分：已评分"), ("formula", "按平台数据计算")]

    def queryset(self, request, queryset):
        if self.value() == "formula":
            return queryset.filter(indicator__method=IndicatorMethod.FORMULA)
        if self.value() in ("pending", "given"):
            manual = queryset.filter(indicator__method=IndicatorMethod.MANUAL)
            return manual.filter(points__isnull=self.value() == "pending")
        return queryset
