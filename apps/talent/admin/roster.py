"""The roster in the admin: cadres enrolled in bulk, withdrawn and certified through the services;
attendance given, corrected, imported and exported; certificates read and found by their code."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from apps.core.admin import ReadOnlyAdmin, ServiceAdmin, ServiceForm, ServiceImportExportMixin, run_action
from apps.members.models import Person
from apps.organizations.admin import ScopedAdminMixin
from apps.organizations.scoping import scoped
from apps.talent import selectors, services
from apps.talent.models import Attendance, Certificate, CourseStatus, Enrollment, TrainingCourse
from apps.talent.resources import AttendanceResource, EnrollmentResource
from apps.talent.services.training import normalize_code

WITHDRAWN = "已将 {count} 名学员移出名单。"
CERTIFICATES_ISSUED = "已颁发结业证书 {count} 张。"
ENROLLED = "已为“{course}”报名 {count} 人：{names}。"
PEOPLE_HELP = "可选多人，一次报名；有一人不符合条件则都不报名，并说明原因。"


# Roster -----------------------------------------------------------------------------------


class EnrollmentForm(ServiceForm):
    """Cadres enrolled in bulk through course_enroll: all of them, or none and why."""

    people = forms.ModelMultipleChoiceField(label="学员", queryset=Person.objects.none(), help_text=PEOPLE_HELP)
    conflict_field = "people"

    class Meta:
        model = Enrollment
        fields = ("course",)

    def write(self, data):
        self.enrolled = services.course_enroll(actor=self.actor, course=data["course"], people=data["people"])
        return self.enrolled[0]


@admin.action(permissions=["change"], description="移出学员名单")
def withdraw_selected(modeladmin, request, queryset):
    run_action(
        modeladmin,
        request,
        queryset,
        lambda enrollment: services.enrollment_withdraw(actor=request.user, enrollment=enrollment),
        WITHDRAWN,
    )


@admin.action(permissions=["certify"], description="颁发结业证书")
def certify_selected(modeladmin, request, queryset):
    run_action(
        modeladmin,
        request,
        queryset,
        lambda enrollment: services.certificate_issue(actor=request.user, enrollment=enrollment),
        CERTIFICATES_ISSUED,
    )


@admin.register(Enrollment)
class EnrollmentAdmin(ScopedAdminMixin, ServiceImportExportMixin, ServiceAdmin):
    form = EnrollmentForm
    resource_classes = [EnrollmentResource]
    actions = (withdraw_selected, certify_selected)
    list_display = ("person", "course", "status", "hours", "certificate_code", "enrolled_at")
    list_filter = ("status", ("course__lead_organization__federation", admin.RelatedFieldListFilter))
    date_hierarchy = "enrolled_at"
    # Names only: a full ID number would stand in the page's URL (?q=) and the server's logs.
    search_fields = ("person__name", "course__title")
    list_select_related = ("person", "course", "certificate")
    autocomplete_fields = ("course", "person")
    ordering = ("-id",)
    show_full_result_count = False

    record_fields = ("course", "person", "status", "hours", "certificate_code", "enrolled_at", "updated_at")

    def get_queryset(self, request):
        # The person shows masked (Person.__str__); the ciphertext is never read for a list.
        enrollments = super().get_queryset(request).defer("person__id_number")
        return enrollments.annotate(hours=selectors.enrollment_hours())

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "people" in form.base_fields:
            people = form.base_fields["people"]
            people.queryset = self.related_queryset(Person, request)
            people.widget = AutocompleteSelectMultiple(Enrollment._meta.get_field("person"), self.admin_site)
        if "course" in form.base_fields:
            form.base_fields["course"].queryset = scoped(
                TrainingCourse.objects.filter(status=CourseStatus.OPEN), request.user
            )
        return form

    def get_fields(self, request, obj=None):
        return ("course", "people") if obj is None else self.record_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.record_fields

    def save_model(self, request, obj, form, change):
        # course_enroll wrote them all (the form's clean()); response_add names everyone.
        obj.enrolled_together = getattr(form, "enrolled", [obj])

    def response_add(self, request, obj, post_url_continue=None):
        enrolled = getattr(obj, "enrolled_together", [obj])
        names = "、".join(enrollment.person.name for enrollment in enrolled)
        self.message_user(
            request, ENROLLED.format(course=obj.course, count=len(enrolled), names=names), messages.SUCCESS
        )
        url = reverse("admin:talent_enrollment_changelist")
        return HttpResponseRedirect(f"{url}?course__id__exact={obj.course_id}")

    def has_change_permission(self, request, obj=None):
        # An enrollment is withdrawn or certified by the actions, never edited in place.
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_certify_permission(self, request):
        return request.user.has_perm("talent.add_certificate")

    def has_import_permission(self, request):
        return False  # enrollment checks each cadre's posts against the course's target: on the page

    def has_delete_permission(self, request, obj=None):
        return False  # a cadre is withdrawn; their attendance stays

    @admin.display(description="已获学时", ordering="hours")
    def hours(self, enrollment: Enrollment):
        return enrollment.hours

    @admin.display(description="结业证书")
    def certificate_code(self, enrollment: Enrollment) -> str:
        certificate = getattr(enrollment, "certificate", None)
        return certificate.code if certificate is not None else "-"


# Attendance -------------------------------------------------------------------------------


class AttendanceForm(ServiceForm):
    """A mark given or corrected through attendance_mark, as on the attendance sheet."""

    service_fields = {"marks": "person"}

    class Meta:
        model = Attendance
        fields = ("session", "person", "status")

    def write(self, data):
        session = data["session"] if self.instance.pk is None else self.instance.session
        person = data["person"] if self.instance.pk is None else self.instance.person
        (attendance,) = services.attendance_mark(actor=self.actor, session=session, marks={person: data["status"]})
        return attendance


@admin.register(Attendance)
class AttendanceAdmin(ScopedAdminMixin, ServiceImportExportMixin, ServiceAdmin):
    form = AttendanceForm
    resource_classes = [AttendanceResource]
    list_display = ("person", "course", "session_title", "session_start", "status", "marked_by", "updated_at")
    list_filter = ("status", ("session__course__lead_organization__federation", admin.RelatedFieldListFilter))
    date_hierarchy = "session__starts_at"
    search_fields = ("person__name", "session__course__title", "session__title")
    list_select_related = ("person", "session__course", "marked_by")
    autocomplete_fields = ("session", "person")
    ordering = ("-session__starts_at", "-id")
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).defer("person__id_number")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("session", "person", "status")
        return ("session", "person", "status", "marked_by", "created_at", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        # A correction changes the mark only; the session and the cadre are the row.
        return () if obj is None else ("session", "person", "marked_by", "created_at", "updated_at")

    def has_delete_permission(self, request, obj=None):
        return False  # a mark is corrected, never removed: the hours are summed from the marks

    @admin.display(description="培训班", ordering="session__course__title")
    def course(self, attendance: Attendance):
        return attendance.session.course

    @admin.display(description="课次", ordering="session__title")
    def session_title(self, attendance: Attendance) -> str:
        return attendance.session.title

    @admin.display(description="课次开始时间", ordering="session__starts_at")
    def session_start(self, attendance: Attendance):
        return attendance.session.starts_at


# Certificates and reminders: written by the services, read here ----------------------------


@admin.register(Certificate)
class CertificateAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    list_display = ("code", "person", "course", "hours", "issued_on", "links")
    date_hierarchy = "issued_on"
    search_fields = ("=code", "enrollment__person__name", "enrollment__course__title")
    search_help_text = "输入验证码（大小写、连字符均可）、学员姓名或培训班名称。"
    list_select_related = ("enrollment__person", "enrollment__course")
    ordering = ("-issued_on", "-id")
    show_full_result_count = False
    fields = ("code", "person", "course", "hours", "issued_on", "links")
    readonly_fields = fields

    def get_queryset(self, request):
        # A certificate is seen with its enrollment (the course's users, the cadre's region).
        enrollments = scoped(Enrollment.objects.all(), request.user)
        return super().get_queryset(request).filter(enrollment__in=enrollments).defer("enrollment__person__id_number")

    def get_search_results(self, request, queryset, search_term):
        code = normalize_code(search_term)
        if len(code) == 19:
            return queryset.filter(code=code), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="学员", ordering="enrollment__person__name")
    def person(self, certificate: Certificate) -> str:
        return certificate.enrollment.person.name

    @admin.display(description="培训班", ordering="enrollment__course__title")
    def course(self, certificate: Certificate):
        return certificate.enrollment.course

    @admin.display(description="证书")
    def links(self, certificate: Certificate) -> str:
        enrollment = certificate.enrollment
        pdf = reverse("web-certificate-pdf", args=[enrollment.course_id, enrollment.pk])
        verify = reverse("web-certificate-verify")
        template = '<a href="{}">下载 PDF</a> · <a href="{}?code={}" target="_blank">公开核验</a>'
        return format_html(template, pdf, verify, certificate.code)
