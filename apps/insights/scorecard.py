"""The 六共 scorecard: for a region subtree and a period, each common's figures from the platform's own
rows — for the region and for each of its child regions, in one grouped query per figure.

Every figure is a count or a sum over rows in the viewer's scope under the region, bucketed by
the child region their path falls in (rows of the region itself go to "本级"). Additive figures
of the region are the sum over the buckets; shares are computed from their additive numerator
and denominator, so a province's share weighs each child by its size. Distinct counts (people)
are counted once more over the whole region, since a person may appear under two children.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, Count, DurationField, ExpressionWrapper, F, IntegerField, Q, QuerySet, Sum, When
from django.db.models.functions import Substr, TruncMonth
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.activities.models import Activity, ActivityMode, ActivityStatus, Registration, RegistrationStatus
from apps.core.holidays import is_working_day
from apps.organizations import selectors as organization_selectors
from apps.organizations.models import FollowUp, FollowUpStatus, JointBranch, Meeting, Region
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

OWN_LEVEL = None  # the bucket of rows at the region itself (本级)

COMMONS = [
    ("organizations", "组织共建"),
    ("venues", "阵地共用"),
    ("resources", "资源共享"),
    ("activities", "活动共办"),
    ("projects", "服务共融"),
    ("talent", "人才共育"),
]


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


@dataclass
class Area:
    """The figures of one bucket: a child region, the region's own level, or the whole region."""

    region: Region | None
    label: str
    values: dict[str, Decimal | int | None] = field(default_factory=dict)

    def value(self, code: str):
        return self.values.get(code)


@dataclass
class Scorecard:
    region: Region
    period: Period
    total: Area
    children: list[Area]
    own_level: Area

    def common(self, code: str) -> list[tuple[Figure, Decimal | int | None]]:
        return [(f, self.total.value(f.code)) for f in FIGURES if f.common == code]


def working_days_due(period: Period) -> int:
    """Working days of the period before today: the days whose shifts should have been worked."""
    last = min(period.end, timezone.localdate() - dt.timedelta(days=1))
    days, day = 0, period.start
    while day <= last:
        days += is_working_day(day)
        day += dt.timedelta(days=1)
    return days


def _bucket_key(path: str | None, region: Region):
    if path is None or len(path) <= len(region.path):
        return OWN_LEVEL
    return path[: len(region.path) + Region.steplen]


def _grouped(figure: Figure, user, region: Region, period: Period) -> dict:
    rows = figure.rows(user, period).filter(**{f"{figure.path}__startswith": region.path})
    child_length = len(region.path) + Region.steplen
    grouped = (
        rows.order_by()
        .annotate(bucket=Substr(figure.path, 1, child_length))
        .values("bucket")
        .annotate(value=figure.aggregate())
        .values_list("bucket", "value")
    )
    days = working_days_due(period) if figure.per_working_day else 1
    result: dict = {}
    for bucket, value in grouped:
        key = _bucket_key(bucket, region)
        if isinstance(value, dt.timedelta):
            value = Decimal(value.total_seconds() / 3600).quantize(Decimal("0.1"))
        result[key] = result.get(key, 0) + (value or 0) * days
    if figure.distinct:
        result["total"] = rows.aggregate(value=figure.aggregate())["value"] or 0
    return result


def _coverage(user, region: Region) -> dict:
    """Host units a rule covers, and those with every branch they should have, per bucket: one query."""
    grouped = (
        organization_selectors.coverable_units(user=user, region=region)
        .order_by()
        .annotate(bucket=Substr("region__path", 1, len(region.path) + Region.steplen))
        .values("bucket")
        .annotate(units=Count("pk"), covered_units=Count("pk", filter=Q(covered=True)))
        .values_list("bucket", "units", "covered_units")
    )
    units, covered = {}, {}
    for bucket, unit_count, covered_count in grouped:
        key = _bucket_key(bucket, region)
        units[key] = units.get(key, 0) + unit_count
        covered[key] = covered.get(key, 0) + covered_count
    return {"coverable_units": units, "covered_units": covered}


def share_percent(numerator, denominator) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator or 0) * 100 / Decimal(denominator)).quantize(Decimal("0.1"))


def scorecard(*, user, region: Region, start: dt.date, end: dt.date) -> Scorecard:
    period = Period(start, end)
    children = list(scoped(Region.objects.filter(parent=region), user).order_by("code"))
    by_code: dict[str, dict] = {}
    for figure in FIGURES:
        if figure.rows is not None:
            by_code[figure.code] = _grouped(figure, user, region, period)
    by_code.update(_coverage(user, region))
    areas = {child.path: Area(child, child.name) for child in children}
    own = Area(region, f"{region.name}本级")
    total = Area(region, region.name)
    for code, buckets in by_code.items():
        for key, value in buckets.items():
            if key == "total":
                continue
            area = own if key is OWN_LEVEL else areas.get(key)
            if area is not None:
                area.values[code] = value
        figure = BY_CODE[code]
        total.values[code] = (
            buckets["total"] if figure.distinct else sum((v for k, v in buckets.items() if k != "total"), 0)
        )
    for area in [total, own, *areas.values()]:
        for figure in FIGURES:
            if figure.share_of is not None:
                numerator, denominator = figure.share_of
                area.values[figure.code] = share_percent(area.values.get(numerator), area.values.get(denominator))
            else:
                area.values.setdefault(figure.code, 0)
    return Scorecard(region=region, period=period, total=total, children=list(areas.values()), own_level=own)


# The figures drawn month by month, and the date each one's rows fall on.
TREND = {
    "meetings": "held_on",
    "bookings": "start",
    "joint_activities": "start",
    "led_activities": "start",
    "service_records": "date",
    "trainee_times": "session__starts_at",
}


@dataclass
class Trend:
    months: list[dt.date]
    series: dict[str, list[int]]

    def labels(self) -> list[str]:
        return [f"{month:%Y-%m}" for month in self.months]


def _months(period: Period) -> list[dt.date]:
    month, months = period.start.replace(day=1), []
    while month <= period.end:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def scorecard_trend(*, user, region: Region, start: dt.date, end: dt.date) -> Trend:
    """The TREND figures of the region per month of the period: one grouped query each."""
    period = Period(start, end)
    months = _months(period)
    series = {}
    for code, date_field in TREND.items():
        figure = BY_CODE[code]
        rows = figure.rows(user, period).filter(**{f"{figure.path}__startswith": region.path})
        grouped = (
            rows.order_by()
            .annotate(month=TruncMonth(date_field))
            .values("month")
            .annotate(value=figure.aggregate())
            .values_list("month", "value")
        )
        by_month = {}
        for month, value in grouped:
            key = month.date() if isinstance(month, dt.datetime) else month
            by_month[key] = by_month.get(key, 0) + value
        series[code] = [by_month.get(month, 0) for month in months]
    return Trend(months, series)


def default_region(user) -> Region | None:
    """The top of the viewer's scope: the province for its admins, the county for its staff."""
    return organization_selectors.region_scope_roots(user=user).first()


def scorecard_region(user, region_id) -> Region:
    """A region in the viewer's scope, or 404."""
    return get_object_or_404(scoped(Region.objects.all(), user), pk=region_id)
