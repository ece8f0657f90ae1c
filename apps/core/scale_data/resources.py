"""Pooled resources: service centers and stations, seconded staff, their duty roster, funds and ledgers.

A 群团服务中心 in every county (the mechanism's rule), a 群团服务站 in townships as N allows
(one per 2,000 people, up to every township) and in each industrial park. Each federation
seconds 2–3 staff to a center (SECONDED_MIN/MAX of apps.resources), one to a station
from three or four of them. The roster covers every working day (chinesecalendar, 调休
included) from the start of the history to four weeks ahead, one person a shift, taking the
staff in turn so nobody is on duty twice a day; past shifts are worked, later ones planned.

Funds: each federation's unit at province, prefecture and county keeps its own funds a year
(2025, 2026), county units also the allocations they receive, some a project grant.
Ledger entries grow with N (0.2 per person): each fund opens the year with its income
(and sometimes a second in July), then pays out allocations to units below it and
expenditures in date order, about 85 % of the year's money in all, none more than what is
left, so no balance ever goes below zero; one expenditure in a hundred is reversed (冲销)
a few days later.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

from apps.core.holidays import is_working_day
from apps.core.scale_data.context import HISTORY_START
from apps.core.scale_data.copy import local
from apps.resources.models import (
    SECONDED_MAX,
    SECONDED_MIN,
    DutyShift,
    ExpenseCategory,
    Fund,
    LedgerEntry,
    Secondment,
    ServiceCenter,
)

PERSONS_PER_STATION = 2000
ROSTER_WEEKS_AHEAD = 4
STATION_FEDERATIONS = (3, 4)
POST_TYPES = [("seconded", 0.4), ("rotation", 0.65), ("part_time", 0.9), ("full_time", 1.0)]
FORMER_SHARE = 0.1  # staff who served in 2025 and went back before the data's day
LEDGER_ENTRIES_PER_PERSON = 0.2
FUND_YEARS = (2025, 2026)
GRANT_SHARE = 0.3
REVERSED_SHARE = 0.01
INCOME = {1: Decimal("5000000"), 2: Decimal("1500000"), 3: Decimal("400000")}  # by depth: province, prefecture, county
GRASSROOTS_CATEGORIES = ("grassroots_service", "venue_building", "hardship_aid", "training")
SPENT_SHARE = Decimal("0.85")
CENT = Decimal("0.01")


def _post_type(rng) -> str:
    draw = rng.random()
    return next(name for name, cumulative in POST_TYPES if draw < cumulative)


def build(ctx) -> None:
    _centers(ctx)
    _funds(ctx)


def _centers(ctx) -> None:
    rng = ctx.rng("centers")
    tree, divisions = ctx.tree, ctx.divisions
    codes = [f.code for f in tree.federations]
    centers = []  # id, name, kind, region, host unit, shift pattern, [(federation code, staff)]
    for county in divisions.counties:
        staff = [(code, rng.randint(SECONDED_MIN, SECONDED_MAX)) for code in codes]
        centers.append([f"{county.place.name}群团服务中心", "center", county.place.id, None, "half_days", staff])
    stations = min(len(divisions.townships), math.ceil(ctx.persons / PERSONS_PER_STATION))
    for township in sorted(rng.sample(divisions.townships, stations), key=lambda t: t.code):
        chosen = ["union", *rng.sample([c for c in codes if c != "union"], rng.randint(*STATION_FEDERATIONS) - 1)]
        centers.append(
            [f"{township.name}群团服务站", "station", township.id, None, "full_day", [(c, 1) for c in chosen]]
        )
    for host in tree.host_units:
        if host.kind == "industrial_park":
            staff = [(code, 1) for code in host.branches]
            centers.append([f"{host.name}群团服务站", "station", host.region_id, host.id, "full_day", staff])
    pools = ctx.people.by_county(lambda age, flags: 25 <= age < 56)
    used: set[int] = set()
    secondments, directors = [], {}
    for center_id, (_, _, region, _, _, staff) in enumerate(centers, start=1):
        county = divisions.county_of(region)
        pool = pools.get(county.index) or []
        for code, count in staff:
            unit = tree.official(code, region).id
            for n in range(count + (1 if rng.random() < FORMER_SHARE else 0)):
                person = _free_person(rng, pool, used)
                if person is None:
                    break
                start = HISTORY_START - dt.timedelta(days=rng.randint(0, 540))
                end = None
                if n == count:  # the extra one served before and went back
                    end = start + dt.timedelta(days=rng.randint(120, 300))
                secondments.append((len(secondments) + 1, center_id, person, unit, _post_type(rng), start, end))
                directors.setdefault(center_id, person)
    created = local(HISTORY_START - dt.timedelta(days=60), 9)
    ctx.copy(
        ServiceCenter,
        ("id", "created_at", "updated_at", "name", "kind", "region", "host_unit", "director", "opening_hours",
         "shift_pattern", "staff_per_shift"),
        ((i, created, created, name, kind, region, host, directors.get(i), "工作日 09:00–17:30", pattern, 1)
         for i, (name, kind, region, host, pattern, _) in enumerate(centers, start=1)),
    )  # fmt: skip
    ctx.copy(
        Secondment,
        ("id", "created_at", "updated_at", "center", "person", "organization", "post_type", "start_date", "end_date"),
        ((i, local(start, 9), local(end or start, 9), c, p, o, t, start, end)
         for i, c, p, o, t, start, end in secondments),
    )  # fmt: skip
    _roster(ctx, centers, secondments)


def _free_person(rng, pool, used: set[int]) -> int | None:
    for _ in range(20):
        if not pool:
            return None
        person = pool[rng.randrange(len(pool))]
        if person not in used:
            used.add(person)
            return person
    return None


def _roster(ctx, centers, secondments) -> None:
    last = ctx.as_of + dt.timedelta(weeks=ROSTER_WEEKS_AHEAD)
    days = [HISTORY_START + dt.timedelta(days=n) for n in range((last - HISTORY_START).days + 1)]
    working = [day for day in days if is_working_day(day)]
    by_center: dict[int, list] = {}
    for secondment in secondments:
        by_center.setdefault(secondment[1], []).append(secondment)
    shift_names = {"half_days": ("morning", "afternoon"), "full_day": ("full_day",)}

    def rows():
        for center_id, (_, _, _, _, pattern, _) in enumerate(centers, start=1):
            staff = by_center.get(center_id, [])
            turn = 0
            for day in working:
                present = [s for s in staff if s[5] <= day and (s[6] is None or day <= s[6])]
                if not present:
                    continue
                status = "worked" if day <= ctx.as_of else "planned"
                for shift in shift_names[pattern][: len(present)]:
                    secondment = present[turn % len(present)]
                    turn += 1
                    stamp = local(min(day, ctx.as_of), 8)
                    yield (stamp, stamp, center_id, secondment[0], secondment[2], day, shift, status, None)

    ctx.copy(
        DutyShift,
        ("created_at", "updated_at", "center", "secondment", "person", "date", "shift", "status", "reminded_at"),
        rows(),
    )


class _Ledger:
    """One fund's year: an opening income, outflows in date order that never exceed the balance."""

    def __init__(self, entries: list[tuple], fund_id: int, year: int):
        self.entries, self.fund_id, self.year, self.seq = entries, fund_id, year, 0

    def entry(self, kind, amount, day, category=None, receiver=None, note="", reverses=None) -> int:
        self.seq += 1
        voucher = f"{self.year}-{self.seq:05d}"
        self.entries.append(
            (len(self.entries) + 1, self.fund_id, kind, amount, category, receiver, day, voucher, note, reverses)
        )
        return len(self.entries)

    def fill(self, rng, count: int, depth: int, last: dt.date, below: list[int] | None, categories) -> None:
        year = self.year
        span = (last - dt.date(year, 1, 6)).days
        outflow_days = sorted(dt.date(year, 1, 6) + dt.timedelta(days=rng.randrange(span)) for _ in range(count - 1))
        income = (INCOME[depth] * Decimal(str(round(rng.uniform(0.5, 1.5), 3)))).quantize(CENT)
        # About SPENT_SHARE of the year's money goes out, in outflows of varying size.
        typical = income * SPENT_SHARE / max(1, len(outflow_days))
        self.entry("income", income, dt.date(year, 1, 5), note="年度经费收入")
        balance = income
        second_income = rng.random() < 0.3 and len(outflow_days) > 4
        for day in outflow_days:
            if second_income and day >= dt.date(year, 7, 1):
                extra = (income / 2).quantize(CENT)
                self.entry("income", extra, dt.date(year, 7, 1), note="追加经费")
                balance += extra
                typical += extra * SPENT_SHARE / max(1, len(outflow_days))
                second_income = False
            amount = (typical * Decimal(str(round(rng.uniform(0.3, 1.7), 3)))).quantize(CENT)
            if amount > balance:
                amount = (balance * Decimal("0.3")).quantize(CENT)
            if amount <= 0:
                continue
            balance -= amount
            if below and rng.random() < 0.5:
                category = categories[rng.choice(GRASSROOTS_CATEGORIES)]
                self.entry("allocation", amount, day, category, rng.choice(below), "下拨基层经费")
                continue
            category = categories[rng.choice(list(categories))]
            spent = self.entry("expenditure", amount, day, category, None, "支出")
            back = day + dt.timedelta(days=rng.randint(1, 20))
            if rng.random() < REVERSED_SHARE and back <= last:
                # The money comes back later: left out of `balance`, so no outflow counts on it early.
                self.entry("expenditure", amount, back, category, None, "冲销错账", reverses=spent)


