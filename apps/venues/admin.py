"""Venues, rooms and bookings in the Django admin: scoped, and every write through the services.

Who sees what (DECIDED, as everywhere): a venue and its rooms are visible to users whose
scope covers the venue's region, and to users holding a role on a unit of a federation
that contributes to the venue when that unit is in the same 市州; a booking is visible
through its venue's region or through the booking organization. Anything else is absent
from every changelist, choice and export, and its pages answer 404.

A booking is added through services.booking_create (each broken rule on its field, a
conflict at the top of the form with the bookings in the way) and is never edited: its
room, time and status change only by a decision — approve, reject with a reason, cancel
— on the change page or as a changelist action.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelectMultiple, FilteredSelectMultiple
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms.models import construct_instance
from django.utils import timezone

from apps.core.admin import ServiceAdmin, ServiceForm, ServiceImportExportMixin, refusal
from apps.core.exceptions import ConflictError
from apps.core.phones import PHONE_MAX_LENGTH
from apps.organizations.admin import RegionSubtreeFilter, ScopedAdminMixin
from apps.organizations.models import RoleAssignment
from apps.organizations.scoping import scoped
from apps.venues import services
from apps.venues.models import Booking, BookingStatus, OpeningHours, Room, Venue, VenueClosure
from apps.venues.resources import BookingResource

User = get_user_model()

MANAGERS_HELP = "可审批、驳回本场地预约的账号。"
CONFLICT_DETAIL = "{start}–{end} {organization}（{status}）"
OPERATION_APPROVE = "approve"
OPERATION_REJECT = "reject"
OPERATION_CANCEL = "cancel"
OPERATIONS = [
    (OPERATION_APPROVE, "通过"),
    (OPERATION_REJECT, "驳回"),
    (OPERATION_CANCEL, "取消预约"),
]
REASON_HELP = "驳回时必填，将通知预约人。"
APPROVED = "已通过 {count} 个预约。"
CANCELLED = "已取消 {count} 个预约。"
REFUSED = "“{booking}”未处理：{reason}"
NOT_MANAGER = "您不是该场地的管理员，不能审批。"


# Venues ----------------------------------------------------------------------------------


def _managers_of(venue: Venue):
    if venue.pk is None:
        return User.objects.none()
    granted = venue.venueuserobjectpermission_set.filter(permission__codename="manage_venue")
    return User.objects.filter(pk__in=granted.values("user_id"))


class VenueForm(ServiceForm):
    conflict_field = "name"

    managers = forms.ModelMultipleChoiceField(
        label="场地管理员", queryset=User.objects.none(), required=False, help_text=MANAGERS_HELP
    )

    class Meta:
        model = Venue
        fields = (
            "name",
            "kind",
            "region",
            "address",
            "federations",
            "closes_on_public_holidays",
            "booking_horizon_days",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_managers = set(_managers_of(self.instance))
        if "managers" in self.fields:
            self.initial.setdefault("managers", [user.pk for user in self.current_managers])

    def write(self, data):
        adding = self.instance.pk is None
        venue = self.instance
        construct_instance(self, venue, self._meta.fields, ("federations",))
        try:
            venue = services.venue_save(actor=self.actor, venue=venue, federations=data["federations"])
            if "managers" in self.fields:
                wanted = set(data["managers"])
                for user in wanted - self.current_managers:
                    services.venue_manager_grant(actor=self.actor, venue=venue, user=user)
                for user in self.current_managers - wanted:
                    services.venue_manager_revoke(actor=self.actor, venue=venue, user=user)
        except Exception:
            if adding:
                # The savepoint took the row back; the form must not pretend it exists.
                venue.pk = None
                venue._state.adding = True
            raise
        return venue


class OpeningHoursInline(admin.TabularInline):
    """A weekday without a row is closed. Saved as a whole through services.venue_save."""

    model = OpeningHours
    fields = ("weekday", "opens", "closes")
    extra = 0
    max_num = 7


class VenueClosureInline(admin.TabularInline):
    """The venue's own closed days, saved through venue_closure_add / venue_closure_remove."""

    model = VenueClosure
    fields = ("date", "reason")
    extra = 1

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-date")


