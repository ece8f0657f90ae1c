"""The scorecard's monthly summaries: rows only the nightly task writes, to look at; an action
refreshes them at once (after a correction in a closed month, say)."""

from __future__ import annotations

from django.contrib import admin, messages

from apps.core.admin import ReadOnlyAdmin
from apps.insights import summaries
from apps.insights.models import MonthlyFigure, SummaryState

REFRESHED = "已重新汇总：{state}，共 {count} 行。"


@admin.register(MonthlyFigure)
class MonthlyFigureAdmin(ReadOnlyAdmin):
    list_display = ("month", "code", "region", "value")
    list_filter = ("code", "month")
    search_fields = ("region__name", "code")
    list_select_related = ("region",)
    date_hierarchy = "month"
    show_full_result_count = False


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
