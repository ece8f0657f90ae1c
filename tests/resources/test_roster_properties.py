"""Property tests of the duty roster beyond the full-day plan of test_roster.py: two shifts a day,
re-planning after leave is recorded, and the past left alone — over generated staff and periods.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.resources import services
from apps.resources.models import DutyShift, ServiceCenter, ShiftPattern, StaffLeave
from tests.factories import unit
from tests.resources.roster_setup import FEDERATIONS, days, make_center, second

TODAY = dt.date(2026, 11, 27)
# The fixtures (reference data, the federations' units) are shared by the examples on purpose;
# each example's own rows are rolled back.
PROPERTY = settings(
    max_examples=20,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    """Raised to undo one example's rows."""


def rolled_back(check):
    """Run one example in a transaction undone afterwards, so examples do not see each other's rows."""

    def run(**kwargs):
        try:
            with transaction.atomic():
                check(**kwargs)
                raise Rollback
        except Rollback:
            pass

    return run


@pytest.fixture
def federation_units(qinghai):
    for federation in FEDERATIONS:
        unit("630102", federation)


@st.composite
def periods(draw, *, max_days: int = 21):
    start = TODAY + dt.timedelta(days=draw(st.integers(0, 40)))
    return start, start + dt.timedelta(days=draw(st.integers(0, max_days - 1)))


@st.composite
def staff(draw, start: dt.date, end: dt.date):
    span = (end - start).days
    offset = st.integers(-5, span + 5).map(lambda n: start + dt.timedelta(days=n))
    members = []
    for _ in range(draw(st.integers(2, 7))):
        first, last = sorted([draw(offset), draw(offset)])
        leave = []
        if draw(st.booleans()):
            leave_start = draw(offset)
            leave.append((leave_start, leave_start + dt.timedelta(days=draw(st.integers(0, 4)))))
        federation = draw(st.sampled_from(FEDERATIONS))
        end = last if draw(st.booleans()) else None
        members.append({"federation": federation, "start": first, "end": end, "leave": leave})
    return members


def set_up(center: ServiceCenter, members: list[dict]) -> dict[int, dict]:
    people = {}
    for member in members:
        person = second(center, federation=member["federation"], start=member["start"], end=member["end"])
        for leave_start, leave_end in member["leave"]:
            StaffLeave.objects.create(person=person, start_date=leave_start, end_date=leave_end)
        people[person.pk] = member
    return people


def available(member: dict, day: dt.date) -> bool:
    on_leave = any(leave_start <= day <= leave_end for leave_start, leave_end in member["leave"])
    return member["start"] <= day and (member["end"] is None or day <= member["end"]) and not on_leave


def assert_roster_keeps_the_rules(center, people, start, end, result=None):
    shifts = list(DutyShift.objects.filter(center=center, date__range=(start, end)))
    per_slot: Counter = Counter((shift.date, shift.shift) for shift in shifts)
    per_person_day = Counter((shift.person_id, shift.date) for shift in shifts)
    for shift in shifts:
        assert services.is_working_day(shift.date), shift.date
        assert available(people[shift.person_id], shift.date), (shift.person_id, shift.date)
        assert shift.shift in center.shift_names
    assert max(per_person_day.values(), default=1) == 1, "someone holds two shifts of one day"
    unfilled = set()
    for day in days(start, end):
        if not services.is_working_day(day):
            assert not any(shift.date == day for shift in shifts)
            continue
        free = sum(1 for member in people.values() if available(member, day))
        # A person holds one shift a day: the day's slots share the day's free staff.
        for index, name in enumerate(center.shift_names):
            expected = max(0, min(center.staff_per_shift, free - index * center.staff_per_shift))
            assert per_slot[(day, name)] == expected, (day, name, per_slot[(day, name)], expected)
            if expected < center.staff_per_shift:
                unfilled.add((day, name))
    if result is not None:
        assert set(result.unfilled) == unfilled
    return shifts


@given(data=st.data(), staff_per_shift=st.integers(1, 2))
@PROPERTY
def test_two_shifts_a_day_are_filled_fairly_and_never_by_one_person_twice(federation_units, data, staff_per_shift):
    @rolled_back
    def check():
        start, end = data.draw(periods())
        center = make_center(staff_per_shift=staff_per_shift)
        center.shift_pattern = ShiftPattern.HALF_DAYS
        center.save(update_fields=["shift_pattern"])
        people = set_up(center, data.draw(staff(start, end)))

        result = services.duty_roster_generate(center=center, start=start, end=end, today=TODAY)

        shifts = assert_roster_keeps_the_rules(center, people, start, end, result)
        counts = Counter(shift.person_id for shift in shifts)
        alike = defaultdict(list)
        for pk, member in people.items():
            alike[frozenset(day for day in days(start, end) if available(member, day))].append(counts[pk])
        for duties in alike.values():
            assert max(duties) - min(duties) <= 1, duties

    check()


@given(data=st.data())
@PROPERTY
def test_recorded_leave_moves_only_the_shifts_it_touches(federation_units, data):
    @rolled_back
    def check():
        start, end = data.draw(periods())
        center = make_center(staff_per_shift=data.draw(st.integers(1, 2)))
        people = set_up(center, data.draw(staff(start, end)))
        services.duty_roster_generate(center=center, start=start, end=end, today=TODAY)
        before = {shift.pk: (shift.person_id, shift.date) for shift in DutyShift.objects.filter(center=center)}

        pk = data.draw(st.sampled_from(sorted(people)))
        leave_start = data.draw(st.sampled_from(days(start, end)))
        leave = (leave_start, leave_start + dt.timedelta(days=data.draw(st.integers(0, 3))))
        StaffLeave.objects.create(person_id=pk, start_date=leave[0], end_date=leave[1])
        people[pk]["leave"].append(leave)
        services.duty_roster_generate(center=center, start=start, end=end, today=TODAY)

        after = {shift.pk: (shift.person_id, shift.date) for shift in DutyShift.objects.filter(center=center)}
        assert_roster_keeps_the_rules(center, people, start, end)
        for shift_pk, (person_id, day) in before.items():
            touched = person_id == pk and leave[0] <= day <= leave[1]
            assert (shift_pk in after) != touched, (person_id, day, touched)

    check()


@given(data=st.data())
@PROPERTY
def test_shifts_before_today_are_never_rewritten(federation_units, data):
    @rolled_back
    def check():
        start, end = data.draw(periods())
        center = make_center()
        people = set_up(center, data.draw(staff(start, end)))
        services.duty_roster_generate(center=center, start=start, end=end, today=TODAY)
        later = data.draw(st.sampled_from(days(start, end)))
        services.duty_shifts_mark_worked(today=later)
        past = set(DutyShift.objects.filter(center=center, date__lt=later).values_list("pk", "person_id", "date"))
        # Everyone on leave for the whole period and a newcomer free all along: any re-planning of
        # the past would show as the newcomer's shift or a missing one.
        for pk in people:
            StaffLeave.objects.create(person_id=pk, start_date=start, end_date=end)
        newcomer = second(center, federation="women", start=start - dt.timedelta(days=7))

        services.duty_roster_generate(center=center, start=start, end=end, today=later)

        kept = set(DutyShift.objects.filter(center=center, date__lt=later).values_list("pk", "person_id", "date"))
        assert kept == past
        future = DutyShift.objects.filter(center=center, date__gte=later, date__lte=end)
        assert set(future.values_list("person_id", flat=True)) <= {newcomer.pk}

    check()