def _funds(ctx) -> None:
    rng = ctx.rng("funds")
    tree = ctx.tree
    categories = dict(ExpenseCategory.objects.values_list("code", "id"))
    children: dict[int, list[int]] = {}
    for unit in tree.units:
        if unit.parent_id is not None and unit.host_unit_id is None:
            children.setdefault(unit.parent_id, []).append(unit.id)
    funds = []  # id, name, kind, owner, year, closed through, depth
    for unit in tree.units:
        if unit.host_unit_id is None and unit.depth <= 3:
            for year in FUND_YEARS:
                kinds = ["own"] + (["allocation"] if unit.depth == 3 else [])
                kinds += ["grant"] if rng.random() < GRANT_SHARE else []
                closed = dt.date(year, 12, 31) if year < ctx.as_of.year else dt.date(year, 10, 31)
                for kind in kinds:
                    label = {"own": "自有经费", "allocation": "上级拨款", "grant": "项目资金"}[kind]
                    funds.append((len(funds) + 1, f"{year}年度{label}", kind, unit.id, year, closed, unit.depth))
    ctx.shared["funds"] = {(owner, year): fund_id for fund_id, _, kind, owner, year, _, _ in funds if kind == "own"}
    ctx.copy(
        Fund,
        ("id", "created_at", "updated_at", "name", "kind", "owner", "year", "closed_through"),
        ((i, local(dt.date(y, 1, 2), 9), local(dt.date(y, 1, 2), 9), name, kind, owner, y, closed)
         for i, name, kind, owner, y, closed, _ in funds),
    )  # fmt: skip
    weights = [4 if depth < 3 else 1 for *_, depth in funds]
    total, weight_sum = ctx.scaled(LEDGER_ENTRIES_PER_PERSON), sum(weights)
    entries: list[tuple] = []
    for (fund_id, _, _, owner, year, _, depth), weight in zip(funds, weights, strict=True):
        ledger = _Ledger(entries, fund_id, year)
        ledger.fill(rng, max(2, round(total * weight / weight_sum)), depth, min(dt.date(year, 12, 31), ctx.as_of),
                    children.get(owner), categories)  # fmt: skip
    _spendable(ctx, entries)
    fields = (
        "id", "created_at", "updated_at", "fund", "kind", "amount", "category", "receiving_organization", "date",
        "voucher_number", "attachment", "note", "reverses", "created_by",
    )  # fmt: skip
    ctx.copy(
        LedgerEntry,
        fields,
        ((i, local(day, 10), local(day, 10), fund, kind, amount, category, receiver, day, voucher, "", note,
          reverses, None)
         for i, fund, kind, amount, category, receiver, day, voucher, note, reverses in entries),
    )  # fmt: skip


def _spendable(ctx, entries: list[tuple]) -> None:
    """Each fund's expenditures that a project may claim as its spending: neither reversed nor a reversal."""
    reversed_ = {reverses for *_, reverses in entries if reverses}
    spendable: dict[int, list[tuple[int, dt.date, Decimal]]] = {}
    for entry_id, fund, kind, amount, _, _, day, _, _, reverses in entries:
        if kind == "expenditure" and not reverses and entry_id not in reversed_:
            spendable.setdefault(fund, []).append((entry_id, day, amount))
    ctx.shared["expenditures"] = spendable
