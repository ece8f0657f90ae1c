"""Staff pages of 活动共办: the list, creating an activity (with a room booked through the
venues service), its page with sign-ups and the waiting list, a phone-friendly check-in page
and the results.

Thin, like the other pages: parse, call one service or selector, render. Activities come
from the scoped selector or get_in_scope (Activity.scope_shared_q lets the users of every
participating organization see a joint activity), so anything else answers 404.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.http import require_POST

from apps.activities import selectors, services
from apps.activities.forms import (
    ActivityFilterForm,
    ActivityForm,
    CheckInForm,
    CorrectionForm,
    RegisterForm,
    SummaryForm,
)
from apps.activities.models import Activity, ActivityMode, ActivityParticipant, RegistrationStatus
from apps.core.access import NO_PERMISSION, permission, signed_in
from apps.core.exceptions import ConflictError
from apps.members.models import Person
from apps.members.services import person_by_id_number
from apps.organizations.scoping import get_in_scope, scoped
from apps.organizations.views import paginate, render_results
from apps.venues import selectors as venue_selectors
from apps.venues.models import Room
from apps.venues.views import STATUS_LABELS

PERSON_NOT_FOUND = "未找到该身份证号对应的人员（或不在您的管辖范围内）。"
REGISTRATION_NOT_FOUND = "未找到该活动的报名记录。"
CREATED = "已创建活动“{title}”（草稿）。"
PUBLISHED = "活动已发布。"
CANCELLED = "活动已取消。"
REGISTERED = "{name}：{status}（第 {position} 位）。"
REGISTRATION_CANCELLED = "已取消 {name} 的报名。"
PROMOTED = "{name} 已由候补转为报名。"
CHECKED_IN = "{name} 签到成功（{time:%H:%M}）。"
CHECKED_OUT = "{name} 已签退（{time:%H:%M}）。"
SUMMARY_SAVED = "已保存活动小结。"
HOURS_CORRECTED = "已更正 {name} 的志愿时长为 {hours} 小时。"


def _activity(user, pk: int) -> Activity:
    return get_in_scope(
        Activity.objects.select_related(
            "theme", "lead_organization__federation", "region", "venue", "booking__room"
        ).prefetch_related(
            "target_tags",
            Prefetch("participants", ActivityParticipant.objects.select_related("organization__federation")),
        ),
        user,
        pk=pk,
    )


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "403.html", {"reason": NO_PERMISSION}, status=403)


def _errors_to_messages(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _add_service_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


# List and create ------------------------------------------------------------------------


@signed_in
def activity_list(request: HttpRequest) -> HttpResponse:
    form = ActivityFilterForm(request.GET, user=request.user)
    activities = selectors.activity_list(user=request.user, **form.filters())
    return render_results(
        request,
        page_template="activities/activity_list.html",
        results_template="activities/_activity_results.html",
        target="activity-results",
        context={
            "form": form,
            "may_create": request.user.has_perm("activities.add_activity"),
            **paginate(request, activities),
        },
    )


@permission("activities.add_activity")
def activity_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ActivityForm(request.POST, user=user)
        if form.is_valid():
            try:
                activity = services.activity_create(actor=user, **form.activity_arguments())
            except ValidationError as error:
                _add_service_errors(form, error)
            except ConflictError as conflict:
                form.add_error("room", conflict.message)
            except PermissionDenied:
                return _forbidden(request)
            else:
                messages.success(request, CREATED.format(title=activity.title))
                return redirect("web-activity-detail", activity.pk)
    else:
        form = ActivityForm(user=user, initial={"mode": ActivityMode.LED, "contact_name": user.get_full_name()})
    return render(request, "activities/activity_form.html", {"form": form})


@signed_in
def room_availability(request: HttpRequest) -> HttpResponse:
    """The chosen room's day (htmx, beside the form): opening hours and the held intervals."""
    room_id, day = request.GET.get("room", ""), None
    start = request.GET.get("start", "")
    try:
        day = (parse_datetime(start) or parse_date(start[:10])) if start else None
    except ValueError:
        day = None
    if hasattr(day, "date"):
        day = day.date()
    context: dict = {"day": day}
    if room_id.isdigit() and day is not None:
        room = get_in_scope(Room.objects.select_related("venue"), request.user, pk=int(room_id))
        room_day = venue_selectors.room_availability(user=request.user, room=room, day=day)
        context.update(
            room=room,
            hours=room_day.hours,
            busy=[
                {
                    "start": timezone.localtime(held.start),
                    "end": timezone.localtime(held.end),
                    "status": STATUS_LABELS.get(held.status, held.status),
                    "purpose": held.booking.purpose if held.booking else "",
                }
                for held in room_day.busy
            ],
        )
    return render(request, "activities/_room_availability.html", context)


