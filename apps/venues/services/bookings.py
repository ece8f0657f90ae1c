"""Booking a room: every rule in one place, for the pages, the admin, the API and the tasks."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from apps.core.audit import audit_bulk_update
from apps.core.exceptions import ConflictError
from apps.core.outbox import outbox_enqueue
from apps.organizations.models import Organization
from apps.organizations.scoping import scoped
from apps.organizations.services.checks import NO_PERMISSION, require_organization_in_scope, require_perm
from apps.venues.models import HOLDING_STATUSES, Booking, BookingStatus, OpeningHours, Room, VenueClosure
from apps.venues.services.calendar import DayHours, venue_day, venue_days

BOOKING_END_BEFORE_START = "结束时间必须晚于开始时间。"
BOOKING_SPANS_DAYS = "预约须在同一天内开始和结束。"
BOOKING_IN_PAST = "不能预约已经过去的时间。"
BOOKING_TOO_FAR = "最多只能提前 {days} 天预约（至 {last}）。"
BOOKING_OVER_CAPACITY = "预计人数 {attendees} 人超过该功能室的容纳人数 {capacity} 人。"
BOOKING_NO_ATTENDEES = "预计人数至少为 1 人。"
BOOKING_CLOSED = "{date} {reason}。"
BOOKING_OUTSIDE_HOURS = "{date} 的开放时间为 {opens}–{closes}，预约须在此时间内。"
BOOKING_ROOM_INACTIVE = "该功能室暂停预约。"
BOOKING_ROOM_OUT_OF_SCOPE = "该功能室不在您可预约的范围内。"
BOOKING_CONFLICT = "该时段已被预约，与 {count} 个预约冲突。"
BOOKING_SERIES_CONFLICT = "重复预约中有 {count} 次与已有预约冲突，全部未创建。"
BOOKING_SERIES_EMPTY = "按所选星期和截止日期，没有可预约的日期。"
BOOKING_SERIES_TOO_LONG = "一次重复预约最多 {limit} 次。"
BOOKING_SERIES_UNTIL_OR_COUNT = "请填写截止日期或次数（二选一）。"
BOOKING_NOT_PENDING = "只有待审批的预约可以审批。"
BOOKING_REJECT_REASON = "驳回时请填写原因。"
BOOKING_CANCEL_STARTED = "预约已经开始，不能取消。"
BOOKING_NOT_ACTIVE = "该预约已{status}，不能取消。"

SERIES_LIMIT = 100


@dataclass(frozen=True)
class Occurrence:
    start: dt.datetime
    end: dt.datetime


def conflict_summary(booking: Booking) -> dict:
    """What a 409 tells about a booking in the way (no contact details: it may be another federation's)."""
    return {
        "id": booking.pk,
        "start": timezone.localtime(booking.start).isoformat(),
        "end": timezone.localtime(booking.end).isoformat(),
        "organization": booking.organization.name,
        "status": booking.status,
    }


def _overlapping(room: Room, start: dt.datetime, end: dt.datetime, *, exclude_pk=None):
    bookings = Booking.objects.filter(room=room, status__in=HOLDING_STATUSES, start__lt=end, end__gt=start)
    return bookings.exclude(pk=exclude_pk).select_related("organization").defer("contact_phone").order_by("start")


def _rule_errors(
    room: Room, start: dt.datetime, end: dt.datetime, attendees: int, now: dt.datetime, day: DayHours | None = None
) -> dict:
    """Every rule the slot breaks, by field, each with its own message. `day`, the venue's hours on
    the start's day when they were read along with the room; else they are read here."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    local_start, local_end = timezone.localtime(start), timezone.localtime(end)
    if start >= end:
        add("end", BOOKING_END_BEFORE_START)
    elif local_start.date() != local_end.date():
        add("end", BOOKING_SPANS_DAYS)
    if start < now:
        add("start", BOOKING_IN_PAST)
    last_day = timezone.localtime(now).date() + dt.timedelta(days=room.venue.booking_horizon_days)
    if local_start.date() > last_day:
        add("start", BOOKING_TOO_FAR.format(days=room.venue.booking_horizon_days, last=last_day.isoformat()))
    if attendees < 1:
        add("attendees", BOOKING_NO_ATTENDEES)
    elif attendees > room.capacity:
        add("attendees", BOOKING_OVER_CAPACITY.format(attendees=attendees, capacity=room.capacity))
    if not room.is_active:
        add("room", BOOKING_ROOM_INACTIVE)
    if "end" not in errors:
        if day is None or day.day != local_start.date():
            (day,) = venue_days(room.venue, local_start.date(), local_start.date())
        if not day.is_open:
            add("start", BOOKING_CLOSED.format(date=day.day.isoformat(), reason=day.closed_reason))
        elif local_start.time() < day.opens or local_end.time() > day.closes:
            add(
                "start",
                BOOKING_OUTSIDE_HOURS.format(
                    date=day.day.isoformat(), opens=f"{day.opens:%H:%M}", closes=f"{day.closes:%H:%M}"
                ),
            )
    return errors


def _lock_room_in_reach(actor, room: Room, organization: Organization, day: dt.date | None = None) -> Room:
    """Check the permission and the organization, then lock and read the room within the actor's
    scope in one statement: bookings of one room are decided one
    at a time (SQLite: IMMEDIATE does it), and a room outside the scope is refused without a query of
    its own. With `day`, the venue's hours and closure that day come along (`_day_of`): nothing a
    booking changes."""
    require_perm(actor, "venues.add_booking")
    require_organization_in_scope(actor, organization, field="organization")
    rooms = Room.objects.select_for_update(of=("self",)).select_related("venue")
    if day is not None:
        hours = OpeningHours.objects.filter(venue=OuterRef("venue_id"), weekday=day.weekday())
        closure = VenueClosure.objects.filter(venue=OuterRef("venue_id"), date=day)
        rooms = rooms.annotate(
            day_opens=Subquery(hours.values("opens")[:1]),
            day_closes=Subquery(hours.values("closes")[:1]),
            day_closure=Subquery(closure.values("reason")[:1]),
        )
    if actor is not None:
        rooms = scoped(rooms, actor)
    try:
        return rooms.get(pk=room.pk)
    except Room.DoesNotExist:
        raise ValidationError({"room": BOOKING_ROOM_OUT_OF_SCOPE}) from None


def _day_of(room: Room, day: dt.date) -> DayHours:
    """The venue's hours on `day`, from what _lock_room_in_reach(day=day) read with the room."""
    opening = (room.day_opens, room.day_closes) if room.day_opens is not None else None
    return venue_day(room.venue, day, opening, room.day_closure)


def _insert(booking: Booking) -> Booking:
    try:
        with transaction.atomic():
            booking.save()
    except IntegrityError as exc:
        # PostgreSQL's exclusion constraint caught a race the locked check could not see.
        clashes = list(_overlapping(booking.room, booking.start, booking.end))
        raise ConflictError(
            BOOKING_CONFLICT.format(count=len(clashes)), [conflict_summary(other) for other in clashes]
        ) from exc
    return booking


def _notify_managers_on_commit(bookings: list[Booking]) -> None:
    from apps.venues.tasks import booking_notify_task

    for booking in bookings:
        outbox_enqueue(booking_notify_task, booking.pk, "created")


@transaction.atomic
def booking_create(
    *,
    actor=None,
    room: Room,
    organization: Organization,
    start: dt.datetime,
    end: dt.datetime,
    purpose: str,
    attendees: int,
    contact_name: str,
    contact_phone: str = "",
    now: dt.datetime | None = None,
) -> Booking:
    """Book one slot: 400 for each broken rule, 409 naming the bookings in the way."""
    day = timezone.localtime(start).date()
    room = _lock_room_in_reach(actor, room, organization, day)
    now = now or timezone.now()
    errors = _rule_errors(room, start, end, attendees, now, _day_of(room, day))
    if errors:
        raise ValidationError(errors)
    clashes = list(_overlapping(room, start, end))
    if clashes:
        raise ConflictError(BOOKING_CONFLICT.format(count=len(clashes)), [conflict_summary(b) for b in clashes])
    booking = _insert(
        _new_booking(actor, room, organization, start, end, purpose, attendees, contact_name, contact_phone)
    )
    _notify_managers_on_commit([booking])
    return booking


def _new_booking(actor, room, organization, start, end, purpose, attendees, contact_name, contact_phone, series=None):
    booking = Booking(
        room=room,
        organization=organization,
        booked_by=actor,
        contact_name=(contact_name or "").strip(),
        contact_phone=(contact_phone or "").strip(),
        purpose=(purpose or "").strip(),
        attendees=attendees,
        start=start,
        end=end,
        status=BookingStatus.PENDING if room.needs_approval else BookingStatus.APPROVED,
        series=series,
    )
    booking.full_clean(exclude=["room", "organization", "booked_by"], validate_constraints=False)
    return booking


def recurrence_occurrences(
    *, start: dt.datetime, end: dt.datetime, weekdays: list[int], until: dt.date | None = None, count: int | None = None
) -> list[Occurrence]:
    """The slots of a weekly recurrence: the first slot's times on the chosen weekdays (0 = Monday)."""
    if (until is None) == (count is None):
        raise ValidationError({"recurrence": BOOKING_SERIES_UNTIL_OR_COUNT})
    local_start, local_end = timezone.localtime(start), timezone.localtime(end)
    duration = local_end - local_start
    chosen = set(weekdays) or {local_start.weekday()}
    occurrences: list[Occurrence] = []
    day = local_start.date()
    while len(occurrences) <= SERIES_LIMIT:
        if until is not None and day > until:
            break
        if count is not None and len(occurrences) == count:
            break
        if day.weekday() in chosen:
            begins = timezone.make_aware(dt.datetime.combine(day, local_start.time()))
            occurrences.append(Occurrence(begins, begins + duration))
        day += dt.timedelta(days=1)
    if len(occurrences) > SERIES_LIMIT:
        raise ValidationError({"recurrence": BOOKING_SERIES_TOO_LONG.format(limit=SERIES_LIMIT)})
    if not occurrences:
        raise ValidationError({"recurrence": BOOKING_SERIES_EMPTY})
    return occurrences


@transaction.atomic
def booking_create_series(
    *,
    actor=None,
    room: Room,
    organization: Organization,
    start: dt.datetime,
    end: dt.datetime,
    weekdays: list[int],
    until: dt.date | None = None,
    count: int | None = None,
    purpose: str,
    attendees: int,
    contact_name: str,
    contact_phone: str = "",
    now: dt.datetime | None = None,
) -> list[Booking]:
    """A weekly series, all or nothing: every occurrence that breaks a rule or conflicts is reported."""
    room = _lock_room_in_reach(actor, room, organization)
    now = now or timezone.now()
    occurrences = recurrence_occurrences(start=start, end=end, weekdays=weekdays, until=until, count=count)
    broken, conflicts = [], []
    for occurrence in occurrences:
        errors = _rule_errors(room, occurrence.start, occurrence.end, attendees, now)
        if errors:
            messages = "；".join(message for field_messages in errors.values() for message in field_messages)
            broken.append(f"{timezone.localtime(occurrence.start):%Y-%m-%d %H:%M}：{messages}")
            continue
        clashes = list(_overlapping(room, occurrence.start, occurrence.end))
        if clashes:
            conflicts.append(
                {
                    "start": timezone.localtime(occurrence.start).isoformat(),
                    "end": timezone.localtime(occurrence.end).isoformat(),
                    "bookings": [conflict_summary(clash) for clash in clashes],
                }
            )
    if broken:
        raise ValidationError({"recurrence": broken})
    if conflicts:
        raise ConflictError(BOOKING_SERIES_CONFLICT.format(count=len(conflicts)), conflicts)
    series = uuid.uuid4()
    bookings = [
        _insert(
            _new_booking(
                actor, room, organization, o.start, o.end, purpose, attendees, contact_name, contact_phone, series
            )
        )
        for o in occurrences
    ]
    _notify_managers_on_commit(bookings)
    return bookings


def can_manage(actor, venue) -> bool:
    """Managers hold `venues.manage_venue` on the venue (guardian) or for all venues in their scope."""
    return actor is not None and (actor.has_perm("venues.manage_venue", venue) or actor.has_perm("venues.manage_venue"))


def _require_manager(actor, booking: Booking) -> None:
    if actor is not None and not can_manage(actor, booking.room.venue):
        raise PermissionDenied(NO_PERMISSION)


def _locked(booking: Booking) -> Booking:
    return Booking.objects.select_for_update().select_related("room__venue", "organization").get(pk=booking.pk)


@transaction.atomic
def booking_approve(*, actor=None, booking: Booking) -> Booking:
    booking = _locked(booking)
    _require_manager(actor, booking)
    if booking.status != BookingStatus.PENDING:
        raise ValidationError({"status": BOOKING_NOT_PENDING})
    booking.status, booking.decided_by = BookingStatus.APPROVED, actor
    booking.save(update_fields=["status", "decided_by", "updated_at"])
    _notify_booker_on_commit(booking, "approved")
    return booking


@transaction.atomic
def booking_reject(*, actor=None, booking: Booking, reason: str) -> Booking:
    booking = _locked(booking)
    _require_manager(actor, booking)
    if booking.status != BookingStatus.PENDING:
        raise ValidationError({"status": BOOKING_NOT_PENDING})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": BOOKING_REJECT_REASON})
    booking.status, booking.decided_by, booking.rejection_reason = BookingStatus.REJECTED, actor, reason
    booking.save(update_fields=["status", "decided_by", "rejection_reason", "updated_at"])
    _notify_booker_on_commit(booking, "rejected")
    return booking


@transaction.atomic
def booking_cancel(*, actor=None, booking: Booking, now: dt.datetime | None = None) -> Booking:
    """The booker (or anyone who may act for the booking organization) cancels until the start."""
    booking = _locked(booking)
    if actor is not None and booking.booked_by_id != actor.pk:
        require_organization_in_scope(actor, booking.organization, field="organization")
    if booking.status not in HOLDING_STATUSES:
        raise ValidationError({"status": BOOKING_NOT_ACTIVE.format(status=booking.get_status_display())})
    if booking.start <= (now or timezone.now()):
        raise ValidationError({"status": BOOKING_CANCEL_STARTED})
    booking.status = BookingStatus.CANCELLED
    booking.save(update_fields=["status", "updated_at"])
    from apps.venues.tasks import booking_notify_task

    outbox_enqueue(booking_notify_task, booking.pk, "cancelled")
    return booking


def _notify_booker_on_commit(booking: Booking, event: str) -> None:
    from apps.venues.tasks import booking_notify_task

    outbox_enqueue(booking_notify_task, booking.pk, event)


def bookings_complete(*, now: dt.datetime | None = None) -> int:
    """Approved bookings that have ended become completed, each change in the audit trail.

    Safe to run twice, even at once: the rows are locked, and one locked by another run (or by a
    cancellation in progress) is left for the next run.
    """
    now = now or timezone.now()
    with transaction.atomic():
        ended = list(
            Booking.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=BookingStatus.APPROVED, end__lte=now)
            .select_related("room__venue")
            .defer("contact_phone")
        )
        Booking.objects.filter(pk__in=[booking.pk for booking in ended]).update(
            status=BookingStatus.COMPLETED, updated_at=now
        )
        audit_bulk_update(ended, {"status": [BookingStatus.APPROVED.value, BookingStatus.COMPLETED.value]})
    return len(ended)
