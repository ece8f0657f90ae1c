"""The admin's date hierarchy at province scale.

Django lists the years (months, days) of a changelist with `SELECT DISTINCT DATE_TRUNC(…)` over
every row: 300,000 bookings are read to find three years (≈ 50 ms, growing with the table). Here
the same list comes from one recursive statement that hops along the column's index, one probe per
period ("loose index scan"): the first value, then the first value at or after the next period's
start, and so on. Same answer, same number of queries, the cost of the periods and not of the rows.
"""

from __future__ import annotations

import zoneinfo
from functools import cache

from django.contrib.admin.views.main import ChangeList
from django.db import connections
from django.db.models import QuerySet
from django.utils import timezone

KINDS = ("year", "month", "day")


class PeriodSkipScan:
    """QuerySet mixin: `dates()` and `datetimes()` by index probes, on PostgreSQL."""

    def dates(self, field_name, kind, order="ASC"):
        if not self._skips(kind):
            return super().dates(field_name, kind, order)
        return self._period_starts(field_name, kind, order, tzname=None)

    def datetimes(self, field_name, kind, order="ASC", tzinfo=None):
        if not self._skips(kind):
            return super().datetimes(field_name, kind, order, tzinfo)
        tz = tzinfo or timezone.get_current_timezone()
        return self._period_starts(field_name, kind, order, tzname=str(tz))

    def _skips(self, kind) -> bool:
        return kind in KINDS and connections[self.db].vendor == "postgresql" and not self.query.is_sliced

    def _period_starts(self, field_name, kind, order, tzname):
        values = self.filter(**{f"{field_name}__isnull": False}).order_by().values_list(field_name)
        inner, params = values.query.get_compiler(using=self.db).as_sql()
        if tzname:
            # Periods are the local calendar's: truncate in local time, then back to an instant.
            local = "p AT TIME ZONE %s"
            following = f"(date_trunc('{kind}', {local}) + interval '1 {kind}') AT TIME ZONE %s"
            step_params = (tzname, tzname)
        else:
            following = f"(date_trunc('{kind}', p) + interval '1 {kind}')::date"
            step_params = ()
        # Not injectable (the nosec below): kind is one of KINDS (_skips), `inner` is Django's
        # compiled SQL, and every value is a parameter.
        sql = f"""
            WITH RECURSIVE periods(p) AS (
                (SELECT s.v FROM ({inner}) s(v) ORDER BY s.v LIMIT 1)
                UNION ALL
                SELECT (SELECT s.v FROM ({inner}) s(v) WHERE s.v >= {following} ORDER BY s.v LIMIT 1)
                FROM periods WHERE p IS NOT NULL
            )
            SELECT p FROM periods WHERE p IS NOT NULL
        """  # nosec B608
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, (*params, *params, *step_params))
            firsts = [row[0] for row in cursor.fetchall()]
        starts = [_truncate(value, kind, tzname) for value in firsts]
        return starts if order == "ASC" else starts[::-1]


def _truncate(value, kind: str, tzname: str | None):
    if tzname:
        value = timezone.localtime(value, zoneinfo.ZoneInfo(tzname)).replace(hour=0, minute=0, second=0, microsecond=0)
    if kind == "year":
        return value.replace(month=1, day=1)
    return value.replace(day=1) if kind == "month" else value


@cache
def _skip_scanning(queryset_class: type[QuerySet]) -> type[QuerySet]:
    return type(f"PeriodSkipScan{queryset_class.__name__}", (PeriodSkipScan, queryset_class), {})


class SkipScanChangeList(ChangeList):
    """A changelist whose date hierarchy lists its periods by index probes."""

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        if self.date_hierarchy:
            # The model's own QuerySet class stays underneath: only dates()/datetimes() change.
            queryset.__class__ = _skip_scanning(type(queryset))
        return queryset
