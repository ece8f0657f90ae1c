"""Memberships and cadre posts in the admin: added, transferred and ended through the services."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminDateWidget, AutocompleteSelect
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.core.admin import ServiceAdmin, ServiceForm
from apps.members import services
from apps.members.admin.people import IdNumberSearchMixin
from apps.members.models import CadrePost, Membership, MembershipSource, MembershipStatus
from apps.organizations.admin import RegionSubtreeFilter, ScopedAdminMixin
from apps.organizations.models import Organization

JOINED_ON_HELP = "留空为今天。"
TRANSFER_TARGET_REQUIRED = "办理转移须选择转入的组织。"

OPERATION_TRANSFER = "transfer"
OPERATIONS = [
    (OPERATION_TRANSFER, "转移到同一群团的其他组织"),
    (MembershipStatus.LAPSED, "办理退出"),
    (MembershipStatus.AGED_OUT, "超龄离籍"),
]


class OrganizationRegionFilter(RegionSubtreeFilter):
    path_lookup = "organization__region__path"


# Memberships ------------------------------------------------------------------------------


class MembershipAddForm(ServiceForm):
    conflict_field = "organization"

    class Meta:
        model = Membership
        fields = ("person", "organization", "joined_on", "note")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "joined_on" in self.fields:
            self.fields["joined_on"].required = False
            self.fields["joined_on"].help_text = JOINED_ON_HELP

    def write(self, data):
        return services.membership_create(
            actor=self.actor,
            person=data["person"],
            organization=data["organization"],
            joined_on=data.get("joined_on"),
            source=MembershipSource.MANUAL,
            note=data.get("note") or "",
        )


class MembershipChangeForm(ServiceForm):
    """A membership is never edited: it is transferred or ended, and the old row stays as history."""

    service_fields = {"organization": "transfer_to", "on": "effective_on", "status": "operation"}

    operation = forms.ChoiceField(label="办理事项", choices=OPERATIONS)
    transfer_to = forms.ModelChoiceField(
        label="转入组织", queryset=Organization.objects.none(), required=False, help_text="仅办理转移时填写。"
    )
    effective_on = forms.DateField(label="生效日期", initial=timezone.localdate, widget=AdminDateWidget)
    remark = forms.CharField(label="说明", max_length=255, required=False)

    class Meta:
        model = Membership
        fields = ()

    def write(self, data):
        if data["operation"] == OPERATION_TRANSFER:
            if data.get("transfer_to") is None:
                raise ValidationError({"transfer_to": TRANSFER_TARGET_REQUIRED})
            return services.membership_transfer(
                actor=self.actor,
                membership=self.instance,
                organization=data["transfer_to"],
                on=data["effective_on"],
                note=data.get("remark") or "",
            )
        return services.membership_end(
            actor=self.actor,
            membership=self.instance,
            status=data["operation"],
            on=data["effective_on"],
            note=data.get("remark") or "",
        )


@admin.register(Membership)
class MembershipAdmin(IdNumberSearchMixin, ScopedAdminMixin, ServiceAdmin):
    form = MembershipChangeForm
    add_form = MembershipAddForm
    id_number_hash_lookup = "person__id_number_hash"
    list_display = ("person", "organization", "federation", "status", "joined_on", "ended_on", "source", "origin")
    list_filter = ("status", "federation", "source", OrganizationRegionFilter)
    search_fields = ("person__name", "organization__name")
    list_select_related = ("person", "organization", "federation", "transferred_from__organization")
    autocomplete_fields = ("person", "organization")
    ordering = ("-id",)
    show_full_result_count = False

    operation_fields = ("operation", "transfer_to", "effective_on", "remark")
    record_fields = ("person", "organization", "federation", "status", "joined_on", "ended_on", "source", "note")

    def get_queryset(self, request):
        return super().get_queryset(request).defer("person__id_number")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        form = super().get_form(request, obj, change=change, **kwargs)
        if "transfer_to" in form.base_fields:
            target = form.base_fields["transfer_to"]
            target.queryset = self.related_queryset(Organization, request)
            target.widget = AutocompleteSelect(Membership._meta.get_field("organization"), self.admin_site)
        return form

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("person", "organization", "joined_on", "note")
        fields = (*self.record_fields, "origin", "created_at", "updated_at")
        return (*fields, *self.operation_fields) if self.has_change_permission(request, obj) else fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else (*self.record_fields, "origin", "created_at", "updated_at")

    def has_change_permission(self, request, obj=None):
        # Only an active membership can be transferred or ended; the others are history.
        if obj is not None and obj.status != MembershipStatus.ACTIVE:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # memberships end, they are not deleted

    @admin.display(description="转自")
    def origin(self, membership: Membership) -> str:
        previous = membership.transferred_from
        return previous.organization.name if previous is not None else "-"


# Cadre posts --------------------------------------------------------------------------------


class CadrePostForm(ServiceForm):
    conflict_field = "title"
    updatable = ("organization", "post_type", "title", "start_date", "end_date")

    class Meta:
        model = CadrePost
        fields = ("person", "organization", "post_type", "title", "start_date", "end_date")

    def write(self, data):
        if self.instance.pk is None:
            return services.cadre_post_create(actor=self.actor, **{field: data[field] for field in self._meta.fields})
        changes = {field: data[field] for field in self.changed_data if field in self.updatable}
        return services.cadre_post_update(actor=self.actor, post=self.instance, **changes)


@admin.register(CadrePost)
class CadrePostAdmin(IdNumberSearchMixin, ScopedAdminMixin, ServiceAdmin):
    form = CadrePostForm
    id_number_hash_lookup = "person__id_number_hash"
    list_display = ("person", "organization", "post_type", "title", "start_date", "end_date")
    list_filter = ("post_type", OrganizationRegionFilter)
    search_fields = ("person__name", "title", "organization__name")
    list_select_related = ("person", "organization")
    autocomplete_fields = ("person", "organization")
    ordering = ("-start_date", "-id")
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).defer("person__id_number")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("person",)  # a post is held by one person for good

    def delete_through_service(self, request, obj):
        services.cadre_post_delete(actor=request.user, post=obj)
