"""Rotation and exchange of cadres in the admin: planned through rotation_plan, moved on by actions."""

from __future__ import annotations

from django.contrib import admin

from apps.core.admin import ServiceAdmin, ServiceForm, ServiceImportExportMixin, run_action
from apps.organizations.admin import ScopedAdminMixin
from apps.talent import selectors, services
from apps.talent.models import Rotation
from apps.talent.resources import RotationResource

STARTED = "已开始 {count} 项轮岗。"
COMPLETED = "已结束 {count} 项轮岗。"
CANCELLED = "已取消 {count} 项轮岗。"


class RotationForm(ServiceForm):
    # An overlap with another rotation or a post of the same kind is about the period.
    conflict_field = "start_date"

    class Meta:
        model = Rotation
        fields = ("from_post", "to_organization", "post_type", "title", "start_date", "end_date", "note")

    def write(self, data):
        return services.rotation_plan(
            actor=self.actor,
            from_post=data["from_post"],
            to_organization=data["to_organization"],
            post_type=data["post_type"],
            title=data["title"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            note=data.get("note") or "",
        )


@admin.action(permissions=["change"], description="开始所选轮岗")
def start_selected(modeladmin, request, queryset):
    run_action(
        modeladmin,
        request,
        queryset,
        lambda rotation: services.rotation_start(actor=request.user, rotation=rotation),
        STARTED,
    )


@admin.action(permissions=["change"], description="结束所选轮岗（返回原岗位）")
def complete_selected(modeladmin, request, queryset):
    run_action(
        modeladmin,
        request,
        queryset,
        lambda rotation: services.rotation_complete(actor=request.user, rotation=rotation),
        COMPLETED,
    )


@admin.action(permissions=["change"], description="取消所选轮岗")
def cancel_selected(modeladmin, request, queryset):
    run_action(
        modeladmin,
        request,
        queryset,
        lambda rotation: services.rotation_cancel(actor=request.user, rotation=rotation),
        CANCELLED,
    )


@admin.register(Rotation)
class RotationAdmin(ScopedAdminMixin, ServiceImportExportMixin, ServiceAdmin):
    form = RotationForm
    resource_classes = [RotationResource]
    actions = (start_selected, complete_selected, cancel_selected)
    list_display = (
        "person",
        "from_organization",
        "to_organization",
        "post_type",
        "title",
        "start_date",
        "end_date",
        "status",
        "across_federations",
    )
    list_filter = (
        "status",
        "post_type",
        "across_federations",
        ("to_organization__federation", admin.RelatedFieldListFilter),
    )
    date_hierarchy = "start_date"
    search_fields = ("person__name", "title", "to_organization__name")
    list_select_related = ("person", "from_post__organization", "to_organization")
    autocomplete_fields = ("from_post", "to_organization")
    ordering = ("-start_date", "-id")
    show_full_result_count = False

    record_fields = (
        "person",
        *RotationForm._meta.fields,
        "status",
        "across_federations",
        "post",
        "created_by",
        "created_at",
        "updated_at",
    )

    def get_queryset(self, request):
        # Scoped from either end; the person shows by name, the ciphertext is never read.
        return selectors.rotation_list(user=request.user).defer("person__id_number")

    def get_fields(self, request, obj=None):
        return RotationForm._meta.fields if obj is None else self.record_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.record_fields

    def has_change_permission(self, request, obj=None):
        # A plan is started, completed or cancelled (the actions), never edited in place.
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_import_permission(self, request):
        return False  # each plan is judged against the tenure rules and the cadre's other posts

    def has_delete_permission(self, request, obj=None):
        return False  # a rotation is cancelled, and stays as the record

    @admin.display(description="原任职组织", ordering="from_post__organization__name")
    def from_organization(self, rotation: Rotation):
        return rotation.from_post.organization
