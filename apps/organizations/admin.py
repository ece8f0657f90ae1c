"""The Django admin door to the tree: regions, federations, organizations, host units, roles.

Every changelist, change page, foreign-key choice and autocomplete goes through the
user's scope, and what lies outside it answers 404. Every add, change and delete goes
through the services (apps.core.admin.ServiceForm and ServiceAdmin). Organizations and
host units import and export as spreadsheets (the resources package).
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.forms.models import construct_instance
from django.http import Http404

from apps.accounts.admin import UserAdmin
from apps.core.admin import ReadOnlyAdmin, ServiceAdmin, ServiceForm, ServiceImportExportMixin
from apps.core.date_hierarchy import SkipScanChangeList
from apps.core.models import Deletion, SyncedModel
from apps.core.pagination import BoundedCountPaginator
from apps.organizations import services
from apps.organizations.models import (
    Federation,
    HostUnit,
    Organization,
    Region,
    RegionLevel,
    RoleAssignment,
)
from apps.organizations.resources import HostUnitResource, OrganizationResource
from apps.organizations.scoping import scoped

NOT_FOUND = "未找到该记录，或它不在您的管辖范围内。"


class ScopedAdminMixin:
    """Limits a ModelAdmin to the user's scope: changelist, pages, choices and autocomplete.

    Changelists count at most 10,001 rows (BoundedCountPaginator) and never the whole table
    beside the filtered one (show_full_result_count): both would scan millions of people. Their
    date hierarchy finds its years, months and days by index probes (SkipScanChangeList).
    """

    paginator = BoundedCountPaginator
    show_full_result_count = False

    def get_changelist(self, request, **kwargs):
        return SkipScanChangeList

    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request.user)

    def get_object(self, request, object_id, from_field=None):
        # Django answers a missing object with a redirect and a message. Out of scope is
        # simply absent, as in every other door: 404, and nothing told.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(NOT_FOUND)
        return obj

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            # A row's current reference may lie above the user's scope (a county union's
            # parent is the prefecture's). It stays a valid choice, so the row can be saved
            # with it unchanged; the autocomplete still offers only what is in scope.
            for field in obj._meta.concrete_fields:
                current = obj.serializable_value(field.name) if field.is_relation else None
                if current is not None and field.name in form.base_fields:
                    choices = form.base_fields[field.name]
                    choices.queryset = choices.queryset | field.related_model._default_manager.filter(pk=current)
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = self.related_queryset(db_field.remote_field.model, request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def related_queryset(self, model, request):
        # The related model's admin decides what may be picked, as it does for autocomplete.
        if self.admin_site.is_registered(model):
            return self.admin_site.get_model_admin(model).get_queryset(request)
        return scoped(model._default_manager.all(), request.user)


class RegionSubtreeFilter(admin.SimpleListFilter):
    """Rows at or below one region of the user's scope (province, prefecture or county)."""

    title = "所在区划"
    parameter_name = "region_subtree"
    path_lookup = "region__path"

    def lookups(self, request, model_admin):
        regions = scoped(Region.objects.all(), request.user).filter(
            level__in=[RegionLevel.PROVINCE, RegionLevel.PREFECTURE, RegionLevel.COUNTY]
        )
        return [
            (str(region.pk), "\u3000" * (region.depth - 1) + region.name)
            for region in regions.order_by("path").only("pk", "name", "depth")
        ]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        region = scoped(Region.objects.all(), request.user).filter(pk=self.value()).first()
        if region is None:
            return queryset.none()
        return queryset.filter(**{f"{self.path_lookup}__startswith": region.path})


class RegionTreeFilter(RegionSubtreeFilter):
    title = "区划范围"
    path_lookup = "path"


# Forms: each write is one service call -----------------------------------------------


class RegionForm(ServiceForm):
    conflict_field = "code"

    class Meta:
        model = Region
        fields = ("parent", "code", "name")

    def write(self, data):
        if self.instance.pk is None:
            return services.region_create(
                actor=self.actor, parent=data.get("parent"), code=data["code"], name=data["name"]
            )
        return services.region_update(actor=self.actor, region=self.instance, name=data["name"])


class FederationForm(ServiceForm):
    class Meta:
        model = Federation
        fields = ("code", "name", "full_name", "unit_name_template", "sort_order")

    def write(self, data):
        construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)
        return services.federation_save(actor=self.actor, federation=self.instance)


class OrganizationForm(ServiceForm):
    conflict_field = "name"
    updatable = ("name", "region", "parent", "host_unit")

    class Meta:
        model = Organization
        fields = ("name", "federation", "region", "parent", "host_unit")

    def write(self, data):
        if self.instance.pk is None:
            return services.organization_create(
                actor=self.actor,
                name=data["name"],
                federation=data["federation"],
                region=data["region"],
                parent=data.get("parent"),
                host_unit=data.get("host_unit"),
            )
        changes = {field: data[field] for field in self.changed_data if field in self.updatable}
        return services.organization_update(actor=self.actor, organization=self.instance, **changes)


class HostUnitForm(ServiceForm):
    conflict_field = "credit_code"

    class Meta:
        model = HostUnit
        fields = ("name", "kind", "region", "credit_code", "head_count", "address")

    def write(self, data):
        if self.instance.pk is None:
            return services.host_unit_create(actor=self.actor, **{field: data[field] for field in self._meta.fields})
        changes = {field: data[field] for field in self.changed_data}
        return services.host_unit_update(actor=self.actor, host_unit=self.instance, **changes)


class RoleAssignmentForm(ServiceForm):
    class Meta:
        model = RoleAssignment
        fields = ("user", "role", "region", "organization")

    def write(self, data):
        return services.role_assign(
            actor=self.actor,
            user=data["user"],
            role=data["role"],
            region=data.get("region"),
            organization=data.get("organization"),
        )


