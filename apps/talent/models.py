"""Talent co-cultivation (人才共育): joint training with attendance and hours, rotation of
cadres between posts and federations, and the pool of local experts (土专家).

Hours are never stored per cadre: a cadre's hours are the hours of the sessions they
attended, summed when asked, so a corrected attendance sheet corrects every total.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from apps.core.models import SyncedModel
from apps.members.models import CadrePost, Person, PostType
from apps.organizations.models import Federation, Organization, OrganizationLevel, Region
from apps.venues.models import Booking, Room

HOURS = {"max_digits": 5, "decimal_places": 1}


# Reference data ----------------------------------------------------------------------


class ExpertiseField(models.Model):
    """A field local experts are known for (农牧业, 手工艺, 非遗 …): data, by migration."""

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=32, unique=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=100)

    class Meta:
        verbose_name = "专长领域"
        verbose_name_plural = "专长领域"
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class TenureRule(models.Model):
    """How long a cadre stays in a post of one kind before rotating: data, by migration."""

    post_type = models.CharField("任职方式", max_length=16, choices=PostType.choices, unique=True)
    min_months = models.PositiveSmallIntegerField("最短任职（月）")
    max_months = models.PositiveSmallIntegerField("最长任职（月）")

    class Meta:
        verbose_name = "任职期限"
        verbose_name_plural = "任职期限"
        ordering = ["post_type"]
        constraints = [
            models.CheckConstraint(condition=Q(max_months__gt=F("min_months")), name="talent_tenure_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_post_type_display()}：{self.min_months}–{self.max_months} 个月"


class TrainingRequirement(models.Model):
    """The yearly training hours every cadre owes; a year without a row takes the latest earlier one."""

    year = models.PositiveSmallIntegerField("年度", unique=True)
    hours = models.DecimalField("年度学时要求", **HOURS, validators=[MinValueValidator(Decimal("0.5"))])

    class Meta:
        verbose_name = "年度学时要求"
        verbose_name_plural = "年度学时要求"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year} 年：{self.hours} 学时"


# Training ------------------------------------------------------------------------------


class TrainingMode(models.TextChoices):
    OFFLINE = "offline", "线下"
    ONLINE = "online", "线上"
    BLENDED = "blended", "线上线下结合"


class TrainingFormat(models.TextChoices):
    CONCENTRATED = "concentrated", "集中培训"
    SEMINAR = "seminar", "专题研讨"
    VIDEO = "video", "视频培训"
    EXCHANGE = "exchange", "交流学习"
    POLICY_BRIEFING = "policy_briefing", "政策宣讲"
    ON_SITE = "on_site", "阵地培训"


class CourseStatus(models.TextChoices):
    OPEN = "open", "开班"
    FINISHED = "finished", "已结业"
    CANCELLED = "cancelled", "已取消"


class TrainingCourse(SyncedModel):
    """A class the federations run together: one lead, co-organizers, for a target group of cadres."""

    sync_resource = "trainings"
    scope_region_path = "lead_organization__region__path"
    scope_organization_path = "lead_organization__path"

    title = models.CharField("培训班名称", max_length=128)
    lead_organization = models.ForeignKey(
        Organization, verbose_name="牵头组织", on_delete=models.PROTECT, related_name="led_courses"
    )
    co_organizers = models.ManyToManyField(
        Organization, verbose_name="联合主办", blank=True, related_name="co_organized_courses"
    )
    mode = models.CharField("方式", max_length=16, choices=TrainingMode.choices, default=TrainingMode.OFFLINE)
    format = models.CharField("形式", max_length=16, choices=TrainingFormat.choices)
    is_common = models.BooleanField(
        "通用知识培训", default=True, help_text="通用知识面向各群团；否则为某一群团的业务培训。"
    )
    federation = models.ForeignKey(
        Federation,
        verbose_name="业务所属群团",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="业务培训必填：培训哪个群团的业务。",
    )
    credit_hours = models.DecimalField("学时", **HOURS, validators=[MinValueValidator(Decimal("0.5"))])
    target_federation = models.ForeignKey(
        Federation,
        verbose_name="培训对象：群团",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="不选表示各群团干部。",
    )
    target_level = models.CharField(
        "培训对象：层级", max_length=16, choices=OrganizationLevel.choices, blank=True, help_text="不选表示各层级。"
    )
    target_post_type = models.CharField(
        "培训对象：任职方式", max_length=16, choices=PostType.choices, blank=True, help_text="不选表示各种任职方式。"
    )
    capacity = models.PositiveIntegerField("名额", validators=[MinValueValidator(1)])
    status = models.CharField("状态", max_length=16, choices=CourseStatus.choices, default=CourseStatus.OPEN)
    description = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "培训班"
        verbose_name_plural = "培训班"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="talent_course_capacity"),
            models.CheckConstraint(condition=Q(credit_hours__gt=0), name="talent_course_hours"),
            models.CheckConstraint(
                condition=Q(is_common=True) | Q(federation__isnull=False), name="talent_course_specific_has_federation"
            ),
        ]
        indexes = [models.Index(fields=["status", "lead_organization"], name="talent_course_status_lead")]

    def __str__(self) -> str:
        return self.title

    def tombstone_paths(self) -> tuple[str, str]:
        return self.lead_organization.region.path, self.lead_organization.path

    @classmethod
    def scope_shared_q(cls, scope, prefix: str = "") -> Q:
        """A course shows to the users of every co-organizer: its own and those of its region."""
        q = Q(pk__in=[])
        lookup = f"{prefix}in" if prefix else "pk__in"
        links = TrainingCourse.co_organizers.through.objects
        for path in scope.organization_paths:
            q |= Q(**{lookup: links.filter(organization__path__startswith=path).values("trainingcourse_id")})
        for path in scope.region_paths:
            q |= Q(**{lookup: links.filter(organization__region__path__startswith=path).values("trainingcourse_id")})
        return q


class TrainingSession(SyncedModel):
    """One class meeting of a course: when, how many hours, where (a room booking) or online, who teaches."""

    sync_resource = "training-sessions"
    scope_region_path = "course__lead_organization__region__path"
    scope_organization_path = "course__lead_organization__path"

    course = models.ForeignKey(TrainingCourse, verbose_name="培训班", on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField("课次主题", max_length=128)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    hours = models.DecimalField("学时", **HOURS, validators=[MinValueValidator(Decimal("0.5"))])
    location = models.CharField("地点", max_length=128, blank=True)
    room = models.ForeignKey(
        Room, verbose_name="场地房间", null=True, blank=True, on_delete=models.PROTECT, related_name="training_sessions"
    )
    booking = models.OneToOneField(
        Booking,
        verbose_name="场地预约",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="training_session",
    )
    online_url = models.URLField("线上链接", blank=True)
    lecturers = models.ManyToManyField(Person, verbose_name="授课人", blank=True, related_name="lectured_sessions")

    class Meta:
        verbose_name = "培训课次"
        verbose_name_plural = "培训课次"
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="talent_session_ends_after_start"),
            models.CheckConstraint(condition=Q(hours__gt=0), name="talent_session_hours"),
        ]
        indexes = [models.Index(fields=["starts_at"], name="talent_session_starts")]

    def __str__(self) -> str:
        return f"{self.course.title} · {self.title}"

    def tombstone_paths(self) -> tuple[str, str]:
        return self.course.tombstone_paths()

    @classmethod
    def scope_shared_q(cls, scope) -> Q:
        return TrainingCourse.scope_shared_q(scope, prefix="course__")


class EnrollmentStatus(models.TextChoices):
    ENROLLED = "enrolled", "在册"
    WITHDRAWN = "withdrawn", "已退出"


class Enrollment(models.Model):
    """A cadre on a course's roster; their hours come from the sessions they attended."""

    scope_region_path = ("course__lead_organization__region__path", "person__region__path")
    scope_organization_path = "course__lead_organization__path"

    course = models.ForeignKey(
        TrainingCourse, verbose_name="培训班", on_delete=models.CASCADE, related_name="enrollments"
    )
    person = models.ForeignKey(Person, verbose_name="学员", on_delete=models.PROTECT, related_name="enrollments")
    status = models.CharField(
        "状态", max_length=16, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ENROLLED
    )
    enrolled_at = models.DateTimeField("报名时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "学员"
        verbose_name_plural = "学员"
        ordering = ["course", "id"]
        constraints = [models.UniqueConstraint(fields=["course", "person"], name="talent_enrollment_once")]
        indexes = [models.Index(fields=["person", "status"], name="talent_enrollment_person")]

    def __str__(self) -> str:
        return f"{self.person.name} · {self.course.title}"

    @classmethod
    def scope_shared_q(cls, scope) -> Q:
        return TrainingCourse.scope_shared_q(scope, prefix="course__")


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "出勤"
    LEAVE = "leave", "请假"
    ABSENT = "absent", "缺勤"


class Attendance(SyncedModel):
    """Whether an enrolled cadre came to a session; only `present` earns the session's hours."""

    sync_resource = "attendances"
    scope_region_path = ("session__course__lead_organization__region__path", "person__region__path")
    scope_organization_path = "session__course__lead_organization__path"

    session = models.ForeignKey(
        TrainingSession, verbose_name="课次", on_delete=models.CASCADE, related_name="attendances"
    )
    person = models.ForeignKey(Person, verbose_name="学员", on_delete=models.PROTECT, related_name="attendances")
    status = models.CharField("出勤", max_length=16, choices=AttendanceStatus.choices)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "考勤"
        verbose_name_plural = "考勤"
        ordering = ["session", "id"]
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="talent_attendance_once")]
        indexes = [models.Index(fields=["person", "status"], name="talent_attendance_person")]

    def __str__(self) -> str:
        return f"{self.person.name} · {self.session}（{self.get_status_display()}）"

    def tombstone_paths(self) -> tuple[str, str]:
        return self.session.tombstone_paths()

    @classmethod
    def scope_shared_q(cls, scope) -> Q:
        return TrainingCourse.scope_shared_q(scope, prefix="session__course__")


