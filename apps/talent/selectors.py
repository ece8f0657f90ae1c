"""Scoped reads of talent co-cultivation: courses, sessions, rosters, hours, rotations and experts.

Every list runs a fixed number of queries whatever its length; hours are summed from
attendance here, never stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone

from apps.members.models import CadrePost, Person
from apps.organizations.scoping import scoped, sees_all_of
from apps.talent.models import (
    Attendance,
    AttendanceStatus,
    Certificate,
    CourseStatus,
    Enrollment,
    EnrollmentStatus,
    Expert,
    Rotation,
    RotationStatus,
    TenureRule,
    TrainingCourse,
    TrainingRequirement,
    TrainingSession,
)
from apps.talent.rules import DEFAULT_YEARLY_HOURS, DUE_WITHIN_DAYS, add_months, hours_to_complete

HOURS = DecimalField(max_digits=7, decimal_places=1)
ZERO = Decimal("0.0")


# Courses and sessions ------------------------------------------------------------------


def course_list(*, user) -> QuerySet:
    """Courses in scope with their roster size, sessions, dates and planned hours, by annotation."""
    sessions = TrainingSession.objects.filter(course=OuterRef("pk")).order_by().values("course")
    enrolled = (
        Enrollment.objects.filter(course=OuterRef("pk"), status=EnrollmentStatus.ENROLLED)
        .order_by()
        .values("course")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        scoped(TrainingCourse.objects.all(), user)
        .select_related("lead_organization__federation", "federation", "target_federation")
        .prefetch_related("co_organizers")
        .annotate(
            enrolled_count=Coalesce(Subquery(enrolled, output_field=IntegerField()), 0),
            session_count=Coalesce(
                Subquery(sessions.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0
            ),
            first_start=Subquery(sessions.annotate(m=Min("starts_at")).values("m")),
            last_end=Subquery(sessions.annotate(m=Max("ends_at")).values("m")),
        )
    )


def session_list(*, user) -> QuerySet:
    present = (
        Attendance.objects.filter(session=OuterRef("pk"), status=AttendanceStatus.PRESENT)
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        scoped(TrainingSession.objects.all(), user)
        .select_related("course__lead_organization", "room__venue", "booking")
        .prefetch_related("lecturers")
        .annotate(present_count=Coalesce(Subquery(present, output_field=IntegerField()), 0))
    )


def sessions_between(*, user, start: dt.date, end: dt.date) -> QuerySet:
    """The calendar: sessions starting on days [start, end), of courses not cancelled."""
    return (
        session_list(user=user)
        .filter(starts_at__date__gte=start, starts_at__date__lt=end)
        .exclude(course__status=CourseStatus.CANCELLED)
        .order_by("starts_at", "id")
    )


@dataclass(frozen=True)
class RosterRow:
    enrollment: Enrollment
    hours: Decimal
    completed: bool


def enrollment_hours():
    """For an Enrollment queryset: the hours of the course's sessions the cadre attended."""
    attended = (
        Attendance.objects.filter(
            session__course=OuterRef("course"), person=OuterRef("person"), status=AttendanceStatus.PRESENT
        )
        .order_by()
        .values("person")
        .annotate(h=Sum("session__hours"))
        .values("h")
    )
    return Coalesce(Subquery(attended, output_field=HOURS), ZERO)


def course_roster(course: TrainingCourse) -> list[RosterRow]:
    """Each enrolled cadre with the hours they earned and whether that completes the course: 1 query."""
    enrollments = (
        course.enrollments.filter(status=EnrollmentStatus.ENROLLED)
        .select_related("person__region", "certificate")
        .annotate(hours=enrollment_hours())
        .order_by("person__name", "id")
    )
    needed = hours_to_complete(course.credit_hours)
    return [RosterRow(e, e.hours, e.hours >= needed) for e in enrollments]


@dataclass(frozen=True)
class SheetRow:
    person: Person
    status: str  # "" when not marked yet


def attendance_sheet(session: TrainingSession) -> list[SheetRow]:
    """The roster of a session's course with each cadre's mark for it: one query."""
    marked = Attendance.objects.filter(session=session, person=OuterRef("person")).values("status")[:1]
    enrollments = (
        session.course.enrollments.filter(status=EnrollmentStatus.ENROLLED)
        .select_related("person")
        .annotate(mark=Coalesce(Subquery(marked), Value("")))
        .order_by("person__name", "id")
    )
    return [SheetRow(e.person, e.mark) for e in enrollments]


