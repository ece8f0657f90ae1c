"""The local-expert pool (土专家) in the admin: registered and changed through the services,
its history of lectures and posts read with each expert."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from apps.core.admin import ReadOnlyAdmin, ReadOnlyInline, ServiceAdmin, ServiceForm, ServiceImportExportMixin
from apps.organizations.admin import RegionSubtreeFilter, ScopedAdminMixin
from apps.organizations.models import Organization
from apps.organizations.scoping import scoped
from apps.talent import services
from apps.talent.models import Expert, ExpertEngagement
from apps.talent.resources import ExpertResource, with_engagement_counts

REGION_HELP = "留空则为本人居住地所在区划。"
# What expert_update may change.
UPDATABLE = ("region", "specialty", "certifications", "availability", "availability_note", "is_active")


class ExpertForm(ServiceForm):
    conflict_field = "person"

    class Meta:
        model = Expert
        fields = (
            "person",
            "fields",
            "specialty",
            "region",
            "certifications",
            "availability",
            "availability_note",
            "joined_on",
            "is_active",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None and "region" in self.fields:
            self.fields["region"].required = False
            self.fields["region"].help_text = REGION_HELP
        if "joined_on" in self.fields:
            self.fields["joined_on"].required = False

    def write(self, data):
        if self.instance.pk is None:
            return services.expert_register(
                actor=self.actor,
                person=data["person"],
                fields=data["fields"],
                specialty=data["specialty"],
                region=data.get("region"),
                certifications=data.get("certifications") or "",
                availability=data["availability"],
                availability_note=data.get("availability_note") or "",
                joined_on=data.get("joined_on"),
            )
        changes = {field: data[field] for field in self.changed_data if field in UPDATABLE}
        fields = data["fields"] if "fields" in self.changed_data else None
        if not changes and fields is None:
            return self.instance
        return services.expert_update(actor=self.actor, expert=self.instance, fields=fields, **changes)


class EngagementInline(ReadOnlyInline):
    model = ExpertEngagement
    fields = ("date", "kind", "organization", "session", "post", "note")
    readonly_fields = fields
    ordering = ("-date", "-id")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organization", "session__course", "post__organization")


@admin.register(Expert)
class ExpertAdmin(ScopedAdminMixin, ServiceImportExportMixin, ServiceAdmin):
    form = ExpertForm
    inlines = (EngagementInline,)
    resource_classes = [ExpertResource]
    list_display = (
        "person",
        "region",
        "field_names",
        "specialty",
        "availability",
        "is_active",
        "lectures",
        "posts",
        "joined_on",
    )
    list_filter = ("fields", "availability", "is_active", RegionSubtreeFilter)
    date_hierarchy = "joined_on"
    search_fields = ("person__name", "specialty")
    list_select_related = ("person", "region")
    autocomplete_fields = ("person", "region")
    ordering = ("-joined_on", "-id")
    show_full_result_count = False

    record_fields = ("created_at", "updated_at")

    def get_queryset(self, request):
        experts = super().get_queryset(request).defer("person__id_number").prefetch_related("fields")
        return with_engagement_counts(experts)

    def get_fields(self, request, obj=None):
        fields = ExpertForm._meta.fields
        if obj is None:
            return tuple(field for field in fields if field != "is_active")
        return (*fields, *self.record_fields)

    def get_readonly_fields(self, request, obj=None):
        # The expert is the person: registered once, never moved to another person.
        return () if obj is None else ("person", "joined_on", *self.record_fields)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "fields":
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_import_permission(self, request):
        return False  # an expert is registered on the page, after a look at the person

    def has_delete_permission(self, request, obj=None):
        return False  # an expert leaves the pool (在库 unticked), the history stays

    @admin.display(description="专长领域")
    def field_names(self, expert: Expert) -> str:
        return "、".join(field.name for field in expert.fields.all())

    @admin.display(description="授课次数", ordering="lectures")
    def lectures(self, expert: Expert) -> int:
        return expert.lectures

    @admin.display(description="任用次数", ordering="posts")
    def posts(self, expert: Expert) -> int:
        return expert.posts


@admin.register(ExpertEngagement)
class ExpertEngagementAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    """Written by expert_invite and expert_recruit; read here."""

    list_display = ("expert", "kind", "organization", "session", "post", "date", "note")
    list_filter = ("kind",)
    date_hierarchy = "date"
    search_fields = ("expert__person__name", "organization__name", "note")
    list_select_related = ("expert__person", "organization", "session__course", "post__person", "post__organization")
    ordering = ("-date", "-id")
    show_full_result_count = False

    def get_queryset(self, request):
        # Seen with the expert (by region) or by the organization that invited or took them in.
        experts = scoped(Expert.objects.all(), request.user)
        organizations = scoped(Organization.objects.all(), request.user)
        engagements = super().get_queryset(request)
        return engagements.filter(expert__in=experts) | engagements.filter(organization__in=organizations)
