"""The 六共 scorecard: for a region subtree and a period, each common's figures from the platform's own
rows — for the region and for each of its child regions, in one grouped query per figure.

Every figure is a count or a sum over rows in the viewer's scope under the region, bucketed by
the child region their path falls in (rows of the region itself go to "本级"). Additive figures
of the region are the sum over the buckets; shares are computed from their additive numerator
and denominator, so a province's share weighs each child by its size. Distinct counts (people)
are counted once more over the whole region, since a person may appear under two children.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q
from django.db.models.functions import Substr, TruncMonth
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.core.holidays import is_working_day
from apps.insights import summaries
from apps.insights.figures import BY_CODE, COMMONS, FIGURES, ORGANIZATION_PATHS, SUMMARIZED, Figure, Period
from apps.insights.summaries import raw_value
from apps.organizations import selectors as organization_selectors
from apps.organizations.models import Region
from apps.organizations.scoping import scoped

__all__ = ["BY_CODE", "COMMONS", "FIGURES", "ORGANIZATION_PATHS", "Figure", "Period", "scorecard", "scorecard_trend"]

OWN_LEVEL = None  # the bucket of rows at the region itself (本级)


@dataclass
class Area:
    """The figures of one bucket: a child region, the region's own level, or the whole region."""

    region: Region | None
    label: str
    values: dict[str, Decimal | int | None] = field(default_factory=dict)

    def value(self, code: str):
        return self.values.get(code)


@dataclass
class Scorecard:
    region: Region
    period: Period
    total: Area
    children: list[Area]
    own_level: Area

    def common(self, code: str) -> list[tuple[Figure, Decimal | int | None]]:
        return [(f, self.total.value(f.code)) for f in FIGURES if f.common == code]


def working_days_due(period: Period) -> int:
    """Working days of the period before today: the days whose shifts should have been worked."""
    last = min(period.end, timezone.localdate() - dt.timedelta(days=1))
    days, day = 0, period.start
    while day <= last:
        days += is_working_day(day)
        day += dt.timedelta(days=1)
    return days


def _bucket_key(path: str | None, region: Region):
    if path is None or len(path) <= len(region.path):
        return OWN_LEVEL
    return path[: len(region.path) + Region.steplen]


def _live(figure: Figure, user, region: Region, period: Period) -> dict:
    """The figure's raw values per bucket, counted from its rows (durations in seconds)."""
    rows = figure.rows(user, period).filter(**{f"{figure.path}__startswith": region.path})
    child_length = len(region.path) + Region.steplen
    grouped = (
        rows.order_by()
        .annotate(bucket=Substr(figure.path, 1, child_length))
        .values("bucket")
        .annotate(value=figure.aggregate())
        .values_list("bucket", "value")
    )
    result: dict = {}
    _add(result, ((_bucket_key(bucket, region), raw_value(value)) for bucket, value in grouped))
    if figure.distinct:
        result["total"] = rows.aggregate(value=figure.aggregate())["value"] or 0
    return result


def _add(result: dict, items) -> None:
    for key, value in items:
        result[key] = result.get(key, 0) + value


def _finished(figure: Figure, raw: dict, period: Period) -> dict:
    """Raw values as shown: seconds as hours, daily places times the working days due."""
    days = working_days_due(period) if figure.per_working_day else 1
    if figure.duration:
        return {key: (Decimal(value) / 3600).quantize(Decimal("0.1")) for key, value in raw.items()}
    return {key: value * days for key, value in raw.items()}


def _figures(user, region: Region, period: Period, use_summaries: bool) -> dict[str, dict]:
    """Every counted figure per bucket: the summarized ones from the monthly summaries where the
    viewer and the period allow it (their remaining days live), the others live."""
    plan = summaries.plan(user, region, period) if use_summaries else None
    from_summaries = summaries.summarized(plan, region) if plan is not None else {}
    by_code = {}
    for figure in FIGURES:
        if figure.rows is None:
            continue
        if plan is not None and figure.code in SUMMARIZED:
            raw: dict = {}
            for bucket, value in from_summaries.get(figure.code, {}).items():
                _add(raw, [(_bucket_key(bucket, region), value)])
            for live_period in plan.live:
                _add(raw, _live(figure, user, region, live_period).items())
        else:
            raw = _live(figure, user, region, period)
        by_code[figure.code] = _finished(figure, raw, period)
    return by_code


