"""Joint training: courses and their sessions, the roster, attendance, certificates and reminders."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from apps.accounts.services import notify
from apps.core.exceptions import ConflictError
from apps.members.models import CadrePost, Person
from apps.organizations.scoping import scope_for
from apps.organizations.services.checks import NO_PERMISSION, clean_name, require_organization_in_scope, require_perm
from apps.talent.models import (
    Attendance,
    AttendanceStatus,
    Certificate,
    CourseStatus,
    Enrollment,
    EnrollmentStatus,
    SessionReminder,
    TrainingCourse,
    TrainingSession,
)
from apps.talent.rules import hours_to_complete, target_refusal
from apps.venues.services import booking_cancel, booking_create

SPECIFIC_NEEDS_FEDERATION = "业务培训须选择所属群团。"
COURSE_CLOSED = "培训班已{status}，不能再修改。"
CO_ORGANIZER_IS_LEAD = "牵头组织不必再列为联合主办。"
SESSION_TIMES = "结束时间须晚于开始时间。"
SESSION_HOURS_OVER = "各课次学时合计 {total} 超过培训班学时 {credit}。"
SESSION_WHERE = "线下课次请填写地点或选择场地房间；线上课次请填写线上链接。"
SESSION_HAS_ATTENDANCE = "该课次已有考勤记录，不能删除。"
NOT_A_CADRE = "{name}{reason}。"
ALREADY_ENROLLED = "{name}已在本班学员名单中。"
NO_ONE = "请选择至少一名学员。"
FULL = "名额不足：本班共 {capacity} 个名额，已报 {taken} 人，还能报 {left} 人，本次 {asked} 人。"
NOT_ENROLLED = "{name}不在本班学员名单中，不能登记考勤。"
NOT_STARTED = "课次尚未开始（{start}），不能登记考勤。"
UNKNOWN_STATUS = "未知的出勤状态：{status}。"
NOT_COMPLETED = "{name}出勤 {hours} 学时，未达到结业要求的 {needed} 学时。"
ALREADY_CERTIFIED = "{name}已取得本班结业证书。"
FINISH_BEFORE_END = "最后一次课结束（{end}）之后才能结业。"

# What course_create and course_update take besides the co-organizers.
COURSE_FIELDS = (
    "title",
    "lead_organization",
    "mode",
    "format",
    "is_common",
    "federation",
    "credit_hours",
    "target_federation",
    "target_level",
    "target_post_type",
    "capacity",
    "description",
)


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def require_course_access(actor, course: TrainingCourse, *, field: str = "course") -> None:
    """The lead's users and every co-organizer's users run the course together."""
    if actor is None:
        return
    scope = scope_for(actor)
    if scope.covers_organization(course.lead_organization):
        return
    if any(scope.covers_organization(organization) for organization in course.co_organizers.all()):
        return
    raise PermissionDenied(NO_PERMISSION)


def _validate_course(course: TrainingCourse) -> None:
    course.title = clean_name(course.title, field="title")
    if course.is_common:
        course.federation = None
    elif course.federation_id is None:
        raise ValidationError({"federation": SPECIFIC_NEEDS_FEDERATION})
    course.full_clean(validate_constraints=False, exclude=["co_organizers"])


def _set_co_organizers(course: TrainingCourse, co_organizers) -> None:
    co_organizers = list(co_organizers or [])
    if any(organization.pk == course.lead_organization_id for organization in co_organizers):
        raise ValidationError({"co_organizers": CO_ORGANIZER_IS_LEAD})
    course.co_organizers.set(co_organizers)


@transaction.atomic
def course_create(*, actor=None, co_organizers=(), **fields) -> TrainingCourse:
    require_perm(actor, "talent.add_trainingcourse")
    unknown = set(fields) - set(COURSE_FIELDS)
    if unknown:
        raise TypeError(f"unknown course fields: {sorted(unknown)}")
    course = TrainingCourse(**fields, created_by=actor if actor and actor.is_authenticated else None)
    require_organization_in_scope(actor, course.lead_organization, field="lead_organization")
    _validate_course(course)
    course.save()
    _set_co_organizers(course, co_organizers)
    return course


@transaction.atomic
def course_update(*, actor=None, course: TrainingCourse, co_organizers=None, **changes) -> TrainingCourse:
    require_perm(actor, "talent.change_trainingcourse")
    require_course_access(actor, course)
    unknown = set(changes) - set(COURSE_FIELDS)
    if unknown:
        raise TypeError(f"unknown course fields: {sorted(unknown)}")
    if course.status != CourseStatus.OPEN:
        raise ValidationError({"status": COURSE_CLOSED.format(status=course.get_status_display()[1:])})
    for name, value in changes.items():
        setattr(course, name, value)
    if "lead_organization" in changes:
        require_organization_in_scope(actor, course.lead_organization, field="lead_organization")
    _validate_course(course)
    enrolled = course.enrollments.filter(status=EnrollmentStatus.ENROLLED).count()
    if course.capacity < enrolled:
        raise ValidationError({"capacity": f"已有 {enrolled} 名学员，名额不能少于此数。"})
    _check_session_hours(course, extra=Decimal(0))
    course.save()
    if co_organizers is not None:
        _set_co_organizers(course, co_organizers)
    return course


@transaction.atomic
def course_finish(*, actor=None, course: TrainingCourse, now: dt.datetime | None = None) -> list[Certificate]:
    """结业: the course closes and every cadre who earned its hours gets a certificate."""
    require_perm(actor, "talent.change_trainingcourse")
    require_course_access(actor, course)
    now = now or timezone.now()
    course = TrainingCourse.objects.select_for_update().get(pk=course.pk)
    if course.status != CourseStatus.OPEN:
        raise ValidationError({"status": COURSE_CLOSED.format(status=course.get_status_display()[1:])})
    last = course.sessions.order_by("-ends_at").first()
    if last is not None and last.ends_at > now:
        raise ValidationError({"status": FINISH_BEFORE_END.format(end=_local(last.ends_at))})
    course.status = CourseStatus.FINISHED
    course.save(update_fields=["status", "updated_at"])
    issued = []
    hours = credited_hours(course)
    needed = hours_to_complete(course.credit_hours)
    roster = course.enrollments.filter(status=EnrollmentStatus.ENROLLED, certificate__isnull=True)
    for enrollment in roster.select_related("person"):
        if hours.get(enrollment.person_id, Decimal(0)) >= needed:
            issued.append(_issue(enrollment, hours[enrollment.person_id], timezone.localdate(now)))
    return issued


@transaction.atomic
def course_cancel(*, actor=None, course: TrainingCourse) -> TrainingCourse:
    """Cancelled: its room bookings are given back; attendance already taken stays on record."""
    require_perm(actor, "talent.change_trainingcourse")
    require_course_access(actor, course)
    if course.status != CourseStatus.OPEN:
        raise ValidationError({"status": COURSE_CLOSED.format(status=course.get_status_display()[1:])})
    course.status = CourseStatus.CANCELLED
    course.save(update_fields=["status", "updated_at"])
    for session in course.sessions.filter(booking__isnull=False, starts_at__gt=timezone.now()).select_related(
        "booking"
    ):
        _give_back_room(session)
    return course


# Sessions --------------------------------------------------------------------------------


def _check_session_hours(course: TrainingCourse, *, extra: Decimal, without: int | None = None) -> None:
    sessions = course.sessions.exclude(pk=without) if without else course.sessions.all()
    total = (sessions.aggregate(total=Sum("hours"))["total"] or Decimal(0)) + extra
    if total > course.credit_hours:
        raise ValidationError({"hours": SESSION_HOURS_OVER.format(total=total, credit=course.credit_hours)})


def _give_back_room(session: TrainingSession) -> None:
    booking = session.booking
    if booking is not None and booking.status in ("pending", "approved"):
        booking_cancel(booking=booking)


@transaction.atomic
def session_create(
    *,
    actor=None,
    course: TrainingCourse,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    hours: Decimal,
    location: str = "",
    room=None,
    online_url: str = "",
    lecturers=(),
    contact_name: str = "",
    contact_phone: str = "",
) -> TrainingSession:
    """A class meeting; with a room, the room is booked through the venues service (409 if taken)."""
    require_perm(actor, "talent.add_trainingsession")
    require_course_access(actor, course)
    course = TrainingCourse.objects.select_for_update().get(pk=course.pk)
    if course.status != CourseStatus.OPEN:
        raise ValidationError({"course": COURSE_CLOSED.format(status=course.get_status_display()[1:])})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": SESSION_TIMES})
    if not (location.strip() or room or online_url.strip()):
        raise ValidationError({"location": SESSION_WHERE})
    session = TrainingSession(
        course=course,
        title=clean_name(title, field="title"),
        starts_at=starts_at,
        ends_at=ends_at,
        hours=hours,
        location=location.strip(),
        room=room,
        online_url=online_url.strip(),
    )
    session.full_clean(validate_constraints=False, exclude=["course", "room", "booking"])
    _check_session_hours(course, extra=Decimal(hours))
    if room is not None:
        session.booking = booking_create(
            actor=actor,
            room=room,
            organization=course.lead_organization,
            start=starts_at,
            end=ends_at,
            purpose=f"培训：{course.title} · {session.title}"[:128],
            attendees=min(course.capacity, room.capacity),
            contact_name=contact_name or (actor.get_full_name() if actor else "") or course.lead_organization.name,
            contact_phone=contact_phone,
        )
        if not session.location:
            session.location = f"{room.venue.name} {room.name}"[:128]
    session.save()
    session.lecturers.set(lecturers)
    return session


@transaction.atomic
def session_delete(*, actor=None, session: TrainingSession) -> None:
    require_perm(actor, "talent.delete_trainingsession")
    require_course_access(actor, session.course)
    if session.attendances.exists():
        raise ConflictError(SESSION_HAS_ATTENDANCE, list(session.attendances.values_list("pk", flat=True)[:20]))
    _give_back_room(session)
    session.delete()


# Roster ----------------------------------------------------------------------------------


def current_posts(person_ids, day: dt.date) -> dict[int, list[CadrePost]]:
    posts = (
        CadrePost.objects.filter(person_id__in=person_ids, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .select_related("organization")
    )
    by_person = defaultdict(list)
    for post in posts:
        by_person[post.person_id].append(post)
    return by_person


@transaction.atomic
def course_enroll(*, actor=None, course: TrainingCourse, people) -> list[Enrollment]:
    """Enroll cadres in bulk, all or none: each refusal is listed by name; over capacity is a 409."""
    require_perm(actor, "talent.add_enrollment")
    require_course_access(actor, course)
    people = list(dict.fromkeys(people))
    if not people:
        raise ValidationError({"people": NO_ONE})
    locked = TrainingCourse.objects.select_for_update(of=("self",))
    course = locked.select_related("target_federation").get(pk=course.pk)
    if course.status != CourseStatus.OPEN:
        raise ValidationError({"course": COURSE_CLOSED.format(status=course.get_status_display()[1:])})
    existing = {e.person_id: e for e in course.enrollments.filter(person__in=people)}
    posts = current_posts([p.pk for p in people], timezone.localdate())
    errors = []
    for person in people:
        enrollment = existing.get(person.pk)
        if enrollment is not None and enrollment.status == EnrollmentStatus.ENROLLED:
            errors.append(ALREADY_ENROLLED.format(name=person.name))
            continue
        reason = target_refusal(course, posts.get(person.pk, []))
        if reason:
            errors.append(NOT_A_CADRE.format(name=person.name, reason=reason))
    if errors:
        raise ValidationError({"people": errors})
    taken = course.enrollments.filter(status=EnrollmentStatus.ENROLLED).count()
    if taken + len(people) > course.capacity:
        left = course.capacity - taken
        raise ConflictError(FULL.format(capacity=course.capacity, taken=taken, left=left, asked=len(people)))
    enrolled = []
    for person in people:
        enrollment = existing.get(person.pk) or Enrollment(course=course, person=person)
        enrollment.status = EnrollmentStatus.ENROLLED
        enrolled.append(enrollment)
    try:
        with transaction.atomic():
            for enrollment in enrolled:
                enrollment.save()
    except IntegrityError as exc:  # a concurrent request enrolled one of them first
        raise ConflictError("名单已被他人更新，请刷新后重试。") from exc
    course.save(update_fields=["updated_at"])  # the course's figures changed: delta sync sees it
    return enrolled


@transaction.atomic
def enrollment_withdraw(*, actor=None, enrollment: Enrollment) -> Enrollment:
    require_perm(actor, "talent.change_enrollment")
    require_course_access(actor, enrollment.course)
    if hasattr(enrollment, "certificate"):
        raise ValidationError({"status": ALREADY_CERTIFIED.format(name=enrollment.person.name)})
    enrollment.status = EnrollmentStatus.WITHDRAWN
    enrollment.save(update_fields=["status", "updated_at"])
    return enrollment


# Attendance ------------------------------------------------------------------------------


@transaction.atomic
def attendance_mark(
    *, actor=None, session: TrainingSession, marks: dict, now: dt.datetime | None = None
) -> list[Attendance]:
    """The attendance sheet of one session: {person or id: status}; rows already marked are corrected."""
    require_perm(actor, "talent.add_attendance")
    require_course_access(actor, session.course, field="session")
    now = now or timezone.now()
    if session.starts_at > now:
        raise ValidationError({"session": NOT_STARTED.format(start=_local(session.starts_at))})
    ids = {getattr(person, "pk", person): status for person, status in marks.items()}
    roster = dict(
        session.course.enrollments.filter(status=EnrollmentStatus.ENROLLED, person_id__in=ids).values_list(
            "person_id", "person__name"
        )
    )
    errors = []
    names = dict(Person.objects.filter(pk__in=set(ids) - set(roster)).values_list("pk", "name"))
    for person_id, status in ids.items():
        if person_id not in roster:
            errors.append(NOT_ENROLLED.format(name=names.get(person_id, f"ID {person_id} 的人员")))
        elif status not in AttendanceStatus.values:
            errors.append(UNKNOWN_STATUS.format(status=status))
    if errors:
        raise ValidationError({"marks": errors})
    marked_by = actor if actor is not None and actor.is_authenticated else None
    rows = [
        Attendance(session=session, person_id=person_id, status=status, marked_by=marked_by, updated_at=now)
        for person_id, status in ids.items()
    ]
    Attendance.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["session", "person"],
        update_fields=["status", "marked_by", "updated_at"],
    )
    return list(Attendance.objects.filter(session=session, person_id__in=ids).select_related("person"))


def credited_hours(course: TrainingCourse, person_ids=None) -> dict[int, Decimal]:
    """Hours each cadre earned on the course: the hours of the sessions they attended, nothing else."""
    attended = Attendance.objects.filter(session__course=course, status=AttendanceStatus.PRESENT)
    if person_ids is not None:
        attended = attended.filter(person_id__in=person_ids)
    return dict(attended.values("person_id").annotate(hours=Sum("session__hours")).values_list("person_id", "hours"))


# Certificates ----------------------------------------------------------------------------

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone


def new_certificate_code() -> str:
    """16 random characters (80 bits) in groups of four: unguessable, so a forged code finds nothing."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def normalize_code(code: str) -> str:
    raw = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _issue(enrollment: Enrollment, hours: Decimal, day: dt.date) -> Certificate:
    while True:
        code = new_certificate_code()
        if not Certificate.objects.filter(code=code).exists():
            break
    return Certificate.objects.create(enrollment=enrollment, code=code, hours=hours, issued_on=day)


