"""A course's roster: bulk enrollment, withdrawal, the attendance sheet of a session (made for a
phone), and the completers' certificates with their PDF."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from apps.core.access import permission
from apps.core.exceptions import ConflictError
from apps.core.refusals import add_service_errors, errors_to_messages, forbidden
from apps.organizations.views import render_results
from apps.talent import selectors, services
from apps.talent.certificate_pdf import certificate_pdf
from apps.talent.forms import CANDIDATE_ROWS, AttendanceSheetForm, CandidateSearchForm, EnrollForm
from apps.talent.models import AttendanceStatus, CourseStatus, EnrollmentStatus, TrainingSession
from apps.talent.selectors import enroll_candidates
from apps.talent.views.courses import course_for

ENROLLED = "已将 {count} 名干部加入学员名单：{names}。"
WITHDRAWN = "{name}已退出本班。"
MARKED = "已保存 {count} 人的考勤：{summary}。"
ISSUED = "已为{name}颁发结业证书（验证码 {code}）。"


def _roster_url(course) -> str:
    return reverse("web-course-detail", args=[course.pk]) + "#roster"


# Enrollment -----------------------------------------------------------------------------


def _selected(values) -> list[int]:
    return [int(value) for value in values if value.isascii() and value.isdigit()]


@permission("talent.add_enrollment")
def course_enroll(request: HttpRequest, pk: int) -> HttpResponse:
    """Tick many cadres (the current cadres in scope the course is for) and enroll them at once.

    All or nothing: when the service refuses anyone, every refusal is listed and nobody is added.
    """
    user = request.user
    course = course_for(user, pk)
    status, refusals = 200, []
    data = request.POST if request.method == "POST" else request.GET
    selected = _selected(data.getlist("people"))
    if request.method == "POST":
        status = 400
        form = EnrollForm(request.POST, user=user)
        if form.is_valid():
            people = list(form.cleaned_data["people"])
            try:
                services.course_enroll(actor=user, course=course, people=people)
            except ValidationError as error:
                refusals = error.messages
            except ConflictError as conflict:
                refusals, status = [conflict.message], 409
            except PermissionDenied:
                return forbidden(request)
            else:
                names = "、".join(person.name for person in people[:10]) + ("等" if len(people) > 10 else "")
                messages.success(request, ENROLLED.format(count=len(people), names=names))
                return redirect(_roster_url(course))
        else:
            refusals = [error for errors in form.errors.values() for error in errors]
    search = CandidateSearchForm(data)
    candidates = list(
        enroll_candidates(user=user, course=course, search=search.search, selected=selected)[: CANDIDATE_ROWS + 1]
    )
    response = render_results(
        request,
        page_template="talent/course_enroll.html",
        results_template="talent/_candidates.html",
        target="candidate-results",
        context={
            "course": course,
            "search": search,
            "candidates": candidates[:CANDIDATE_ROWS],
            "more": len(candidates) > CANDIDATE_ROWS,
            "selected": set(selected),
            "refusals": refusals,
            "left": course.capacity - course.enrolled_count,
        },
    )
    response.status_code = status
    return response


@permission("talent.change_enrollment")
@require_POST
def enrollment_withdraw(request: HttpRequest, pk: int, enrollment_pk: int) -> HttpResponse:
    course = course_for(request.user, pk)
    enrollment = get_object_or_404(course.enrollments.select_related("person"), pk=enrollment_pk)
    enrollment.course = course  # its co-organizers are prefetched
    try:
        services.enrollment_withdraw(actor=request.user, enrollment=enrollment)
    except PermissionDenied:
        return forbidden(request)
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(request, WITHDRAWN.format(name=enrollment.person.name))
    return redirect(_roster_url(course))


# Attendance -----------------------------------------------------------------------------


def _session(user, pk: int) -> TrainingSession:
    return get_object_or_404(selectors.session_list(user=user), pk=pk)


def _summary(marks: dict[int, str]) -> str:
    counts = [(status.label, sum(1 for mark in marks.values() if mark == status)) for status in AttendanceStatus]
    return "，".join(f"{label} {count}" for label, count in counts if count)


@permission("talent.view_attendance")
def attendance_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """One row per enrolled cadre with 出勤/请假/缺勤; one POST saves the whole sheet."""
    user = request.user
    session = _session(user, pk)
    rows = selectors.attendance_sheet(session)
    status = 200
    if request.method == "POST":
        if not user.has_perm("talent.add_attendance"):
            return forbidden(request)
        status = 400
        form = AttendanceSheetForm(request.POST, rows=rows)
        if form.is_valid():
            marks = form.marks()
            try:
                services.attendance_mark(actor=user, session=session, marks=marks)
            except ValidationError as error:
                add_service_errors(form, error)
            except PermissionDenied:
                return forbidden(request)
            else:
                messages.success(request, MARKED.format(count=len(marks), summary=_summary(marks)))
                return redirect("web-attendance-sheet", session.pk)
    else:
        form = AttendanceSheetForm(rows=rows)
    marked = [row.status for row in rows]
    return render(
        request,
        "talent/attendance_sheet.html",
        {
            "session": session,
            "course": session.course,
            "form": form,
            "started": session.starts_at <= timezone.now(),
            "may_mark": user.has_perm("talent.add_attendance") and session.course.status != CourseStatus.CANCELLED,
            "counts": [(s.label, s.value, marked.count(s.value)) for s in AttendanceStatus],
            "unmarked": marked.count(""),
        },
        status=status,
    )


# Certificates ---------------------------------------------------------------------------


@permission("talent.add_certificate")
@require_POST
def certificate_issue(request: HttpRequest, pk: int, enrollment_pk: int) -> HttpResponse:
    course = course_for(request.user, pk)
    enrollment = get_object_or_404(course.enrollments.select_related("person"), pk=enrollment_pk)
    enrollment.course = course
    try:
        certificate = services.certificate_issue(actor=request.user, enrollment=enrollment)
    except PermissionDenied:
        return forbidden(request)
    except ValidationError as error:
        errors_to_messages(request, error)
    except ConflictError as conflict:
        messages.error(request, conflict.message)
    else:
        messages.success(request, ISSUED.format(name=enrollment.person.name, code=certificate.code))
    return redirect(_roster_url(course))


def verify_url(request: HttpRequest, code: str) -> str:
    """The public page that checks the code, as an absolute address (printed and in the QR code)."""
    return request.build_absolute_uri(f"{reverse('web-certificate-verify')}?code={code}")


@permission("talent.view_certificate")
def certificate_download(request: HttpRequest, pk: int, enrollment_pk: int) -> HttpResponse:
    course = course_for(request.user, pk)
    enrollment = get_object_or_404(
        course.enrollments.select_related("person", "certificate").filter(
            status=EnrollmentStatus.ENROLLED, certificate__isnull=False
        ),
        pk=enrollment_pk,
    )
    enrollment.course = course  # the organizers are prefetched
    certificate = enrollment.certificate
    certificate.enrollment = enrollment
    pdf = certificate_pdf(certificate, verify_url=verify_url(request, certificate.code))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"结业证书-{enrollment.person.name}-{certificate.code}.pdf"
    )
    return response
