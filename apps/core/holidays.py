"""China's public holidays and working days (chinesecalendar), for venues, rosters and the rest.

chinesecalendar carries the State Council's schedule year by year. For a year it does not
know yet, no day counts as a holiday and Monday to Friday are the working days.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar


def public_holiday(day: dt.date) -> str | None:
    """The Chinese name of the statutory holiday on `day`, or None (ordinary weekends included)."""
    try:
        _, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    if name is None:
        return None
    return next((holiday.chinese for holiday in chinese_calendar.Holiday if holiday.value == name), name)


def is_working_day(day: dt.date) -> bool:
    """A working day, adjusted working days (调休) included."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5
