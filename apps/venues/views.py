"""Staff pages of 阵地共用: venues, the week calendar where a free slot is booked in place,
my bookings, the managers' approval queue and utilization.

Thin, like the other pages: parse, call one service or selector, render. Venues, rooms and
bookings come from the scoped selectors or get_in_scope, so whatever lies outside the
user's scope is absent and its page answers 404.

Who sees a venue (the rule decided for issue 4, applied by `scoped` through
Venue.scope_shared_q): users whose scope covers the venue's region, and users holding a role
on a unit of a federation that contributes to the venue when that unit lies in the venue's
市州. They may book its rooms for their own units. A booking's owner (organization, purpose)
shows only where the booking is in the viewer's scope; to others a slot is just "已预约".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.dateparse import parse_date
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from apps.core.access import permission, signed_in
from apps.core.exceptions import ConflictError
from apps.organizations.scoping import get_in_scope, scope_for
from apps.organizations.services.checks import NO_PERMISSION
from apps.organizations.views import paginate, render_results
from apps.venues import selectors, services
from apps.venues.forms import BookingForm, PeriodForm
from apps.venues.models import HOLDING_STATUSES, Booking, BookingStatus, Room, Venue, VenueClosure

# The calendar's grid: one row per hour from opening (the last slot ends at closing).
SLOT = dt.timedelta(hours=1)
WEEK = dt.timedelta(days=7)
CONFLICT_TAKEN = "该时段已被占用"
BOOKED = "已预约：{room} {start:%m月%d日 %H:%M}–{end:%H:%M}，{status}。"
APPROVED = "已通过预约：{booking}。"
REJECTED = "已驳回预约：{booking}。"
CANCELLED = "已取消预约：{booking}。"
STATUS_LABELS = dict(BookingStatus.choices)


# Access ---------------------------------------------------------------------------------


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-History-Restore-Request")


def _venue(user, pk: int) -> Venue:
    return get_in_scope(Venue.objects.select_related("region"), user, pk=pk)


def _room(user, pk: int) -> Room:
    return get_in_scope(Room.objects.select_related("venue__region", "contributed_by"), user, pk=pk)


def _booking(user, pk: int) -> Booking:
    return get_in_scope(selectors.booking_list(user=user).select_related("decided_by"), user, pk=pk)


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "403.html", {"reason": NO_PERMISSION}, status=403)


def _back(request: HttpRequest, default: str) -> HttpResponse:
    """Back to the page the form was on (`next`), when it is one of ours."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(default)


# The week calendar ----------------------------------------------------------------------


@dataclass
class Slot:
    """One cell of the calendar: a room's hour, free or held by the bookings listed."""

    room: Room
    start: dt.datetime
    end: dt.datetime
    busy: list[dict] = field(default_factory=list)
    past: bool = False

    @property
    def cell_id(self) -> str:
        return f"slot-{self.room.pk}-{timezone.localtime(self.start):%Y%m%d%H%M}"

    @property
    def free(self) -> bool:
        return not self.busy


def _day_slots(room_day: selectors.RoomDay, now: dt.datetime) -> list[Slot]:
    hours = room_day.hours
    if not hours.is_open:
        return []
    start = timezone.make_aware(dt.datetime.combine(hours.day, hours.opens))
    closes = timezone.make_aware(dt.datetime.combine(hours.day, hours.closes))
    slots = []
    while start < closes:
        end = min(start + SLOT, closes)
        busy = [
            {
                "booking": held.booking,
                "code": held.status,
                "status": STATUS_LABELS.get(held.status, held.status),
                # Only the first cell of a booking names it; the following ones say "continued".
                "continued": held.start < start,
                "start": held.start,
                "end": held.end,
            }
            for held in room_day.busy
            if held.start < end and held.end > start
        ]
        slots.append(Slot(room_day.room, start, end, busy, past=start < now))
        start = end
    return slots


def _week(request: HttpRequest) -> dt.date:
    asked = request.GET.get("week", "")
    try:
        day = parse_date(asked) if asked else None
    except ValueError:
        day = None
    return selectors.week_start(day or timezone.localdate())


def _week_context(week: dt.date) -> dict:
    return {
        "week": week,
        "week_end": week + dt.timedelta(days=6),
        "previous_week": week - WEEK,
        "next_week": week + WEEK,
        "this_week": selectors.week_start(timezone.localdate()),
    }


def _rows(slots_by_column: list[list[Slot]]) -> list[tuple[dt.time, list[Slot | None]]]:
    """Rows by local start time; a column without that hour (closed, shorter day) gets None."""
    times = sorted({timezone.localtime(slot.start).time() for column in slots_by_column for slot in column})
    lookup = [{timezone.localtime(slot.start).time(): slot for slot in column} for column in slots_by_column]
    return [(time, [column.get(time) for column in lookup]) for time in times]


def _may_book(user) -> bool:
    return user.has_perm("venues.add_booking")


