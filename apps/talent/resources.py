"""Talent co-cultivation in spreadsheets (xlsx, csv): attendance both ways, the rest exported.

Attendance import: a row names a session — by 课次ID, or by 培训班 and 课次开始时间 — a cadre
by the full 身份证号, and the mark (出勤, 请假 or 缺勤). The file is judged whole before
anything is written: an unknown session, an unknown ID number, a cadre not on the course's
roster, a session that has not begun, an unknown mark, the same cadre twice for one session
— every bad row is reported with its number, column and a Chinese reason, and (run with
`rollback_on_validation_errors=True`, as the admin always does) nothing is written. A good
file goes through services.attendance_mark, one call per session; a row repeating the mark
already there is skipped.

Exports are scoped. ID numbers are masked unless the user holds
members.view_full_id_number (then the attendance export imports straight back); each export
of people's rows is written to the audit trail, saying which it was.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from import_export import fields, resources

from apps.core.audit import audit_record
from apps.core.models import AuditEvent
from apps.members import idnumbers
from apps.members.resources import ID_NUMBER_MASKED
from apps.members.services import person_by_id_number
from apps.organizations.resources.base import COLUMN_REQUIRED, CellError, ServiceResource, cell_text
from apps.organizations.scoping import scoped
from apps.talent import selectors, services
from apps.talent.models import (
    Attendance,
    AttendanceStatus,
    EngagementKind,
    Enrollment,
    EnrollmentStatus,
    Expert,
    Rotation,
    TrainingCourse,
    TrainingSession,
)

FULL_ID_PERM = "members.view_full_id_number"

# Attendance columns.
SESSION_ID = "课次ID"
COURSE = "培训班"
SESSION = "课次"
STARTS_AT = "课次开始时间"
PERSON_NAME = "学员姓名"
ID_NUMBER = "身份证号"
STATUS = "出勤"
ATTENDANCE_IMPORT_HEADERS = (SESSION_ID, COURSE, STARTS_AT, ID_NUMBER, STATUS)

# Messages for cells the service is never asked about.
SESSION_ID_INVALID = "课次ID 应为整数。"
SESSION_ID_NOT_FOUND = "找不到 ID 为 {pk} 的课次，或它不在您的管辖范围内。"
SESSION_NOT_FOUND = "找不到培训班“{course}”在 {start} 开始的课次，或它不在您的管辖范围内。"
SESSION_AMBIGUOUS = "培训班“{course}”在 {start} 开始的课次不止一个，请填写课次ID。"
STARTS_AT_INVALID = "课次开始时间应写成 2026-06-05 09:00 的形式。"
PERSON_NOT_FOUND = "找不到身份证号为 {masked} 的人员。"
STATUS_INVALID = "出勤应为以下之一：{choices}。"
DUPLICATE_ROW = "与第 {row} 行重复：同一学员在同一课次只能登记一次。"
EXPORT_MASKED = "（身份证号已脱敏）"
EXPORT_FULL = "（含完整身份证号）"
ATTENDANCE_EXPORT_AUDIT = "导出考勤 {count} 条{numbers}"
ENROLLMENT_EXPORT_AUDIT = "导出培训学员 {count} 条{numbers}"

_TIME = "%Y-%m-%d %H:%M"
_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y.%m.%d %H:%M",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H:%M",
)


def _local_time(moment: dt.datetime | None) -> str:
    return f"{timezone.localtime(moment):{_TIME}}" if moment else ""


def read_starts_at(value: Any) -> dt.datetime:
    """A session's start as written in a sheet (local time, to the minute), naive."""
    if isinstance(value, dt.datetime):
        moment = timezone.localtime(value) if timezone.is_aware(value) else value
        return moment.replace(second=0, microsecond=0, tzinfo=None)
    text = " ".join(cell_text(value).split())
    if not text:
        raise CellError(COLUMN_REQUIRED.format(column=STARTS_AT))
    for datetime_format in _DATETIME_FORMATS:
        try:
            return dt.datetime.strptime(text, datetime_format).replace(second=0)  # noqa: DTZ007 (local, naive)
        except ValueError:
            continue
    raise CellError(STARTS_AT_INVALID)


