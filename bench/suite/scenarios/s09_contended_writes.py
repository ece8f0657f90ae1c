"""Scenario 9, contended writes: room bookings, activity sign-ups and ledger entries, each posted by
many clients at once at the same few rows (three rooms and overlapping slots, three activities of five
places, one fund that expenses would overdraw), against a trivial authenticated insert
(`POST /bench/insert/`, one row in a table of its own). Both are driven by the same client threads on
the same gunicorn, interleaved; the ratios are of answers per second (target ≥ 0.35). A refusal the
rules call for (409 slot taken or already signed up, 400 insufficient balance) counts as served: it is
the work. Afterwards SQL checks that no room is double-booked, no activity over capacity and no fund's
running balance below zero.

It writes, so it runs on a database of its own (`BENCH_DB_WRITES`, 10,000 people: see bench/README.md),
never on the shared scale databases."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import threading
import time
from collections import Counter
from decimal import Decimal

from bench.suite import databases, server
from bench.suite.harness import Comparison, Scenario, at_least, interleave, median
from bench.suite.scenarios.common import arguments, runs, setup_django

TITLE = "并发写入：功能室预约、活动报名、经费记账 / 最简单的带认证插入"
DATABASE = os.environ.get("BENCH_DB_WRITES", "postgres://postgres@127.0.0.1:5432/qunzhi_bench_writes")
CLIENTS = 12
TARGET = 0.35
MARK = "基准·并发写入"
SERVED = {200, 201, 400, 409}


def fixtures() -> dict:
    """Three rooms open every day, three published activities of five places, one fund with
    ¥1,000 in it, all in the county persona's scope (made once, found again on later runs). What an
    earlier run booked, signed up and spent goes first: each run measures the same mix of writes
    (a second run once found every slot taken and measured only conflicts)."""
    from django.db import connection
    from django.utils import timezone

    from apps.accounts.models import User
    from apps.activities.models import Activity, ActivityMode, ActivityStatus, Theme
    from apps.organizations.models import Organization, Region
    from apps.resources.models import EntryKind, ExpenseCategory, Fund, LedgerEntry
    from apps.venues.models import Booking, OpeningHours, Room, RoomKind, Venue

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_insert (id bigserial PRIMARY KEY, user_id bigint, created_at timestamptz)"
        )
        cursor.execute("TRUNCATE bench_insert")
    county = Region.objects.get(code=databases.COUNTY_CODE)
    organization = Organization.objects.filter(region__path__startswith=county.path).order_by("path").first()
    venue, _ = Venue.objects.get_or_create(
        region=county, name=MARK, defaults={"closes_on_public_holidays": False, "booking_horizon_days": 60}
    )
    for weekday in range(7):
        OpeningHours.objects.get_or_create(
            venue=venue, weekday=weekday, defaults={"opens": dt.time(8), "closes": dt.time(22)}
        )
    Booking.objects.filter(room__venue=venue).delete()
    Activity.objects.filter(title__startswith=MARK).delete()  # their sign-ups with them
    rooms = [
        Room.objects.get_or_create(
            venue=venue, name=f"功能室{n}", defaults={"kind": RoomKind.MEETING_ROOM, "capacity": 50}
        )[0].pk
        for n in range(1, 4)
    ]
    now = timezone.now()
    activities = []
    for n in range(1, 4):
        activity, _ = Activity.objects.get_or_create(
            title=f"{MARK}活动{n}",
            defaults={
                "theme": Theme.objects.order_by("pk").first(),
                "mode": ActivityMode.LED,
                "lead_organization": organization,
                "region": county,
                "start": now + dt.timedelta(days=30),
                "end": now + dt.timedelta(days=30, hours=2),
                "capacity": 5,
                "signup_opens": now - dt.timedelta(days=1),
                "signup_closes": now + dt.timedelta(days=29),
                "status": ActivityStatus.PUBLISHED,
            },
        )
        activities.append(activity.pk)
    year = timezone.localdate().year
    fund, _ = Fund.objects.get_or_create(name=MARK, owner=organization, year=year, defaults={"kind": "own"})
    LedgerEntry.objects.filter(fund=fund).delete()
    LedgerEntry.objects.create(
        fund=fund, kind=EntryKind.INCOME, amount=Decimal("1000.00"), date=timezone.localdate(), voucher_number="B0"
    )
    county_user = User.objects.get(username=databases.COUNTY)
    from apps.members.selectors import person_list

    people = list(person_list(user=county_user).values_list("pk", flat=True))
    return {
        "rooms": rooms,
        "organization": organization.pk,
        "activities": activities,
        "fund": fund.pk,
        "category": ExpenseCategory.objects.order_by("pk").first().pk,
        "people": people,
        "today": timezone.localdate().isoformat(),
    }


def booking(data: dict, rng: random.Random, serial: str) -> tuple[str, dict]:
    """An hour or two in one of three rooms, on one of the next five days: most slots clash."""
    day = dt.date.fromisoformat(data["today"]) + dt.timedelta(days=rng.randint(1, 5))
    hour = rng.randint(8, 19)
    start = dt.datetime.combine(day, dt.time(hour))
    end = start + dt.timedelta(hours=rng.choice((1, 2)))
    payload = {
        "room": rng.choice(data["rooms"]),
        "organization": data["organization"],
        "start": f"{start.isoformat()}+08:00",
        "end": f"{end.isoformat()}+08:00",
        "purpose": "并发预约",
        "attendees": 10,
        "contact_name": "基准",
    }
    return "/api/v1/bookings/", payload


def signup(data: dict, rng: random.Random, serial: str) -> tuple[str, dict]:
    """Anyone of the county's people, for one of three activities of five places (a waiting list forms)."""
    return f"/api/v1/activities/{rng.choice(data['activities'])}/register/", {"person": rng.choice(data["people"])}