@signed_in
def venue_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """All rooms of a venue side by side, one table per day of the week."""
    user = request.user
    venue = _venue(user, pk)
    week = _week(request)
    rooms = list(selectors.room_list(user=user, venue=venue).filter(is_active=True))
    days = selectors.room_days(user=user, rooms=rooms, first=week, last=week + dt.timedelta(days=6))
    now = timezone.now()
    schedule = []
    for offset in range(7):
        day = week + dt.timedelta(days=offset)
        hours = days[(rooms[0].pk, day)].hours if rooms else services.venue_days(venue, day, day)[0]
        columns = [_day_slots(days[(room.pk, day)], now) for room in rooms]
        schedule.append({"hours": hours, "rows": _rows(columns)})
    return render(
        request,
        "venues/venue_calendar.html",
        {"venue": venue, "rooms": rooms, "schedule": schedule, "may_book": _may_book(user), **_week_context(week)},
    )


@signed_in
def room_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """One room's week: a column per day."""
    user = request.user
    room = _room(user, pk)
    week = _week(request)
    days = selectors.room_days(user=user, rooms=[room], first=week, last=week + dt.timedelta(days=6))
    now = timezone.now()
    room_days = [days[(room.pk, week + dt.timedelta(days=offset))] for offset in range(7)]
    columns = [_day_slots(room_day, now) for room_day in room_days]
    return render(
        request,
        "venues/room_calendar.html",
        {
            "venue": room.venue,
            "room": room,
            "days": [room_day.hours for room_day in room_days],
            "rows": _rows(columns),
            "may_book": _may_book(user),
            **_week_context(week),
        },
    )


def _refreshed_cells(user, room: Room, day: dt.date, week: dt.date | None) -> list[Slot]:
    """The room's cells of that day, re-read, for htmx to swap in place (out of band).

    Only when the day lies in the week on screen: a swap without its target is an error.
    """
    if week is None or not (week <= day < week + WEEK):
        return []
    room_day = selectors.room_availability(user=user, room=room, day=day)
    return _day_slots(room_day, timezone.now())


@permission("venues.add_booking")
def booking_create(request: HttpRequest, pk: int) -> HttpResponse:
    """The booking form of a slot (GET, prefilled from ?start=&end=) and its answer (POST).

    From the calendar (htmx) the form opens beside it; the answer is the form again (with the
    rule's message on its field, or the conflict naming the bookings in the way) or a
    confirmation, and the room's cells of that day are swapped in place. Without htmx the
    form is a page of its own and a booking leads to the calendar.
    """
    user = request.user
    room = _room(user, pk)
    context: dict = {"room": room}
    if request.method == "POST":
        form = BookingForm(request.POST, user=user)
        if form.is_valid():
            week = form.cleaned_data.get("week")
            try:
                booking = services.booking_create(actor=user, room=room, **form.booking_arguments())
            except ValidationError as error:
                _add_service_errors(form, error)
            except ConflictError as conflict:
                start = timezone.localtime(form.cleaned_data["start"])
                context["conflict"] = conflict
                context["conflicts"] = _conflicting(user, conflict)
                context["cells"] = _refreshed_cells(user, room, start.date(), week)
                context["week"] = week
            else:
                message = BOOKED.format(
                    room=room,
                    start=timezone.localtime(booking.start),
                    end=timezone.localtime(booking.end),
                    status=booking.get_status_display(),
                )
                if not _is_htmx(request):
                    messages.success(request, message)
                    return redirect(f"{_room_calendar_url(room)}?week={selectors.week_start(_local_day(booking))}")
                cells = _refreshed_cells(user, room, _local_day(booking), week)
                return _no_store(
                    render(
                        request,
                        "venues/_booking_done.html",
                        {
                            "room": room,
                            "booking": booking,
                            "message": message,
                            "cells": cells,
                            "week": week,
                            "may_book": True,
                        },
                    )
                )
    else:
        form = BookingForm(
            initial={
                "start": request.GET.get("start", ""),
                "end": request.GET.get("end", ""),
                "week": request.GET.get("week", ""),
                "contact_name": user.get_full_name(),
            },
            user=user,
        )
    context.update(form=form, may_book=True)
    template = "venues/_booking_form.html" if _is_htmx(request) else "venues/booking_form.html"
    return _no_store(render(request, template, context))