def _minute(session: TrainingSession) -> dt.datetime:
    return timezone.localtime(session.starts_at).replace(second=0, microsecond=0, tzinfo=None)


def read_status(value: Any) -> str:
    text = cell_text(value)
    if not text:
        raise CellError(COLUMN_REQUIRED.format(column=STATUS))
    for status in AttendanceStatus:
        if text in (status.label, status.value):
            return status.value
    raise CellError(STATUS_INVALID.format(choices="、".join(f"“{s.label}”" for s in AttendanceStatus)))


def read_id_number(value: Any) -> idnumbers.IdNumber:
    text = cell_text(value)
    if not text:
        raise CellError(COLUMN_REQUIRED.format(column=ID_NUMBER))
    if "*" in text:
        raise CellError(ID_NUMBER_MASKED)
    try:
        return idnumbers.parse(text)
    except ValidationError as exc:
        raise CellError(exc.messages[0]) from None


def _as_int(value: Any) -> int | None:
    try:
        return int(cell_text(value))
    except ValueError:
        return None


class IdNumberColumn:
    """The person's ID number in an export: in full for holders of the permission, else masked."""

    def __init__(self, user=None, **kwargs):
        super().__init__(user, **kwargs)
        self.full_id_numbers = bool(user is not None and user.has_perm(FULL_ID_PERM))

    def id_number_of(self, person) -> str:
        return person.id_number if self.full_id_numbers else person.id_number_masked

    def without_ciphertext(self, queryset: QuerySet, lookup: str = "person__id_number") -> QuerySet:
        # A masked export never even reads (nor decrypts) the ciphertext.
        return queryset if self.full_id_numbers else queryset.defer(lookup)

    def audit_export(self, model, template: str, count: int) -> None:
        audit_record(
            actor=self.actor,
            action=AuditEvent.Action.EXPORT,
            model=model._meta.label_lower,
            detail=template.format(count=count, numbers=EXPORT_FULL if self.full_id_numbers else EXPORT_MASKED),
        )


# Attendance ----------------------------------------------------------------------------