@transaction.atomic
def certificate_issue(*, actor=None, enrollment: Enrollment, on: dt.date | None = None) -> Certificate:
    """One cadre's certificate before the course closes (they earned the hours already)."""
    require_perm(actor, "talent.add_certificate")
    require_course_access(actor, enrollment.course)
    enrollment = Enrollment.objects.select_for_update().select_related("course", "person").get(pk=enrollment.pk)
    if Certificate.objects.filter(enrollment=enrollment).exists():
        raise ConflictError(ALREADY_CERTIFIED.format(name=enrollment.person.name))
    hours = credited_hours(enrollment.course, [enrollment.person_id]).get(enrollment.person_id, Decimal(0))
    needed = hours_to_complete(enrollment.course.credit_hours)
    if enrollment.status != EnrollmentStatus.ENROLLED or hours < needed:
        raise ValidationError(
            {"enrollment": NOT_COMPLETED.format(name=enrollment.person.name, hours=hours, needed=needed)}
        )
    return _issue(enrollment, hours, on or timezone.localdate())


def certificate_verify(code: str) -> Certificate | None:
    """The certificate a code belongs to, or None: the public check needs no account."""
    code = normalize_code(code)
    if len(code) != 19:
        return None
    return (
        Certificate.objects.select_related("enrollment__person", "enrollment__course__lead_organization__federation")
        .filter(code=code)
        .first()
    )


