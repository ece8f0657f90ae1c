"""Reference data of talent co-cultivation: the province edits it, everybody reads it.

The model permissions say who (省级管理员 holds them all, the other roles `view`); no
service guards these rows, as for the projects' policy standards.
"""

from __future__ import annotations

from django.contrib import admin

from apps.talent.models import ExpertiseField, TenureRule, TrainingRequirement


@admin.register(ExpertiseField)
class ExpertiseFieldAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "sort_order")
    search_fields = ("name", "code")
    ordering = ("sort_order", "id")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("code",)  # the API and the filters name a field by its code

    def has_delete_permission(self, request, obj=None):
        # Experts are filed under it: deleting it would silently take it off their records.
        if obj is not None and obj.experts.exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(TenureRule)
class TenureRuleAdmin(admin.ModelAdmin):
    """How long a cadre stays in a post of each kind: read by rotation_plan and the due list."""

    list_display = ("post_type", "min_months", "max_months")
    ordering = ("post_type",)


@admin.register(TrainingRequirement)
class TrainingRequirementAdmin(admin.ModelAdmin):
    """A year without a row owes what the latest earlier year did."""

    list_display = ("year", "hours")
    ordering = ("-year",)
