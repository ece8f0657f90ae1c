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
    hours = {row.weekday: row for row in OpeningHours.objects.filter(venue=venue)}
    closures = dict(VenueClosure.objects.filter(venue=venue, date__range=(start, end)).values_list("date", "reason"))
    days = []
    day = start
    while day <= end:
        opening = hours.get(day.weekday())
        holiday = public_holiday(day) if venue.closes_on_public_holidays else None
        if day in closures:
            days.append(DayHours(day, closed_reason=closures[day]))
        elif holiday:
            days.append(DayHours(day, closed_reason=CLOSED_HOLIDAY.format(holiday=holiday)))
        elif opening is None:
            weekday = OpeningHours._meta.get_field("weekday").choices[day.weekday()][1]
            days.append(DayHours(day, closed_reason=CLOSED_WEEKDAY.format(weekday=weekday)))
        else:
            days.append(DayHours(day, opens=opening.opens, closes=opening.closes))
        day += dt.timedelta(days=1)
    return days