def _coverage(user, region: Region) -> dict:
    """Host units a rule covers, and those with every branch they should have, per bucket: one query."""
    grouped = (
        organization_selectors.coverable_units(user=user, region=region)
        .order_by()
        .annotate(bucket=Substr("region__path", 1, len(region.path) + Region.steplen))
        .values("bucket")
        .annotate(units=Count("pk"), covered_units=Count("pk", filter=Q(covered=True)))
        .values_list("bucket", "units", "covered_units")
    )
    units, covered = {}, {}
    for bucket, unit_count, covered_count in grouped:
        key = _bucket_key(bucket, region)
        units[key] = units.get(key, 0) + unit_count
        covered[key] = covered.get(key, 0) + covered_count
    return {"coverable_units": units, "covered_units": covered}


def share_percent(numerator, denominator) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator or 0) * 100 / Decimal(denominator)).quantize(Decimal("0.1"))


def scorecard(*, user, region: Region, start: dt.date, end: dt.date, use_summaries: bool = True) -> Scorecard:
    period = Period(start, end)
    children = list(scoped(Region.objects.filter(parent=region), user).order_by("code"))
    by_code = _figures(user, region, period, use_summaries)
    by_code.update(_coverage(user, region))
    areas = {child.path: Area(child, child.name) for child in children}
    own = Area(region, f"{region.name}本级")
    total = Area(region, region.name)
    for code, buckets in by_code.items():
        for key, value in buckets.items():
            if key == "total":
                continue
            area = own if key is OWN_LEVEL else areas.get(key)
            if area is not None:
                area.values[code] = value
        figure = BY_CODE[code]
        total.values[code] = (
            buckets["total"] if figure.distinct else sum((v for k, v in buckets.items() if k != "total"), 0)
        )
    for area in [total, own, *areas.values()]:
        for figure in FIGURES:
            if figure.share_of is not None:
                numerator, denominator = figure.share_of
                area.values[figure.code] = share_percent(area.values.get(numerator), area.values.get(denominator))
            else:
                area.values.setdefault(figure.code, 0)
    return Scorecard(region=region, period=period, total=total, children=list(areas.values()), own_level=own)


# The figures drawn month by month, and the date each one's rows fall on.
TREND = {
    "meetings": "held_on",
    "bookings": "start",
    "joint_activities": "start",
    "led_activities": "start",
    "service_records": "date",
    "trainee_times": "session__starts_at",
}


@dataclass
class Trend:
    months: list[dt.date]
    series: dict[str, list[int]]

    def labels(self) -> list[str]:
        return [f"{month:%Y-%m}" for month in self.months]


def _months(period: Period) -> list[dt.date]:
    month, months = period.start.replace(day=1), []
    while month <= period.end:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def scorecard_trend(*, user, region: Region, start: dt.date, end: dt.date, use_summaries: bool = True) -> Trend:
    """The TREND figures of the region per month of the period: the summarized months in one
    query, the rest one grouped query per figure."""
    period = Period(start, end)
    months = _months(period)
    plan = summaries.plan(user, region, period) if use_summaries else None
    by_month = summaries.summarized_by_month(plan, region, list(TREND)) if plan is not None else {}
    live_periods = plan.live if plan is not None else (period,)
    series = {}
    for code, date_field in TREND.items():
        figure = BY_CODE[code]
        counts = by_month.get(code, {})
        for live_period in live_periods:
            rows = figure.rows(user, live_period).filter(**{f"{figure.path}__startswith": region.path})
            grouped = (
                rows.order_by()
                .annotate(month=TruncMonth(date_field))
                .values("month")
                .annotate(value=figure.aggregate())
                .values_list("month", "value")
            )
            for month, value in grouped:
                key = timezone.localtime(month).date() if isinstance(month, dt.datetime) else month
                counts[key] = counts.get(key, 0) + value
        series[code] = [int(counts.get(month, 0)) for month in months]
    return Trend(months, series)


def default_region(user) -> Region | None:
    """The top of the viewer's scope: the province for its admins, the county for its staff."""
    return organization_selectors.region_scope_roots(user=user).first()


def scorecard_region(user, region_id) -> Region:
    """A region in the viewer's scope, or 404."""
    return get_object_or_404(scoped(Region.objects.all(), user), pk=region_id)
