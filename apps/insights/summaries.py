"""Monthly summaries of the scorecard's big additive figures, so a province-wide scorecard sums a few
thousand summary rows instead of scanning hundreds of thousands of bookings, sign-ups, shifts and
ledger entries.

`refresh()` (Celery beat, nightly, `insights.refresh_scorecard_summaries`) works out every closed
month's value per figure and region, all at once. A scorecard then takes the whole months of its
period that the summaries hold from them and counts the rest — the days before its first whole
month and everything after the last summarized month (the running month always) — live. So the
current month is always exact; a closed month reflects late corrections from the next refresh on
(at most a day stale). Only viewers whose scope holds the whole region through region roles (the
province's and prefectures' admins, county staff for their county) are served from summaries: the
summaries know nothing of organization scopes, which are always counted live.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F, Sum
from django.db.models.functions import Substr, TruncMonth
from django.utils import timezone

from apps.insights.figures import BY_CODE, SUMMARIZED, Period
from apps.insights.models import MonthlyFigure, SummaryState
from apps.organizations.models import Region
from apps.organizations.scoping import PLATFORM, scope_for

EARLIEST = dt.date(2000, 1, 1)


def raw_value(value):
    """Durations as seconds: summed over months and regions first, turned into hours once."""
    if isinstance(value, dt.timedelta):
        return Decimal(value.total_seconds())
    return value or 0


def _month(value) -> dt.date:
    return timezone.localtime(value).date() if isinstance(value, dt.datetime) else value


@transaction.atomic
def refresh(*, today: dt.date | None = None) -> SummaryState:
    """Every closed month's figures per region, replacing the previous summaries in one transaction."""
    today = today or timezone.localdate()
    first_open = today.replace(day=1)
    closed = Period(EARLIEST, first_open - dt.timedelta(days=1))
    rows = []
    for code, date_field in SUMMARIZED.items():
        figure = BY_CODE[code]
        grouped = (
            figure.rows(PLATFORM, closed)
            .order_by()
            .annotate(month=TruncMonth(date_field), region_ref=F(figure.path.removesuffix("__path")))
            .values("month", "region_ref")
            .annotate(value=figure.aggregate())
            .values_list("month", "region_ref", "value")
        )
        for month, region_id, value in grouped:
            if region_id is not None and value:
                rows.append(MonthlyFigure(code=code, region_id=region_id, month=_month(month), value=raw_value(value)))
    MonthlyFigure.objects.all().delete()
    MonthlyFigure.objects.bulk_create(rows, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # fresh statistics, or the planner guesses a table of none
            cursor.execute(f"ANALYZE {MonthlyFigure._meta.db_table}")
    through = (first_open - dt.timedelta(days=1)).replace(day=1)
    state = SummaryState.objects.first() or SummaryState()
    state.through_month, state.refreshed_at = through, timezone.now()
    state.save()
    return state


@dataclass(frozen=True)
class Plan:
    """Whole months [first, last] from the summaries; the live periods cover the rest exactly."""

    first: dt.date
    last: dt.date
    live: tuple[Period, ...]


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def plan(user, region: Region, period: Period) -> Plan | None:
    """How to serve this viewer's scorecard of the region from the summaries, or None (all live)."""
    scope = scope_for(user)
    if not (scope.everything or any(region.path.startswith(path) for path in scope.region_paths)):
        return None
    state = SummaryState.objects.first()
    if state is None:
        return None
    first = period.start if period.start.day == 1 else _next_month(period.start)
    last_month = min(_last_whole_month(period), state.through_month)
    if last_month < first:
        return None
    live = []
    if period.start < first:
        live.append(Period(period.start, first - dt.timedelta(days=1)))
    after = _next_month(last_month)
    if after <= period.end:
        live.append(Period(after, period.end))
    return Plan(first, last_month, tuple(live))


def _last_whole_month(period: Period) -> dt.date:
    """The first day of the last month that ends within the period."""
    month = period.end.replace(day=1)
    return month if _next_month(month) - dt.timedelta(days=1) <= period.end else _previous_month(month)


def _previous_month(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


def summarized(plan: Plan, region: Region) -> dict[str, dict[str, Decimal]]:
    """The summarized figures of the plan's whole months, per figure and child-region path: one query."""
    child_length = len(region.path) + Region.steplen
    grouped = (
        MonthlyFigure.objects.filter(month__gte=plan.first, month__lte=plan.last, region__path__startswith=region.path)
        .annotate(bucket=Substr("region__path", 1, child_length))
        .values("code", "bucket")
        .annotate(value=Sum("value"))
        .values_list("code", "bucket", "value")
    )
    result: dict[str, dict[str, Decimal]] = {}
    for code, bucket, value in grouped:
        result.setdefault(code, {})[bucket] = as_counted(code, value)
    return result


def as_counted(code: str, value: Decimal) -> Decimal | int:
    """A summed count back as the whole number a live count gives (3, not 3.00)."""
    figure = BY_CODE[code]
    return value if figure.duration or figure.unit == "元" else int(value)


def summarized_by_month(plan: Plan, region: Region, codes: list[str]) -> dict[str, dict[dt.date, Decimal]]:
    """The plan's whole months of some summarized figures for the whole region, per month: one query."""
    grouped = (
        MonthlyFigure.objects.filter(
            code__in=codes, month__gte=plan.first, month__lte=plan.last, region__path__startswith=region.path
        )
        .values("code", "month")
        .annotate(value=Sum("value"))
        .values_list("code", "month", "value")
    )
    result: dict[str, dict[dt.date, Decimal]] = {}
    for code, month, value in grouped:
        result.setdefault(code, {})[month] = as_counted(code, value)
    return result
