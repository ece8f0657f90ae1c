"""Configuration the province edits (eligibility rules, identity tags) and the audit trail it reads."""

from __future__ import annotations

from auditlog.admin import LogEntryAdmin
from auditlog.filters import ResourceTypeFilter
from auditlog.models import LogEntry
from django import forms
from django.contrib import admin

from apps.core.admin import ReadOnlyAdmin
from apps.core.models import AuditEvent
from apps.members.models import EligibilityRule, IdentityTag
from apps.organizations.admin import ScopedAdminMixin

AGE_RANGE = "年龄上限须大于最低年龄。"


# Configuration the province edits -----------------------------------------------------------


class EligibilityRuleForm(forms.ModelForm):
    class Meta:
        model = EligibilityRule
        fields = (
            "federation",
            "name",
            "is_active",
            "identity_tags",
            "min_age",
            "max_age",
            "gender",
            "region",
            "requires_employer_branch",
            "retain_with_post",
            "sort_order",
        )

    def clean(self):
        data = super().clean()
        min_age, max_age = data.get("min_age"), data.get("max_age")
        if min_age is not None and max_age is not None and max_age <= min_age:
            self.add_error("max_age", AGE_RANGE)
        return data


@admin.register(EligibilityRule)
class EligibilityRuleAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Who each federation takes in: data, edited by the province; enrollment reads it as it stands."""

    form = EligibilityRuleForm
    list_display = ("federation", "name", "is_active", "min_age", "max_age", "gender", "region", "sort_order")
    list_filter = ("federation", "is_active")
    search_fields = ("name",)
    list_select_related = ("federation", "region")
    autocomplete_fields = ("region",)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(IdentityTag)
class IdentityTagAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "sort_order")
    search_fields = ("name", "code")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("code",)  # the rules and the services refer to a tag by code

    def has_delete_permission(self, request, obj=None):
        # Deleting a tag a rule names would silently widen the rule to everyone.
        if obj is not None and (obj.code == IdentityTag.DISABLED or obj.eligibilityrule_set.exists()):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one by one, through the check above
        return actions


# The audit trail ------------------------------------------------------------------------------


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    """Full ID-number views and exports of people: the province reads them (core.view_auditevent)."""

    list_display = ("at", "actor_username", "action", "model", "object_id", "detail")
    list_filter = ("action", "model")
    search_fields = ("actor_username", "=object_id")
    date_hierarchy = "at"
    ordering = ("-at", "-id")
    show_full_result_count = False


admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class ChangeLogAdmin(ReadOnlyAdmin, LogEntryAdmin):
    """Changes to people, memberships, bookings and ledger entries (django-auditlog), beside the
    reads and exports above: read-only for everyone, superusers included (auditlog.view_logentry,
    the provincial admins' only)."""

    list_display = ("timestamp", "actor", "remote_addr", "action", "content_type", "object_repr", "msg_short")
    list_filter = ("action", ResourceTypeFilter)
    search_fields = ("actor__username", "actor__name", "object_repr")
    date_hierarchy = "timestamp"
    show_full_result_count = False