# The tree's admins ------------------------------------------------------------------


@admin.register(Region)
class RegionAdmin(ScopedAdminMixin, ServiceAdmin):
    form = RegionForm
    list_display = ("code", "name", "level", "parent", "full_name")
    list_filter = ("level", RegionTreeFilter)
    search_fields = ("^code", "name")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    ordering = ("code",)
    show_full_result_count = False

    def get_fields(self, request, obj=None):
        return ("parent", "code", "name") if obj is None else ("parent", "code", "name", "level", "full_name")

    def get_readonly_fields(self, request, obj=None):
        # Code and place in the tree are fixed once given; only the name changes (region_update).
        return () if obj is None else ("parent", "code", "level", "full_name")

    def delete_through_service(self, request, obj):
        services.region_delete(actor=request.user, region=obj)


@admin.register(Federation)
class FederationAdmin(ScopedAdminMixin, ServiceAdmin):
    form = FederationForm
    list_display = ("name", "full_name", "code", "unit_name_template", "sort_order")
    search_fields = ("name", "full_name", "code")
    ordering = ("sort_order", "id")

    def get_readonly_fields(self, request, obj=None):
        # Clients and the code refer to a federation kind by its code.
        return () if obj is None else ("code",)

    def has_delete_permission(self, request, obj=None):
        # No service deletes a federation kind; its organizations protect it anyway.
        return False


@admin.register(Organization)
class OrganizationAdmin(ScopedAdminMixin, ServiceImportExportMixin, ServiceAdmin):
    form = OrganizationForm
    resource_classes = [OrganizationResource]
    list_display = ("name", "federation", "level", "region", "parent", "host_unit")
    list_filter = ("federation", "level", RegionSubtreeFilter)
    search_fields = ("name",)
    list_select_related = ("federation", "region", "parent", "host_unit")
    autocomplete_fields = ("region", "parent", "host_unit")
    ordering = ("path",)
    show_full_result_count = False

    def get_fields(self, request, obj=None):
        fields = ("name", "federation", "region", "parent", "host_unit")
        return fields if obj is None else (*fields, "level", "created_at", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        # The tree fields (path, depth, numchild) never show; the service derives the
        # level from region and host unit, and a unit's federation is fixed once given.
        return () if obj is None else ("federation", "level", "created_at", "updated_at")

    def delete_through_service(self, request, obj):
        services.organization_delete(actor=request.user, organization=obj)


@admin.register(HostUnit)
class HostUnitAdmin(ScopedAdminMixin, ServiceImportExportMixin, ServiceAdmin):
    form = HostUnitForm
    resource_classes = [HostUnitResource]
    list_display = ("name", "kind", "region", "credit_code", "head_count")
    list_filter = ("kind", RegionSubtreeFilter)
    search_fields = ("name", "=credit_code")
    list_select_related = ("region",)
    autocomplete_fields = ("region",)
    # Newest first: the primary key orders millions of rows without a sort.
    ordering = ("-id",)
    show_full_result_count = False

    def delete_through_service(self, request, obj):
        services.host_unit_delete(actor=request.user, host_unit=obj)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ScopedAdminMixin, ServiceAdmin):
    form = RoleAssignmentForm
    fields = ("user", "role", "region", "organization")
    list_display = ("user", "role", "region", "organization", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__name")
    list_select_related = ("user", "region", "organization")
    autocomplete_fields = ("user", "region", "organization")
    ordering = ("-id",)

    def has_change_permission(self, request, obj=None):
        # A role is granted (role_assign) or revoked (role_revoke), never edited in place.
        return False

    def delete_through_service(self, request, obj):
        services.role_revoke(actor=request.user, assignment=obj)


# Rows of other apps whose visibility follows the tree -----------------------------------


class SyncResourceFilter(admin.SimpleListFilter):
    """The resources tombstones are kept for, read from the models rather than the (big) table."""

    title = "资源"
    parameter_name = "model"

    def lookups(self, request, model_admin):
        resources = {
            model.sync_resource or model._meta.label_lower: model._meta.verbose_name
            for model in apps.get_models()
            if issubclass(model, SyncedModel)
        }
        return sorted(resources.items())

    def queryset(self, request, queryset):
        return queryset.filter(model=self.value()) if self.value() else queryset


@admin.register(Deletion)
class DeletionAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    """Delta-sync tombstones; registered here because who may see one follows the tree."""

    list_display = ("model", "object_id", "deleted_at", "region_path", "organization_path")
    list_filter = (SyncResourceFilter,)
    search_fields = ("=object_id",)
    ordering = ("-deleted_at",)
    show_full_result_count = False


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class ScopedUserAdmin(ScopedAdminMixin, UserAdmin):
    """accounts' UserAdmin, limited to the accounts a staff member may work with.

    Registered here because who may see an account follows its roles on the tree, which
    accounts (below organizations) cannot know: the holders of a role within the user's
    scope, and accounts holding no role yet, so that one can be granted. Superusers are
    seen by superusers only.
    """

    def get_queryset(self, request):
        users = super().get_queryset(request)
        if request.user.is_superuser:
            return users
        any_role = RoleAssignment.objects.filter(user=OuterRef("pk"))
        role_in_scope = scoped(RoleAssignment.objects.all(), request.user).filter(user=OuterRef("pk"))
        return users.filter(is_superuser=False).filter(Exists(role_in_scope) | ~Exists(any_role))


# Co-building (joint branches, meetings, follow-ups) registers its admins in its own module.
from apps.organizations import admin_cobuilding  # noqa: E402, F401