def attendance_list(*, user) -> QuerySet:
    return scoped(Attendance.objects.all(), user).select_related("session__course", "person", "marked_by")


def certificate_by_code(code: str) -> Certificate | None:
    from apps.talent.services.training import certificate_verify

    return certificate_verify(code)


# Hours -----------------------------------------------------------------------------------


def required_hours(year: int) -> Decimal:
    row = TrainingRequirement.objects.filter(year__lte=year).order_by("-year").first()
    return row.hours if row is not None else DEFAULT_YEARLY_HOURS


def _year_hours(year: int):
    """Hours of sessions attended in `year`, per person (for an OuterRef("pk") of Person)."""
    return (
        Attendance.objects.filter(person=OuterRef("pk"), status=AttendanceStatus.PRESENT, session__starts_at__year=year)
        .order_by()
        .values("person")
        .annotate(h=Sum("session__hours"))
        .values("h")
    )


CADRE_ORDERS = {
    # Newest records first: only the page's rows' hours are computed.
    "recent": ("-id",),
    # Fewest hours first: every cadre's hours are summed to sort them, so it grows with the cadres.
    "hours": ("year_hours", "name", "id"),
}


def _posts_held_in(user, year: int) -> QuerySet:
    day = timezone.localdate()
    posts = scoped(CadrePost.objects.all(), user).filter(start_date__lte=min(day, dt.date(year, 12, 31)))
    return posts.filter(Q(end_date__isnull=True) | Q(end_date__gte=dt.date(year, 1, 1)))


def cadre_count(*, user, year: int) -> int:
    """How many cadre_training_list() lists unfiltered, counted on the posts alone (every post's
    person exists): no probe of the people table per cadre."""
    return _posts_held_in(user, year).values("person_id").distinct().count()


def cadre_training_list(*, user, year: int, behind_only: bool = False, order: str = "hours") -> QuerySet:
    """Cadres holding a post in scope this year, with their hours in it; `behind_only`: under the requirement.

    `order` is a key of CADRE_ORDERS. PostgreSQL evaluates the hours subquery after the sort and
    the limit when nothing sorts or filters on it, so "recent" computes only the page's rows' hours.
    """
    held = _posts_held_in(user, year).order_by().values("person_id")
    if sees_all_of(user, None):
        # The whole province: PostgreSQL sizes the posts right and merges the two id indexes,
        # stopping at the page.
        cadres = Person.objects.filter(pk__in=held)
    else:
        # A scope's conditions it cannot size (it guessed 3,000 of a county's 70 cadres and walked
        # 674,000 people in id order: 200 ms at 1M people): their ids first, as one array.
        cadres = Person.objects.filter(pk__any_of=[row["person_id"] for row in held.distinct()])
    cadres = (
        cadres.annotate(year_hours=Coalesce(Subquery(_year_hours(year), output_field=HOURS), ZERO))
        .select_related("region")
        .order_by(*CADRE_ORDERS[order])
    )
    if behind_only:
        cadres = cadres.filter(year_hours__lt=required_hours(year))
    return cadres


@dataclass(frozen=True)
class YearTotals:
    year: int
    courses: int
    sessions: int
    trainee_times: int  # 人次: one cadre at one session
    trainees: int
    hours: Decimal  # cadre-hours credited


def training_year_totals(*, user, year: int, now: dt.datetime | None = None) -> YearTotals:
    """What the seed reports (学习培训 43 期, 2,700 余人次) for the sessions in scope."""
    return year_totals(scoped(TrainingSession.objects.all(), user), year=year, now=now)