def _no_store(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    return response


def _local_day(booking: Booking) -> dt.date:
    return timezone.localtime(booking.start).date()


def _room_calendar_url(room: Room) -> str:
    return reverse("web-room-calendar", args=[room.pk])


def _add_service_errors(form, error: ValidationError) -> None:
    """A service's ValidationError({field: [...]}) lands on that field, or above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _conflicting(user, conflict: ConflictError) -> list[dict]:
    """The bookings in the way, each linked when the user may open it."""
    ids = [row["id"] for row in conflict.conflicts if row.get("id")]
    visible = set(selectors.booking_list(user=user).filter(pk__in=ids).values_list("pk", flat=True))
    rows = []
    for row in conflict.conflicts:
        start, end = dt.datetime.fromisoformat(row["start"]), dt.datetime.fromisoformat(row["end"])
        rows.append(
            {
                "id": row["id"] if row["id"] in visible else None,
                "organization": row["organization"] if row["id"] in visible else CONFLICT_TAKEN,
                "start": timezone.localtime(start),
                "end": timezone.localtime(end),
                "status": STATUS_LABELS.get(row["status"], row["status"]),
            }
        )
    return rows


# Venues ---------------------------------------------------------------------------------


@signed_in
def venue_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:64]
    venues = selectors.venue_list(user=request.user, search=search).annotate(room_count=Count("rooms", distinct=True))
    return render_results(
        request,
        page_template="venues/venue_list.html",
        results_template="venues/_venue_results.html",
        target="venue-results",
        context={"q": search, **paginate(request, venues)},
    )


@signed_in
def venue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    venue = get_in_scope(
        Venue.objects.select_related("region").prefetch_related(
            "federations",
            "opening_hours",
            Prefetch(
                "closures",
                VenueClosure.objects.filter(date__gte=timezone.localdate()).order_by("date"),
                to_attr="upcoming_closures",
            ),
        ),
        user,
        pk=pk,
    )
    manages = services.can_manage(user, venue)
    return render(
        request,
        "venues/venue_detail.html",
        {
            "venue": venue,
            "rooms": list(selectors.room_list(user=user, venue=venue)),
            "manages": manages,
            "pending_count": selectors.pending_for_manager(user=user).filter(room__venue=venue).count()
            if manages
            else 0,
            **_week_context(selectors.week_start(timezone.localdate())),
        },
    )


# Bookings -------------------------------------------------------------------------------


@signed_in
def booking_mine(request: HttpRequest) -> HttpResponse:
    bookings = selectors.booking_list(user=request.user, booked_by=request.user).order_by("-start", "-id")
    context = paginate(request, bookings)
    now = timezone.now()
    for booking in context["page"].object_list:
        booking.cancellable = booking.status in HOLDING_STATUSES and booking.start > now
    return render_results(
        request,
        page_template="venues/booking_mine.html",
        results_template="venues/_booking_mine_results.html",
        target="booking-results",
        context=context,
    )


@signed_in
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    booking = _booking(user, pk)
    now = timezone.now()
    may_act_for_it = booking.booked_by_id == user.pk or scope_for(user).covers_organization(booking.organization)
    return render(
        request,
        "venues/booking_detail.html",
        {
            "booking": booking,
            "cancellable": may_act_for_it and booking.status in HOLDING_STATUSES and booking.start > now,
            "decidable": booking.status == BookingStatus.PENDING and services.can_manage(user, booking.room.venue),
        },
    )


@signed_in
@require_POST
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _booking(request.user, pk)
    try:
        services.booking_cancel(actor=request.user, booking=booking)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, CANCELLED.format(booking=booking))
    return _back(request, "web-booking-mine")


@signed_in
def booking_pending(request: HttpRequest) -> HttpResponse:
    """The approval queue: pending bookings of the venues the user manages (empty for others)."""
    pending = selectors.pending_for_manager(user=request.user).select_related("organization__federation")
    return render_results(
        request,
        page_template="venues/booking_pending.html",
        results_template="venues/_booking_pending_results.html",
        target="pending-results",
        context=paginate(request, pending),
    )


@signed_in
@require_POST
def booking_approve(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _booking(request.user, pk)
    try:
        services.booking_approve(actor=request.user, booking=booking)
    except PermissionDenied:
        return _forbidden(request)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, APPROVED.format(booking=booking))
    return _back(request, "web-booking-pending")


@signed_in
@require_POST
def booking_reject(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _booking(request.user, pk)
    try:
        services.booking_reject(actor=request.user, booking=booking, reason=request.POST.get("reason", ""))
    except PermissionDenied:
        return _forbidden(request)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, REJECTED.format(booking=booking))
    return _back(request, "web-booking-pending")


# Utilization ----------------------------------------------------------------------------


@signed_in
def utilization_index(request: HttpRequest) -> HttpResponse:
    """Which venue's utilization: the venues in scope, each linked to its page."""
    return render(request, "venues/utilization_index.html", {"venues": selectors.venue_list(user=request.user)})


def _percent(value: float) -> float:
    return round(value * 100, 1)


@signed_in
def venue_utilization(request: HttpRequest, pk: int) -> HttpResponse:
    venue = _venue(request.user, pk)
    form = PeriodForm(request.GET)
    first, last = form.period()
    if form.is_valid():
        # Show the period counted, the default one included.
        form = PeriodForm({"from": first.isoformat(), "to": last.isoformat()})
    total, per_room = selectors.venue_utilization(venue=venue, first=first, last=last)
    for figure in (total, *per_room):
        figure.rate_percent, figure.co_use_percent = _percent(figure.rate), _percent(figure.co_use_share)
    chart = {
        "rooms": [figure.label for figure in per_room],
        "rate": [figure.rate_percent for figure in per_room],
        "co_use": [figure.co_use_percent for figure in per_room],
    }
    federations = sorted(total.by_federation.items(), key=lambda item: (-item[1], item[0]))
    return render(
        request,
        "venues/venue_utilization.html",
        {
            "venue": venue,
            "form": form,
            "first": first,
            "last": last,
            "total": total,
            "per_room": per_room,
            "federations": federations,
            "chart": chart,
        },
    )