# Reminders -------------------------------------------------------------------------------


def session_reminders_send(*, now: dt.datetime | None = None) -> int:
    """The day before a session, each enrolled cadre with an account hears once (the claim row makes it so)."""
    now = now or timezone.now()
    tomorrow = timezone.localtime(now).date() + dt.timedelta(days=1)
    sessions = TrainingSession.objects.filter(
        starts_at__date=tomorrow, course__status=CourseStatus.OPEN
    ).select_related("course")
    sent = 0
    for session in sessions:
        roster = Enrollment.objects.filter(
            course=session.course, status=EnrollmentStatus.ENROLLED, person__user__isnull=False
        ).exclude(person__in=session.reminders.values("person"))
        for enrollment in roster.select_related("person__user"):
            try:
                with transaction.atomic():
                    SessionReminder.objects.create(session=session, person=enrollment.person)
            except IntegrityError:
                continue  # another worker claimed it
            where = session.location or session.online_url or "见培训通知"
            notify(
                users=[enrollment.person.user],
                title=f"培训提醒：明天 {_local(session.starts_at)[-5:]} {session.course.title}"[:128],
                body=f"{session.title}，{where}，{session.hours} 学时。",
                url=f"/talent/courses/{session.course_id}/",
            )
            sent += 1
    return sent
