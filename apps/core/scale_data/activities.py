"""Activities (联合办 and 牵头办) with participating units, sign-ups, check-ins and volunteer hours.

One activity a year for about every hundred people (ACTIVITIES_PER_PERSON): a township
runs a few a month across its federations. Four in ten take a room of a 群众之家 (their
booking is made in the venues step and claimed here, as `activity_create` books the room),
the others happen elsewhere. Six in ten are joint (联合办) with one to three other
federations' units; the led ones (牵头办) take one or two partners or none.

Sign-ups come from the people of the activity's county, in arrival order: places go to the
first, the rest wait (候补), about one in ten cancels; at finished activities about eight in
ten of those with a place came (签到), and half of those rated it. Volunteer activities
give each attendee their hours (check-in to check-out, capped per day as the service does).
"""

from __future__ import annotations

import datetime as dt
import uuid
from bisect import bisect
from itertools import accumulate

from apps.activities.models import Activity, ActivityParticipant, Registration, Theme, VolunteerRecord
from apps.activities.services.registrations import volunteer_hours
from apps.core.scale_data.context import HISTORY_START
from apps.core.scale_data.copy import local
from apps.venues.models import RoomKind

ACTIVITIES_PER_PERSON = 1 / 100
ACTIVITY_ROOM_KINDS = (RoomKind.ACTIVITY_HALL, RoomKind.MEETING_ROOM, RoomKind.TRAINING_ROOM)
ROOM_SHARE = 0.4
JOINT_SHARE = 0.6
CANCELLED_SHARE = 0.1
ATTENDED_SHARE = 0.8
RATED_SHARE = 0.5
CAPACITIES = [(20, 3), (30, 4), (50, 4), (80, 2), (100, 2), (150, 1), (200, 1)]
# theme code, weight, title templates ({place}: the township or county)
THEMES = [
    ("lecture_grassroots", 3, ["“宣讲基层行”走进{place}", "{place}党的创新理论宣讲会"]),
    ("craftsman_forum", 1, ["{place}工匠论坛", "劳模工匠进{place}"]),
    ("workers_ethics", 1, ["{place}职工道德讲堂"]),
    (
        "culture_sports",
        3,
        ["{place}职工趣味运动会", "{place}青年联谊活动", "{place}妇女节文艺汇演", "{place}全民健身活动"],
    ),
    ("environment", 1, ["{place}河湖清洁志愿行动", "{place}垃圾分类宣传"]),
    ("elderly_care", 1, ["关爱独居老人上门志愿服务（{place}）"]),
    ("insurance_anti_fraud", 1, ["{place}医保反欺诈宣传"]),
    ("disaster_prevention", 1, ["{place}防灾减灾应急演练"]),
    ("home_teaching", 1, ["{place}送教上门志愿服务"]),
]
_THEME_CUMULATIVE = list(accumulate(weight for _, weight, _ in THEMES))
_CAPACITY_CUMULATIVE = list(accumulate(weight for _, weight in CAPACITIES))
_FROM_BOOKING = {"completed": "finished", "cancelled": "cancelled", "approved": "published"}


def _theme(rng):
    return THEMES[bisect(_THEME_CUMULATIVE, rng.random() * _THEME_CUMULATIVE[-1])]


def _capacity(rng) -> int:
    return CAPACITIES[bisect(_CAPACITY_CUMULATIVE, rng.random() * _CAPACITY_CUMULATIVE[-1])][0]


def _now(ctx) -> dt.datetime:
    return local(ctx.as_of, 18)


def claim_bookings(ctx, rng, bookings: list) -> None:
    """Make some bookings of halls, meeting and training rooms activities' own (venues.Draft; id = index + 1).

    As `activity_create` books the room: the purpose is the activity's title, the attendees
    as many as the room holds of its places.
    """
    target = round(ctx.scaled(ACTIVITIES_PER_PERSON) * ROOM_SHARE)
    eligible = [i for i, b in enumerate(bookings) if b.room.kind in ACTIVITY_ROOM_KINDS and b.status != "rejected"]
    claimed = []
    for index in sorted(rng.sample(eligible, min(target, len(eligible)))):
        booking = bookings[index]
        code, _, titles = _theme(rng)
        region = booking.venue_region
        booking.purpose = rng.choice(titles).format(place=ctx.divisions.by_id[region].name)
        capacity = max(_capacity(rng), booking.room.capacity)
        booking.attendees = min(capacity, booking.room.capacity)
        status = _FROM_BOOKING.get(booking.status) or ("draft" if rng.random() < 0.4 else "published")
        claimed.append((index + 1, code, booking.purpose, booking.organization, region, booking.room.venue,
                        booking.start, booking.end, capacity, status))  # fmt: skip
    ctx.shared["activity_bookings"] = claimed


