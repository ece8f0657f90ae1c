"""The duty roster (定期轮值): fair, idempotent, and re-planned only where something changed.

For each working day and shift of a center, the slot gets `staff_per_shift` people among
those seconded there on that day and not on leave. The pick is greedy and fair: fewest
duties in this period first (so counts of people available on the same days never differ
by more than one), then whoever was not on duty the day before, then the federation
furthest below its share of the center's seconded staff, then the fewest duties before
this period (so the balance carries across periods). Existing future shifts are kept while
still valid, and past shifts are never touched, so running it twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.core.holidays import is_working_day
from apps.resources.models import DutyShift, Secondment, ServiceCenter, ShiftStatus, StaffLeave

DEFAULT_WEEKS = 4


@dataclass
class RosterResult:
    created: int = 0
    removed: int = 0
    unfilled: list[tuple[dt.date, str]] | None = None


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=offset) for offset in range((end - start).days + 1)]


def _leave_days(person_ids, start: dt.date, end: dt.date) -> dict[int, set[dt.date]]:
    leave = defaultdict(set)
    for row in StaffLeave.objects.filter(person_id__in=person_ids, start_date__lte=end, end_date__gte=start):
        for day in _days(max(row.start_date, start), min(row.end_date, end)):
            leave[row.person_id].add(day)
    return leave


def _available(secondment: Secondment, day: dt.date, leave: dict[int, set[dt.date]]) -> bool:
    return (
        secondment.start_date <= day
        and (secondment.end_date is None or day <= secondment.end_date)
        and day not in leave.get(secondment.person_id, ())
    )


@transaction.atomic
def duty_roster_generate(
    *, center: ServiceCenter, start: dt.date | None = None, end: dt.date | None = None, today: dt.date | None = None
) -> RosterResult:
    """Fill the center's roster from start to end (default: the next four weeks)."""
    today = today or timezone.localdate()
    start = max(start or today, today)  # the past is never planned or rewritten
    end = end or start + dt.timedelta(weeks=DEFAULT_WEEKS) - dt.timedelta(days=1)
    center = ServiceCenter.objects.select_for_update().get(pk=center.pk)
    secondments = list(
        Secondment.objects.filter(center=center, start_date__lte=end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        .select_related("organization")
        .order_by("id")
    )
    result = RosterResult(unfilled=[])
    leave = _leave_days([s.person_id for s in secondments], start, end)
    by_id = {s.pk: s for s in secondments}

    existing = list(DutyShift.objects.filter(center=center, date__range=(start, end), status=ShiftStatus.PLANNED))
    stale = [
        shift.pk
        for shift in existing
        if shift.secondment_id not in by_id
        or not _available(by_id[shift.secondment_id], shift.date, leave)
        or not is_working_day(shift.date)
    ]
    if stale:
        result.removed = DutyShift.objects.filter(pk__in=stale).delete()[0]
    kept = [shift for shift in existing if shift.pk not in set(stale)]

    taken: dict[tuple[dt.date, str], list[int]] = defaultdict(list)  # slot -> person ids
    on_day: dict[dt.date, set[int]] = defaultdict(set)
    counts: Counter[int] = Counter()
    for shift in kept:
        taken[(shift.date, shift.shift)].append(shift.person_id)
        on_day[shift.date].add(shift.person_id)
        counts[shift.person_id] += 1
    history = Counter(
        DutyShift.objects.filter(center=center, date__lt=start).values_list("person_id", flat=True).iterator()
    )
    yesterday = start - dt.timedelta(days=1)
    on_day[yesterday] |= set(
        DutyShift.objects.filter(center=center, date=yesterday).values_list("person_id", flat=True)
    )
    staff_by_federation = Counter(s.organization.federation_id for s in secondments)
    duties_by_federation: Counter[int] = Counter()
    for shift in kept:
        if shift.secondment_id in by_id:
            duties_by_federation[by_id[shift.secondment_id].organization.federation_id] += 1
    total_staff = sum(staff_by_federation.values())

    new_shifts = []
    for day in _days(start, end):
        if not is_working_day(day):
            continue
        for shift_name in center.shift_names:
            need = center.staff_per_shift - len(taken[(day, shift_name)])
            if need <= 0:
                continue
            candidates = [s for s in secondments if _available(s, day, leave) and s.person_id not in on_day[day]]
            # One secondment per person at this center: a person seconded twice counts once.
            candidates = list({s.person_id: s for s in candidates}.values())
            total_duties = sum(duties_by_federation.values()) + 1
            yesterday_staff = on_day[day - dt.timedelta(days=1)]
            ranked = sorted(
                (
                    (
                        counts[s.person_id],
                        s.person_id in yesterday_staff,
                        duties_by_federation[s.organization.federation_id] / total_duties
                        - staff_by_federation[s.organization.federation_id] / total_staff,
                        history[s.person_id],
                        s.person_id,
                    ),
                    s,
                )
                for s in candidates
            )
            chosen = [secondment for _, secondment in ranked[:need]]
            if len(chosen) < need:
                result.unfilled.append((day, shift_name))
            for secondment in chosen:
                new_shifts.append(
                    DutyShift(
                        center=center, secondment=secondment, person_id=secondment.person_id, date=day, shift=shift_name
                    )
                )
                taken[(day, shift_name)].append(secondment.person_id)
                on_day[day].add(secondment.person_id)
                counts[secondment.person_id] += 1
                duties_by_federation[secondment.organization.federation_id] += 1
    DutyShift.objects.bulk_create(new_shifts)
    result.created = len(new_shifts)
    return result


def duty_rosters_extend(*, today: dt.date | None = None, weeks: int = DEFAULT_WEEKS) -> int:
    """Weekly (Celery beat): every center's roster reaches `weeks` ahead. Returns shifts created."""
    today = today or timezone.localdate()
    end = today + dt.timedelta(weeks=weeks) - dt.timedelta(days=1)
    return sum(
        duty_roster_generate(center=center, start=today, end=end, today=today).created
        for center in ServiceCenter.objects.all()
    )


def duty_shifts_mark_worked(*, today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    return DutyShift.objects.filter(status=ShiftStatus.PLANNED, date__lt=today).update(
        status=ShiftStatus.WORKED, updated_at=timezone.now()
    )
