"""Courses and their sessions in the admin: planned through the services, finished or cancelled by actions.

Also the reminders the daily task sent for each session (read here, with the sessions).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.urls import reverse
from django.utils.html import format_html

from apps.core.admin import (
    ReadOnlyAdmin,
    ReadOnlyInline,
    ServiceAdmin,
    ServiceForm,
    ServiceImportExportMixin,
    run_action,
)
from apps.organizations.admin import RegionSubtreeFilter, ScopedAdminMixin
from apps.organizations.scoping import scoped
from apps.talent import selectors, services
from apps.talent.admin.common import ScopedChoicesMixin
from apps.talent.models import CourseStatus, SessionReminder, TrainingCourse, TrainingSession
from apps.talent.resources import TrainingCourseResource

FINISHED = "已结业 {count} 个培训班。"
CERTIFIED = "共颁发结业证书 {count} 张。"
CANCELLED = "已取消 {count} 个培训班。"
CONTACT_HELP = "选择场地房间时用于场地预约；留空则为当前用户或牵头组织。"
NO_SESSIONS = "尚无课次"


class CourseRegionFilter(RegionSubtreeFilter):
    title = "牵头组织所在区划"
    path_lookup = "lead_organization__region__path"


# Courses ----------------------------------------------------------------------------------


class TrainingCourseForm(ServiceForm):
    """Add and change: one course_create or course_update call, co-organizers included."""

    conflict_field = "title"

    class Meta:
        model = TrainingCourse
        fields = (
            "title",
            "lead_organization",
            "co_organizers",
            "mode",
            "format",
            "is_common",
            "federation",
            "credit_hours",
            "target_federation",
            "target_level",
            "target_post_type",
            "capacity",
            "description",
        )

    def write(self, data):
        values = {field: data.get(field) for field in services.training.COURSE_FIELDS}
        values["description"] = data.get("description") or ""
        if self.instance.pk is None:
            return services.course_create(actor=self.actor, co_organizers=data.get("co_organizers") or (), **values)
        changes = {field: values[field] for field in self.changed_data if field in services.training.COURSE_FIELDS}
        co_organizers = data.get("co_organizers") if "co_organizers" in self.changed_data else None
        if not changes and co_organizers is None:
            return self.instance
        return services.course_update(actor=self.actor, course=self.instance, co_organizers=co_organizers, **changes)


class SessionInline(ReadOnlyInline):
    """The course's sessions, to read; a session is added on its own page (session_create)."""

    model = TrainingSession
    fields = ("title", "starts_at", "ends_at", "hours", "location", "online_url")
    readonly_fields = fields
    show_change_link = True
    ordering = ("starts_at", "id")


@admin.action(permissions=["change"], description="结业并颁发结业证书")
def finish_selected(modeladmin, request, queryset):
    issued = run_action(
        modeladmin,
        request,
        queryset,
        lambda course: services.course_finish(actor=request.user, course=course),
        FINISHED,
    )
    if issued:
        modeladmin.message_user(request, CERTIFIED.format(count=sum(map(len, issued))), messages.SUCCESS)


@admin.action(permissions=["change"], description="取消所选培训班")
def cancel_selected(modeladmin, request, queryset):
    run_action(
        modeladmin,
        request,
        queryset,
        lambda course: services.course_cancel(actor=request.user, course=course),
        CANCELLED,
    )


@admin.register(TrainingCourse)
class TrainingCourseAdmin(ScopedChoicesMixin, ScopedAdminMixin, ServiceImportExportMixin, ServiceAdmin):
    form = TrainingCourseForm
    inlines = (SessionInline,)
    resource_classes = [TrainingCourseResource]
    actions = (finish_selected, cancel_selected)
    list_display = (
        "title",
        "lead_organization",
        "organizers",
        "format",
        "mode",
        "credit_hours",
        "enrolled",
        "session_count",
        "first_start",
        "status",
    )
    list_filter = (
        "status",
        "format",
        "mode",
        "is_common",
        ("lead_organization__federation", admin.RelatedFieldListFilter),
        CourseRegionFilter,
    )
    date_hierarchy = "created_at"
    search_fields = ("title", "lead_organization__name")
    list_select_related = ("lead_organization",)
    autocomplete_fields = ("lead_organization", "co_organizers")
    ordering = ("-id",)
    show_full_result_count = False
    scoped_many_to_many = ("co_organizers",)

    record_fields = ("status", "add_session", "created_by", "created_at", "updated_at")

    def get_queryset(self, request):
        # Scoped (co-organizers' users included), each course's roster size and dates annotated.
        return selectors.course_list(user=request.user)

    def get_fields(self, request, obj=None):
        fields = TrainingCourseForm._meta.fields
        return fields if obj is None else (*fields, *self.record_fields)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.record_fields

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()

    def has_change_permission(self, request, obj=None):
        # A finished or cancelled course is the record of what happened.
        if obj is not None and obj.status != CourseStatus.OPEN:
            return False
        return super().has_change_permission(request, obj)

    def has_import_permission(self, request):
        return False  # a course is planned on its page, session by session

    def has_delete_permission(self, request, obj=None):
        return False  # a course is cancelled, and stays with its attendance

    @admin.display(description="联合主办")
    def organizers(self, course: TrainingCourse) -> str:
        return "、".join(organization.name for organization in course.co_organizers.all()) or "-"

    @admin.display(description="在册学员", ordering="enrolled_count")
    def enrolled(self, course: TrainingCourse) -> str:
        return f"{course.enrolled_count} / {course.capacity}"

    @admin.display(description="课次数", ordering="session_count")
    def session_count(self, course: TrainingCourse) -> int:
        return course.session_count

    @admin.display(description="开班时间", ordering="first_start")
    def first_start(self, course: TrainingCourse):
        return course.first_start or NO_SESSIONS

    @admin.display(description="课次")
    def add_session(self, course: TrainingCourse) -> str:
        if course.status != CourseStatus.OPEN:
            return "-"
        url = reverse("admin:talent_trainingsession_add")
        return format_html('<a href="{}?course={}">添加课次</a>', url, course.pk)