def build(ctx) -> None:
    rng = ctx.rng("activities")
    tree, divisions, now = ctx.tree, ctx.divisions, _now(ctx)
    theme_ids = dict(Theme.objects.values_list("code", "id"))
    volunteer_themes = set(Theme.objects.filter(is_volunteer=True).values_list("code", flat=True))
    unit_region = {u.id: u.region_id for u in tree.units}
    rows = []  # (booking, theme code, title, lead, region, venue, start, end, capacity, status)
    rows += ctx.shared.get("activity_bookings", [])
    codes = [f.code for f in tree.federations]
    span = (ctx.as_of - HISTORY_START).days + 45
    for _ in range(max(0, ctx.scaled(ACTIVITIES_PER_PERSON) - len(rows))):
        county = divisions.counties[bisect(divisions.county_cumulative, rng.random() * divisions.county_cumulative[-1])]
        place = county.draw_township(rng.random()) if rng.random() < 0.7 else county.place
        lead = tree.official(rng.choice(codes), place.id).id
        code, _, titles = _theme(rng)
        day = HISTORY_START + dt.timedelta(days=rng.randrange(span))
        start = local(day, rng.choice([9, 10, 14, 15, 19]))
        end = start + dt.timedelta(hours=rng.choice([2, 3, 4]))
        if end <= now:
            status = "cancelled" if rng.random() < 0.08 else "finished"
        elif start <= now:
            status = "ongoing"
        else:
            status = "draft" if rng.random() < 0.1 else "cancelled" if rng.random() < 0.05 else "published"
        rows.append((None, code, rng.choice(titles).format(place=place.name), lead, place.id, None, start, end,
                     _capacity(rng), status))  # fmt: skip
    rows.sort(key=lambda row: (row[6], row[3]))
    activities, participants = [], []
    for activity_id, (booking, code, title, lead, region, venue, start, end, capacity, status) in enumerate(
        rows, start=1
    ):
        opens = local(start.date() - dt.timedelta(days=14), 9)
        mode = "joint" if rng.random() < JOINT_SHARE else "led"
        created = ctx.recorded(opens - dt.timedelta(days=1))
        address = "" if venue else f"{divisions.by_id[region].name}各社区"
        activities.append((activity_id, created, title, theme_ids[code], mode, lead, region, venue, booking, address,
                           start, end, capacity, opens, start - dt.timedelta(hours=2), status))  # fmt: skip
        lead_code = tree.units[lead - 1].federation.code  # unit ids are their place in the list, from 1
        partners = rng.randint(1, 3) if mode == "joint" else rng.randint(0, 2)
        others = rng.sample([c for c in codes if c != lead_code], partners)
        for other in others:
            role = rng.choice(["co_host", "partner"]) if mode == "joint" else rng.choice(["partner", "participant"])
            participants.append((activity_id, tree.official(other, unit_region[lead]).id, role))
    _write(ctx, activities, participants)
    _registrations(ctx, rng, activities, volunteer_themes, {v: k for k, v in theme_ids.items()})


def _write(ctx, activities, participants) -> None:
    fields = (
        "id", "created_at", "updated_at", "title", "theme", "mode", "lead_organization", "region", "venue", "booking",
        "address", "start", "end", "capacity", "min_age", "max_age", "signup_opens", "signup_closes", "status",
        "summary", "created_by", "reminded_at",
    )  # fmt: skip
    ctx.copy(
        Activity,
        fields,
        ((a, created, created, title, theme, mode, lead, region, venue, booking, address, start, end, capacity,
          None, None, opens, closes, status, "", None, None)
         for a, created, title, theme, mode, lead, region, venue, booking, address, start, end, capacity, opens,
         closes, status in activities),
    )  # fmt: skip
    ctx.copy(ActivityParticipant, ("activity", "organization", "role"), participants)


def _registrations(ctx, rng, activities, volunteer_themes, theme_codes) -> None:
    hours: list[tuple] = []
    fields = (
        "id", "created_at", "updated_at", "activity", "person", "status", "position", "code", "registered_by",
        "checked_in_at", "checked_out_at", "rating", "reminded_at",
    )  # fmt: skip
    # Streamed into COPY as they are drawn; the volunteer hours (a few) are kept for the next table.
    ctx.copy(Registration, fields, _sign_ups(ctx, rng, activities, volunteer_themes, theme_codes, hours))
    ctx.copy(
        VolunteerRecord,
        ("created_at", "updated_at", "registration", "activity", "person", "organization", "computed_hours", "hours"),
        hours,
    )


def _sign_ups(ctx, rng, activities, volunteer_themes, theme_codes, hours: list):
    now = _now(ctx)
    by_county = ctx.people.by_county()
    county_of = ctx.divisions.county_of
    registration_id = 0
    for activity_id, _, _, theme, _, lead, region, _, _, _, start, end, capacity, opens, closes, status in activities:
        if status not in ("published", "ongoing", "finished") or opens >= now:
            continue
        pool = by_county.get(county_of(region).index)
        if not pool:
            continue
        finished = status == "finished"
        wanted = int(capacity * rng.uniform(0.4, 1.0) if finished else capacity * rng.uniform(0.1, 0.9))
        if rng.random() < 0.1:
            wanted = capacity + rng.randint(1, 10)  # a waiting list
        chosen = [pool[i] for i in rng.sample(range(len(pool)), min(wanted, len(pool)))]
        window = max(60, int((min(closes, now) - opens).total_seconds()))
        moments = sorted(rng.randrange(window) for _ in chosen)
        taken = 0
        volunteer = theme_codes[theme] in volunteer_themes
        for position, (person, offset) in enumerate(zip(chosen, moments, strict=True), start=1):
            created = opens + dt.timedelta(seconds=offset)
            checked_in = checked_out = rating = None
            if rng.random() < CANCELLED_SHARE:
                state = "cancelled"
            elif taken < capacity:
                taken += 1
                state = "registered"
                if finished and rng.random() < ATTENDED_SHARE:
                    state = "attended"
                    checked_in = start - dt.timedelta(minutes=rng.randint(0, 25))
                    checked_out = end - dt.timedelta(minutes=rng.randint(0, 20))
                    rating = rng.randint(3, 5) if rng.random() < RATED_SHARE else None
            else:
                state = "waiting"
            registration_id += 1
            code = uuid.UUID(int=rng.getrandbits(128), version=4)
            yield (registration_id, created, created, activity_id, person, state, position, code, None, checked_in,
                   checked_out, rating, None)  # fmt: skip
            if volunteer and state == "attended":
                worked = volunteer_hours(checked_in, checked_out)
                hours.append((checked_out, checked_out, registration_id, activity_id, person, lead, worked, worked))
