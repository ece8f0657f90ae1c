"""Creating, publishing and cancelling activities; a room is booked through the venues service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.activities.models import (
    Activity,
    ActivityParticipant,
    ActivityPhoto,
    ActivityStatus,
    ParticipantRole,
    Theme,
)
from apps.members.models import IdentityTag
from apps.organizations.models import Organization, Region
from apps.organizations.services.checks import clean_name, require_organization_in_scope, require_perm
from apps.venues.models import Room
from apps.venues.services import booking_cancel, booking_create

TITLE_REQUIRED = "请填写活动标题。"
ACTIVITY_TIMES = "结束时间必须晚于开始时间。"
SIGNUP_WINDOW = "报名截止时间必须晚于报名开始时间，且不晚于活动结束。"
AGE_RANGE = "年龄上限必须大于最低年龄。"
JOINT_NEEDS_PARTNERS = "联合办活动至少需要一个联合主办或协办组织。"
NOT_DRAFT = "只有草稿状态的活动可以发布。"
ALREADY_CANCELLED = "活动已取消。"
FINISHED = "活动已结束，不能取消。"


def _validate(activity: Activity) -> None:
    errors: dict[str, str] = {}
    if activity.start >= activity.end:
        errors["end"] = ACTIVITY_TIMES
    if activity.signup_opens >= activity.signup_closes or activity.signup_closes > activity.end:
        errors["signup_closes"] = SIGNUP_WINDOW
    if activity.min_age is not None and activity.max_age is not None and activity.max_age <= activity.min_age:
        errors["max_age"] = AGE_RANGE
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def activity_create(
    *,
    actor=None,
    title: str,
    theme: Theme,
    mode: str,
    lead_organization: Organization,
    region: Region,
    start: dt.datetime,
    end: dt.datetime,
    capacity: int,
    signup_opens: dt.datetime,
    signup_closes: dt.datetime,
    participants: Iterable[tuple[Organization, str]] = (),
    target_tags: Iterable[IdentityTag] = (),
    min_age: int | None = None,
    max_age: int | None = None,
    room: Room | None = None,
    address: str = "",
    contact_name: str = "",
) -> Activity:
    """A draft activity; with a room, the room is booked for its time through the venues service."""
    require_perm(actor, "activities.add_activity")
    require_organization_in_scope(actor, lead_organization, field="lead_organization")
    # Participants are invitations, not writes into their scope: a joint activity may take in
    # units of any county (the province's 宣讲团 going to the grassroots), which then see it.
    participants = [(org, role) for org, role in participants if org.pk != lead_organization.pk]
    if mode == "joint" and not participants:
        raise ValidationError({"participants": JOINT_NEEDS_PARTNERS})
    activity = Activity(
        title=clean_name(title, field="title"),
        theme=theme,
        mode=mode,
        lead_organization=lead_organization,
        region=region,
        start=start,
        end=end,
        capacity=capacity,
        signup_opens=signup_opens,
        signup_closes=signup_closes,
        min_age=min_age,
        max_age=max_age,
        address=address.strip(),
        created_by=actor,
    )
    _validate(activity)
    activity.full_clean(exclude=["theme", "lead_organization", "region", "venue", "booking", "created_by"])
    if room is not None:
        activity.venue = room.venue
        activity.booking = booking_create(
            actor=actor,
            room=room,
            organization=lead_organization,
            start=start,
            end=end,
            purpose=activity.title,
            attendees=min(capacity, room.capacity),
            contact_name=contact_name or (actor.get_full_name() if actor else activity.title),
        )
    activity.save()
    activity.target_tags.set(target_tags)
    ActivityParticipant.objects.bulk_create(
        ActivityParticipant(activity=activity, organization=org, role=role or ParticipantRole.PARTICIPANT)
        for org, role in participants
    )
    return activity


@transaction.atomic
def activity_publish(*, actor=None, activity: Activity) -> Activity:
    require_perm(actor, "activities.change_activity")
    require_organization_in_scope(actor, activity.lead_organization, field="activity")
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.status != ActivityStatus.DRAFT:
        raise ValidationError({"status": NOT_DRAFT})
    activity.status = ActivityStatus.PUBLISHED
    activity.save(update_fields=["status", "updated_at"])
    return activity


@transaction.atomic
def activity_cancel(*, actor=None, activity: Activity) -> Activity:
    """Cancel the activity and free its room."""
    require_perm(actor, "activities.change_activity")
    require_organization_in_scope(actor, activity.lead_organization, field="activity")
    activity = Activity.objects.select_for_update(of=("self",)).select_related("booking").get(pk=activity.pk)
    if activity.status == ActivityStatus.CANCELLED:
        raise ValidationError({"status": ALREADY_CANCELLED})
    if activity.status == ActivityStatus.FINISHED:
        raise ValidationError({"status": FINISHED})
    activity.status = ActivityStatus.CANCELLED
    activity.save(update_fields=["status", "updated_at"])
    if activity.booking is not None and activity.booking.holds_room and activity.booking.start > timezone.now():
        booking_cancel(booking=activity.booking)
    return activity


def activities_advance_status(*, now: dt.datetime) -> int:
    """Published activities that began become ongoing; those that ended become finished."""
    started = Activity.objects.filter(status=ActivityStatus.PUBLISHED, start__lte=now, end__gt=now).update(
        status=ActivityStatus.ONGOING, updated_at=now
    )
    ended = Activity.objects.filter(status__in=[ActivityStatus.PUBLISHED, ActivityStatus.ONGOING], end__lte=now).update(
        status=ActivityStatus.FINISHED, updated_at=now
    )
    return started + ended


@transaction.atomic
def activity_summarize(*, actor=None, activity: Activity, summary: str, title: str | None = None) -> Activity:
    """The summary after the event; the title too when given (the only edits after creation)."""
    require_perm(actor, "activities.change_activity")
    require_organization_in_scope(actor, activity.lead_organization, field="activity")
    fields = ["summary", "updated_at"]
    if title is not None:
        activity.title = clean_name(title, field="title")
        fields.append("title")
    activity.summary = summary.strip()
    activity.save(update_fields=fields)
    return activity


@transaction.atomic
def activity_photo_add(*, actor=None, activity: Activity, image, caption: str = "") -> ActivityPhoto:
    require_perm(actor, "activities.add_activityphoto")
    require_organization_in_scope(actor, activity.lead_organization, field="activity")
    return ActivityPhoto.objects.create(activity=activity, image=image, caption=caption.strip())
