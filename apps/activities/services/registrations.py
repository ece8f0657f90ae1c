"""Sign-ups with a waiting list, check-in and check-out, ratings, reminders."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from apps.accounts.services import notify
from apps.activities.models import (
    Activity,
    ActivityStatus,
    Registration,
    RegistrationStatus,
    VolunteerRecord,
)
from apps.core.exceptions import ConflictError
from apps.members.models import Person
from apps.organizations.services.checks import require_perm

NOT_OPEN = "活动未发布或已取消，暂不能报名。"
SIGNUP_NOT_STARTED = "报名将于 {opens} 开始。"
SIGNUP_CLOSED = "报名已于 {closes} 截止。"
ALREADY_REGISTERED = "已报名该活动（{status}）。"
TAGS_MISMATCH = "本活动面向{tags}，该人员不具有这些身份。"
TOO_YOUNG = "本活动面向 {min_age} 岁以上人员，该人员 {age} 岁。"
TOO_OLD = "本活动面向 {max_age} 岁以下人员，该人员 {age} 岁。"
NOT_ACTIVE = "该报名已取消。"
CHECK_IN_WINDOW = "签到时间为 {opens}–{closes}（活动开始前 {minutes} 分钟起至结束）。"
NOT_REGISTERED = "该人员未报名或仍在候补，不能签到。"
ALREADY_CHECKED_IN = "已于 {time} 签到。"
NOT_CHECKED_IN = "尚未签到，不能签退。"
RATING_RANGE = "满意度为 1–5 分。"
RATING_NOT_ATTENDED = "签到参加活动后才能评价。"
RATING_TOO_EARLY = "活动结束后才能评价。"


def _local(value: dt.datetime) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


def target_group_reason(activity: Activity, person: Person) -> str | None:
    """Why the person is outside the activity's target group, or None."""
    tags = list(activity.target_tags.all())
    if tags and not set(person.identity_tags.values_list("pk", flat=True)) & {tag.pk for tag in tags}:
        return TAGS_MISMATCH.format(tags="、".join(tag.name for tag in tags))
    age = person.age_on(timezone.localtime(activity.start).date())
    if activity.min_age is not None and age < activity.min_age:
        return TOO_YOUNG.format(min_age=activity.min_age, age=age)
    if activity.max_age is not None and age >= activity.max_age:
        return TOO_OLD.format(max_age=activity.max_age, age=age)
    return None


@transaction.atomic
def registration_create(
    *, actor=None, activity: Activity, person: Person, now: dt.datetime | None = None
) -> Registration:
    """Register, or join the waiting list when the places are taken.

    The activity row is locked, so places are counted one sign-up at a time however many
    arrive together: the capacity is never exceeded and the queue keeps arrival order.
    """
    if actor is not None and not (actor.has_perm("activities.add_registration") or person.user_id == actor.pk):
        require_perm(actor, "activities.add_registration")
    now = now or timezone.now()
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.status not in (ActivityStatus.PUBLISHED, ActivityStatus.ONGOING):
        raise ValidationError({"activity": NOT_OPEN})
    if now < activity.signup_opens:
        raise ValidationError({"activity": SIGNUP_NOT_STARTED.format(opens=_local(activity.signup_opens))})
    if now > activity.signup_closes:
        raise ValidationError({"activity": SIGNUP_CLOSED.format(closes=_local(activity.signup_closes))})
    reason = target_group_reason(activity, person)
    if reason:
        raise ValidationError({"person": reason})
    # The person's own sign-up (at most one: a unique constraint), the places taken and the end of
    # the queue, in one statement under the activity's lock.
    queue = Registration.objects.filter(activity=activity).aggregate(
        existing=Max("pk", filter=Q(person=person)),
        existing_status=Max("status", filter=Q(person=person)),
        taken=Count("pk", filter=Q(status__in=[RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED])),
        last=Max("position"),
    )
    if queue["existing"] is not None and queue["existing_status"] != RegistrationStatus.CANCELLED:
        status_label = RegistrationStatus(queue["existing_status"]).label
        raise ConflictError(ALREADY_REGISTERED.format(status=status_label), [queue["existing"]])
    position = (queue["last"] or 0) + 1
    status = RegistrationStatus.REGISTERED if queue["taken"] < activity.capacity else RegistrationStatus.WAITING
    if queue["existing"] is not None:  # signing up again after cancelling: to the back of the queue
        existing = Registration.objects.get(pk=queue["existing"])
        existing.status, existing.position, existing.registered_by = status, position, actor
        existing.save(update_fields=["status", "position", "registered_by", "updated_at"])
        return existing
    return Registration.objects.create(
        activity=activity, person=person, status=status, position=position, registered_by=actor
    )


@transaction.atomic
def registration_cancel(*, actor=None, registration: Registration) -> Registration | None:
    """Cancel; a freed place goes to the first on the waiting list, who is returned."""
    activity = Activity.objects.select_for_update().get(pk=registration.activity_id)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status == RegistrationStatus.CANCELLED:
        raise ValidationError({"registration": NOT_ACTIVE})
    freed = registration.status == RegistrationStatus.REGISTERED
    registration.status = RegistrationStatus.CANCELLED
    registration.save(update_fields=["status", "updated_at"])
    if not freed:
        return None
    first_waiting = (
        Registration.objects.filter(activity=activity, status=RegistrationStatus.WAITING).order_by("position").first()
    )
    if first_waiting is not None:
        first_waiting.status = RegistrationStatus.REGISTERED
        first_waiting.save(update_fields=["status", "updated_at"])
        if first_waiting.person.user_id:
            notify(users=[first_waiting.person.user], title=f"候补转正：您已获得“{activity.title}”的名额")
    return first_waiting