def year_totals(sessions: QuerySet, *, year: int, now: dt.datetime | None = None) -> YearTotals:
    """Sessions held in `year` (ended by now, course not cancelled) and who attended them: 2 queries."""
    held = sessions.filter(starts_at__year=year, ends_at__lte=now or timezone.now())
    held = held.exclude(course__status=CourseStatus.CANCELLED)
    figures = held.aggregate(sessions=Count("pk"), courses=Count("course", distinct=True))
    present = Attendance.objects.filter(session__in=held.values("pk"), status=AttendanceStatus.PRESENT)
    attended = present.aggregate(
        times=Count("pk"), people=Count("person", distinct=True), hours=Coalesce(Sum("session__hours"), ZERO)
    )
    return YearTotals(
        year=year,
        courses=figures["courses"],
        sessions=figures["sessions"],
        trainee_times=attended["times"],
        trainees=attended["people"],
        hours=attended["hours"],
    )


@dataclass(frozen=True)
class CourseLine:
    enrollment: Enrollment
    hours: Decimal
    certificate: Certificate | None


@dataclass(frozen=True)
class TrainingRecord:
    person: Person
    year: int
    required: Decimal
    hours: Decimal
    courses: list[CourseLine]

    @property
    def behind(self) -> Decimal:
        return max(self.required - self.hours, ZERO)


def cadre_training_record(*, user, person: Person, year: int) -> TrainingRecord:
    """One cadre's year: each course with the hours earned in it, the certificates, against the requirement."""
    hours = (
        Attendance.objects.filter(
            person=person,
            session__course=OuterRef("course"),
            status=AttendanceStatus.PRESENT,
            session__starts_at__year=year,
        )
        .order_by()
        .values("session__course")
        .annotate(h=Sum("session__hours"))
        .values("h")
    )
    in_year = TrainingSession.objects.filter(course=OuterRef("course"), starts_at__year=year)
    enrollments = (
        scoped(Enrollment.objects.filter(person=person), user)
        .filter(Exists(in_year))
        .select_related("course__lead_organization", "certificate")
        .annotate(hours=Coalesce(Subquery(hours, output_field=HOURS), ZERO))
        .order_by("course__title", "id")
    )
    lines = [CourseLine(e, e.hours, getattr(e, "certificate", None)) for e in enrollments]
    return TrainingRecord(
        person=person,
        year=year,
        required=required_hours(year),
        hours=sum((line.hours for line in lines), ZERO),
        courses=lines,
    )


# Rotations -------------------------------------------------------------------------------


def rotation_list(*, user) -> QuerySet:
    return scoped(Rotation.objects.all(), user).select_related(
        "person", "from_post__organization__federation", "to_organization__federation", "post"
    )


def rotation_due_list(*, user, today: dt.date | None = None, within_days: int = DUE_WITHIN_DAYS) -> QuerySet:
    """Current posts whose longest stay ends within `within_days` (or has passed), with no rotation planned.

    The cut-off per post type comes from TenureRule (a handful of rows), so the filter is one
    indexed condition per type and the list one query.
    """
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=within_days)
    due = Q(pk__in=[])
    for rule in TenureRule.objects.all():
        # Started on or before this day, the post's longest stay ends by the horizon.
        latest_start = add_months(horizon, -rule.max_months)
        due |= Q(post_type=rule.post_type, start_date__lte=latest_start)
    planned = Rotation.objects.filter(
        from_post=OuterRef("pk"), status__in=[RotationStatus.PLANNED, RotationStatus.ACTIVE]
    )
    rotating = Rotation.objects.filter(post=OuterRef("pk"))
    return (
        scoped(CadrePost.objects.all(), user)
        .filter(due)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .exclude(Exists(planned))
        .exclude(Exists(rotating))
        .select_related("person", "organization__federation")
        .annotate(
            max_months=Subquery(TenureRule.objects.filter(post_type=OuterRef("post_type")).values("max_months")[:1])
        )
        .order_by("start_date", "id")
    )


def rotation_counts(*, user, year: int) -> dict[str, int]:
    """Rotations started in `year`: within a federation and across federations (交流), counted apart."""
    started = rotation_list(user=user).filter(start_date__year=year).exclude(status=RotationStatus.CANCELLED)
    figures = started.aggregate(
        within=Count("pk", filter=Q(across_federations=False)), across=Count("pk", filter=Q(across_federations=True))
    )
    return {"within": figures["within"], "across": figures["across"]}


# Experts ---------------------------------------------------------------------------------