def ledger(data: dict, rng: random.Random, serial: str) -> tuple[str, dict]:
    """Mostly expenses from the one fund (they soon overdraw it: 400), some income to keep it going."""
    income = rng.random() < 0.2
    payload = {
        "fund": data["fund"],
        "kind": "income" if income else "expenditure",
        "amount": "50.00" if income else f"{rng.randint(10, 60)}.00",
        "date": data["today"],
        "voucher_number": f"B{serial}",
    }
    if not income:
        payload["category"] = data["category"]
    return "/api/v1/ledger-entries/", payload


def insert(data: dict, rng: random.Random, serial: str) -> tuple[str, dict]:
    return "/bench/insert/", {}


def load(clients: list[server.Client], request, data: dict, seconds: float, statuses: Counter) -> float:
    """Every client posts as fast as it is answered for `seconds`; answers per second."""
    stop = time.monotonic() + seconds
    counts = [0] * len(clients)
    serials = itertools.count()

    def work(index: int, client: server.Client) -> None:
        rng = random.Random()
        while time.monotonic() < stop:
            path, payload = request(data, rng, f"{os.getpid() % 1000}-{next(serials)}-{rng.randrange(10**6)}")
            status, _ = client.request("POST", path, json.dumps(payload).encode(), {"Content-Type": "application/json"})
            statuses[status] += 1
            counts[index] += 1

    began = time.monotonic()
    threads = [threading.Thread(target=work, args=(i, client)) for i, client in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.monotonic() - began)


INVARIANTS = {
    "没有重叠的有效预约（同一功能室）": """
        SELECT count(*) FROM venues_booking a JOIN venues_booking b
          ON a.room_id = b.room_id AND a.id < b.id AND a.start < b."end" AND b.start < a."end"
         WHERE a.status IN ('pending', 'approved') AND b.status IN ('pending', 'approved')""",
    "没有超过名额的活动": """
        SELECT count(*) FROM activities_activity a JOIN (
            SELECT activity_id, count(*) AS taken FROM activities_registration
             WHERE status IN ('registered', 'attended') GROUP BY activity_id) r ON r.activity_id = a.id
         WHERE r.taken > a.capacity""",
    "没有余额为负的经费（按记账先后累计）": """
        SELECT count(DISTINCT fund_id) FROM (
            SELECT fund_id, sum(CASE WHEN kind = 'income' THEN amount ELSE -amount END
                                * CASE WHEN reverses_id IS NULL THEN 1 ELSE -1 END)
                       OVER (PARTITION BY fund_id ORDER BY id) AS balance
              FROM resources_ledgerentry) running
         WHERE balance < 0""",
}


def main() -> None:
    args = arguments(__doc__)
    rounds, seconds = runs(args, 5, 2), (2 if args.quick else 4)
    server.prepare(DATABASE)
    setup_django(DATABASE)
    from django.db import connection

    data = fixtures()
    with Scenario(9, TITLE) as scenario, server.gunicorn(DATABASE, workers=4, LOG_LEVEL="ERROR") as base:
        token = server.api_client(base, databases.COUNTY).headers["Authorization"]
        clients = []
        for _ in range(CLIENTS):
            client = server.Client(base)
            client.headers["Authorization"] = token
            clients.append(client)
        anchor_statuses: Counter = Counter()
        anchor = lambda: load(clients, insert, data, seconds, anchor_statuses)  # noqa: E731
        for name, request in (("功能室预约", booking), ("活动报名", signup), ("经费支出记账", ledger)):
            statuses: Counter = Counter()
            candidate = lambda request=request, statuses=statuses: load(clients, request, data, seconds, statuses)  # noqa: E731
            anchors, candidates = interleave(anchor, candidate, rounds)
            scenario.compare(
                Comparison(
                    f"{name}（{CLIENTS} 个并发客户端）",
                    "带认证的单行插入",
                    name,
                    median(anchors),
                    median(candidates),
                    "req/s",
                    at_least(TARGET),
                    extra={"statuses": {str(k): v for k, v in sorted(statuses.items())}},
                )
            )
            scenario.note(**{f"{name} 应答": dict(sorted(statuses.items()))})
            unexpected = {code: n for code, n in statuses.items() if code not in SERVED}
            scenario.check(f"{name}没有意外应答", not unexpected, f"{dict(unexpected) or '只有 201/409/400'}")
        scenario.check("单行插入全部成功", set(anchor_statuses) == {201}, f"{dict(anchor_statuses)}")
        with connection.cursor() as cursor:
            for name, sql in INVARIANTS.items():
                cursor.execute(sql)
                (violations,) = cursor.fetchone()
                scenario.check(name, violations == 0, f"违反 {violations} 处")


if __name__ == "__main__":
    main()
