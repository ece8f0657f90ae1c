"""Rotation and exchange of cadres (轮岗交流): a planned move to another post for a period, and back."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from apps.core.exceptions import ConflictError
from apps.members.models import CadrePost, Person, PostType
from apps.members.services import cadre_post_create
from apps.organizations.models import Organization
from apps.organizations.scoping import scope_for
from apps.organizations.services.checks import NO_PERMISSION, clean_name, require_organization_in_scope, require_perm
from apps.talent.models import Rotation, RotationStatus, TenureRule
from apps.talent.rules import add_months

NOT_HIS_POST = "原任职须是该干部本人的任职。"
POST_NOT_CURRENT = "轮岗开始时（{start}）原任职须仍在任。"
SAME_ORGANIZATION = "轮岗组织须与原任职组织不同。"
TOO_EARLY = "{name}在原岗位（{kind}）须任职满 {months} 个月，{date} 起方可轮岗。"
TOO_SHORT = "{kind}任职期限至少 {months} 个月：结束日期不能早于 {date}。"
TOO_LONG = "{kind}任职期限至多 {months} 个月：结束日期不能晚于 {date}。"
ENDS_BEFORE_START = "结束日期须晚于开始日期。"
OVERLAPPING_ROTATION = "{name}在 {start} 至 {end} 已有轮岗安排（{organization}），轮岗期间不能重叠。"
OVERLAPPING_POST = "{name}在 {start} 至 {end} 已有{kind}任职（{organization} {title}），同类任职期间不能重叠。"
NOT_PLANNED = "只有计划中的轮岗可以{action}（当前：{status}）。"
NOT_ACTIVE = "只有轮岗中的安排可以结束（当前：{status}）。"
START_NOT_DUE = "轮岗开始日期为 {start}，尚未到开始日期。"


def _require_rotation_access(actor, rotation: Rotation) -> None:
    if actor is None:
        return
    scope = scope_for(actor)
    if scope.covers_organization(rotation.to_organization) or scope.covers_organization(
        rotation.from_post.organization
    ):
        return
    raise PermissionDenied(NO_PERMISSION)


def _tenure(post_type: str) -> TenureRule | None:
    return TenureRule.objects.filter(post_type=post_type).first()


def _fmt(day: dt.date | None) -> str:
    return day.isoformat() if day else "长期"


def _validate(rotation: Rotation) -> None:
    person, post = rotation.person, rotation.from_post
    errors: dict[str, str] = {}
    if post.person_id != person.pk:
        raise ValidationError({"from_post": NOT_HIS_POST})
    if rotation.to_organization_id == post.organization_id:
        errors["to_organization"] = SAME_ORGANIZATION
    if rotation.end_date <= rotation.start_date:
        errors["end_date"] = ENDS_BEFORE_START
    if not post.is_current(rotation.start_date):
        errors["start_date"] = POST_NOT_CURRENT.format(start=rotation.start_date)
    else:
        stay = _tenure(post.post_type)
        if stay is not None and rotation.start_date < add_months(post.start_date, stay.min_months):
            errors["start_date"] = TOO_EARLY.format(
                name=person.name,
                kind=post.get_post_type_display(),
                months=stay.min_months,
                date=add_months(post.start_date, stay.min_months),
            )
    rule = _tenure(rotation.post_type)
    if rule is not None and "end_date" not in errors:
        kind = PostType(rotation.post_type).label
        # Both ends are days in the post: 6 months from 1 March end on the last day of August.
        last_day = dt.timedelta(days=1)
        shortest, longest = (add_months(rotation.start_date, m) - last_day for m in (rule.min_months, rule.max_months))
        if rotation.end_date < shortest:
            errors["end_date"] = TOO_SHORT.format(kind=kind, months=rule.min_months, date=shortest)
        elif rotation.end_date > longest:
            errors["end_date"] = TOO_LONG.format(kind=kind, months=rule.max_months, date=longest)
    if errors:
        raise ValidationError(errors)


def _overlaps(rotation: Rotation) -> None:
    """409 on what is already there: another rotation, or a post of the same kind, in the period."""
    name = rotation.person.name
    rotations = (
        Rotation.objects.filter(person=rotation.person, status__in=[RotationStatus.PLANNED, RotationStatus.ACTIVE])
        .exclude(pk=rotation.pk)
        .filter(start_date__lte=rotation.end_date, end_date__gte=rotation.start_date)
        .select_related("to_organization")
    )
    clash = rotations.first()
    if clash is not None:
        raise ConflictError(
            OVERLAPPING_ROTATION.format(
                name=name, start=clash.start_date, end=clash.end_date, organization=clash.to_organization.name
            ),
            [clash.pk],
        )
    posts = (
        CadrePost.objects.filter(
            person=rotation.person, post_type=rotation.post_type, start_date__lte=rotation.end_date
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=rotation.start_date))
        .exclude(pk=rotation.post_id or 0)
        .select_related("organization")
    )
    post = posts.first()
    if post is not None:
        raise ConflictError(
            OVERLAPPING_POST.format(
                name=name,
                start=post.start_date,
                end=_fmt(post.end_date),
                kind=post.get_post_type_display(),
                organization=post.organization.name,
                title=post.title,
            ),
            [post.pk],
        )


@transaction.atomic
def rotation_plan(
    *,
    actor=None,
    from_post: CadrePost,
    to_organization: Organization,
    title: str,
    start_date: dt.date,
    end_date: dt.date,
    post_type: str = PostType.ROTATION,
    note: str = "",
) -> Rotation:
    require_perm(actor, "talent.add_rotation")
    if actor is not None and not scope_for(actor).covers_organization(from_post.organization):
        require_organization_in_scope(actor, to_organization, field="to_organization")
    # One person's rotations are decided one at a time (the exclusion constraint backs it on PostgreSQL).
    person = Person.objects.select_for_update().get(pk=from_post.person_id)
    rotation = Rotation(
        person=person,
        from_post=from_post,
        to_organization=to_organization,
        post_type=post_type,
        title=clean_name(title, field="title"),
        start_date=start_date,
        end_date=end_date,
        note=note.strip(),
        across_federations=to_organization.federation_id != from_post.organization.federation_id,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    _validate(rotation)
    _overlaps(rotation)
    try:
        with transaction.atomic():
            rotation.save()
    except IntegrityError as exc:  # a concurrent plan for the same person won
        raise ConflictError(
            OVERLAPPING_ROTATION.format(
                name=person.name, start=start_date, end=end_date, organization=to_organization.name
            )
        ) from exc
    return rotation


@transaction.atomic
def rotation_start(*, actor=None, rotation: Rotation, today: dt.date | None = None) -> Rotation:
    """The cadre takes up the post: a CadrePost for the rotation's period opens."""
    require_perm(actor, "talent.change_rotation")
    _require_rotation_access(actor, rotation)
    today = today or timezone.localdate()
    rotation = Rotation.objects.select_for_update().select_related("person", "to_organization").get(pk=rotation.pk)
    if rotation.status != RotationStatus.PLANNED:
        raise ValidationError({"status": NOT_PLANNED.format(action="开始", status=rotation.get_status_display())})
    if rotation.start_date > today:
        raise ValidationError({"status": START_NOT_DUE.format(start=rotation.start_date)})
    rotation.post = cadre_post_create(
        person=rotation.person,
        organization=rotation.to_organization,
        post_type=rotation.post_type,
        title=rotation.title,
        start_date=rotation.start_date,
        end_date=rotation.end_date,
    )
    rotation.status = RotationStatus.ACTIVE
    rotation.save(update_fields=["post", "status", "updated_at"])
    return rotation


