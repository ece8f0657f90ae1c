"""Courses: the list, the month calendar, a new course, and a course's page with its sessions."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.core.access import permission, signed_in
from apps.core.exceptions import ConflictError
from apps.core.refusals import add_service_errors, errors_to_messages, forbidden
from apps.organizations.views import paginate, render_results
from apps.talent import selectors, services
from apps.talent.forms import CourseFilterForm, CourseForm, SessionForm
from apps.talent.models import CourseStatus, TrainingCourse
from apps.talent.rules import hours_to_complete

CREATED = "已创建培训班“{title}”。"
UPDATED = "已保存培训班“{title}”。"
NOT_OPEN = "培训班已结业或取消，不能再修改。"
SESSION_ADDED = "已添加课次“{title}”{booked}。"
SESSION_DELETED = "已删除课次“{title}”{released}。"
FINISHED = "培训班已结业，颁发结业证书 {count} 份。"
CANCELLED = "培训班已取消{released}。"
# The venues service's fields, as the session form names them.
BOOKING_FIELDS = {"start": "starts_at", "end": "ends_at", "attendees": "room", "organization": "room"}
WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")


def course_for(user, pk: int) -> TrainingCourse:
    """A course in the user's scope (its lead's or a co-organizer's users), with its figures; else 404."""
    return get_object_or_404(selectors.course_list(user=user), pk=pk)


# The list and the calendar --------------------------------------------------------------


@signed_in
def course_list(request: HttpRequest) -> HttpResponse:
    form = CourseFilterForm(request.GET)
    courses = form.apply(selectors.course_list(user=request.user))
    return render_results(
        request,
        page_template="talent/course_list.html",
        results_template="talent/_course_results.html",
        target="course-results",
        context={
            "form": form,
            "may_create": request.user.has_perm("talent.add_trainingcourse"),
            **paginate(request, courses),
        },
    )