@admin.register(Venue)
class VenueAdmin(ScopedAdminMixin, ServiceAdmin):
    form = VenueForm
    inlines = (OpeningHoursInline, VenueClosureInline)
    list_display = ("name", "kind", "region", "contributors", "address", "closes_on_public_holidays")
    list_filter = ("kind", "federations", RegionSubtreeFilter)
    search_fields = ("name", "address")
    list_select_related = ("region",)
    autocomplete_fields = ("region",)
    filter_horizontal = ("federations",)
    ordering = ("region__path", "name")
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("federations")

    def get_fields(self, request, obj=None):
        return (*VenueForm._meta.fields, "managers")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        managers = form.base_fields["managers"]
        # Accounts the user may see (the accounts admin decides), and the current managers,
        # who stay choices even when they are beyond it: leaving them alone keeps them.
        current = _managers_of(obj) if obj is not None else User.objects.none()
        if self.admin_site.get_model_admin(User).has_view_permission(request):
            managers.queryset = self.related_queryset(User, request) | current
            # Booking.booked_by is the admin's way to search the accounts (autocomplete).
            managers.widget = AutocompleteSelectMultiple(Booking._meta.get_field("booked_by"), self.admin_site)
        else:
            # Who may not browse the accounts (county staff) picks among the role holders of
            # their scope, a short list.
            holders = scoped(RoleAssignment.objects.all(), request.user).values("user_id")
            managers.queryset = (User.objects.filter(pk__in=holders) | current).distinct().order_by("username")
            managers.widget = FilteredSelectMultiple("场地管理员", is_stacked=False)
        return form

    @admin.display(description="共建群团")
    def contributors(self, venue: Venue) -> str:
        return "、".join(federation.name for federation in venue.federations.all()) or "-"

    def has_delete_permission(self, request, obj=None):
        # No service deletes a venue: its rooms and bookings are the record of its use.
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The form's service call saves the venue before the inlines are judged; when an
        # inline is refused, the page comes back with its errors and nothing stays written.
        with transaction.atomic():
            response = super().changeform_view(request, object_id, form_url, extra_context)
            refused = request.method == "POST" and response.status_code == 200
            if refused:
                transaction.set_rollback(True)
        if refused and object_id is None and getattr(response, "context_data", None):
            venue = response.context_data["adminform"].form.instance
            venue.pk = None
            venue._state.adding = True
        return response

    def save_related(self, request, form, formsets, change):
        venue = form.instance
        for formset in formsets:
            # What the services wrote, as formset.save() would tell the change message.
            formset.new_objects = [row.instance for row in formset.extra_forms if row.has_changed()]
            formset.deleted_objects = [row.instance for row in formset.deleted_forms if row.instance.pk]
            formset.changed_objects = [
                (row.instance, row.changed_data)
                for row in formset.initial_forms
                if row.has_changed() and row not in formset.deleted_forms
            ]
            if formset.model is OpeningHours:
                self._save_opening_hours(request, venue, formset)
            elif formset.model is VenueClosure:
                self._save_closures(request, venue, formset)

    def _save_opening_hours(self, request, venue, formset):
        if not formset.has_changed():
            return
        hours = {
            row.cleaned_data["weekday"]: (row.cleaned_data["opens"], row.cleaned_data["closes"])
            for row in formset.forms
            if row.cleaned_data and not row.cleaned_data.get("DELETE")
        }
        services.venue_save(actor=request.user, venue=venue, opening_hours=hours)

    def _save_closures(self, request, venue, formset):
        for row in formset.forms:
            data = row.cleaned_data
            if not data or not row.has_changed():
                continue
            existing = row.instance if row.instance.pk is not None else None
            if existing is not None and (data.get("DELETE") or "date" in row.changed_data):
                services.venue_closure_remove(actor=request.user, closure=VenueClosure.objects.get(pk=existing.pk))
            if not data.get("DELETE"):
                services.venue_closure_add(actor=request.user, venue=venue, date=data["date"], reason=data["reason"])