# One activity ---------------------------------------------------------------------------


def _detail_context(request: HttpRequest, activity: Activity) -> dict:
    registrations = list(selectors.registration_list(user=request.user, activity=activity))
    return {
        "activity": activity,
        "registered": [
            r for r in registrations if r.status in (RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED)
        ],
        "waiting": [r for r in registrations if r.status == RegistrationStatus.WAITING],
        "cancelled": [r for r in registrations if r.status == RegistrationStatus.CANCELLED],
        "may_change": request.user.has_perm("activities.change_activity"),
        "may_register": request.user.has_perm("activities.add_registration"),
    }


@signed_in
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request.user, pk)
    return render(
        request,
        "activities/activity_detail.html",
        {**_detail_context(request, activity), "register_form": RegisterForm()},
    )


@permission("activities.add_registration")
def registration_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    activity = _activity(user, pk)
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = person_by_id_number(form.cleaned_data["id_number"])
        if person is not None:
            person = scoped(Person.objects.filter(pk=person.pk), user).first()
        if person is None:
            form.add_error("id_number", PERSON_NOT_FOUND)
        else:
            try:
                registration = services.registration_create(actor=user, activity=activity, person=person)
            except ValidationError as error:
                # Outside the target group is about the person: shown on the ID number.
                if hasattr(error, "error_dict") and "person" in error.error_dict:
                    error = ValidationError({"id_number": error.error_dict.pop("person"), **error.error_dict})
                _add_service_errors(form, error)
            except ConflictError as conflict:
                form.add_error("id_number", conflict.message)
            else:
                messages.success(
                    request,
                    REGISTERED.format(
                        name=person.name, status=registration.get_status_display(), position=registration.position
                    ),
                )
                return redirect("web-activity-detail", activity.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "activities/activity_detail.html",
        {**_detail_context(request, activity), "register_form": form},
        status=status,
    )


@permission("activities.change_activity")
@require_POST
def activity_publish(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request.user, pk)
    try:
        services.activity_publish(actor=request.user, activity=activity)
    except PermissionDenied:
        return _forbidden(request)
    except ValidationError as error:
        _errors_to_messages(request, error)
    else:
        messages.success(request, PUBLISHED)
    return redirect("web-activity-detail", activity.pk)


@permission("activities.change_activity")
@require_POST
def activity_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request.user, pk)
    try:
        services.activity_cancel(actor=request.user, activity=activity)
    except PermissionDenied:
        return _forbidden(request)
    except ValidationError as error:
        _errors_to_messages(request, error)
    else:
        messages.success(request, CANCELLED)
    return redirect("web-activity-detail", activity.pk)


def _registration(user, activity: Activity, pk: int):
    return get_in_scope(selectors.registration_list(user=user, activity=activity), user, pk=pk)


@permission("activities.change_registration")
@require_POST
def registration_cancel(request: HttpRequest, pk: int, registration_pk: int) -> HttpResponse:
    activity = _activity(request.user, pk)
    registration = _registration(request.user, activity, registration_pk)
    try:
        promoted = services.registration_cancel(actor=request.user, registration=registration)
    except ValidationError as error:
        _errors_to_messages(request, error)
    else:
        messages.success(request, REGISTRATION_CANCELLED.format(name=registration.person.name))
        if promoted is not None:
            messages.info(request, PROMOTED.format(name=promoted.person.name))
    return redirect("web-activity-detail", activity.pk)


