"""A demo 群众之家 in 西宁市城东区 with rooms from several federations, managed by chengdong_staff."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.organizations.models import Federation, Organization, Region
from apps.venues.models import BookingStatus, Room, RoomKind, Venue, VenueKind
from apps.venues.services import booking_create, room_save, venue_manager_grant, venue_save

VENUE_NAME = "城东区群众之家"
WEEKDAY_HOURS = {weekday: (dt.time(9, 0), dt.time(17, 30)) for weekday in range(6)}  # Monday–Saturday
ROOMS = [
    ("多功能活动厅", RoomKind.ACTIVITY_HALL, 120, "union", True, "音响、投影、舞台"),
    ("职工书屋", RoomKind.READING_ROOM, 30, "union", False, "图书 3000 册"),
    ("青年议事室", RoomKind.MEETING_ROOM, 20, "youth_league", False, "会议桌、白板"),
    ("妇女儿童心理咨询室", RoomKind.COUNSELLING_ROOM, 4, "women", True, "沙盘、隔音"),
    ("康复训练室", RoomKind.TRAINING_ROOM, 15, "disabled", True, "康复器材、无障碍通道"),
]


def seed() -> list[str]:
    region = Region.objects.get(code="630102")
    venue = Venue.objects.filter(region=region, name=VENUE_NAME).first()
    if venue is None:
        venue = venue_save(
            venue=Venue(name=VENUE_NAME, kind=VenueKind.JOINT, region=region, address="西宁市城东区（演示地址）"),
            federations=Federation.objects.filter(code__in=["union", "youth_league", "women", "disabled"]),
            opening_hours=WEEKDAY_HOURS,
        )
    for name, kind, capacity, federation, needs_approval, facilities in ROOMS:
        if not venue.rooms.filter(name=name).exists():
            room_save(
                room=Room(
                    venue=venue,
                    name=name,
                    kind=kind,
                    capacity=capacity,
                    facilities=facilities,
                    contributed_by=Federation.objects.get(code=federation),
                    needs_approval=needs_approval,
                )
            )
    manager = get_user_model().objects.filter(username="chengdong_staff").first()
    if manager is not None:
        venue_manager_grant(venue=venue, user=manager)
    _seed_bookings(venue)
    return [f"演示场地：{VENUE_NAME}（{venue.rooms.count()} 个功能室，审批人 chengdong_staff）。"]


def _next_open_weekday(after: dt.date) -> dt.date:
    day = after + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _seed_bookings(venue: Venue) -> None:
    """Two upcoming bookings, so the calendar shows co-use; only when the venue has none ahead."""
    if venue.rooms.filter(bookings__start__gte=timezone.now()).exists():
        return
    from apps.venues.services.calendar import venue_days

    day = _next_open_weekday(timezone.localdate())
    while not venue_days(venue, day, day)[0].is_open:
        day = _next_open_weekday(day)
    hall = venue.rooms.get(name="多功能活动厅")
    for federation, hour, purpose in [("women", 9, "妇女议事会"), ("youth_league", 14, "青年志愿者培训")]:
        organization = Organization.objects.get(federation__code=federation, region=venue.region, host_unit=None)
        start = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))
        booking = booking_create(
            room=hall,
            organization=organization,
            start=start,
            end=start + dt.timedelta(hours=2),
            purpose=purpose,
            attendees=40,
            contact_name="演示联系人",
        )
        if booking.status == BookingStatus.PENDING and federation == "women":
            from apps.venues.services import booking_approve

            booking_approve(booking=booking)
