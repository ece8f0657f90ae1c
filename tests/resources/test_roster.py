"""The duty roster: its properties over random staff, and the plain rules around it."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.accounts.models import Notification
from apps.resources import services
from apps.resources.models import DutyShift, ShiftStatus, ShiftSwap, StaffLeave, SwapStatus
from tests.factories import unit
from tests.resources.roster_setup import FEDERATIONS, days, make_center, second

TODAY = dt.date(2026, 11, 27)
DEC_1, DEC_31 = dt.date(2026, 12, 1), dt.date(2026, 12, 31)
DECEMBER = days(DEC_1, DEC_31)


def roster(center) -> set[tuple[int, dt.date, str, int]]:
    return set(DutyShift.objects.filter(center=center).values_list("id", "date", "shift", "person_id"))


class Rollback(Exception):
    """Raised to undo one hypothesis example's rows."""


day_in_december = st.integers(min_value=0, max_value=30).map(lambda n: DEC_1 + dt.timedelta(days=n))


@st.composite
def staff_member(draw):
    start, end = sorted([draw(day_in_december), draw(day_in_december)])
    leave = draw(st.lists(day_in_december, max_size=6, unique=True))
    return {
        "federation": draw(st.sampled_from(FEDERATIONS)),
        "start": start,
        "end": end if draw(st.booleans()) else None,
        "leave": sorted(leave),
    }


@pytest.mark.django_db
def test_a_generated_roster_keeps_every_rule_and_is_fair(qinghai):
    for federation in FEDERATIONS:
        unit("630102", federation)

    @settings(max_examples=30, deadline=None, database=None)
    @given(staff=st.lists(staff_member(), min_size=3, max_size=10), staff_per_shift=st.integers(1, 2))
    def check(staff, staff_per_shift):
        try:
            with transaction.atomic():
                check_example(staff, staff_per_shift)
                raise Rollback
        except Rollback:
            pass

    check()


def check_example(staff, staff_per_shift):
    center = make_center(staff_per_shift=staff_per_shift)
    available: dict[int, frozenset[dt.date]] = {}
    for member in staff:
        person = second(center, federation=member["federation"], start=member["start"], end=member["end"])
        for day in member["leave"]:
            StaffLeave.objects.create(person=person, start_date=day, end_date=day)
        available[person.pk] = frozenset(
            day
            for day in DECEMBER
            if services.is_working_day(day)
            and member["start"] <= day
            and (member["end"] is None or day <= member["end"])
            and day not in member["leave"]
        )

    services.duty_roster_generate(center=center, start=DEC_1, end=DEC_31, today=TODAY)

    shifts = roster(center)
    per_day = Counter((date, person) for _, date, _, person in shifts)
    assert all(services.is_working_day(date) for _, date, _, _ in shifts)
    assert all(date in available[person] for _, date, _, person in shifts)
    assert max(per_day.values(), default=1) == 1
    counts = Counter(person for _, _, _, person in shifts)
    alike: dict[frozenset, list[int]] = defaultdict(list)
    for person, their_days in available.items():
        alike[their_days].append(person)
    for people in alike.values():
        duties = [counts[person] for person in people]
        assert max(duties) - min(duties) <= 1, (people, duties)
    # Every working-day slot is filled as far as the available staff allow.
    for day in DECEMBER:
        if services.is_working_day(day):
            on_duty = sum(1 for _, date, _, _ in shifts if date == day)
            assert on_duty == min(staff_per_shift, sum(1 for d in available.values() if day in d))

    again = services.duty_roster_generate(center=center, start=DEC_1, end=DEC_31, today=TODAY)

    assert (again.created, again.removed) == (0, 0)
    assert roster(center) == shifts


def test_the_national_day_holiday_gets_no_shifts(qinghai):
    center = make_center()
    for federation in FEDERATIONS[:3]:
        second(center, federation=federation, start=dt.date(2026, 9, 1))

    services.duty_roster_generate(
        center=center, start=dt.date(2026, 9, 28), end=dt.date(2026, 10, 12), today=dt.date(2026, 9, 25)
    )

    dates = {date for _, date, _, _ in roster(center)}
    assert not dates & set(days(dt.date(2026, 10, 1), dt.date(2026, 10, 7)))
    expected = {day for day in days(dt.date(2026, 9, 28), dt.date(2026, 10, 12)) if services.is_working_day(day)}
    assert dates == expected
    assert dt.date(2026, 9, 28) in dates


