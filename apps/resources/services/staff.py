"""Seconded staff, their leave, swapping shifts by consent, and the evening-before reminders."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.services import notify
from apps.members.models import Person
from apps.organizations.models import Federation, Organization
from apps.organizations.services.checks import (
    NO_PERMISSION,
    require_organization_in_scope,
    require_perm,
    require_region_in_scope,
)
from apps.resources.models import (
    SECONDED_MAX,
    SECONDED_MIN,
    DutyShift,
    Secondment,
    ServiceCenter,
    ShiftStatus,
    ShiftSwap,
    StaffLeave,
    SwapStatus,
)
from apps.resources.services.roster import duty_roster_generate

SECONDMENT_DATES = "结束日期不能早于开始日期。"
SECONDMENT_OVERLAP = "该人员在此期间已派驻到该服务中心（站）。"
LEAVE_DATES = "结束日期不能早于开始日期。"
SWAP_NOT_PLANNED = "只能调换尚未到来的值班。"
SWAP_SAME_PERSON = "不能和自己换班。"
SWAP_OTHER_CENTER = "只能与同一服务中心（站）的值班调换。"
SWAP_NOT_PENDING = "该换班申请已处理。"
SWAP_UNAVAILABLE = "{name} 在 {date} 不能值班（请假、未在派驻期内或当天已有值班）。"
REMINDER_TITLE = "值班提醒：明天 {date} {shift} 在 {center} 值班"


@transaction.atomic
def secondment_create(
    *,
    actor=None,
    center: ServiceCenter,
    person: Person,
    organization: Organization,
    post_type: str,
    start_date: dt.date,
    end_date: dt.date | None = None,
) -> Secondment:
    require_perm(actor, "resources.add_secondment")
    require_region_in_scope(actor, center.region, field="center")
    require_organization_in_scope(actor, organization, field="organization")
    if end_date is not None and end_date < start_date:
        raise ValidationError({"end_date": SECONDMENT_DATES})
    overlapping = Secondment.objects.filter(center=center, person=person, start_date__lte=end_date or dt.date.max)
    if overlapping.filter(Q(end_date__isnull=True) | Q(end_date__gte=start_date)).exists():
        raise ValidationError({"person": SECONDMENT_OVERLAP})
    secondment = Secondment(
        center=center,
        person=person,
        organization=organization,
        post_type=post_type,
        start_date=start_date,
        end_date=end_date,
    )
    secondment.full_clean(exclude=["center", "person", "organization"], validate_constraints=False)
    secondment.save()
    return secondment


@dataclass(frozen=True)
class FederationStaffing:
    federation: Federation
    count: int

    @property
    def gap(self) -> str:
        if self.count < SECONDED_MIN:
            return f"缺 {SECONDED_MIN - self.count} 人"
        if self.count > SECONDED_MAX:
            return f"超出 {self.count - SECONDED_MAX} 人"
        return ""


def center_staffing(*, center: ServiceCenter, day: dt.date | None = None) -> list[FederationStaffing]:
    """For each federation, how many staff it has seconded to the center on `day` (2–3 expected)."""
    day = day or timezone.localdate()
    active = Secondment.objects.filter(center=center, start_date__lte=day).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=day)
    )
    counts = Counter(active.values_list("organization__federation_id", flat=True))
    return [FederationStaffing(federation, counts[federation.pk]) for federation in Federation.objects.all()]


@transaction.atomic
def leave_record(
    *,
    actor=None,
    person: Person,
    start_date: dt.date,
    end_date: dt.date,
    reason: str = "",
    today: dt.date | None = None,
) -> StaffLeave:
    """Record leave, then re-plan only the affected future shifts of the person's centers."""
    require_perm(actor, "resources.add_staffleave")
    if end_date < start_date:
        raise ValidationError({"end_date": LEAVE_DATES})
    today = today or timezone.localdate()
    leave = StaffLeave.objects.create(person=person, start_date=start_date, end_date=end_date, reason=reason.strip())
    affected = DutyShift.objects.filter(
        person=person, status=ShiftStatus.PLANNED, date__range=(max(start_date, today), end_date)
    )
    for center in ServiceCenter.objects.filter(pk__in=affected.values("center_id")):
        duty_roster_generate(center=center, start=max(start_date, today), end=end_date, today=today)
    return leave