class AttendanceResource(IdNumberColumn, ServiceResource):
    session_id = fields.Field(column_name=SESSION_ID)
    course = fields.Field(attribute="session__course__title", column_name=COURSE)
    session = fields.Field(attribute="session__title", column_name=SESSION, readonly=True)
    starts_at = fields.Field(column_name=STARTS_AT)
    person_name = fields.Field(attribute="person__name", column_name=PERSON_NAME, readonly=True)
    id_number = fields.Field(column_name=ID_NUMBER)
    status = fields.Field(attribute="get_status_display", column_name=STATUS)

    updatable = ("status",)  # a row repeating the mark already there is skipped
    list_select_related = ("session__course", "person")

    class Meta:
        model = Attendance
        name = "考勤"
        fields = ("session_id", "course", "session", "starts_at", "person_name", "id_number", "status")
        use_transactions = True
        skip_diff = True
        chunk_size = 2000

    def __init__(self, user=None, **kwargs):
        super().__init__(user, **kwargs)
        self._sessions_by_id: dict[int, TrainingSession] = {}
        self._sessions_by_start: dict[tuple[str, dt.datetime], list[TrainingSession]] = {}
        self._people: dict[str, Any] = {}
        self._rosters: dict[int, set[int]] = {}
        self._first_row: dict[tuple[int, int], int] = {}
        self._row_number: int | None = None
        self._row_errors: dict[str, str] = {}
        # session id → {person id: status}, and the rows (instances) waiting for each mark
        self._sessions: dict[int, TrainingSession] = {}
        self._marks: dict[int, dict[int, str]] = defaultdict(dict)
        self._pending: dict[tuple[int, int], list[Attendance]] = defaultdict(list)
        self._now = timezone.now()

    # Export ---------------------------------------------------------------------------

    def get_export_fields(self, selected_fields=None):
        # 课次ID is a way in for an import; the export names the session as people read it.
        return [field for field in super().get_export_fields(selected_fields) if field.column_name != SESSION_ID]

    def filter_export(self, queryset: QuerySet, **kwargs) -> QuerySet:
        queryset = super().filter_export(queryset, **kwargs)
        return self.without_ciphertext(queryset).order_by("session__starts_at", "session_id", "person__name", "id")

    def dehydrate_starts_at(self, attendance: Attendance) -> str:
        return _local_time(attendance.session.starts_at)

    def dehydrate_id_number(self, attendance: Attendance) -> str:
        return self.id_number_of(attendance.person)

    def export(self, queryset=None, **kwargs):
        dataset = super().export(queryset, **kwargs)
        self.audit_export(Attendance, ATTENDANCE_EXPORT_AUDIT, len(dataset))
        return dataset

    # Import: judge every row, then write per session --------------------------------------

    def before_import(self, dataset, **kwargs) -> None:
        if self.user is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs user= to import.")
        headers = dataset.headers or ()
        sessions = scoped(TrainingSession.objects.all(), self.actor).select_related("course")
        if SESSION_ID in headers:
            pks = {_as_int(value) for value in dataset[SESSION_ID]} - {None}
            self._sessions_by_id = {session.pk: session for session in sessions.filter(pk__in=pks)}
        if COURSE in headers:
            titles = {cell_text(value) for value in dataset[COURSE]} - {""}
            for session in sessions.filter(course__title__in=titles):
                self._sessions_by_start.setdefault((session.course.title, _minute(session)), []).append(session)

    def before_import_row(self, row, **kwargs) -> None:
        self._row_number = kwargs.get("row_number")

    def get_instance(self, instance_loader, row):
        """Read the whole row here; the mark already given for it, if any, is the row it updates."""
        errors: dict[str, str] = {}
        session, column = self._session(row, errors)
        person = self.read(errors, ID_NUMBER, self._person, row.get(ID_NUMBER))
        status = self.read(errors, STATUS, read_status, row.get(STATUS))
        if session is not None and person is not None:
            self._check_mark(session, column, person, errors)
        self._row_errors = errors
        self._values = {"session": session, "person": person, "status": status}
        if errors:
            return None
        return Attendance.objects.filter(session=session, person=person).first()

    def read_row(self, instance, row, errors):
        errors.update(self._row_errors)
        return self._values

    def import_instance(self, instance, row, **kwargs) -> None:
        super().import_instance(instance, row, **kwargs)
        if instance.pk is None:  # so the import page can name the row
            instance.session, instance.person = self._values["session"], self._values["person"]
            instance.status = self._values["status"]

    def write(self, instance, is_create):
        """Collected here; written per session once every row is judged (after_import)."""
        session, person, status = self._values["session"], self._values["person"], self._values["status"]
        self._sessions[session.pk] = session
        self._marks[session.pk][person.pk] = status
        instance.status = status
        self._pending[(session.pk, person.pk)].append(instance)
        return instance

    def after_import(self, dataset, result, **kwargs) -> None:
        if result.has_validation_errors() or result.has_errors():
            self._mask_invalid_rows(result)
            return  # the whole file is rolled back: nothing to write
        for session_pk, marks in self._marks.items():
            saved = services.attendance_mark(actor=self.actor, session=self._sessions[session_pk], marks=marks)
            for attendance in saved:
                for instance in self._pending.get((session_pk, attendance.person_id), ()):
                    instance.__dict__.update(attendance.__dict__)
        for row_result in result.rows:
            if row_result.instance is not None and row_result.object_id is None:
                row_result.object_id = row_result.instance.pk

    def _mask_invalid_rows(self, result) -> None:
        """The import page shows bad rows back: never with a plaintext ID number."""
        positions = [index for index, header in enumerate(result.diff_headers) if header == ID_NUMBER]
        for invalid in result.invalid_rows:
            values = list(invalid.values)
            for index in positions:
                text = cell_text(values[index])
                values[index] = idnumbers.mask(idnumbers.normalize(text)) if text else text
            invalid.values = tuple(values)

    # Cells ----------------------------------------------------------------------------

    def _session(self, row, errors: dict[str, str]) -> tuple[TrainingSession | None, str]:
        """The row's session and the column that named it."""
        raw = cell_text(row.get(SESSION_ID))
        if raw:
            pk = _as_int(raw)
            if pk is None:
                errors[SESSION_ID] = SESSION_ID_INVALID
                return None, SESSION_ID
            session = self._sessions_by_id.get(pk)
            if session is None:
                errors[SESSION_ID] = SESSION_ID_NOT_FOUND.format(pk=pk)
            return session, SESSION_ID
        title = cell_text(row.get(COURSE))
        if not title:
            errors[COURSE] = COLUMN_REQUIRED.format(column=COURSE)
        start = self.read(errors, STARTS_AT, read_starts_at, row.get(STARTS_AT))
        if not title or start is None:
            return None, STARTS_AT
        found = self._sessions_by_start.get((title, start), [])
        if len(found) != 1:
            message = SESSION_AMBIGUOUS if found else SESSION_NOT_FOUND
            errors[COURSE] = message.format(course=title, start=f"{start:{_TIME}}")
            return None, STARTS_AT
        return found[0], STARTS_AT

    def _person(self, value: Any):
        number = read_id_number(value)
        if number.value not in self._people:
            self._people[number.value] = person_by_id_number(number.value)
        person = self._people[number.value]
        if person is None:
            raise CellError(PERSON_NOT_FOUND.format(masked=number.masked))
        return person

    def _check_mark(self, session: TrainingSession, column: str, person, errors: dict[str, str]) -> None:
        if session.starts_at > self._now:
            errors[column] = services.NOT_STARTED.format(start=_local_time(session.starts_at))
        if session.course_id not in self._rosters:
            enrolled = session.course.enrollments.filter(status=EnrollmentStatus.ENROLLED)
            self._rosters[session.course_id] = set(enrolled.values_list("person_id", flat=True))
        if person.pk not in self._rosters[session.course_id]:
            errors[ID_NUMBER] = services.NOT_ENROLLED.format(name=person.name)
            return
        first = self._first_row.setdefault((session.pk, person.pk), self._row_number)
        if first != self._row_number:
            errors[ID_NUMBER] = DUPLICATE_ROW.format(row=first)


