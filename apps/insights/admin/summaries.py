"""The scorecard's monthly summaries: rows only the nightly task writes, to look at; an action
refreshes them at once (after a correction in a closed month, say)."""

from __future__ import annotations

from django.contrib import admin, messages

from apps.core.admin import ReadOnlyAdmin
from apps.core.date_hierarchy import SkipScanChangeList
from apps.core.pagination import BoundedCountPaginator
from apps.insights import summaries
from apps.insights.figures import BY_CODE, SUMMARIZED
from apps.insights.models import MonthlyFigure, SummaryState

REFRESHED = "已重新汇总：{state}，共 {count} 行。"


class FigureFilter(admin.SimpleListFilter):
    """The summarized figures, from their definitions (not a DISTINCT over every summary row)."""

    title = "指标"
    parameter_name = "code"

    def lookups(self, request, model_admin):
        return [(code, BY_CODE[code].label) for code in SUMMARIZED]

    def queryset(self, request, queryset):
        return queryset.filter(code=self.value()) if self.value() else queryset


@admin.register(MonthlyFigure)
class MonthlyFigureAdmin(ReadOnlyAdmin):
    list_display = ("month", "code", "figure", "region", "value")
    list_filter = (FigureFilter, "month")
    search_fields = ("region__name", "code")
    list_select_related = ("region",)
    date_hierarchy = "month"  # its periods found by index probes (apps.core.date_hierarchy)
    ordering = ("-month", "-code", "-id")  # the (month, code) index, read backwards
    paginator = BoundedCountPaginator
    show_full_result_count = False

    def get_changelist(self, request, **kwargs):
        return SkipScanChangeList

    @admin.display(description="指标名称")
    def figure(self, row: MonthlyFigure) -> str:
        figure = BY_CODE.get(row.code)
        return figure.label if figure else ""


@admin.action(description="立即重新汇总")
def refresh_now(modeladmin, request, queryset):
    if not request.user.is_superuser:
        modeladmin.message_user(request, "只有系统管理员可以重新汇总。", messages.ERROR)
        return
    state = summaries.refresh()
    modeladmin.message_user(request, REFRESHED.format(state=state, count=MonthlyFigure.objects.count()))


@admin.register(SummaryState)
class SummaryStateAdmin(ReadOnlyAdmin):
    list_display = ("through_month", "refreshed_at")
    actions = (refresh_now,)

    def has_change_permission(self, request, obj=None) -> bool:
        return False