# Rooms -----------------------------------------------------------------------------------


class RoomForm(ServiceForm):
    conflict_field = "name"

    class Meta:
        model = Room
        fields = ("venue", "name", "kind", "capacity", "facilities", "contributed_by", "needs_approval", "is_active")

    def write(self, data):
        adding = self.instance.pk is None
        construct_instance(self, self.instance, self._meta.fields)
        try:
            return services.room_save(actor=self.actor, room=self.instance)
        except Exception:
            if adding:
                self.instance.pk = None
                self.instance._state.adding = True
            raise


class VenueRegionFilter(RegionSubtreeFilter):
    path_lookup = "venue__region__path"


@admin.register(Room)
class RoomAdmin(ScopedAdminMixin, ServiceAdmin):
    form = RoomForm
    list_display = ("name", "venue", "kind", "capacity", "contributed_by", "needs_approval", "is_active")
    list_filter = ("kind", "contributed_by", "needs_approval", "is_active", VenueRegionFilter)
    search_fields = ("name", "venue__name")
    list_select_related = ("venue", "contributed_by")
    autocomplete_fields = ("venue",)
    ordering = ("venue__region__path", "venue__name", "name")
    show_full_result_count = False

    def has_delete_permission(self, request, obj=None):
        # No service deletes a room (its bookings keep it); a retired room stops taking bookings.
        return False


# Bookings --------------------------------------------------------------------------------


class BookingAddForm(ServiceForm):
    contact_phone = forms.CharField(label="联系电话", max_length=PHONE_MAX_LENGTH, required=False)

    class Meta:
        model = Booking
        fields = ("room", "organization", "start", "end", "purpose", "attendees", "contact_name", "contact_phone")

    def write(self, data):
        try:
            return services.booking_create(
                actor=self.actor,
                room=data["room"],
                organization=data["organization"],
                start=data["start"],
                end=data["end"],
                purpose=data["purpose"],
                attendees=data["attendees"],
                contact_name=data["contact_name"],
                contact_phone=data.get("contact_phone") or "",
            )
        except ConflictError as exc:
            raise ConflictError(booking_conflict_message(exc), exc.conflicts) from exc


def booking_conflict_message(exc: ConflictError) -> str:
    """The service's message and the bookings in the way (time, organization, status)."""
    labels = dict(BookingStatus.choices)
    details = [
        CONFLICT_DETAIL.format(
            start=f"{timezone.localtime(_parse(conflict['start'])):%Y-%m-%d %H:%M}",
            end=f"{timezone.localtime(_parse(conflict['end'])):%H:%M}",
            organization=conflict["organization"],
            status=labels.get(conflict["status"], conflict["status"]),
        )
        for conflict in exc.conflicts
    ]
    return f"{exc.message}{'；'.join(details)}" if details else exc.message


def _parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


class BookingDecisionForm(ServiceForm):
    """A booking is never edited: it is approved, rejected (with a reason) or cancelled."""

    service_fields = {"status": "operation"}

    operation = forms.ChoiceField(label="处理", choices=OPERATIONS)
    reason = forms.CharField(label="驳回原因", max_length=255, required=False, help_text=REASON_HELP)

    class Meta:
        model = Booking
        fields = ()

    def write(self, data):
        operation = data["operation"]
        if operation == OPERATION_APPROVE:
            return services.booking_approve(actor=self.actor, booking=self.instance)
        if operation == OPERATION_REJECT:
            return services.booking_reject(actor=self.actor, booking=self.instance, reason=data.get("reason") or "")
        return services.booking_cancel(actor=self.actor, booking=self.instance)


class BookingRecordForm(forms.ModelForm):
    """A decided booking's page: the record only, nothing to submit."""

    class Meta:
        model = Booking
        fields = ()