# Exports --------------------------------------------------------------------------------


class ExportResource(resources.ModelResource):
    """Export only, through the user's scope (the admin's changelist, or the selector's list)."""

    list_select_related: tuple[str, ...] = ()

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user

    @property
    def actor(self):
        if self.user is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs user= for its scope.")
        return self.user

    def filter_export(self, queryset: QuerySet, **kwargs) -> QuerySet:
        # The admin hands over its (scoped) changelist; scoping here as well keeps any
        # other caller from exporting beyond the user's reach.
        return scoped(queryset, self.actor).select_related(*self.list_select_related)

    def import_data(self, *args, **kwargs):
        raise ImproperlyConfigured(f"{type(self).__name__} is an export only.")


def with_engagement_counts(experts: QuerySet) -> QuerySet:
    """How often each expert taught and was taken into a post (as selectors.expert_list counts them)."""
    return experts.annotate(
        lectures=Count("engagements", filter=Q(engagements__kind=EngagementKind.LECTURER), distinct=True),
        posts=Count("engagements", filter=Q(engagements__kind=EngagementKind.RECRUITED), distinct=True),
    )


def _names(rows) -> str:
    return "、".join(str(row.name) for row in rows)


class TrainingCourseResource(ExportResource):
    title = fields.Field(attribute="title", column_name="培训班名称")
    lead_organization = fields.Field(attribute="lead_organization__name", column_name="牵头组织")
    co_organizers = fields.Field(column_name="联合主办")
    mode = fields.Field(attribute="get_mode_display", column_name="方式")
    format = fields.Field(attribute="get_format_display", column_name="形式")
    kind = fields.Field(column_name="类别")
    credit_hours = fields.Field(attribute="credit_hours", column_name="学时")
    target = fields.Field(column_name="培训对象")
    capacity = fields.Field(attribute="capacity", column_name="名额")
    enrolled_count = fields.Field(attribute="enrolled_count", column_name="在册学员")
    session_count = fields.Field(attribute="session_count", column_name="课次数")
    first_start = fields.Field(column_name="开班时间")
    last_end = fields.Field(column_name="结束时间")
    status = fields.Field(attribute="get_status_display", column_name="状态")

    list_select_related = ("lead_organization", "federation", "target_federation")

    class Meta:
        model = TrainingCourse
        name = "培训班"
        fields = (
            "title",
            "lead_organization",
            "co_organizers",
            "mode",
            "format",
            "kind",
            "credit_hours",
            "target",
            "capacity",
            "enrolled_count",
            "session_count",
            "first_start",
            "last_end",
            "status",
        )
        chunk_size = 2000

    def get_queryset(self) -> QuerySet:
        return selectors.course_list(user=self.actor)

    def filter_export(self, queryset: QuerySet, **kwargs) -> QuerySet:
        return super().filter_export(queryset, **kwargs).prefetch_related("co_organizers").order_by("-id")

    def dehydrate_co_organizers(self, course: TrainingCourse) -> str:
        return _names(course.co_organizers.all())

    def dehydrate_kind(self, course: TrainingCourse) -> str:
        return "通用知识培训" if course.is_common else f"业务培训（{course.federation.name}）"

    def dehydrate_target(self, course: TrainingCourse) -> str:
        parts = [
            course.target_federation.name if course.target_federation_id else "",
            course.get_target_level_display() if course.target_level else "",
            course.get_target_post_type_display() if course.target_post_type else "",
        ]
        return "、".join(part for part in parts if part) or "不限"

    def dehydrate_first_start(self, course: TrainingCourse) -> str:
        return _local_time(course.first_start)

    def dehydrate_last_end(self, course: TrainingCourse) -> str:
        return _local_time(course.last_end)