def _may_act_for(actor, person: Person) -> bool:
    return actor is None or person.user_id == actor.pk or actor.has_perm("resources.change_dutyshift")


def _available_for(person_id: int, shift: DutyShift, *, leaving: DutyShift) -> bool:
    secondment = Secondment.objects.filter(center=shift.center_id, person_id=person_id, start_date__lte=shift.date)
    secondment = secondment.filter(Q(end_date__isnull=True) | Q(end_date__gte=shift.date))
    on_leave = StaffLeave.objects.filter(person_id=person_id, start_date__lte=shift.date, end_date__gte=shift.date)
    busy = DutyShift.objects.filter(person_id=person_id, date=shift.date).exclude(pk=leaving.pk)
    return secondment.exists() and not on_leave.exists() and not busy.exists()


@transaction.atomic
def shift_swap_request(*, actor=None, shift: DutyShift, other_shift: DutyShift, today: dt.date | None = None):
    today = today or timezone.localdate()
    if not _may_act_for(actor, shift.person):
        raise PermissionDenied(NO_PERMISSION)
    if shift.person_id == other_shift.person_id:
        raise ValidationError({"other_shift": SWAP_SAME_PERSON})
    if shift.center_id != other_shift.center_id:
        raise ValidationError({"other_shift": SWAP_OTHER_CENTER})
    if min(shift.date, other_shift.date) <= today or ShiftStatus.WORKED in (shift.status, other_shift.status):
        raise ValidationError({"other_shift": SWAP_NOT_PLANNED})
    swap = ShiftSwap.objects.create(shift=shift, other_shift=other_shift)
    if other_shift.person.user_id:
        notify(
            users=[other_shift.person.user],
            title=f"换班申请：{shift.person.name} 想用 {shift.date} 的班换您 {other_shift.date} 的班",
        )
    return swap


@transaction.atomic
def shift_swap_decide(*, actor=None, swap: ShiftSwap, accept: bool, today: dt.date | None = None) -> ShiftSwap:
    """The other person agrees (the shifts change hands) or declines."""
    swap = ShiftSwap.objects.select_for_update().select_related("shift__person", "other_shift__person").get(pk=swap.pk)
    if swap.status != SwapStatus.PENDING:
        raise ValidationError({"status": SWAP_NOT_PENDING})
    mine, theirs = swap.shift, swap.other_shift
    if not _may_act_for(actor, theirs.person):
        raise PermissionDenied(NO_PERMISSION)
    today = today or timezone.localdate()
    if accept:
        if min(mine.date, theirs.date) <= today:
            raise ValidationError({"status": SWAP_NOT_PLANNED})
        for person, shift, leaving in ((theirs.person, mine, theirs), (mine.person, theirs, mine)):
            if not _available_for(person.pk, shift, leaving=leaving):
                raise ValidationError({"status": SWAP_UNAVAILABLE.format(name=person.name, date=shift.date)})
        mine_person, mine_secondment = mine.person_id, mine.secondment_id
        mine.person_id, mine.secondment_id = theirs.person_id, theirs.secondment_id
        theirs.person_id, theirs.secondment_id = mine_person, mine_secondment
        mine.save(update_fields=["person", "secondment", "updated_at"])
        theirs.save(update_fields=["person", "secondment", "updated_at"])
    swap.status = SwapStatus.ACCEPTED if accept else SwapStatus.DECLINED
    swap.decided_at = timezone.now()
    swap.save(update_fields=["status", "decided_at"])
    return swap


def duty_reminders_send(*, now: dt.datetime | None = None) -> int:
    """The evening before: each on-duty person hears once (claimed by a conditional UPDATE)."""
    now = now or timezone.now()
    tomorrow = timezone.localtime(now).date() + dt.timedelta(days=1)
    due = DutyShift.objects.filter(date=tomorrow, status=ShiftStatus.PLANNED, reminded_at__isnull=True)
    sent = 0
    for shift in due.select_related("center", "person__user"):
        if not DutyShift.objects.filter(pk=shift.pk, reminded_at__isnull=True).update(reminded_at=now):
            continue  # another run got it first
        title = REMINDER_TITLE.format(date=shift.date, shift=shift.get_shift_display(), center=shift.center.name)
        user = shift.person.user
        if user is not None:
            notify(users=[user], title=title)
            if user.email:
                send_mail(title, title, None, [user.email], fail_silently=True)
        sent += 1
    return sent