def expert_list(*, user, field=None, region=None, query: str = "", available_only: bool = False) -> QuerySet:
    """Search by field and region subtree (and a name or specialty), lecture and post counts annotated."""
    experts = (
        scoped(Expert.objects.all(), user)
        .select_related("person", "region")
        .prefetch_related("fields")
        .annotate(
            lectures=Count("engagements", filter=Q(engagements__kind="lecturer"), distinct=True),
            posts=Count("engagements", filter=Q(engagements__kind="recruited"), distinct=True),
        )
        .order_by("-is_active", "region__path", "person__name", "id")
    )
    if field is not None:
        experts = experts.filter(fields=field)
    if region is not None:
        experts = experts.filter(region__path__startswith=region.path)
    if query:
        experts = experts.filter(Q(person__name__icontains=query) | Q(specialty__icontains=query))
    if available_only:
        experts = experts.filter(is_active=True).exclude(availability="unavailable")
    return experts


def expert_engagements(expert: Expert) -> QuerySet:
    return expert.engagements.select_related("organization", "session__course", "post__organization")


# Who may be picked on the pages -------------------------------------------------------------


def lecturer_candidates(*, user, course: TrainingCourse) -> QuerySet:
    """Who may teach: the experts in scope, and the cadres now holding posts in the course's organizers."""
    today = timezone.localdate()
    organizers = [course.lead_organization_id, *(o.pk for o in course.co_organizers.all())]
    posts = CadrePost.objects.filter(organization__in=organizers, start_date__lte=today).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today)
    )
    experts = scoped(Expert.objects.filter(is_active=True), user)
    return (
        Person.objects.filter(
            Q(Exists(experts.filter(person=OuterRef("pk")))) | Q(Exists(posts.filter(person=OuterRef("pk"))))
        )
        .annotate(
            expert_specialty=Subquery(experts.filter(person=OuterRef("pk")).values("specialty")[:1]),
            post_label=Subquery(
                posts.filter(person=OuterRef("pk"))
                .annotate(label=Concat("organization__name", Value(" "), "title"))
                .values("label")[:1]
            ),
        )
        .order_by("name", "id")
    )


def fitting_posts(course: TrainingCourse, posts: QuerySet) -> QuerySet:
    """The posts of the cadres a course is for: the SQL twin of rules.post_fits."""
    if course.target_federation_id:
        posts = posts.filter(organization__federation=course.target_federation_id)
    if course.target_level:
        posts = posts.filter(organization__level=course.target_level)
    if course.target_post_type:
        posts = posts.filter(post_type=course.target_post_type)
    return posts


def enroll_candidates(*, user, course: TrainingCourse, search: str = "", selected=()) -> QuerySet:
    """Current cadres in scope who fit the course's target and are not on its roster yet."""
    today = timezone.localdate()
    posts = scoped(CadrePost.objects.all(), user).filter(start_date__lte=today)
    posts = posts.filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
    posts = fitting_posts(course, posts)
    enrolled = course.enrollments.filter(status=EnrollmentStatus.ENROLLED, person=OuterRef("pk"))
    people = Person.objects.filter(Exists(posts.filter(person=OuterRef("pk")))).exclude(Exists(enrolled))
    wanted = Q()
    if search.strip():
        # What was ticked before this search stays on the list (and ticked).
        wanted = Q(name__contains=search.strip()) | Q(pk__in=list(selected))
    return (
        people.filter(wanted)
        .annotate(
            post_label=Subquery(
                posts.filter(person=OuterRef("pk"))
                .order_by("start_date", "id")
                .annotate(label=Concat("organization__name", Value(" "), "title"))
                .values("label")[:1]
            )
        )
        .order_by("name", "id")
    )


def people_in_reach(user) -> QuerySet:
    """People the user may put on a roster: registered in scope, or holding a post in scope."""
    posts = scoped(CadrePost.objects.all(), user)
    return Person.objects.filter(
        Q(pk__in=scoped(Person.objects.all(), user).values("pk")) | Q(Exists(posts.filter(person=OuterRef("pk"))))
    )


def invitable_sessions(*, user, now: dt.datetime | None = None) -> QuerySet:
    """Sessions of open courses in scope that have not begun."""
    return (
        scoped(TrainingSession.objects.all(), user)
        .filter(course__status=CourseStatus.OPEN, starts_at__gte=now or timezone.now())
        .select_related("course")
        .order_by("starts_at", "id")
    )