class SessionReminder(models.Model):
    """That a cadre was reminded of a session: the row is the claim that makes reminders send once."""

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="reminders")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "课前提醒"
        verbose_name_plural = "课前提醒"
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="talent_reminder_once")]

    def __str__(self) -> str:
        return f"{self.person_id} · {self.session_id}"


class Certificate(models.Model):
    """Issued to a cadre who earned a course's hours; anyone may check its code at a public URL."""

    enrollment = models.OneToOneField(
        Enrollment, verbose_name="学员", on_delete=models.PROTECT, related_name="certificate"
    )
    code = models.CharField("验证码", max_length=19, unique=True)
    hours = models.DecimalField("获得学时", **HOURS)
    issued_on = models.DateField("发证日期")

    class Meta:
        verbose_name = "结业证书"
        verbose_name_plural = "结业证书"
        ordering = ["-issued_on", "-id"]

    def __str__(self) -> str:
        return f"{self.enrollment}（{self.code}）"


# Rotation ------------------------------------------------------------------------------


class RotationStatus(models.TextChoices):
    PLANNED = "planned", "计划中"
    ACTIVE = "active", "轮岗中"
    COMPLETED = "completed", "已结束"
    CANCELLED = "cancelled", "已取消"


class Rotation(SyncedModel):
    """A cadre moves from their post to another (organization, post type) for a period, then back.

    Starting it opens the new post (a CadrePost ending with the rotation); across federations
    it is an exchange (交流), counted apart. On PostgreSQL an exclusion constraint keeps one
    person's planned and running rotations from overlapping (migration 0003).
    """

    sync_resource = "rotations"
    scope_region_path = ("from_post__organization__region__path", "to_organization__region__path")
    scope_organization_path = ("from_post__organization__path", "to_organization__path")

    person = models.ForeignKey(Person, verbose_name="干部", on_delete=models.PROTECT, related_name="rotations")
    from_post = models.ForeignKey(
        CadrePost, verbose_name="原任职", on_delete=models.PROTECT, related_name="rotations_out"
    )
    to_organization = models.ForeignKey(
        Organization, verbose_name="轮岗组织", on_delete=models.PROTECT, related_name="rotations_in"
    )
    post_type = models.CharField("任职方式", max_length=16, choices=PostType.choices, default=PostType.ROTATION)
    title = models.CharField("轮岗职务", max_length=64)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    status = models.CharField("状态", max_length=16, choices=RotationStatus.choices, default=RotationStatus.PLANNED)
    across_federations = models.BooleanField("跨群团交流", default=False, editable=False)
    post = models.OneToOneField(
        CadrePost,
        verbose_name="轮岗任职",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rotation",
        editable=False,
    )
    note = models.CharField("备注", max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "轮岗交流"
        verbose_name_plural = "轮岗交流"
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gt=F("start_date")), name="talent_rotation_ends_after_start"),
        ]
        indexes = [models.Index(fields=["status", "start_date"], name="talent_rotation_status_start")]

    def __str__(self) -> str:
        return f"{self.person.name}：{self.to_organization.name} {self.title}"

    def tombstone_paths(self) -> tuple[str, str]:
        return self.to_organization.region.path, self.to_organization.path