def _month(value: str | None) -> dt.date:
    """The first day of ?month=2026-11, or of this month when it is missing or nonsense."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        return timezone.localdate().replace(day=1)


def _shift(first: dt.date, months: int) -> dt.date:
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@signed_in
def course_calendar(request: HttpRequest) -> HttpResponse:
    """A month of sessions, Monday to Sunday; each session links to its course."""
    first = _month(request.GET.get("month"))
    following = _shift(first, 1)
    start = first - dt.timedelta(days=first.weekday())
    last = following - dt.timedelta(days=1)
    end = last + dt.timedelta(days=7 - last.isoweekday() + 1)
    by_day = defaultdict(list)
    for session in selectors.sessions_between(user=request.user, start=start, end=end):
        by_day[timezone.localtime(session.starts_at).date()].append(session)
    today = timezone.localdate()
    days = [start + dt.timedelta(days=offset) for offset in range((end - start).days)]
    weeks = [
        [
            {"day": day, "in_month": day.month == first.month, "today": day == today, "sessions": by_day.get(day, [])}
            for day in days[index : index + 7]
        ]
        for index in range(0, len(days), 7)
    ]
    return render(
        request,
        "talent/course_calendar.html",
        {
            "month": first,
            "previous": _shift(first, -1),
            "next": following,
            "this_month": today.replace(day=1),
            "weeks": weeks,
            "weekdays": WEEKDAYS,
            "session_days": [(day, by_day[day]) for day in days if day.month == first.month and by_day.get(day)],
            "session_count": sum(len(by_day[day]) for day in days if day.month == first.month),
        },
    )


# A new course ---------------------------------------------------------------------------


@permission("talent.add_trainingcourse")
def course_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    status = 200
    if request.method == "POST":
        status = 400
        form = CourseForm(request.POST, user=user)
        if form.is_valid():
            try:
                course = services.course_create(actor=user, **form.course_arguments())
            except ValidationError as error:
                add_service_errors(form, error)
            except PermissionDenied:
                return forbidden(request)
            else:
                messages.success(request, CREATED.format(title=course.title))
                return redirect("web-course-detail", course.pk)
    else:
        form = CourseForm(user=user, initial={"capacity": 50, "credit_hours": "8"})
    return render(request, "talent/course_form.html", {"form": form}, status=status)


@permission("talent.change_trainingcourse")
def course_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Change an open course: its organizers, target, hours or capacity (never below the roster)."""
    user = request.user
    course = course_for(user, pk)
    if course.status != CourseStatus.OPEN:
        messages.error(request, NOT_OPEN)
        return redirect("web-course-detail", course.pk)
    status = 200
    if request.method == "POST":
        status = 400
        form = CourseForm(request.POST, user=user, course=course)
        if form.is_valid():
            arguments = form.course_arguments()
            try:
                services.course_update(
                    actor=user, course=course, co_organizers=arguments.pop("co_organizers"), **arguments
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except PermissionDenied:
                return forbidden(request)
            else:
                messages.success(request, UPDATED.format(title=course.title))
                return redirect("web-course-detail", course.pk)
    else:
        form = CourseForm(user=user, course=course, initial=CourseForm.initial_of(course))
    return render(request, "talent/course_form.html", {"form": form, "course": course}, status=status)


# A course -------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, course: TrainingCourse, **forms) -> dict:
    user = request.user
    sessions = list(selectors.session_list(user=user).filter(course=course).order_by("starts_at", "id"))
    roster = selectors.course_roster(course)
    is_open = course.status == CourseStatus.OPEN
    now = timezone.now()
    session_form = forms.get("session_form")
    if session_form is None and is_open and user.has_perm("talent.add_trainingsession"):
        session_form = SessionForm(user=user, course=course, initial={"hours": "2"})
    return {
        "course": course,
        "co_organizers": list(course.co_organizers.all()),
        "sessions": sessions,
        "planned_hours": sum((session.hours for session in sessions), 0),
        "roster": roster,
        "completed": sum(1 for row in roster if row.completed),
        "certified": sum(1 for row in roster if hasattr(row.enrollment, "certificate")),
        "needed": hours_to_complete(course.credit_hours),
        "is_open": is_open,
        "now": now,
        # 结业 only once the last session is over (the service refuses it before).
        "may_finish": is_open and all(session.ends_at <= now for session in sessions),
        "session_form": session_form,
    }


def render_course(request: HttpRequest, course: TrainingCourse, *, status: int = 200, **forms) -> HttpResponse:
    return render(request, "talent/course_detail.html", _detail_context(request, course, **forms), status=status)


@signed_in
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_course(request, course_for(request.user, pk))


@permission("talent.add_trainingsession")
@require_POST
def session_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    course = course_for(user, pk)
    form = SessionForm(request.POST, user=user, course=course)
    status = 400
    if form.is_valid():
        try:
            session = services.session_create(
                actor=user, course=course, contact_name=user.get_full_name() or user.username, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error, aliases=BOOKING_FIELDS)
        except ConflictError as conflict:
            form.add_error("room", conflict.message)
            status = 409
        except PermissionDenied:
            return forbidden(request)
        else:
            booked = f"，已预约 {session.location}" if session.booking_id else ""
            messages.success(request, SESSION_ADDED.format(title=session.title, booked=booked))
            return redirect(reverse("web-course-detail", args=[course.pk]) + "#sessions")
    return render_course(request, course, status=status, session_form=form)


@permission("talent.delete_trainingsession")
@require_POST
def session_delete(request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
    course = course_for(request.user, pk)
    session = get_object_or_404(course.sessions.select_related("booking"), pk=session_pk)
    try:
        services.session_delete(actor=request.user, session=session)
    except PermissionDenied:
        return forbidden(request)
    except ConflictError as conflict:
        messages.error(request, conflict.message)
    else:
        released = "，场地预约已释放" if session.booking_id else ""
        messages.success(request, SESSION_DELETED.format(title=session.title, released=released))
    return redirect(reverse("web-course-detail", args=[course.pk]) + "#sessions")


@permission("talent.change_trainingcourse")
@require_POST
def course_close(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """结业 (certificates for every completer) or 取消 (rooms given back)."""
    course = course_for(request.user, pk)
    try:
        if action == "finish":
            issued = services.course_finish(actor=request.user, course=course)
        else:
            services.course_cancel(actor=request.user, course=course)
    except PermissionDenied:
        return forbidden(request)
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        if action == "finish":
            messages.success(request, FINISHED.format(count=len(issued)))
        else:
            booked = any(session.booking_id for session in course.sessions.all())
            messages.success(request, CANCELLED.format(released="，未开始课次的场地预约已释放" if booked else ""))
    return redirect("web-course-detail", course.pk)