# Sessions ---------------------------------------------------------------------------------


def https_by_default(db_field, **kwargs):
    """A link typed without a scheme is a secure one (Django 6's default, asked for now)."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class TrainingSessionForm(ServiceForm):
    """A session through session_create: with a room, the room is booked through the venues service."""

    contact_name = forms.CharField(label="预约联系人", max_length=32, required=False, help_text=CONTACT_HELP)
    contact_phone = forms.CharField(label="联系电话", max_length=32, required=False)
    conflict_field = "room"

    class Meta:
        model = TrainingSession
        fields = ("course", "title", "starts_at", "ends_at", "hours", "location", "room", "online_url", "lecturers")
        formfield_callback = https_by_default

    def write(self, data):
        return services.session_create(
            actor=self.actor,
            course=data["course"],
            title=data["title"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            hours=data["hours"],
            location=data.get("location") or "",
            room=data.get("room"),
            online_url=data.get("online_url") or "",
            lecturers=data.get("lecturers") or (),
            contact_name=data.get("contact_name") or "",
            contact_phone=data.get("contact_phone") or "",
        )


@admin.register(TrainingSession)
class TrainingSessionAdmin(ScopedChoicesMixin, ScopedAdminMixin, ServiceAdmin):
    form = TrainingSessionForm
    list_display = ("course", "title", "starts_at", "ends_at", "hours", "location", "present", "lecturer_names")
    list_filter = (("course__lead_organization__federation", admin.RelatedFieldListFilter),)
    date_hierarchy = "starts_at"
    search_fields = ("title", "course__title")
    list_select_related = ("course", "room__venue", "booking")
    autocomplete_fields = ("course", "room", "lecturers")
    ordering = ("-starts_at", "-id")
    show_full_result_count = False
    scoped_many_to_many = ("lecturers",)

    record_fields = (*TrainingSessionForm._meta.fields, "booking", "created_at", "updated_at")

    def get_queryset(self, request):
        return selectors.session_list(user=request.user)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs.setdefault("assume_scheme", "https")  # as https_by_default
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return (*TrainingSessionForm._meta.fields, "contact_name", "contact_phone")
        return self.record_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.record_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "course":
            # Sessions are added to open courses only (session_create says so for the others).
            open_courses = scoped(TrainingCourse.objects.filter(status=CourseStatus.OPEN), request.user)
            kwargs["queryset"] = open_courses
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        # No service moves a session (its room booking and its attendance hang on it).
        return False if obj is not None else super().has_change_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        # What goes with a session (its reminders) is session_delete's to judge, and it
        # refuses a session with attendance: no model permission is asked for them here.
        deleted, counts, _perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    def delete_through_service(self, request, obj):
        services.session_delete(actor=request.user, session=obj)

    @admin.display(description="出勤人数", ordering="present_count")
    def present(self, session: TrainingSession) -> int:
        return session.present_count

    @admin.display(description="授课人")
    def lecturer_names(self, session: TrainingSession) -> str:
        return "、".join(person.name for person in session.lecturers.all()) or "-"


# Reminders: written by the daily task, read here --------------------------------------------


@admin.register(SessionReminder)
class SessionReminderAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    """Which cadre was reminded of which session (the claim that makes reminders send once)."""

    list_display = ("person", "session", "sent_at")
    date_hierarchy = "sent_at"
    search_fields = ("person__name", "session__course__title")
    list_select_related = ("person", "session__course")
    ordering = ("-sent_at", "-id")
    show_full_result_count = False

    def has_view_permission(self, request, obj=None):
        # No role holds a permission of its own on these rows: they are read with the sessions.
        return request.user.has_perm("talent.view_trainingsession")

    def get_queryset(self, request):
        sessions = scoped(TrainingSession.objects.all(), request.user)
        return super().get_queryset(request).filter(session__in=sessions).defer("person__id_number")