# Local experts -------------------------------------------------------------------------


class Availability(models.TextChoices):
    AVAILABLE = "available", "可邀请"
    LIMITED = "limited", "时间有限"
    UNAVAILABLE = "unavailable", "暂不可邀请"


class Expert(SyncedModel):
    """A local expert (土专家) of the grassroots, to invite as a lecturer or recruit into a post."""

    sync_resource = "experts"
    scope_region_path = "region__path"

    person = models.OneToOneField(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="expert")
    fields = models.ManyToManyField(ExpertiseField, verbose_name="专长领域", related_name="experts")
    region = models.ForeignKey(Region, verbose_name="所在区划", on_delete=models.PROTECT, related_name="experts")
    specialty = models.CharField("专长", max_length=128, help_text="如：牦牛养殖、藏绣、青绣、中藏医推拿。")
    certifications = models.TextField("资质证书", blank=True, help_text="每行一项，如：高级农艺师、省级非遗传承人。")
    availability = models.CharField(
        "可邀请情况", max_length=16, choices=Availability.choices, default=Availability.AVAILABLE
    )
    availability_note = models.CharField("说明", max_length=128, blank=True)
    is_active = models.BooleanField("在库", default=True)
    joined_on = models.DateField("入库日期")

    class Meta:
        verbose_name = "土专家"
        verbose_name_plural = "土专家"
        ordering = ["-joined_on", "-id"]
        indexes = [models.Index(fields=["is_active", "availability"], name="talent_expert_active")]

    def __str__(self) -> str:
        return f"{self.person.name}（{self.specialty}）"

    def tombstone_paths(self) -> tuple[str, str]:
        return self.region.path, ""

    @property
    def certification_list(self) -> list[str]:
        return [line.strip() for line in self.certifications.splitlines() if line.strip()]


class EngagementKind(models.TextChoices):
    LECTURER = "lecturer", "受邀授课"
    RECRUITED = "recruited", "吸收进干部队伍"


class ExpertEngagement(models.Model):
    """The history of an expert's work with the federations: each lecture and each post."""

    expert = models.ForeignKey(Expert, verbose_name="专家", on_delete=models.CASCADE, related_name="engagements")
    kind = models.CharField("类型", max_length=16, choices=EngagementKind.choices)
    organization = models.ForeignKey(
        Organization, verbose_name="邀请或任用组织", on_delete=models.PROTECT, related_name="+"
    )
    session = models.ForeignKey(
        TrainingSession, verbose_name="授课课次", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    post = models.ForeignKey(
        CadrePost, verbose_name="任职", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    date = models.DateField("日期")
    note = models.CharField("说明", max_length=255, blank=True)
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "专家使用记录"
        verbose_name_plural = "专家使用记录"
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["expert", "session"],
                condition=Q(session__isnull=False),
                name="talent_engagement_once_per_session",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.expert.person.name} · {self.get_kind_display()}（{self.date}）"