@transaction.atomic
def rotation_complete(*, actor=None, rotation: Rotation, today: dt.date | None = None) -> Rotation:
    """Back to the home post; ended early, the rotation post ends today."""
    require_perm(actor, "talent.change_rotation")
    _require_rotation_access(actor, rotation)
    today = today or timezone.localdate()
    rotation = Rotation.objects.select_for_update(of=("self",)).select_related("post").get(pk=rotation.pk)
    if rotation.status != RotationStatus.ACTIVE:
        raise ValidationError({"status": NOT_ACTIVE.format(status=rotation.get_status_display())})
    if today < rotation.end_date:
        rotation.end_date = max(today, rotation.start_date + dt.timedelta(days=1))
        if rotation.post is not None:
            rotation.post.end_date = rotation.end_date
            rotation.post.save(update_fields=["end_date", "updated_at"])
    rotation.status = RotationStatus.COMPLETED
    rotation.save(update_fields=["end_date", "status", "updated_at"])
    return rotation


@transaction.atomic
def rotation_cancel(*, actor=None, rotation: Rotation) -> Rotation:
    require_perm(actor, "talent.change_rotation")
    _require_rotation_access(actor, rotation)
    rotation = Rotation.objects.select_for_update().get(pk=rotation.pk)
    if rotation.status != RotationStatus.PLANNED:
        raise ValidationError({"status": NOT_PLANNED.format(action="取消", status=rotation.get_status_display())})
    rotation.status = RotationStatus.CANCELLED
    rotation.save(update_fields=["status", "updated_at"])
    return rotation


def rotations_advance(*, today: dt.date | None = None) -> int:
    """Daily: planned rotations whose day has come start, running ones past their end complete."""
    today = today or timezone.localdate()
    changed = 0
    for rotation in Rotation.objects.filter(status=RotationStatus.PLANNED, start_date__lte=today):
        if rotation.end_date < today:
            continue  # never started in time: left for staff to cancel or re-plan
        rotation_start(rotation=rotation, today=today)
        changed += 1
    for rotation in Rotation.objects.filter(status=RotationStatus.ACTIVE, end_date__lt=today):
        rotation_complete(rotation=rotation, today=today)
        changed += 1
    return changed
