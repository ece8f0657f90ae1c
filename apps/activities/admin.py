"""Activities, sign-ups and volunteer hours in the Django admin: scoped, every write through the services.

Who sees what (DECIDED, as everywhere): an activity is visible by its region, by its lead
organization's subtree, and to the users of every organization taking part; a sign-up or
a volunteer record likewise, and through the person's region. Anything else is absent
from every changelist and choice, and its pages answer 404.

An activity is added through services.activity_create (co-hosts picked on the add form, a
room booked through the venues service, its conflict at the top of the form); afterwards
only its title and summary change (services.activity_summarize), and it is published or
cancelled by a changelist action. Sign-ups are read here and cancelled by an action;
volunteer hours change only by a correction with a reason (services.volunteer_hours_correct).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from apps.activities import selectors, services
from apps.activities.models import (
    Activity,
    ActivityParticipant,
    ActivityPhoto,
    LectureGroup,
    Lecturer,
    ParticipantRole,
    Registration,
    Theme,
    VolunteerCorrection,
    VolunteerRecord,
)
from apps.core.admin import REFUSED, ServiceAdmin, ServiceForm, refusal, run_action
from apps.core.exceptions import ConflictError
from apps.organizations.admin import RegionSubtreeFilter, ScopedAdminMixin
from apps.organizations.models import Organization
from apps.venues.admin import booking_conflict_message
from apps.venues.models import Room

CO_HOSTS_HELP = "联合办活动至少选择一个联合主办组织；牵头组织本身无需选择。"
ROOM_HELP = "选择后将按活动时间预约该功能室（需审批的功能室预约待审批）。"
CONTACT_HELP = "功能室预约的联系人，默认为当前账号。"
REASON_HELP = "更正的原因，将记入更正记录。"
PUBLISHED = "已发布 {count} 个活动。"
ACTIVITIES_CANCELLED = "已取消 {count} 个活动。"
REGISTRATIONS_CANCELLED = "已取消 {count} 个报名。"
PROMOTED = "“{person}”已由候补转为报名。"


# Activities -------------------------------------------------------------------------------


class ActivityAddForm(ServiceForm):
    conflict_field = "room"

    co_hosts = forms.ModelMultipleChoiceField(
        label="联合主办组织", queryset=Organization.objects.none(), required=False, help_text=CO_HOSTS_HELP
    )
    room = forms.ModelChoiceField(label="功能室", queryset=Room.objects.none(), required=False, help_text=ROOM_HELP)
    contact_name = forms.CharField(label="预约联系人", max_length=64, required=False, help_text=CONTACT_HELP)
    service_fields = {"participants": "co_hosts"}

    class Meta:
        model = Activity
        fields = (
            "title",
            "theme",
            "mode",
            "lead_organization",
            "region",
            "start",
            "end",
            "capacity",
            "signup_opens",
            "signup_closes",
            "target_tags",
            "min_age",
            "max_age",
            "address",
        )

    def write(self, data):
        try:
            return services.activity_create(
                actor=self.actor,
                title=data["title"],
                theme=data["theme"],
                mode=data["mode"],
                lead_organization=data["lead_organization"],
                region=data["region"],
                start=data["start"],
                end=data["end"],
                capacity=data["capacity"],
                signup_opens=data["signup_opens"],
                signup_closes=data["signup_closes"],
                participants=[(org, ParticipantRole.CO_HOST) for org in data.get("co_hosts") or ()],
                target_tags=data.get("target_tags") or (),
                min_age=data.get("min_age"),
                max_age=data.get("max_age"),
                room=data.get("room"),
                address=data.get("address") or "",
                contact_name=data.get("contact_name") or "",
            )
        except ConflictError as exc:
            raise ConflictError(booking_conflict_message(exc), exc.conflicts) from exc


class ActivityChangeForm(ServiceForm):
    """After creation only the title and the summary change."""

    class Meta:
        model = Activity
        fields = ("title", "summary")

    def write(self, data):
        return services.activity_summarize(
            actor=self.actor, activity=self.instance, title=data["title"], summary=data.get("summary") or ""
        )


class ActivityParticipantInline(admin.TabularInline):
    """Who takes part, as created; read only."""

    model = ActivityParticipant
    fields = ("organization", "role")
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("activities.view_activity")


class ActivityPhotoInline(admin.TabularInline):
    """Photos are uploaded (services.activity_photo_add), never edited here."""

    model = ActivityPhoto
    fields = ("image", "caption", "uploaded_at")
    readonly_fields = ("uploaded_at",)
    extra = 1

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.action(permissions=["change"], description="发布")
def publish_selected(modeladmin, request, queryset):
    run_action(
        modeladmin,
        request,
        queryset,
        lambda activity: services.activity_publish(actor=request.user, activity=activity),
        PUBLISHED,
    )


@admin.action(permissions=["change"], description="取消")
def cancel_selected(modeladmin, request, queryset):
    run_action(
        modeladmin,
        request,
        queryset,
        lambda activity: services.activity_cancel(actor=request.user, activity=activity),
        ACTIVITIES_CANCELLED,
    )


@admin.register(Activity)
class ActivityAdmin(ScopedAdminMixin, ServiceAdmin):
    form = ActivityChangeForm
    add_form = ActivityAddForm
    actions = (publish_selected, cancel_selected)
    list_display = (
        "title",
        "theme",
        "mode",
        "lead_organization",
        "federation",
        "region",
        "start",
        "status",
        "registered",
        "capacity",
    )
    list_filter = (
        "status",
        "mode",
        ("theme", admin.RelatedOnlyFieldListFilter),
        ("lead_organization__federation", admin.RelatedFieldListFilter),
        RegionSubtreeFilter,
    )
    date_hierarchy = "start"
    search_fields = ("title",)
    list_select_related = ("theme__parent", "lead_organization__federation", "region")
    autocomplete_fields = ("lead_organization", "region")
    filter_horizontal = ("target_tags",)
    ordering = ("-start", "-id")
    show_full_result_count = False

    record_fields = (
        "theme",
        "mode",
        "status",
        "lead_organization",
        "region",
        "venue",
        "booking",
        "address",
        "start",
        "end",
        "capacity",
        "signup_opens",
        "signup_closes",
        "target_tags",
        "min_age",
        "max_age",
        "created_by",
        "created_at",
        "updated_at",
    )

    def get_queryset(self, request):
        return selectors.with_registered_count(super().get_queryset(request))

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            co_hosts = form.base_fields["co_hosts"]
            co_hosts.queryset = self.related_queryset(Organization, request)
            co_hosts.widget = AutocompleteSelectMultiple(Activity._meta.get_field("lead_organization"), self.admin_site)
            form.base_fields["room"].queryset = (
                self.related_queryset(Room, request).filter(is_active=True).select_related("venue")
            )
        return form

    def get_fields(self, request, obj=None):
        if obj is None:
            return (*ActivityAddForm._meta.fields, "co_hosts", "room", "contact_name")
        return ("title", *self.record_fields, "summary")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.record_fields

    def get_inlines(self, request, obj):
        return () if obj is None else (ActivityParticipantInline, ActivityPhotoInline)

    def has_delete_permission(self, request, obj=None):
        return False  # an activity is cancelled, and stays as the record

    @admin.display(description="群团", ordering="lead_organization__federation__sort_order")
    def federation(self, activity: Activity) -> str:
        return activity.lead_organization.federation.name

    @admin.display(description="已报名", ordering="registered_count")
    def registered(self, activity: Activity) -> int:
        return activity.registered_count

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The form's service call writes before the photos are judged; when they are
        # refused, the page comes back with its errors and nothing stays written.
        with transaction.atomic():
            response = super().changeform_view(request, object_id, form_url, extra_context)
            refused = request.method == "POST" and response.status_code == 200
            if refused:
                transaction.set_rollback(True)
        return response

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            if formset.model is not ActivityPhoto:
                continue
            for row in formset.extra_forms:
                if row.has_changed() and row.cleaned_data.get("image"):
                    photo = services.activity_photo_add(
                        actor=request.user,
                        activity=form.instance,
                        image=row.cleaned_data["image"],
                        caption=row.cleaned_data.get("caption") or "",
                    )
                    formset.new_objects.append(photo)


# Registrations ------------------------------------------------------------------------------


@admin.action(permissions=["cancel"], description="取消报名")
def cancel_registrations(modeladmin, request, queryset):
    done = 0
    for registration in queryset.select_related("person", "activity"):
        try:
            with transaction.atomic():
                promoted = services.registration_cancel(actor=request.user, registration=registration)
            done += 1
        except (PermissionDenied, ValidationError) as exc:
            modeladmin.message_user(request, REFUSED.format(obj=registration, reason=refusal(exc)), messages.ERROR)
            continue
        if promoted is not None:
            modeladmin.message_user(request, PROMOTED.format(person=promoted.person.name), messages.INFO)
    if done:
        modeladmin.message_user(request, REGISTRATIONS_CANCELLED.format(count=done), messages.SUCCESS)


@admin.register(Registration)
class RegistrationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Sign-ups are made by the people (or staff) on the pages and the app; here they are read."""

    actions = (cancel_registrations,)
    list_display = ("person", "activity", "status", "position", "checked_in_at", "checked_out_at", "rating")
    # At province scale (400,000 sign-ups) every choice here is read without touching the sign-ups:
    # no distinct themes of them, no date hierarchy over their activities' dates.
    list_filter = (
        "status",
        ("activity__start", admin.DateFieldListFilter),
        ("activity__theme", admin.RelatedFieldListFilter),
        ("activity__lead_organization__federation", admin.RelatedFieldListFilter),
    )
    search_fields = ("person__name", "activity__title")
    list_select_related = ("person", "activity")
    # Newest sign-ups first, off the primary key: ordering by the activity's date sorts every sign-up.
    ordering = ("-id",)
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_cancel_permission(self, request):
        return request.user.has_perm("activities.change_registration")


