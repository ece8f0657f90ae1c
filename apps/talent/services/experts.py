"""The local-expert pool (土专家): who knows what, where; invited to teach or recruited into a post."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.exceptions import ConflictError
from apps.members.models import Person
from apps.members.services import cadre_post_create
from apps.organizations.models import Organization
from apps.organizations.services.checks import clean_name, require_perm, require_region_in_scope
from apps.talent.models import Availability, EngagementKind, Expert, ExpertEngagement, TrainingSession
from apps.talent.services.training import require_course_access

ALREADY_EXPERT = "{name}已在专家库中。"
FIELDS_REQUIRED = "请选择至少一个专长领域。"
NOT_INVITABLE = "{name}当前{state}，不能邀请授课或任用。"
ALREADY_LECTURING = "{name}已是该课次的授课人。"

_EXPERT_FIELDS = ("region", "specialty", "certifications", "availability", "availability_note", "is_active")


def _validate(expert: Expert, fields) -> None:
    expert.specialty = clean_name(expert.specialty, field="specialty")
    if not list(fields):
        raise ValidationError({"fields": FIELDS_REQUIRED})
    expert.full_clean(validate_constraints=False, exclude=["person", "region", "fields"])


@transaction.atomic
def expert_register(
    *,
    actor=None,
    person: Person,
    fields,
    specialty: str,
    region=None,
    certifications: str = "",
    availability: str = Availability.AVAILABLE,
    availability_note: str = "",
    joined_on: dt.date | None = None,
) -> Expert:
    require_perm(actor, "talent.add_expert")
    region = region or person.region
    require_region_in_scope(actor, region)
    fields = list(fields)
    expert = Expert(
        person=person,
        region=region,
        specialty=specialty,
        certifications=certifications.strip(),
        availability=availability,
        availability_note=availability_note.strip(),
        joined_on=joined_on or timezone.localdate(),
    )
    _validate(expert, fields)
    try:
        with transaction.atomic():
            expert.save()
    except IntegrityError as exc:
        # `person.expert` would be the unsaved row above: read the one already there.
        existing = list(Expert.objects.filter(person=person).values_list("pk", flat=True))
        raise ConflictError(ALREADY_EXPERT.format(name=person.name), existing) from exc
    expert.fields.set(fields)
    return expert


@transaction.atomic
def expert_update(*, actor=None, expert: Expert, fields=None, **changes) -> Expert:
    require_perm(actor, "talent.change_expert")
    require_region_in_scope(actor, expert.region)
    unknown = set(changes) - set(_EXPERT_FIELDS)
    if unknown:
        raise TypeError(f"unknown expert fields: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(expert, name, value.strip() if isinstance(value, str) else value)
    if "region" in changes:
        require_region_in_scope(actor, expert.region)
    _validate(expert, expert.fields.all() if fields is None else fields)
    expert.save()
    if fields is not None:
        expert.fields.set(fields)
    return expert


def _require_invitable(expert: Expert) -> None:
    if not expert.is_active:
        raise ValidationError({"expert": NOT_INVITABLE.format(name=expert.person.name, state="已出库")})
    if expert.availability == Availability.UNAVAILABLE:
        raise ValidationError({"expert": NOT_INVITABLE.format(name=expert.person.name, state="暂不可邀请")})


@transaction.atomic
def expert_invite(*, actor=None, expert: Expert, session: TrainingSession, note: str = "") -> ExpertEngagement:
    """The expert teaches a session: they join its lecturers and the history records it."""
    require_perm(actor, "talent.add_expertengagement")
    require_course_access(actor, session.course, field="session")
    _require_invitable(expert)
    if session.lecturers.filter(pk=expert.person_id).exists():
        raise ConflictError(ALREADY_LECTURING.format(name=expert.person.name))
    try:
        with transaction.atomic():
            engagement = ExpertEngagement.objects.create(
                expert=expert,
                kind=EngagementKind.LECTURER,
                organization=session.course.lead_organization,
                session=session,
                date=timezone.localtime(session.starts_at).date(),
                note=note.strip() or session.title,
            )
    except IntegrityError as exc:
        raise ConflictError(ALREADY_LECTURING.format(name=expert.person.name)) from exc
    session.lecturers.add(expert.person)
    return engagement


@transaction.atomic
def expert_recruit(
    *,
    actor=None,
    expert: Expert,
    organization: Organization,
    post_type: str,
    title: str,
    start_date: dt.date,
    end_date: dt.date | None = None,
) -> ExpertEngagement:
    """The expert joins the cadre team: a post opens (through the members service) and the history records it."""
    require_perm(actor, "talent.add_expertengagement")
    _require_invitable(expert)
    post = cadre_post_create(
        actor=actor,
        person=expert.person,
        organization=organization,
        post_type=post_type,
        title=title,
        start_date=start_date,
        end_date=end_date,
    )
    return ExpertEngagement.objects.create(
        expert=expert,
        kind=EngagementKind.RECRUITED,
        organization=organization,
        post=post,
        date=start_date,
        note=f"{post.get_post_type_display()} {post.title}",
    )
