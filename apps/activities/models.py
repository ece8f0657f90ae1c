"""Co-hosted activities (联合办 / 牵头办), their sign-ups, check-in and volunteer hours."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.core.models import SyncedModel
from apps.members.models import IdentityTag, Person
from apps.organizations.models import Organization, Region
from apps.venues.models import Booking, Venue


class Theme(models.Model):
    """What an activity is about (data): 宣讲, 论坛, 讲堂, 文体, 志愿服务 and their sub-themes."""

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=32)
    parent = models.ForeignKey(
        "self", verbose_name="上级主题", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    is_volunteer = models.BooleanField("志愿服务类（记录志愿时长）", default=False)
    sort_order = models.PositiveSmallIntegerField("排序", default=100)

    class Meta:
        verbose_name = "活动主题"
        verbose_name_plural = "活动主题"
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return f"{self.parent.name} · {self.name}" if self.parent_id else self.name


class LectureGroup(models.Model):
    """A lecture group (宣讲团) of a unit, e.g. the provincial 宣讲团."""

    name = models.CharField("名称", max_length=64)
    organization = models.ForeignKey(
        Organization, verbose_name="组建单位", on_delete=models.PROTECT, related_name="lecture_groups"
    )

    class Meta:
        verbose_name = "宣讲团"
        verbose_name_plural = "宣讲团"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Lecturer(models.Model):
    person = models.OneToOneField(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="lecturer")
    group = models.ForeignKey(
        LectureGroup, verbose_name="宣讲团", null=True, blank=True, on_delete=models.SET_NULL, related_name="lecturers"
    )
    topics = models.CharField("宣讲专题", max_length=255, help_text="多个专题用顿号分隔。")

    class Meta:
        verbose_name = "宣讲员"
        verbose_name_plural = "宣讲员"

    def __str__(self) -> str:
        return self.person.name


class ActivityMode(models.TextChoices):
    JOINT = "joint", "联合办"
    LED = "led", "牵头办"


class ActivityStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"
    ONGOING = "ongoing", "进行中"
    FINISHED = "finished", "已结束"
    CANCELLED = "cancelled", "已取消"


class Activity(SyncedModel):
    sync_resource = "activities"
    scope_region_path = "region__path"
    scope_organization_path = "lead_organization__path"

    title = models.CharField("标题", max_length=128)
    theme = models.ForeignKey(Theme, verbose_name="主题", on_delete=models.PROTECT, related_name="activities")
    mode = models.CharField("举办方式", max_length=8, choices=ActivityMode.choices)
    lead_organization = models.ForeignKey(
        Organization, verbose_name="牵头（主办）组织", on_delete=models.PROTECT, related_name="led_activities"
    )
    region = models.ForeignKey(Region, verbose_name="活动区划", on_delete=models.PROTECT, related_name="activities")
    venue = models.ForeignKey(
        Venue, verbose_name="场地", null=True, blank=True, on_delete=models.PROTECT, related_name="activities"
    )
    booking = models.OneToOneField(
        Booking, verbose_name="功能室预约", null=True, blank=True, on_delete=models.SET_NULL, related_name="activity"
    )
    address = models.CharField("地点", max_length=255, blank=True)
    start = models.DateTimeField("开始时间")
    end = models.DateTimeField("结束时间")
    capacity = models.PositiveIntegerField("名额")
    target_tags = models.ManyToManyField(IdentityTag, verbose_name="面向身份（任一）", blank=True)
    min_age = models.PositiveSmallIntegerField("最低年龄", null=True, blank=True)
    max_age = models.PositiveSmallIntegerField("年龄上限（不含）", null=True, blank=True)
    signup_opens = models.DateTimeField("报名开始")
    signup_closes = models.DateTimeField("报名截止")
    status = models.CharField("状态", max_length=16, choices=ActivityStatus.choices, default=ActivityStatus.DRAFT)
    lecturers = models.ManyToManyField(Lecturer, verbose_name="宣讲员", blank=True, related_name="activities")
    summary = models.TextField("活动小结", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reminded_at = models.DateTimeField("组织者提醒时间", null=True, blank=True)

    class Meta:
        verbose_name = "活动"
        verbose_name_plural = "活动"
        ordering = ["-start", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=models.F("end")), name="activities_starts_before_end"),
            models.CheckConstraint(
                condition=Q(signup_opens__lt=models.F("signup_closes")), name="activities_signup_window"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "start"], name="activities_status_start"),
            # Lists walk newest first (-start, -id): a page is read off this index, not sorted.
            models.Index(fields=["start", "id"], name="activities_start_id"),
        ]

    def __str__(self) -> str:
        return self.title

    def tombstone_paths(self) -> tuple[str, str]:
        return self.region.path, self.lead_organization.path

    @classmethod
    def scope_shared_q(cls, scope, prefix: str = "") -> Q:
        """A joint activity shows in the lists of every participating organization's users."""
        q = Q(pk__in=[])
        lookup = f"{prefix}in" if prefix else "pk__in"
        for path in scope.organization_paths:
            taking_part = ActivityParticipant.objects.filter(organization__path__startswith=path).values("activity_id")
            q |= Q(**{lookup: taking_part})
        return q


