"""When a venue is open: opening hours by weekday, its own closures, public holidays."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from apps.core.holidays import public_holiday
from apps.venues.models import OpeningHours, Venue, VenueClosure


@dataclass(frozen=True)
class DayHours:
    """A venue's day: open between `opens` and `closes`, or closed with a reason."""

    day: dt.date
    opens: dt.time | None = None
    closes: dt.time | None = None
    closed_reason: str = ""

    @property
    def is_open(self) -> bool:
        return self.opens is not None and not self.closed_reason

    @property
    def open_hours(self) -> float:
        if not self.is_open:
            return 0.0
        start = dt.datetime.combine(self.day, self.opens)
        return (dt.datetime.combine(self.day, self.closes) - start).total_seconds() / 3600


CLOSED_WEEKDAY = "{weekday}不开放"
CLOSED_HOLIDAY = "{holiday}（法定节假日）闭馆"


def venue_days(venue: Venue, start: dt.date, end: dt.date) -> list[DayHours]:
    """Each day from start to end inclusive, with its hours or why the venue is closed (2 queries)."""
    hours = {row.weekday: (row.opens, row.closes) for row in OpeningHours.objects.filter(venue=venue)}
    closures = dict(VenueClosure.objects.filter(venue=venue, date__range=(start, end)).values_list("date", "reason"))
    days = []
    day = start
    while day <= end:
        days.append(venue_day(venue, day, hours.get(day.weekday()), closures.get(day)))
        day += dt.timedelta(days=1)
    return days


def venue_day(venue: Venue, day: dt.date, opening: tuple[dt.time, dt.time] | None, closure: str | None) -> DayHours:
    """One day from what was read of it: the weekday's (opens, closes) or None, the closure's reason
    or None. A closure comes first, then a public holiday, then the weekday's hours."""
    if closure is not None:
        return DayHours(day, closed_reason=closure)
    holiday = public_holiday(day) if venue.closes_on_public_holidays else None
    if holiday:
        return DayHours(day, closed_reason=CLOSED_HOLIDAY.format(holiday=holiday))
    if opening is None:
        weekday = OpeningHours._meta.get_field("weekday").choices[day.weekday()][1]
        return DayHours(day, closed_reason=CLOSED_WEEKDAY.format(weekday=weekday))
    return DayHours(day, opens=opening[0], closes=opening[1])
