"""群众之家 in every county and township, federation homes in host units, rooms, and bookings.

A 群众之家 stands in each county seat and each township (the real tree, whatever N);
a 职工之家 in host units of 100 or more with a union. Bookings grow with N: 0.3 per
person, about the yearly use a county's 群众之家 reports (a few bookings a week per room)
spread over its rooms, two years of history and the 60-day booking horizon ahead.

No two bookings of a room overlap: each room's days are cut into four slots
(09:00–10:30, 10:30–12:00, 14:00–15:30, 15:30–17:00) and a booking takes one of them
whole or its first hour; slots are drawn without replacement from the room's open days
(its venue's weekdays, minus its own closures and, where it closes then, public holidays).
Before the data's day (context.AS_OF) bookings are completed, cancelled or rejected;
after it they are approved, pending (rooms that need approval) or cancelled.
Some bookings in halls and meeting rooms are an activity's: the activities step creates it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from itertools import accumulate

from apps.core.holidays import public_holiday
from apps.core.scale_data import activities
from apps.core.scale_data.context import HISTORY_START
from apps.core.scale_data.copy import local
from apps.core.scale_data.names import person_name
from apps.venues.models import Booking, OpeningHours, Room, RoomKind, Venue, VenueClosure, VenueKind

BOOKINGS_PER_PERSON = 0.3
HORIZON_DAYS = 60
HOME_MIN_HEAD_COUNT = 100
SLOTS = [((9, 0), (10, 30)), ((10, 30), (12, 0)), ((14, 0), (15, 30)), ((15, 30), (17, 0))]
# name, kind, capacity, contributing federation, needs approval, facilities
ROOMS = [
    ("多功能活动厅", RoomKind.ACTIVITY_HALL, 120, "union", True, "音响、投影、舞台"),
    ("职工书屋", RoomKind.READING_ROOM, 30, "union", False, "图书 3000 册"),
    ("青年议事室", RoomKind.MEETING_ROOM, 20, "youth_league", False, "会议桌、白板"),
    ("妇女儿童心理咨询室", RoomKind.COUNSELLING_ROOM, 4, "women", True, "沙盘、隔音"),
    ("康复训练室", RoomKind.TRAINING_ROOM, 15, "disabled", True, "康复器材、无障碍通道"),
    ("科普活动室", RoomKind.TRAINING_ROOM, 40, "science", False, "科普展板、VR 设备"),
    ("应急救护培训室", RoomKind.TRAINING_ROOM, 30, "red_cross", True, "模拟人、AED 训练机"),
]
HOME_ROOMS = [
    ("职工活动室", RoomKind.ACTIVITY_HALL, 60, "union", True, "乒乓球台、音响"),
    ("职工书屋", RoomKind.READING_ROOM, 20, "union", False, "图书 1000 册"),
]
USE_WEIGHT = {  # how much each kind of room is booked, relative
    RoomKind.ACTIVITY_HALL: 3,
    RoomKind.MEETING_ROOM: 3,
    RoomKind.TRAINING_ROOM: 2,
    RoomKind.COUNSELLING_ROOM: 1.5,
    RoomKind.READING_ROOM: 1,
}
PURPOSES = {
    RoomKind.ACTIVITY_HALL: ["{f}工作例会", "{f}主题宣讲", "文艺排练", "{f}表彰大会", "联谊活动"],
    RoomKind.MEETING_ROOM: ["{f}工作例会", "议事协商会", "{f}理事会", "座谈会", "青年议事会"],
    RoomKind.TRAINING_ROOM: ["{f}业务培训", "技能培训", "康复训练", "科普讲座", "应急救护培训"],
    RoomKind.COUNSELLING_ROOM: ["心理咨询", "家庭教育咨询", "婚姻家庭调解"],
    RoomKind.READING_ROOM: ["读书分享会", "亲子阅读", "{f}学习会"],
}
PAST = [("completed", 0.82), ("cancelled", 0.92), ("rejected", 1.0)]
AHEAD = [("approved", 0.65), ("pending", 0.9), ("cancelled", 1.0)]
REJECTIONS = ["该时段场地另有安排", "预计人数超出场地承载能力", "活动内容与场地用途不符"]
CLOSURES = ["设施维修", "消防检查", "场地改造", "承办大型活动"]
WEEKDAYS = {"joint": range(6), "township": range(5), "home": range(5)}
HOURS = {"joint": ((9, 0), (17, 30)), "township": ((9, 0), (17, 30)), "home": ((8, 30), (18, 0))}


@dataclass(slots=True)
class RoomRow:
    id: int
    venue: int
    name: str
    kind: str
    capacity: int
    facilities: str
    contributor: int  # federation id
    needs_approval: bool
    weight: float  # its share of the bookings
    own_units: dict[str, int]  # federation code → the unit that books it first
    other_units: list[int]
    code: str  # of the contributing federation


@dataclass(slots=True)
class Draft:
    """A booking before its id is known (ids follow the start); the activities step may claim it."""

    start: dt.datetime
    end: dt.datetime
    room: RoomRow
    venue_region: int
    organization: int
    purpose: str
    attendees: int
    status: str
    reason: str
    made: dt.date
    contact: str


def _days(ctx) -> list[dt.date]:
    last = ctx.as_of + dt.timedelta(days=HORIZON_DAYS)
    return [HISTORY_START + dt.timedelta(days=n) for n in range((last - HISTORY_START).days + 1)]


def build(ctx) -> None:
    rng = ctx.rng("venues")
    tree, divisions = ctx.tree, ctx.divisions
    province = divisions.province.name
    codes = [f.code for f in tree.federations]
    venues, rooms, closures, links = [], [], [], []

    def add_venue(name, kind, place, federation_codes, style, templates, scale, organizers):
        venue_id = len(venues) + 1
        address = f"{place.full_name.removeprefix(province)}（群团阵地）"
        venues.append((venue_id, name, kind, place.id, address, style))
        links.extend((venue_id, tree.by_code[code].id) for code in federation_codes)
        for name_, kind_, capacity, code, approval, facilities in templates:
            if code not in federation_codes:
                continue
            rooms.append(
                RoomRow(len(rooms) + 1, venue_id, name_, kind_, max(2, int(capacity * min(scale, 1))), facilities,
                        tree.by_code[code].id, approval, USE_WEIGHT.get(kind_, 1) * scale, *organizers, code)
            )  # fmt: skip
        for _ in range(rng.randint(0, 2)):
            day = HISTORY_START + dt.timedelta(days=rng.randrange((ctx.as_of - HISTORY_START).days + HORIZON_DAYS))
            closures.append((venue_id, day, rng.choice(CLOSURES)))

    for county in divisions.counties:
        county_units = {code: tree.official(code, county.place.id).id for code in codes}
        township_units = [tree.official(code, t.id).id for t in county.townships for code in codes]
        add_venue(f"{county.place.name}群众之家", VenueKind.JOINT, county.place, codes, "joint", ROOMS, 2.0,
                  (county_units, township_units))  # fmt: skip
        for township in county.townships:
            own = {code: tree.official(code, township.id).id for code in codes}
            chosen = ["union", *rng.sample([c for c in codes if c != "union"], 3)]
            add_venue(f"{township.name}群众之家", VenueKind.JOINT, township, chosen, "township", ROOMS, 0.5,
                      (own, list(county_units.values())))  # fmt: skip
    for host in tree.host_units:
        if "union" in host.branches and host.head_count >= HOME_MIN_HEAD_COUNT:
            place = divisions.by_id[host.region_id]
            organizers = ({"union": host.branches["union"]}, list(host.branches.values()))
            add_venue(f"{host.name}职工之家", VenueKind.UNION, place, ["union"], "home", HOME_ROOMS, 1.0, organizers)
    _write_venues(ctx, venues, rooms, closures, links)
    _bookings(ctx, venues, rooms, closures)


def _write_venues(ctx, venues, rooms, closures, links) -> None:
    created = local(HISTORY_START - dt.timedelta(days=30), 9)
    ctx.copy(
        Venue,
        ("id", "created_at", "updated_at", "name", "kind", "region", "address", "closes_on_public_holidays",
         "booking_horizon_days"),
        ((v, created, created, name, kind, region, address, True, HORIZON_DAYS)
         for v, name, kind, region, address, _ in venues),
    )  # fmt: skip
    ctx.copy(Venue.federations.through, ("venue", "federation"), links)
    hours = []
    for venue_id, *_rest, style in venues:
        (oh, om), (ch, cm) = HOURS[style]
        hours += [(venue_id, day, dt.time(oh, om), dt.time(ch, cm)) for day in WEEKDAYS[style]]
    ctx.copy(OpeningHours, ("venue", "weekday", "opens", "closes"), hours)
    ctx.copy(VenueClosure, ("venue", "date", "reason"), sorted(set(closures)))
    ctx.copy(
        Room,
        ("id", "created_at", "updated_at", "venue", "name", "kind", "capacity", "facilities", "contributed_by",
         "needs_approval", "is_active"),
        ((r.id, created, created, r.venue, r.name, r.kind, r.capacity, r.facilities, r.contributor, r.needs_approval,
          True) for r in rooms),
    )  # fmt: skip


def _bookings(ctx, venues, rooms, closures) -> None:
    rng = ctx.rng("bookings")
    days = _days(ctx)
    holidays = {day for day in days if public_holiday(day)}
    closed = defaultdict(set)
    for venue_id, day, _ in closures:
        closed[venue_id].add(day)
    style_of = {venue[0]: venue[5] for venue in venues}
    region_of = {venue[0]: venue[3] for venue in venues}
    open_days: dict[int, list[dt.date]] = {}
    total = ctx.scaled(BOOKINGS_PER_PERSON)
    weights = list(accumulate(room.weight for room in rooms))
    federation_names = {f.id: f.name for f in ctx.tree.federations}
    bookings: list[Draft] = []
    for room, weight_end, weight_start in zip(rooms, weights, [0.0, *weights[:-1]], strict=True):
        venue_id, kind, capacity = room.venue, room.kind, room.capacity
        count = round(total * weight_end / weights[-1]) - round(total * weight_start / weights[-1])
        if venue_id not in open_days:
            weekdays = WEEKDAYS[style_of[venue_id]]
            open_days[venue_id] = [
                d for d in days if d.weekday() in weekdays and d not in holidays and d not in closed[venue_id]
            ]
        venue_days = open_days[venue_id]
        grid = len(venue_days) * len(SLOTS)
        for cell in sorted(rng.sample(range(grid), min(count, grid))):
            day, (begin, finish) = venue_days[cell // len(SLOTS)], SLOTS[cell % len(SLOTS)]
            if kind == RoomKind.COUNSELLING_ROOM or rng.random() < 0.4:
                finish = (begin[0] + 1, begin[1])
            organization = room.own_units.get(room.code) if rng.random() < 0.7 else None
            organization = organization or rng.choice(room.other_units or list(room.own_units.values()))
            draw, past = rng.random(), day <= ctx.as_of
            status = next(name for name, cumulative in (PAST if past else AHEAD) if draw < cumulative)
            if not room.needs_approval and status in ("rejected", "pending"):
                status = "cancelled" if past else "approved"
            purpose = rng.choice(PURPOSES[kind]).format(f=federation_names[room.contributor])
            made = min(ctx.as_of, day - dt.timedelta(days=rng.randint(1, 30)))
            bookings.append(
                Draft(local(day, *begin), local(day, *finish), room, region_of[venue_id], organization, purpose,
                      rng.randint(max(1, capacity // 5), capacity), status,
                      rng.choice(REJECTIONS) if status == "rejected" else "", made,
                      person_name(rng, "汉族", rng.random() < 0.6))
            )  # fmt: skip
    bookings.sort(key=lambda b: (b.start, b.room.id))
    activities.claim_bookings(ctx, rng, bookings)
    fields = (
        "id", "created_at", "updated_at", "room", "organization", "booked_by", "contact_name",
        "contact_phone", "contact_phone_masked", "purpose", "attendees", "start", "end", "status",
        "rejection_reason", "decided_by", "series", "reminded_at",
    )  # fmt: skip

    def rows():
        for booking_id, b in enumerate(bookings, start=1):
            created = local(b.made, 10)
            yield (booking_id, created, created, b.room.id, b.organization, None, b.contact, "", "", b.purpose,
                   b.attendees, b.start, b.end, b.status, b.reason, None, None, None)  # fmt: skip

    ctx.copy(Booking, fields, rows())