class ParticipantRole(models.TextChoices):
    CO_HOST = "co_host", "联合主办"
    PARTNER = "partner", "协办"
    PARTICIPANT = "participant", "参与"


class ActivityParticipant(models.Model):
    activity = models.ForeignKey(Activity, verbose_name="活动", on_delete=models.CASCADE, related_name="participants")
    organization = models.ForeignKey(
        Organization, verbose_name="组织", on_delete=models.PROTECT, related_name="activity_participations"
    )
    role = models.CharField("角色", max_length=16, choices=ParticipantRole.choices)

    class Meta:
        verbose_name = "参与组织"
        verbose_name_plural = "参与组织"
        constraints = [
            models.UniqueConstraint(fields=["activity", "organization"], name="activities_one_role_per_org"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.get_role_display()}"


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", "已报名"
    WAITING = "waiting", "候补"
    CANCELLED = "cancelled", "已取消"
    ATTENDED = "attended", "已签到"


class Registration(SyncedModel):
    sync_resource = "registrations"
    scope_region_path = ("activity__region__path", "person__region__path")
    scope_organization_path = "activity__lead_organization__path"

    activity = models.ForeignKey(Activity, verbose_name="活动", on_delete=models.CASCADE, related_name="registrations")
    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="registrations")
    status = models.CharField("状态", max_length=16, choices=RegistrationStatus.choices)
    # Arrival order: registered people keep theirs, the waiting list moves up by it.
    position = models.PositiveIntegerField("报名顺序")
    code = models.UUIDField("签到码", default=uuid.uuid4, unique=True, editable=False)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="代报名人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    checked_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    checked_out_at = models.DateTimeField("签退时间", null=True, blank=True)
    rating = models.PositiveSmallIntegerField("满意度（1–5）", null=True, blank=True)
    reminded_at = models.DateTimeField("提醒时间", null=True, blank=True)

    class Meta:
        verbose_name = "报名"
        verbose_name_plural = "报名"
        ordering = ["activity_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "person"], name="activities_one_registration_per_person"),
            models.UniqueConstraint(fields=["activity", "position"], name="activities_unique_position"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="activities_rating_1_to_5"
            ),
        ]
        indexes = [models.Index(fields=["activity", "status", "position"], name="activities_reg_queue")]

    def __str__(self) -> str:
        return f"{self.person.name} · {self.activity.title}（{self.get_status_display()}）"

    def tombstone_paths(self) -> tuple[str, str]:
        return self.activity.region.path, self.activity.lead_organization.path

    @classmethod
    def scope_shared_q(cls, scope) -> Q:
        return Activity.scope_shared_q(scope, prefix="activity__")


class VolunteerRecord(SyncedModel):
    """Volunteer hours of one checked-in volunteer at one activity; staff may correct them."""

    sync_resource = "volunteer-records"
    scope_region_path = ("activity__region__path", "person__region__path")
    scope_organization_path = "organization__path"

    registration = models.OneToOneField(
        Registration, verbose_name="报名", on_delete=models.PROTECT, related_name="volunteer_record"
    )
    activity = models.ForeignKey(
        Activity, verbose_name="活动", on_delete=models.PROTECT, related_name="volunteer_records"
    )
    person = models.ForeignKey(
        Person, verbose_name="志愿者", on_delete=models.PROTECT, related_name="volunteer_records"
    )
    organization = models.ForeignKey(
        Organization, verbose_name="计入组织", on_delete=models.PROTECT, related_name="volunteer_records"
    )
    computed_hours = models.DecimalField("按签到签退计算（小时）", max_digits=5, decimal_places=2)
    hours = models.DecimalField("志愿时长（小时）", max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = "志愿时长"
        verbose_name_plural = "志愿时长"
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=Q(hours__gte=0), name="activities_hours_not_negative")]

    def __str__(self) -> str:
        return f"{self.person.name} {self.hours} 小时"

    def tombstone_paths(self) -> tuple[str, str]:
        return self.activity.region.path, self.organization.path


class VolunteerCorrection(models.Model):
    """The audit trail of every correction of volunteer hours."""

    record = models.ForeignKey(
        VolunteerRecord, verbose_name="志愿时长", on_delete=models.CASCADE, related_name="corrections"
    )
    old_hours = models.DecimalField("原时长", max_digits=5, decimal_places=2)
    new_hours = models.DecimalField("更正后", max_digits=5, decimal_places=2)
    reason = models.CharField("原因", max_length=255)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="更正人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    corrected_at = models.DateTimeField("更正时间", auto_now_add=True)

    class Meta:
        verbose_name = "志愿时长更正"
        verbose_name_plural = "志愿时长更正"
        ordering = ["-corrected_at"]

    def __str__(self) -> str:
        return f"{self.old_hours} → {self.new_hours}：{self.reason}"


class ActivityPhoto(models.Model):
    activity = models.ForeignKey(Activity, verbose_name="活动", on_delete=models.CASCADE, related_name="photos")
    image = models.FileField("照片", upload_to="activities/%Y/")
    caption = models.CharField("说明", max_length=128, blank=True)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "活动照片"
        verbose_name_plural = "活动照片"
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.caption or self.image.name