class EnrollmentResource(IdNumberColumn, ExportResource):
    course = fields.Field(attribute="course__title", column_name="培训班")
    person_name = fields.Field(attribute="person__name", column_name="学员姓名")
    id_number = fields.Field(column_name="身份证号")
    status = fields.Field(attribute="get_status_display", column_name="状态")
    hours = fields.Field(attribute="hours", column_name="已获学时")
    credit_hours = fields.Field(attribute="course__credit_hours", column_name="培训班学时")
    certificate = fields.Field(column_name="结业证书验证码")
    enrolled_at = fields.Field(column_name="报名时间")

    list_select_related = ("course", "person", "certificate")

    class Meta:
        model = Enrollment
        name = "培训学员"
        fields = ("course", "person_name", "id_number", "status", "hours", "credit_hours", "certificate", "enrolled_at")
        chunk_size = 2000

    def get_queryset(self) -> QuerySet:
        return Enrollment.objects.annotate(hours=selectors.enrollment_hours())

    def filter_export(self, queryset: QuerySet, **kwargs) -> QuerySet:
        queryset = super().filter_export(queryset, **kwargs)
        if "hours" not in queryset.query.annotations:
            queryset = queryset.annotate(hours=selectors.enrollment_hours())
        return self.without_ciphertext(queryset).order_by("course_id", "person__name", "id")

    def dehydrate_id_number(self, enrollment: Enrollment) -> str:
        return self.id_number_of(enrollment.person)

    def dehydrate_certificate(self, enrollment: Enrollment) -> str:
        certificate = getattr(enrollment, "certificate", None)
        return certificate.code if certificate is not None else ""

    def dehydrate_enrolled_at(self, enrollment: Enrollment) -> str:
        return _local_time(enrollment.enrolled_at)

    def export(self, queryset=None, **kwargs):
        dataset = super().export(queryset, **kwargs)
        self.audit_export(Enrollment, ENROLLMENT_EXPORT_AUDIT, len(dataset))
        return dataset


