"""Venues and rooms for the venue tests, made through the services (actor=None: the system).

A small stable API the other venue tests build on:
  make_venue(region_code="630102", federations=("union", "women"), hours=Mon–Sat 09:00–17:30)
  make_room(venue, name=..., capacity=20, needs_approval=False, contributed_by="union")
  aware(y, m, d, h, mi=0) → an Asia/Shanghai aware datetime
"""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from apps.organizations.models import Federation
from apps.venues import services
from apps.venues.models import Room, RoomKind, Venue, VenueKind
from tests.factories import region

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEKDAY_HOURS = {weekday: (dt.time(9, 0), dt.time(17, 30)) for weekday in range(6)}  # Monday–Saturday

_numbers = itertools.count(1)


def aware(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def make_venue(
    region_code: str = "630102",
    federations: tuple[str, ...] = ("union", "women"),
    hours: dict[int, tuple[dt.time, dt.time]] | None = None,
    *,
    name: str | None = None,
    kind: str = VenueKind.JOINT,
    **fields,
) -> Venue:
    return services.venue_save(
        venue=Venue(name=name or f"测试群众之家{next(_numbers)}", kind=kind, region=region(region_code), **fields),
        federations=Federation.objects.filter(code__in=federations),
        opening_hours=WEEKDAY_HOURS if hours is None else hours,
    )


def make_room(
    venue: Venue,
    name: str | None = None,
    capacity: int = 20,
    needs_approval: bool = False,
    contributed_by: str | None = "union",
    *,
    kind: str = RoomKind.MEETING_ROOM,
    **fields,
) -> Room:
    return services.room_save(
        room=Room(
            venue=venue,
            name=name or f"功能室{next(_numbers)}",
            kind=kind,
            capacity=capacity,
            needs_approval=needs_approval,
            contributed_by=Federation.objects.get(code=contributed_by) if contributed_by else None,
            **fields,
        )
    )
