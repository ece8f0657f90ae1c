"""Reads of venues, rooms and bookings: scoped lists, a room's day, a week's calendar, utilization."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from apps.organizations.scoping import scoped
from apps.venues.models import HOLDING_STATUSES, Booking, BookingStatus, OpeningHours, Room, Venue
from apps.venues.services.calendar import DayHours, venue_days


def venue_list(*, user, region=None, search: str = "") -> QuerySet:
    venues = scoped(Venue.objects.all(), user).select_related("region")
    venues = venues.prefetch_related("federations", Prefetch("opening_hours", OpeningHours.objects.order_by("weekday")))
    if region is not None:
        venues = venues.filter(region__path__startswith=region.path)
    if search:
        venues = venues.filter(name__contains=search)
    return venues.order_by("region__path", "name")


def room_list(*, user, venue: Venue | int | None = None) -> QuerySet:
    rooms = scoped(Room.objects.all(), user).select_related("venue__region", "contributed_by")
    if venue is not None:
        rooms = rooms.filter(venue=venue)
    return rooms.order_by("venue_id", "name")


def booking_list(
    *,
    user,
    room: Room | int | None = None,
    venue: Venue | int | None = None,
    status: str | None = None,
    organization=None,
    booked_by=None,
    starts_after: dt.datetime | None = None,
    starts_before: dt.datetime | None = None,
) -> QuerySet:
    # The contact's phone is shown masked: its ciphertext is neither read nor decrypted.
    bookings = (
        scoped(Booking.objects.all(), user)
        .select_related("room__venue", "organization__federation", "booked_by")
        .defer("contact_phone")
    )
    if room is not None:
        bookings = bookings.filter(room=room)
    if venue is not None:
        bookings = bookings.filter(room__venue=venue)
    if status:
        bookings = bookings.filter(status=status)
    if organization is not None:
        bookings = bookings.filter(organization=organization)
    if booked_by is not None:
        bookings = bookings.filter(booked_by=booked_by)
    if starts_after is not None:
        bookings = bookings.filter(start__gte=starts_after)
    if starts_before is not None:
        bookings = bookings.filter(start__lt=starts_before)
    return bookings.order_by("start", "id")


def pending_for_manager(*, user) -> QuerySet:
    """The approval queue: pending bookings of venues the user manages."""
    from guardian.shortcuts import get_objects_for_user

    managed = get_objects_for_user(user, "venues.manage_venue", klass=Venue, accept_global_perms=True)
    return (
        scoped(Booking.objects.filter(status=BookingStatus.PENDING, room__venue__in=managed), user)
        .select_related("room__venue", "organization", "booked_by")
        .defer("contact_phone")
        .order_by("start", "id")
    )


@dataclass
class Busy:
    """A held interval of a room; `booking` is None when the viewer may not see whose it is."""

    start: dt.datetime
    end: dt.datetime
    status: str
    booking: Booking | None = None


@dataclass
class RoomDay:
    room: Room
    hours: DayHours
    busy: list[Busy] = field(default_factory=list)


def _local_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    return start, timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min))


def room_days(*, user, rooms: list[Room], first: dt.date, last: dt.date) -> dict[tuple[int, dt.date], RoomDay]:
    """For each room and day: the venue's hours and the held intervals (a constant number of queries).

    Everyone who may book a room sees when it is taken; who took it only shows where the
    booking itself is in the viewer's scope.
    """
    if not rooms:
        return {}
    venues = {room.venue_id: room.venue for room in rooms}
    days_by_venue = {venue_id: venue_days(venue, first, last) for venue_id, venue in venues.items()}
    start, end = _local_bounds(first, last)
    held = (
        Booking.objects.filter(room__in=rooms, status__in=HOLDING_STATUSES, start__lt=end, end__gt=start)
        .select_related("organization")
        .defer("contact_phone")
    )
    visible = set(scoped(Booking.objects.filter(pk__in=[b.pk for b in held]), user).values_list("pk", flat=True))
    result: dict[tuple[int, dt.date], RoomDay] = {}
    for room in rooms:
        for hours in days_by_venue[room.venue_id]:
            result[(room.pk, hours.day)] = RoomDay(room=room, hours=hours)
    for booking in held:
        day = timezone.localtime(booking.start).date()
        slot = result.get((booking.room_id, day))
        if slot is not None:
            slot.busy.append(
                Busy(booking.start, booking.end, booking.status, booking if booking.pk in visible else None)
            )
    return result


def room_availability(*, user, room: Room, day: dt.date) -> RoomDay:
    return room_days(user=user, rooms=[room], first=day, last=day)[(room.pk, day)]


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass
class Utilization:
    """Booked hours over open hours, and the share of hours booked by other federations (co-use)."""

    label: str
    open_hours: float = 0.0
    booked_hours: float = 0.0
    co_use_hours: float = 0.0
    by_federation: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    @property
    def rate(self) -> float:
        return self.booked_hours / self.open_hours if self.open_hours else 0.0

    @property
    def co_use_share(self) -> float:
        return self.co_use_hours / self.booked_hours if self.booked_hours else 0.0


COUNTED_STATUSES = (BookingStatus.APPROVED, BookingStatus.COMPLETED)


def venue_utilization(*, venue: Venue, first: dt.date, last: dt.date) -> tuple[Utilization, list[Utilization]]:
    """The venue's and each room's utilization from first to last (inclusive)."""
    rooms = list(venue.rooms.select_related("contributed_by").order_by("name"))
    open_per_room = sum(day.open_hours for day in venue_days(venue, first, last))
    per_room = {room.pk: Utilization(label=room.name, open_hours=open_per_room) for room in rooms}
    total = Utilization(label=venue.name, open_hours=open_per_room * len(rooms))
    start, end = _local_bounds(first, last)
    bookings = (
        Booking.objects.filter(room__venue=venue, status__in=COUNTED_STATUSES, start__lt=end, end__gt=start)
        .select_related("organization__federation", "room")
        .defer("contact_phone")
    )
    for booking in bookings:
        hours = (min(booking.end, end) - max(booking.start, start)).total_seconds() / 3600
        federation = booking.organization.federation
        co_use = booking.room.contributed_by_id is not None and booking.room.contributed_by_id != federation.pk
        for figure in (per_room[booking.room_id], total):
            figure.booked_hours += hours
            figure.by_federation[federation.name] += hours
            if co_use:
                figure.co_use_hours += hours
    return total, list(per_room.values())