# Volunteer hours --------------------------------------------------------------------------


class VolunteerCorrectionForm(ServiceForm):
    """The change page corrects the hours, with a reason kept in the trail."""

    reason = forms.CharField(label="更正原因", max_length=255, required=False, help_text=REASON_HELP)

    class Meta:
        model = VolunteerRecord
        fields = ("hours",)

    def write(self, data):
        return services.volunteer_hours_correct(
            actor=self.actor, record=self.instance, hours=data["hours"], reason=data.get("reason") or ""
        )


class VolunteerCorrectionInline(admin.TabularInline):
    model = VolunteerCorrection
    fields = ("old_hours", "new_hours", "reason", "corrected_by", "corrected_at")
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # The trail belongs to the record: whoever may see the record sees how it changed.
        return request.user.has_perm("activities.view_volunteerrecord")


@admin.register(VolunteerRecord)
class VolunteerRecordAdmin(ScopedAdminMixin, ServiceAdmin):
    form = VolunteerCorrectionForm
    inlines = (VolunteerCorrectionInline,)
    list_display = ("person", "activity", "organization", "computed_hours", "hours")
    # As for sign-ups: no distinct themes of the records, no date hierarchy over their activities.
    list_filter = (
        ("activity__start", admin.DateFieldListFilter),
        ("activity__theme", admin.RelatedFieldListFilter),
        ("organization__federation", admin.RelatedFieldListFilter),
    )
    search_fields = ("person__name", "activity__title")
    list_select_related = ("person", "activity", "organization")
    readonly_fields = ("person", "activity", "organization", "computed_hours")
    fields = ("person", "activity", "organization", "computed_hours", "hours", "reason")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # recorded at check-out

    def has_delete_permission(self, request, obj=None):
        return False


# Reference data -----------------------------------------------------------------------------


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "parent", "is_volunteer", "sort_order")
    list_filter = ("is_volunteer", "parent")
    search_fields = ("name", "code")
    list_select_related = ("parent",)


@admin.register(LectureGroup)
class LectureGroupAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "organization")
    search_fields = ("name",)
    list_select_related = ("organization",)
    autocomplete_fields = ("organization",)


@admin.register(Lecturer)
class LecturerAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("person", "group", "topics")
    list_filter = ("group",)
    search_fields = ("person__name", "topics")
    list_select_related = ("person", "group")
    autocomplete_fields = ("person",)
