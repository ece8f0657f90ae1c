"""The booking rules in apps.venues.services: each broken rule's own message, conflicts, series,
decisions, cancellation, the periodic tasks and the notifications to both sides."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError

from apps.accounts.models import Notification
from apps.core.exceptions import ConflictError
from apps.venues import services
from apps.venues.models import Booking, BookingStatus
from apps.venues.services.calendar import CLOSED_HOLIDAY, CLOSED_WEEKDAY
from apps.venues.services.notifications import MESSAGES
from tests.factories import UserFactory
from tests.venues.factories import aware, make_room, make_venue

NOW = aware(2026, 12, 1, 8)  # a Tuesday, not a public holiday


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def room(qinghai):
    return make_room(make_venue(), name="多功能活动厅", capacity=20)


@pytest.fixture
def approval_room(room):
    return make_room(room.venue, name="心理咨询室", capacity=4, needs_approval=True, contributed_by="women")


def book(room, organization, start, end, *, actor=None, attendees=5, now=None) -> Booking:
    return services.booking_create(
        actor=actor,
        room=room,
        organization=organization,
        start=start,
        end=end,
        purpose="议事",
        attendees=attendees,
        contact_name="李四",
        now=now,
    )


def errors_of(call) -> dict:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


# Each rule, its own message -------------------------------------------------------------


def test_the_end_must_come_after_the_start(room, chengdong_union):
    errors = errors_of(lambda: book(room, chengdong_union, aware(2026, 12, 2, 11), aware(2026, 12, 2, 10)))
    assert errors == {"end": [services.BOOKING_END_BEFORE_START]}


def test_a_booking_stays_within_one_day(room, chengdong_union):
    errors = errors_of(lambda: book(room, chengdong_union, aware(2026, 12, 2, 16), aware(2026, 12, 3, 10)))
    assert errors["end"] == [services.BOOKING_SPANS_DAYS]


def test_the_past_cannot_be_booked(room, chengdong_union):
    errors = errors_of(lambda: book(room, chengdong_union, aware(2026, 11, 30, 9), aware(2026, 11, 30, 10)))
    assert errors == {"start": [services.BOOKING_IN_PAST]}


def test_nothing_beyond_the_horizon(room, chengdong_union):
    # 60 days from 2026-12-01 is 2027-01-30; 2027-02-01 is a Monday.
    errors = errors_of(lambda: book(room, chengdong_union, aware(2027, 2, 1, 9), aware(2027, 2, 1, 10)))
    assert errors == {"start": [services.BOOKING_TOO_FAR.format(days=60, last="2027-01-30")]}


def test_attendees_within_capacity(room, chengdong_union):
    errors = errors_of(lambda: book(room, chengdong_union, aware(2026, 12, 2, 9), aware(2026, 12, 2, 10), attendees=21))
    assert errors == {"attendees": [services.BOOKING_OVER_CAPACITY.format(attendees=21, capacity=20)]}


def test_not_on_a_weekday_the_venue_is_closed(room, chengdong_union):
    errors = errors_of(lambda: book(room, chengdong_union, aware(2026, 12, 6, 9), aware(2026, 12, 6, 10)))
    reason = CLOSED_WEEKDAY.format(weekday="周日")
    assert errors == {"start": [services.BOOKING_CLOSED.format(date="2026-12-06", reason=reason)]}


def test_not_on_a_public_holiday(room, chengdong_union):
    now = aware(2026, 9, 20, 8)
    errors = errors_of(lambda: book(room, chengdong_union, aware(2026, 10, 1, 9), aware(2026, 10, 1, 10), now=now))
    reason = CLOSED_HOLIDAY.format(holiday="国庆节")
    assert errors == {"start": [services.BOOKING_CLOSED.format(date="2026-10-01", reason=reason)]}


def test_not_on_the_venues_own_closure_date(room, chengdong_union):
    services.venue_closure_add(venue=room.venue, date=dt.date(2026, 12, 3), reason="设备检修")
    errors = errors_of(lambda: book(room, chengdong_union, aware(2026, 12, 3, 9), aware(2026, 12, 3, 10)))
    assert errors == {"start": [services.BOOKING_CLOSED.format(date="2026-12-03", reason="设备检修")]}


@pytest.mark.parametrize(("start", "end"), [((8, 30), (10, 0)), ((17, 0), (18, 0))])
def test_only_inside_opening_hours(room, chengdong_union, start, end):
    errors = errors_of(lambda: book(room, chengdong_union, aware(2026, 12, 2, *start), aware(2026, 12, 2, *end)))
    message = services.BOOKING_OUTSIDE_HOURS.format(date="2026-12-02", opens="09:00", closes="17:30")
    assert errors == {"start": [message]}


def test_several_broken_rules_are_all_reported(room, chengdong_union):
    errors = errors_of(
        lambda: book(room, chengdong_union, aware(2026, 11, 29, 9), aware(2026, 11, 29, 10), attendees=99)
    )
    assert set(errors) == {"start", "attendees"}
    assert services.BOOKING_IN_PAST in errors["start"]


# Overlap --------------------------------------------------------------------------------


def test_touching_intervals_are_both_allowed(room, chengdong_union):
    book(room, chengdong_union, aware(2026, 12, 2, 10), aware(2026, 12, 2, 11))
    book(room, chengdong_union, aware(2026, 12, 2, 11), aware(2026, 12, 2, 12))
    book(room, chengdong_union, aware(2026, 12, 2, 9), aware(2026, 12, 2, 10))

    assert Booking.objects.filter(room=room).count() == 3


def test_an_overlap_is_a_conflict_naming_the_booking(room, chengdong_union):
    held = book(room, chengdong_union, aware(2026, 12, 2, 10), aware(2026, 12, 2, 11))

    with pytest.raises(ConflictError) as caught:
        book(room, chengdong_union, aware(2026, 12, 2, 10, 30), aware(2026, 12, 2, 11, 30))

    assert caught.value.message == services.BOOKING_CONFLICT.format(count=1)
    assert [c["id"] for c in caught.value.conflicts] == [held.pk]


def test_a_cancelled_booking_frees_its_slot(room, chengdong_union):
    held = book(room, chengdong_union, aware(2026, 12, 2, 10), aware(2026, 12, 2, 11))
    services.booking_cancel(booking=held)

    again = book(room, chengdong_union, aware(2026, 12, 2, 10), aware(2026, 12, 2, 11))

    assert again.status == BookingStatus.APPROVED


def test_a_rejected_booking_frees_its_slot(approval_room, chengdong_union, county_staff):
    services.venue_manager_grant(venue=approval_room.venue, user=county_staff)
    held = book(approval_room, chengdong_union, aware(2026, 12, 2, 10), aware(2026, 12, 2, 11), attendees=2)
    assert held.status == BookingStatus.PENDING
    services.booking_reject(actor=county_staff, booking=held, reason="另有安排")

    again = book(approval_room, chengdong_union, aware(2026, 12, 2, 10), aware(2026, 12, 2, 11), attendees=2)

    assert again.status == BookingStatus.PENDING


def test_a_pending_booking_holds_its_slot(approval_room, chengdong_union):
    book(approval_room, chengdong_union, aware(2026, 12, 2, 10), aware(2026, 12, 2, 11), attendees=2)

    with pytest.raises(ConflictError):
        book(approval_room, chengdong_union, aware(2026, 12, 2, 10), aware(2026, 12, 2, 11), attendees=2)


# Recurring ------------------------------------------------------------------------------


def series(room, organization, **recurrence) -> list[Booking]:
    return services.booking_create_series(
        room=room,
        organization=organization,
        start=aware(2026, 12, 2, 9),
        end=aware(2026, 12, 2, 10),
        purpose="每周议事",
        attendees=5,
        contact_name="李四",
        **recurrence,
    )


def test_a_series_with_one_conflicting_occurrence_creates_nothing_and_reports_exactly_it(room, chengdong_union):
    held = book(room, chengdong_union, aware(2026, 12, 9, 9, 30), aware(2026, 12, 9, 10, 30))

    with pytest.raises(ConflictError) as caught:
        series(room, chengdong_union, weekdays=[2], count=4)

    assert caught.value.message == services.BOOKING_SERIES_CONFLICT.format(count=1)
    assert [(c["start"], [b["id"] for b in c["bookings"]]) for c in caught.value.conflicts] == [
        (aware(2026, 12, 9, 9).isoformat(), [held.pk])
    ]
    assert list(Booking.objects.all()) == [held]


def test_a_series_by_count(room, chengdong_union):
    bookings = series(room, chengdong_union, weekdays=[0, 2], count=3)

    assert [b.start for b in bookings] == [aware(2026, 12, 2, 9), aware(2026, 12, 7, 9), aware(2026, 12, 9, 9)]
    assert len({b.series for b in bookings}) == 1
    assert bookings[0].series is not None


def test_a_series_until_a_date(room, chengdong_union):
    bookings = series(room, chengdong_union, weekdays=[2], until=dt.date(2026, 12, 23))

    assert [b.start.date() for b in bookings] == [dt.date(2026, 12, d) for d in (2, 9, 16, 23)]


def test_a_series_reports_each_occurrence_that_breaks_a_rule(room, chengdong_union):
    services.venue_closure_add(venue=room.venue, date=dt.date(2026, 12, 16), reason="设备检修")

    errors = errors_of(lambda: series(room, chengdong_union, weekdays=[2], count=3))

    assert errors == {"recurrence": ["2026-12-16 09:00：2026-12-16 设备检修。"]}
    assert not Booking.objects.exists()


# Decisions ------------------------------------------------------------------------------


def test_only_a_manager_approves(approval_room, chengdong_union, county_staff):
    held = book(approval_room, chengdong_union, aware(2026, 12, 2, 10), aware(2026, 12, 2, 11), attendees=2)

    with pytest.raises(PermissionDenied):
        services.booking_approve(actor=county_staff, booking=held)
    services.venue_manager_grant(venue=approval_room.venue, user=county_staff)
    approved = services.booking_approve(actor=county_staff, booking=held)

    assert (approved.status, approved.decided_by) == (BookingStatus.APPROVED, county_staff)


def test_only_a_manager_rejects_and_a_reason_is_needed(approval_room, chengdong_union, county_staff):
    held = book(approval_room, chengdong_union, aware(2026, 12, 2, 10), aware(2026, 12, 2, 11), attendees=2)

    with pytest.raises(PermissionDenied):
        services.booking_reject(actor=county_staff, booking=held, reason="不行")
    services.venue_manager_grant(venue=approval_room.venue, user=county_staff)
    errors = errors_of(lambda: services.booking_reject(actor=county_staff, booking=held, reason="  "))
    rejected = services.booking_reject(actor=county_staff, booking=held, reason="另有安排")

    assert errors == {"reason": [services.BOOKING_REJECT_REASON]}
    assert (rejected.status, rejected.rejection_reason) == (BookingStatus.REJECTED, "另有安排")


def test_only_a_pending_booking_is_decided(approval_room, chengdong_union, county_staff):
    services.venue_manager_grant(venue=approval_room.venue, user=county_staff)
    held = book(approval_room, chengdong_union, aware(2026, 12, 2, 10), aware(2026, 12, 2, 11), attendees=2)
    services.booking_approve(actor=county_staff, booking=held)

    errors = errors_of(lambda: services.booking_approve(actor=county_staff, booking=held))

    assert errors == {"status": [services.BOOKING_NOT_PENDING]}


def test_cancel_only_until_the_start(room, chengdong_union):
    held = book(room, chengdong_union, aware(2026, 12, 2, 10), aware(2026, 12, 2, 11))

    errors = errors_of(lambda: services.booking_cancel(booking=held, now=aware(2026, 12, 2, 10)))
    cancelled = services.booking_cancel(booking=held, now=aware(2026, 12, 2, 9, 59))

    assert errors == {"status": [services.BOOKING_CANCEL_STARTED]}
    assert cancelled.status == BookingStatus.CANCELLED


# Periodic tasks -------------------------------------------------------------------------


def test_bookings_complete_marks_ended_approved_bookings_once(room, approval_room, chengdong_union):
    done = book(room, chengdong_union, aware(2026, 12, 2, 10), aware(2026, 12, 2, 11))
    later = book(room, chengdong_union, aware(2026, 12, 2, 14), aware(2026, 12, 2, 15))
    pending = book(approval_room, chengdong_union, aware(2026, 12, 2, 10), aware(2026, 12, 2, 11), attendees=2)

    first = services.bookings_complete(now=aware(2026, 12, 2, 12))
    second = services.bookings_complete(now=aware(2026, 12, 2, 12))

    assert (first, second) == (1, 0)
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert statuses == {
        done.pk: BookingStatus.COMPLETED,
        later.pk: BookingStatus.APPROVED,
        pending.pk: BookingStatus.PENDING,
    }
    # One UPDATE statement sends no signal: the audit trail gets its line all the same, once.
    (logged,) = LogEntry.objects.get_for_object(done).filter(action=LogEntry.Action.UPDATE)
    assert logged.changes_dict == {"status": ["approved", "completed"]} and logged.object_repr == str(done)
    assert not LogEntry.objects.get_for_object(later).filter(action=LogEntry.Action.UPDATE).exists()


def test_bookings_remind_reminds_tomorrows_bookers_once(room, chengdong_union, county_staff):
    tomorrow = book(room, chengdong_union, aware(2026, 12, 2, 10), aware(2026, 12, 2, 11), actor=county_staff)
    book(room, chengdong_union, aware(2026, 12, 3, 10), aware(2026, 12, 3, 11), actor=county_staff)

    first = services.bookings_remind(now=NOW)
    second = services.bookings_remind(now=NOW)

    assert (first, second) == (1, 0)
    reminder = Notification.objects.get(user=county_staff, title__startswith="明天")
    assert reminder.title == MESSAGES["reminder"].format(room=room)
    tomorrow.refresh_from_db()
    assert tomorrow.reminded_at == NOW


# Notifications --------------------------------------------------------------------------


def test_managers_hear_of_a_request_and_the_booker_of_the_decision(
    approval_room, chengdong_union, county_staff, django_capture_on_commit_callbacks
):
    manager = UserFactory(username="venue_manager")
    services.venue_manager_grant(venue=approval_room.venue, user=manager)
    services.venue_manager_grant(venue=approval_room.venue, user=county_staff)

    with django_capture_on_commit_callbacks(execute=True):
        held = book(
            approval_room,
            chengdong_union,
            aware(2026, 12, 2, 10),
            aware(2026, 12, 2, 11),
            actor=county_staff,
            attendees=2,
        )
    created = MESSAGES["created"].format(room=approval_room)
    assert set(Notification.objects.filter(title=created).values_list("user__username", flat=True)) == {
        "venue_manager",
        "chengdong_staff",
    }

    with django_capture_on_commit_callbacks(execute=True):
        services.booking_reject(actor=manager, booking=held, reason="另有安排")
    rejected = Notification.objects.get(title=MESSAGES["rejected"].format(room=approval_room))
    assert rejected.user == county_staff
    assert rejected.body.endswith("原因：另有安排")
    assert rejected.url.endswith(f"/{held.pk}/")


def test_a_booking_without_approval_tells_the_booker_straight_away(
    room, chengdong_union, county_staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        book(room, chengdong_union, aware(2026, 12, 2, 10), aware(2026, 12, 2, 11), actor=county_staff)

    assert list(Notification.objects.values_list("user__username", flat=True)) == ["chengdong_staff"]