class VenueFilter(admin.SimpleListFilter):
    """The venues the user may see (a plain related filter would list every venue)."""

    title = "场地"
    parameter_name = "venue"

    def lookups(self, request, model_admin):
        venues = scoped(Venue.objects.all(), request.user).order_by("region__path", "name")
        return [(str(pk), name) for pk, name in venues.values_list("pk", "name")]

    def queryset(self, request, queryset):
        return queryset.filter(room__venue=self.value()) if self.value() else queryset


@admin.action(permissions=["change"], description="通过所选预约")
def approve_selected(modeladmin, request, queryset):
    done = 0
    for booking in queryset:
        try:
            services.booking_approve(actor=request.user, booking=booking)
            done += 1
        except PermissionDenied:
            modeladmin.message_user(request, REFUSED.format(booking=booking, reason=NOT_MANAGER), messages.ERROR)
        except ValidationError as exc:
            modeladmin.message_user(request, REFUSED.format(booking=booking, reason=refusal(exc)), messages.ERROR)
    if done:
        modeladmin.message_user(request, APPROVED.format(count=done), messages.SUCCESS)


@admin.action(permissions=["change"], description="取消所选预约")
def cancel_selected(modeladmin, request, queryset):
    done = 0
    for booking in queryset:
        try:
            services.booking_cancel(actor=request.user, booking=booking)
            done += 1
        except (PermissionDenied, ValidationError) as exc:
            modeladmin.message_user(request, REFUSED.format(booking=booking, reason=refusal(exc)), messages.ERROR)
    if done:
        modeladmin.message_user(request, CANCELLED.format(count=done), messages.SUCCESS)


@admin.register(Booking)
class BookingAdmin(ScopedAdminMixin, ServiceImportExportMixin, ServiceAdmin):
    form = BookingDecisionForm
    add_form = BookingAddForm
    resource_classes = [BookingResource]
    actions = (approve_selected, cancel_selected)
    list_display = (
        "start",
        "end",
        "room",
        "organization",
        "federation",
        "status",
        "purpose",
        "attendees",
        "contact_name",
    )
    list_filter = (
        "status",
        ("organization__federation", admin.RelatedFieldListFilter),
        VenueFilter,
    )
    date_hierarchy = "start"  # its periods found by index probes (apps.core.date_hierarchy)
    # Not by phone: it is stored encrypted (PIPL), so no column can match it.
    search_fields = ("purpose", "organization__name", "contact_name")
    search_help_text = "按用途、预约组织或联系人搜索。"
    list_select_related = ("room__venue", "organization__federation")
    autocomplete_fields = ("room", "organization")
    ordering = ("-start", "-id")
    show_full_result_count = False

    record_fields = (
        "room",
        "organization",
        "start",
        "end",
        "status",
        "purpose",
        "attendees",
        "contact_name",
        "contact_phone_masked",
        "booked_by",
        "decided_by",
        "rejection_reason",
        "created_at",
        "updated_at",
    )
    decision_fields = ("operation", "reason")

    def get_queryset(self, request):
        # The contact's phone is shown masked: its ciphertext is neither read nor decrypted.
        return super().get_queryset(request).defer("contact_phone")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        elif not self.has_change_permission(request, obj):
            kwargs["form"] = BookingRecordForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return BookingAddForm._meta.fields
        if self.has_change_permission(request, obj):
            return (*self.record_fields, *self.decision_fields)
        return self.record_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.record_fields

    def has_change_permission(self, request, obj=None):
        # Only a booking that still holds its slot can be decided or cancelled.
        if obj is not None and not obj.holds_room:
            return False
        return super().has_change_permission(request, obj)

    def has_import_permission(self, request):
        return False  # bookings are made slot by slot, through the calendar's rules

    def has_delete_permission(self, request, obj=None):
        return False  # a booking is cancelled or rejected, and stays as the record

    @admin.display(description="群团", ordering="organization__federation__sort_order")
    def federation(self, booking: Booking) -> str:
        return booking.organization.federation.name