# Check-in -------------------------------------------------------------------------------


def _find_registration(user, activity: Activity, code: str):
    """By the registration's QR code (a uuid) or by the person's ID number."""
    registrations = selectors.registration_list(user=user, activity=activity)
    try:
        return registrations.filter(code=uuid.UUID(code.strip())).first()
    except ValueError:
        pass
    person = person_by_id_number(code)
    return registrations.filter(person=person).first() if person is not None else None


@permission("activities.change_registration")
def activity_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    activity = _activity(user, pk)
    form = CheckInForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            registration = _find_registration(user, activity, form.cleaned_data["code"])
            if registration is None:
                form.add_error("code", REGISTRATION_NOT_FOUND)
            else:
                try:
                    registration = services.registration_check_in(actor=user, registration=registration)
                except ValidationError as error:
                    _add_service_errors(form, ValidationError({"code": error.messages}))
                else:
                    messages.success(
                        request,
                        CHECKED_IN.format(
                            name=registration.person.name, time=timezone.localtime(registration.checked_in_at)
                        ),
                    )
                    return redirect("web-activity-check-in", activity.pk)
    attended = list(selectors.registration_list(user=user, activity=activity, status=RegistrationStatus.ATTENDED))
    return render(
        request, "activities/check_in.html", {"activity": activity, "form": form, "attended": attended}, status=status
    )


@permission("activities.change_registration")
@require_POST
def registration_check_out(request: HttpRequest, pk: int, registration_pk: int) -> HttpResponse:
    activity = _activity(request.user, pk)
    registration = _registration(request.user, activity, registration_pk)
    try:
        registration = services.registration_check_out(actor=request.user, registration=registration)
    except ValidationError as error:
        _errors_to_messages(request, error)
    else:
        messages.success(
            request,
            CHECKED_OUT.format(name=registration.person.name, time=timezone.localtime(registration.checked_out_at)),
        )
    return redirect("web-activity-check-in", activity.pk)


# Results --------------------------------------------------------------------------------


def _results_context(request: HttpRequest, activity: Activity) -> dict:
    records = list(
        selectors.volunteer_record_list(user=request.user, activity=activity).prefetch_related("corrections")
    )
    return {
        "activity": activity,
        "results": selectors.activity_results(activity=activity),
        "records": records,
        "may_change": request.user.has_perm("activities.change_activity"),
        "may_correct": request.user.has_perm("activities.change_volunteerrecord"),
    }


@signed_in
def activity_results(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request.user, pk)
    form = SummaryForm(initial={"summary": activity.summary})
    return render(
        request,
        "activities/results.html",
        {**_results_context(request, activity), "summary_form": form, "correction_form": CorrectionForm()},
    )


@permission("activities.change_activity")
@require_POST
def activity_summarize(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request.user, pk)
    form = SummaryForm(request.POST)
    if form.is_valid():
        try:
            services.activity_summarize(actor=request.user, activity=activity, summary=form.cleaned_data["summary"])
        except PermissionDenied:
            return _forbidden(request)
        messages.success(request, SUMMARY_SAVED)
    return redirect("web-activity-results", activity.pk)


@permission("activities.change_volunteerrecord")
def volunteer_hours_correct(request: HttpRequest, pk: int, record_pk: int) -> HttpResponse:
    user = request.user
    activity = _activity(user, pk)
    record = get_in_scope(selectors.volunteer_record_list(user=user, activity=activity), user, pk=record_pk)
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.volunteer_hours_correct(actor=user, record=record, **form.cleaned_data)
        except ValidationError as error:
            _add_service_errors(form, error)
        except PermissionDenied:
            return _forbidden(request)
        else:
            messages.success(request, HOURS_CORRECTED.format(name=record.person.name, hours=f"{record.hours:.2f}"))
            return redirect("web-activity-results", activity.pk)
    return render(
        request,
        "activities/results.html",
        {
            **_results_context(request, activity),
            "summary_form": SummaryForm(initial={"summary": activity.summary}),
            "correction_form": form,
            "correcting": record.pk,
        },
        status=400 if request.method == "POST" else 200,
    )