def _check_window(activity: Activity, now: dt.datetime) -> None:
    opens = activity.start - dt.timedelta(minutes=settings.CHECK_IN_OPENS_MINUTES)
    if not opens <= now <= activity.end:
        raise ValidationError(
            {
                "registration": CHECK_IN_WINDOW.format(
                    opens=_local(opens), closes=_local(activity.end), minutes=settings.CHECK_IN_OPENS_MINUTES
                )
            }
        )


@transaction.atomic
def registration_check_in(*, actor=None, registration: Registration, now: dt.datetime | None = None) -> Registration:
    """Staff check a registered person in (found by ID number or by the QR code of the registration)."""
    require_perm(actor, "activities.change_registration")
    now = now or timezone.now()
    registration = Registration.objects.select_for_update().select_related("activity").get(pk=registration.pk)
    _check_window(registration.activity, now)
    if registration.status == RegistrationStatus.ATTENDED:
        raise ValidationError({"registration": ALREADY_CHECKED_IN.format(time=_local(registration.checked_in_at))})
    if registration.status != RegistrationStatus.REGISTERED:
        raise ValidationError({"registration": NOT_REGISTERED})
    registration.status, registration.checked_in_at = RegistrationStatus.ATTENDED, now
    registration.save(update_fields=["status", "checked_in_at", "updated_at"])
    return registration


def volunteer_hours(checked_in: dt.datetime, checked_out: dt.datetime) -> Decimal:
    """Hours between check-in and check-out, at most the daily cap on each local day."""
    cap = Decimal(settings.VOLUNTEER_DAILY_CAP_HOURS)
    total = Decimal(0)
    start, end = timezone.localtime(checked_in), timezone.localtime(checked_out)
    while start < end:
        midnight = timezone.make_aware(dt.datetime.combine(start.date() + dt.timedelta(days=1), dt.time.min))
        chunk_end = min(end, midnight)
        hours = Decimal((chunk_end - start).total_seconds()) / Decimal(3600)
        total += min(hours, cap)
        start = chunk_end
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@transaction.atomic
def registration_check_out(*, actor=None, registration: Registration, now: dt.datetime | None = None) -> Registration:
    """Check out; at a volunteer activity the hours are recorded, capped per day."""
    require_perm(actor, "activities.change_registration")
    now = now or timezone.now()
    registration = Registration.objects.select_for_update().select_related("activity__theme").get(pk=registration.pk)
    if registration.status != RegistrationStatus.ATTENDED:
        raise ValidationError({"registration": NOT_CHECKED_IN})
    activity = registration.activity
    # Hours end when the activity does, and never before the check-in.
    registration.checked_out_at = max(registration.checked_in_at, min(now, activity.end))
    registration.save(update_fields=["checked_out_at", "updated_at"])
    if activity.theme.is_volunteer:
        hours = volunteer_hours(registration.checked_in_at, registration.checked_out_at)
        VolunteerRecord.objects.update_or_create(
            registration=registration,
            defaults={
                "activity": activity,
                "person_id": registration.person_id,
                "organization_id": activity.lead_organization_id,
                "computed_hours": hours,
                "hours": hours,
            },
        )
    return registration


@transaction.atomic
def registration_rate(*, actor=None, registration: Registration, rating: int, now: dt.datetime | None = None):
    now = now or timezone.now()
    if not 1 <= int(rating) <= 5:
        raise ValidationError({"rating": RATING_RANGE})
    registration = Registration.objects.select_related("activity").get(pk=registration.pk)
    if registration.status != RegistrationStatus.ATTENDED:
        raise ValidationError({"rating": RATING_NOT_ATTENDED})
    if now < registration.activity.end:
        raise ValidationError({"rating": RATING_TOO_EARLY})
    registration.rating = int(rating)
    registration.save(update_fields=["rating", "updated_at"])
    return registration


def activity_reminders_send(*, now: dt.datetime | None = None) -> int:
    """The day before: registered people (with an account) and the organizer hear once each."""
    now = now or timezone.now()
    tomorrow = timezone.localtime(now).date() + dt.timedelta(days=1)
    sent = 0
    due = Registration.objects.filter(
        status=RegistrationStatus.REGISTERED,
        reminded_at__isnull=True,
        activity__start__date=tomorrow,
        activity__status=ActivityStatus.PUBLISHED,
    )
    for registration in due.select_related("activity", "person__user"):
        if not Registration.objects.filter(pk=registration.pk, reminded_at__isnull=True).update(reminded_at=now):
            continue
        if registration.person.user_id:
            title = f"活动提醒：明天 {_local(registration.activity.start)} {registration.activity.title}"
            notify(users=[registration.person.user], title=title)
            sent += 1
    organizers = Activity.objects.filter(
        status=ActivityStatus.PUBLISHED, reminded_at__isnull=True, start__date=tomorrow
    ).select_related("created_by")
    for activity in organizers:
        claimed = Activity.objects.filter(pk=activity.pk, reminded_at__isnull=True).update(reminded_at=now)
        if claimed and activity.created_by:
            count = activity.registrations.filter(status=RegistrationStatus.REGISTERED).count()
            notify(users=[activity.created_by], title=f"活动提醒：明天举办“{activity.title}”，已报名 {count} 人")
            sent += 1
    return sent
