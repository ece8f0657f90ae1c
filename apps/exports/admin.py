from django.contrib import admin

from apps.exports.models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    """Read-only: jobs are made by export_request and written by the task, never by hand."""

    list_display = ["id", "requested_by", "kind", "format", "status", "row_count", "created_at", "finished_at"]
    list_filter = ["status", "kind", "format"]
    list_select_related = ["requested_by"]
    readonly_fields = [field.name for field in ExportJob._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
