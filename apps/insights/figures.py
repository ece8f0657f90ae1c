"""The 六共 scorecard's figures: what each counts or sums, over which rows, hung from which region path.

A figure is a grouped count or sum over a scoped queryset of the period (or a share of two other
figures); apps.insights.scorecard groups them by child region, apps.insights.summaries by month,
apps.insights.evaluation by organization.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Case, Count, DurationField, ExpressionWrapper, F, IntegerField, Q, QuerySet, Sum, When
from django.utils import timezone

from apps.activities.models import Activity, ActivityMode, ActivityStatus, Registration, RegistrationStatus
from apps.insights.models import COMMON_CHOICES
from apps.organizations.models import FollowUp, FollowUpStatus, JointBranch, Meeting
from apps.organizations.scoping import scoped
from apps.projects.models import Bundle, ProjectStatus, ServiceProject, ServiceRecord
from apps.resources.models import (
    CenterKind,
    DutyShift,
    EntryKind,
    LedgerEntry,
    Secondment,
    ServiceCenter,
    ShiftPattern,
    ShiftStatus,
)
from apps.talent.models import Attendance, AttendanceStatus, CourseStatus, Rotation, RotationStatus, TrainingSession
from apps.venues.models import Booking, BookingStatus, Venue

COMMONS = COMMON_CHOICES  # the six commons, in the order the dashboard shows them


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    def aware(self) -> tuple[dt.datetime, dt.datetime]:
        first = timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))
        after = timezone.make_aware(dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min))
        return first, after


@dataclass(frozen=True)
class Figure:
    """One figure: a grouped count or sum over a scoped queryset, or a share of two other figures."""

    code: str
    common: str
    label: str
    unit: str
    rows: Callable | None = None  # (user, period) -> queryset
    path: str = ""  # lookup of the region path the rows hang from
    aggregate: Callable | None = None  # () -> aggregate expression
    share_of: tuple[str, str] | None = None  # (numerator code, denominator code)
    distinct: bool = False  # not additive over children: counted again for the whole region
    headline: bool = False
    # Summed per day: multiplied by the working days of the period already past (due, not ahead).
    per_working_day: bool = False
    duration: bool = False  # a sum of timedeltas, shown in hours


def _count():
    return Count("pk")


def _distinct():
    """For rows found through a many-to-many join (a bundle once, however many projects matched)."""
    return Count("pk", distinct=True)


def _period_rows(model, date_field: str, extra: Q | None = None):
    def rows(user, period: Period) -> QuerySet:
        queryset = scoped(model.objects.all(), user).filter(
            **{f"{date_field}__gte": period.start, f"{date_field}__lte": period.end}
        )
        return queryset.filter(extra) if extra is not None else queryset

    return rows


def _moment_rows(model, moment_field: str, extra: Q | None = None):
    def rows(user, period: Period) -> QuerySet:
        first, after = period.aware()
        queryset = scoped(model.objects.all(), user).filter(
            **{f"{moment_field}__gte": first, f"{moment_field}__lt": after}
        )
        return queryset.filter(extra) if extra is not None else queryset

    return rows


def _all_rows(model, extra: Q | None = None):
    def rows(user, period: Period) -> QuerySet:
        queryset = scoped(model.objects.all(), user)
        return queryset.filter(extra) if extra is not None else queryset

    return rows


def _overdue(user, period: Period) -> QuerySet:
    """Items past their due date and not done at the period's end (or today, for a running period):
    a past quarter keeps the figure it had, whatever was done after it."""
    cutoff = min(period.end, timezone.localdate())
    return scoped(FollowUp.objects.all(), user).filter(
        Q(status=FollowUpStatus.OPEN) | Q(done_on__gt=cutoff), due_date__lt=cutoff
    )


def _secondments(user, period: Period) -> QuerySet:
    return scoped(Secondment.objects.all(), user).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=period.start), start_date__lte=period.end
    )


def _worked_shifts(user, period: Period) -> QuerySet:
    """Shifts worked on days already past: set against the places due on those days (due_shifts)."""
    return _period_rows(DutyShift, "date", Q(status=ShiftStatus.WORKED))(user, period).filter(
        date__lt=timezone.localdate()
    )


def _projects(user, period: Period) -> QuerySet:
    """Projects running at some time in the period (planned and cancelled ones do not count)."""
    return scoped(ServiceProject.objects.all(), user).filter(
        status__in=[ProjectStatus.ACTIVE, ProjectStatus.FINISHED],
        start_date__lte=period.end,
        end_date__gte=period.start,
    )


def _bundles(user, period: Period) -> QuerySet:
    return scoped(Bundle.objects.all(), user).filter(projects__in=_projects(user, period)).distinct()


def _sessions_held(user, period: Period) -> QuerySet:
    first, after = period.aware()
    return (
        scoped(TrainingSession.objects.all(), user)
        .filter(starts_at__gte=first, starts_at__lt=after, ends_at__lte=timezone.now())
        .exclude(course__status=CourseStatus.CANCELLED)
    )


def _trainee_times(user, period: Period) -> QuerySet:
    held = _sessions_held(user, period)
    return scoped(Attendance.objects.all(), user).filter(session__in=held.values("pk"), status=AttendanceStatus.PRESENT)


def _outflows(user, period: Period) -> QuerySet:
    """Allocations and expenditures of the funds in scope (as apps.resources.services.grassroots_share)."""
    return scoped(LedgerEntry.objects.all(), user).filter(
        kind__in=[EntryKind.ALLOCATION, EntryKind.EXPENDITURE], date__gte=period.start, date__lte=period.end
    )


# An outflow spends its amount, its reversal gives it back; it serves the grassroots when its
# category says so or it goes to a unit below the fund's owner.
SPENT = Case(When(reverses__isnull=False, then=-F("amount")), default=F("amount"))
SERVES_GRASSROOTS = Q(category__is_grassroots=True) | Q(receiving_organization__depth__gt=F("fund__owner__depth"))
HELD = Q(status__in=[BookingStatus.APPROVED, BookingStatus.COMPLETED])
HELD_ACTIVITIES = Q(status__in=[ActivityStatus.PUBLISHED, ActivityStatus.ONGOING, ActivityStatus.FINISHED])
# A center's places to fill each working day: its shifts times the people each needs.
SLOTS_PER_DAY = Case(
    When(shift_pattern=ShiftPattern.HALF_DAYS, then=2 * F("staff_per_shift")),
    default=F("staff_per_shift"),
    output_field=IntegerField(),
)
BOOKED_HOURS = ExpressionWrapper(F("end") - F("start"), output_field=DurationField())

FIGURES = [
    # 组织共建
    Figure(
        "joint_branches",
        "organizations",
        "联建单位",
        "个",
        _period_rows(JointBranch, "established_on"),
        "host_unit__region__path",
        _count,
        headline=True,
    ),
    Figure("covered_units", "organizations", "已按要求建组织的单位", "个"),  # from the coverage pass
    Figure("coverable_units", "organizations", "应建组织的单位", "个"),
    Figure("coverage_share", "organizations", "组织覆盖率", "%", share_of=("covered_units", "coverable_units")),
    Figure(
        "meetings", "organizations", "联席会议及例会", "次", _period_rows(Meeting, "held_on"), "region__path", _count
    ),
    Figure(
        "overdue_follow_ups", "organizations", "逾期未办结事项", "项", _overdue, "organization__region__path", _count
    ),
    # 阵地共用
    Figure("venues", "venues", "群众之家", "个", _all_rows(Venue), "region__path", _count, headline=True),
    Figure(
        "bookings",
        "venues",
        "功能室使用",
        "次",
        _moment_rows(Booking, "start", HELD),
        "room__venue__region__path",
        _count,
    ),
    Figure(
        "co_use_bookings",
        "venues",
        "跨群团使用",
        "次",
        _moment_rows(Booking, "start", HELD & ~Q(organization__federation=F("room__contributed_by"))),
        "room__venue__region__path",
        _count,
    ),
    Figure("co_use_share", "venues", "共用率", "%", share_of=("co_use_bookings", "bookings")),
    Figure(
        "booked_hours",
        "venues",
        "使用时长",
        "小时",
        _moment_rows(Booking, "start", HELD),
        "room__venue__region__path",
        lambda: Sum(BOOKED_HOURS),
        duration=True,
    ),
    # 资源共享
    Figure(
        "centers",
        "resources",
        "群团服务中心",
        "个",
        _all_rows(ServiceCenter, Q(kind=CenterKind.CENTER)),
        "region__path",
        _count,
        headline=True,
    ),
    Figure(
        "stations",
        "resources",
        "群团服务站",
        "个",
        _all_rows(ServiceCenter, Q(kind=CenterKind.STATION)),
        "region__path",
        _count,
    ),
    Figure(
        "seconded_staff",
        "resources",
        "派驻人员",
        "人",
        _secondments,
        "center__region__path",
        lambda: Count("person", distinct=True),  # a renewed or second secondment is the same person
        distinct=True,
    ),
    Figure("duty_shifts", "resources", "排班", "班", _period_rows(DutyShift, "date"), "center__region__path", _count),
    Figure(
        "worked_shifts",
        "resources",
        "已值班",
        "班",
        _worked_shifts,
        "center__region__path",
        _count,
    ),
    Figure(
        "due_shifts",
        "resources",
        "应值班",
        "班",
        _all_rows(ServiceCenter),
        "region__path",
        lambda: Sum(SLOTS_PER_DAY),
        per_working_day=True,
    ),
    Figure("duty_coverage", "resources", "值班到岗率", "%", share_of=("worked_shifts", "due_shifts")),
    Figure(
        "grassroots_spent",
        "resources",
        "用于基层的支出",
        "元",
        _outflows,
        "fund__owner__region__path",
        lambda: Sum(SPENT, filter=SERVES_GRASSROOTS),
    ),
    Figure("fund_spent", "resources", "经费支出", "元", _outflows, "fund__owner__region__path", lambda: Sum(SPENT)),
    Figure("grassroots_share", "resources", "用于基层比例", "%", share_of=("grassroots_spent", "fund_spent")),
    # 活动共办
    Figure(
        "joint_activities",
        "activities",
        "联合办活动",
        "场",
        _moment_rows(Activity, "start", HELD_ACTIVITIES & Q(mode=ActivityMode.JOINT)),
        "region__path",
        _count,
        headline=True,
    ),
    Figure(
        "led_activities",
        "activities",
        "牵头办活动",
        "场",
        _moment_rows(Activity, "start", HELD_ACTIVITIES & Q(mode=ActivityMode.LED)),
        "region__path",
        _count,
    ),
    Figure(
        "participants",
        "activities",
        "参加人次",
        "人次",
        lambda user, period: scoped(Registration.objects.all(), user).filter(
            status=RegistrationStatus.ATTENDED,
            activity__in=_moment_rows(Activity, "start", HELD_ACTIVITIES)(user, period).values("pk"),
        ),
        "activity__region__path",
        _count,
    ),
    # 服务共融
    Figure("projects", "projects", "服务项目", "个", _projects, "region__path", _count, headline=True),
    Figure("bundles", "projects", "捆绑项目", "个", _bundles, "lead_organization__region__path", _distinct),
    Figure(
        "service_records",
        "projects",
        "服务人次",
        "人次",
        _period_rows(ServiceRecord, "date"),
        "project__region__path",
        _count,
    ),
    Figure(
        "beneficiaries",
        "projects",
        "受益人数",
        "人",
        _period_rows(ServiceRecord, "date"),
        "project__region__path",
        lambda: Count("person", distinct=True),
        distinct=True,
    ),
    # 人才共育
    Figure(
        "training_sessions",
        "talent",
        "培训课次",
        "期",
        _sessions_held,
        "course__lead_organization__region__path",
        _count,
        headline=True,
    ),
    Figure(
        "trainee_times",
        "talent",
        "参训人次",
        "人次",
        _trainee_times,
        "session__course__lead_organization__region__path",
        _count,
    ),
    Figure(
        "rotations",
        "talent",
        "轮岗交流",
        "人次",
        _period_rows(Rotation, "start_date", ~Q(status=RotationStatus.CANCELLED)),
        "to_organization__region__path",
        _count,
    ),
    Figure(
        "exchanges",
        "talent",
        "其中跨群团交流",
        "人次",
        _period_rows(Rotation, "start_date", ~Q(status=RotationStatus.CANCELLED) & Q(across_federations=True)),
        "to_organization__region__path",
        _count,
    ),
]
BY_CODE = {figure.code: figure for figure in FIGURES}

# The path of the organization each figure's rows belong to, for evaluating organizations rather
# than regions. Figures of places (群众之家, centers, host units' coverage) belong to no one federation.
ORGANIZATION_PATHS = {
    "meetings": "host__path",
    "overdue_follow_ups": "organization__path",
    "bookings": "organization__path",
    "co_use_bookings": "organization__path",
    "booked_hours": "organization__path",
    "seconded_staff": "organization__path",
    "duty_shifts": "secondment__organization__path",
    "worked_shifts": "secondment__organization__path",
    "grassroots_spent": "fund__owner__path",
    "fund_spent": "fund__owner__path",
    "joint_activities": "lead_organization__path",
    "led_activities": "lead_organization__path",
    "participants": "activity__lead_organization__path",
    "projects": "lead_organization__path",
    "bundles": "lead_organization__path",
    "service_records": "project__lead_organization__path",
    "beneficiaries": "project__lead_organization__path",
    "training_sessions": "course__lead_organization__path",
    "trainee_times": "session__course__lead_organization__path",
    "rotations": "to_organization__path",
    "exchanges": "to_organization__path",
}

# The figures the monthly summaries hold (apps.insights.summaries), and the date their rows fall on:
# additive figures over big tables. Distinct counts, figures of places (群众之家, centers) and of
# items still open (overdue follow-ups) are always counted live.
SUMMARIZED = {
    "bookings": "start",
    "co_use_bookings": "start",
    "booked_hours": "start",
    "duty_shifts": "date",
    "worked_shifts": "date",
    "grassroots_spent": "date",
    "fund_spent": "date",
    "joint_activities": "start",
    "led_activities": "start",
    "participants": "activity__start",
    "service_records": "date",
    "meetings": "held_on",
    "trainee_times": "session__starts_at",
}