class RotationResource(ExportResource):
    person = fields.Field(attribute="person__name", column_name="干部")
    from_organization = fields.Field(attribute="from_post__organization__name", column_name="原任职组织")
    from_post = fields.Field(attribute="from_post__title", column_name="原职务")
    to_organization = fields.Field(attribute="to_organization__name", column_name="轮岗组织")
    post_type = fields.Field(attribute="get_post_type_display", column_name="任职方式")
    title = fields.Field(attribute="title", column_name="轮岗职务")
    start_date = fields.Field(attribute="start_date", column_name="开始日期")
    end_date = fields.Field(attribute="end_date", column_name="结束日期")
    status = fields.Field(attribute="get_status_display", column_name="状态")
    across = fields.Field(column_name="跨群团交流")
    note = fields.Field(attribute="note", column_name="备注")

    list_select_related = ("person", "from_post__organization", "to_organization")

    class Meta:
        model = Rotation
        name = "轮岗交流"
        fields = (
            "person",
            "from_organization",
            "from_post",
            "to_organization",
            "post_type",
            "title",
            "start_date",
            "end_date",
            "status",
            "across",
            "note",
        )
        chunk_size = 2000

    def filter_export(self, queryset: QuerySet, **kwargs) -> QuerySet:
        return super().filter_export(queryset, **kwargs).defer("person__id_number").order_by("-start_date", "-id")

    def dehydrate_across(self, rotation: Rotation) -> str:
        return "是" if rotation.across_federations else "否"


class ExpertResource(ExportResource):
    person = fields.Field(attribute="person__name", column_name="姓名")
    region = fields.Field(attribute="region__full_name", column_name="所在区划")
    fields_ = fields.Field(column_name="专长领域")
    specialty = fields.Field(attribute="specialty", column_name="专长")
    certifications = fields.Field(column_name="资质证书")
    availability = fields.Field(attribute="get_availability_display", column_name="可邀请情况")
    availability_note = fields.Field(attribute="availability_note", column_name="说明")
    is_active = fields.Field(column_name="在库")
    joined_on = fields.Field(attribute="joined_on", column_name="入库日期")
    lectures = fields.Field(attribute="lectures", column_name="授课次数")
    posts = fields.Field(attribute="posts", column_name="任用次数")

    list_select_related = ("person", "region")

    class Meta:
        model = Expert
        name = "土专家"
        fields = (
            "person",
            "region",
            "fields_",
            "specialty",
            "certifications",
            "availability",
            "availability_note",
            "is_active",
            "joined_on",
            "lectures",
            "posts",
        )
        chunk_size = 2000

    def get_queryset(self) -> QuerySet:
        return selectors.expert_list(user=self.actor)

    def filter_export(self, queryset: QuerySet, **kwargs) -> QuerySet:
        queryset = super().filter_export(queryset, **kwargs).defer("person__id_number").prefetch_related("fields")
        if "lectures" not in queryset.query.annotations:
            queryset = with_engagement_counts(queryset)
        return queryset

    def dehydrate_fields_(self, expert: Expert) -> str:
        return _names(expert.fields.all())

    def dehydrate_certifications(self, expert: Expert) -> str:
        return "、".join(expert.certification_list)

    def dehydrate_is_active(self, expert: Expert) -> str:
        return "是" if expert.is_active else "否"