def test_shifts_already_worked_are_never_rewritten(qinghai):
    center = make_center()
    people = [second(center, federation=f) for f in FEDERATIONS[:3]]
    services.duty_roster_generate(center=center, start=DEC_1, end=DEC_31, today=TODAY)
    today = dt.date(2026, 12, 10)
    services.duty_shifts_mark_worked(today=today)
    before = {shift for shift in roster(center) if shift[1] < today}
    assert before

    # The first person is away all month, recorded late: only the future is re-planned.
    services.leave_record(person=people[0], start_date=DEC_1, end_date=DEC_31, today=today)
    services.duty_roster_generate(center=center, start=DEC_1, end=DEC_31, today=today)

    after = roster(center)
    assert {shift for shift in after if shift[1] < today} == before
    assert not [shift for shift in after if shift[1] >= today and shift[3] == people[0].pk]
    assert set(DutyShift.objects.filter(date__lt=today).values_list("status", flat=True)) == {ShiftStatus.WORKED}


def test_recording_leave_re_plans_only_that_persons_affected_shifts(qinghai):
    center = make_center()
    people = [second(center, federation=f) for f in FEDERATIONS[:4]]
    services.duty_roster_generate(center=center, start=DEC_1, end=DEC_31, today=TODAY)
    before = roster(center)
    away = people[1]
    leave_days = sorted(date for _, date, _, person in before if person == away.pk)[:2]
    assert len(leave_days) == 2

    services.leave_record(person=away, start_date=leave_days[0], end_date=leave_days[1], today=TODAY)

    after = roster(center)
    affected = {shift for shift in before if shift[3] == away.pk and leave_days[0] <= shift[1] <= leave_days[1]}
    assert len(affected) == 2
    assert before - affected <= after  # everything else kept, same ids
    replaced = after - before
    assert sorted(date for _, date, _, _ in replaced) == leave_days
    assert away.pk not in {person for _, _, _, person in replaced}


def test_a_swap_needs_the_other_persons_consent_and_exchanges_the_two_shifts(qinghai):
    center = make_center()
    asker, other = (second(center, federation=f, with_user=True) for f in FEDERATIONS[:2])
    services.duty_roster_generate(center=center, start=DEC_1, end=dt.date(2026, 12, 11), today=TODAY)
    mine = DutyShift.objects.filter(person=asker).first()
    theirs = DutyShift.objects.filter(person=other).first()

    swap = services.shift_swap_request(actor=asker.user, shift=mine, other_shift=theirs, today=TODAY)

    assert DutyShift.objects.get(pk=mine.pk).person_id == asker.pk  # nothing moves yet
    assert Notification.objects.filter(user=other.user).count() == 1
    with pytest.raises(PermissionDenied):
        services.shift_swap_decide(actor=asker.user, swap=swap, accept=True, today=TODAY)
    services.shift_swap_decide(actor=other.user, swap=swap, accept=True, today=TODAY)

    assert DutyShift.objects.get(pk=mine.pk).person_id == other.pk
    assert DutyShift.objects.get(pk=theirs.pk).person_id == asker.pk
    assert ShiftSwap.objects.get(pk=swap.pk).status == SwapStatus.ACCEPTED


def test_a_declined_swap_moves_nothing(qinghai):
    center = make_center()
    asker, other = (second(center, federation=f, with_user=True) for f in FEDERATIONS[:2])
    services.duty_roster_generate(center=center, start=DEC_1, end=dt.date(2026, 12, 11), today=TODAY)
    before = roster(center)
    mine = DutyShift.objects.filter(person=asker).first()
    theirs = DutyShift.objects.filter(person=other).first()
    swap = services.shift_swap_request(actor=asker.user, shift=mine, other_shift=theirs, today=TODAY)

    services.shift_swap_decide(actor=other.user, swap=swap, accept=False, today=TODAY)

    assert roster(center) == before


def test_duty_reminders_sent_twice_reach_each_person_once(qinghai):
    center = make_center(staff_per_shift=2)
    people = [second(center, federation=f, with_user=True) for f in FEDERATIONS[:3]]
    services.duty_roster_generate(center=center, start=DEC_1, end=DEC_31, today=TODAY)
    evening = dt.datetime(2026, 12, 1, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    on_duty = set(DutyShift.objects.filter(date=dt.date(2026, 12, 2)).values_list("person_id", flat=True))
    assert len(on_duty) == 2

    assert services.duty_reminders_send(now=evening) == 2
    assert services.duty_reminders_send(now=evening) == 0

    for person in people:
        expected = 1 if person.pk in on_duty else 0
        assert Notification.objects.filter(user=person.user).count() == expected


def test_nobody_is_on_duty_two_days_running_when_it_can_be_avoided(qinghai):
    center = make_center()
    for index in range(7):
        second(center, federation=FEDERATIONS[index % len(FEDERATIONS)])
    monday, sunday = dt.date(2026, 12, 7), dt.date(2026, 12, 13)

    services.duty_roster_generate(center=center, start=monday, end=sunday, today=TODAY)

    on = {date: person for _, date, _, person in roster(center)}
    assert sorted(on) == days(monday, dt.date(2026, 12, 11))
    for day in days(monday, dt.date(2026, 12, 10)):
        assert on[day] != on[day + dt.timedelta(days=1)]
