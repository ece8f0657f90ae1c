"""Configuration the province edits (eligibility rules, identity tags) and the audit trail it reads."""

from __future__ import annotations

from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry
from django import forms
from django.apps import apps as django_apps
from django.contrib import admin

from apps.core.admin import ReadOnlyAdmin
from apps.core.audit import AUDITED
from apps.core.date_hierarchy import SkipScanChangeList
from apps.core.models import AuditEvent
from apps.core.pagination import BoundedCountPaginator
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


class AuditedModelFilter(admin.SimpleListFilter):
    """The audited models by their names. auditlog's own filter lists the types found in the log,
    a DISTINCT over every line of it on each page load: millions of lines at province scale."""

    title = "对象类型"
    parameter_name = "model"

    def lookups(self, request, model_admin):
        models = [django_apps.get_model(label) for label in AUDITED]
        return [(model._meta.label_lower, model._meta.verbose_name) for model in models]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        app_label, _, model = self.value().partition(".")
        return queryset.filter(content_type__app_label=app_label, content_type__model=model)


admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class ChangeLogAdmin(ReadOnlyAdmin, LogEntryAdmin):
    """Changes to people, memberships, bookings and ledger entries (django-auditlog), beside the
    reads and exports above: read-only for everyone, superusers included (auditlog.view_logentry,
    the provincial admins' only). At province scale like the other changelists: a bounded
    count, the date hierarchy by index probes, no filter that reads the whole log."""

    list_display = ("timestamp", "actor", "remote_addr", "action", "content_type", "object_repr", "msg_short")
    list_filter = ("action", AuditedModelFilter)
    search_fields = ("actor__username", "actor__name", "object_repr")
    date_hierarchy = "timestamp"
    paginator = BoundedCountPaginator
    show_full_result_count = False

    def get_changelist(self, request, **kwargs):
        return SkipScanChangeList
