"""群众之家 and the federations' homes, their rooms, opening hours, closures and bookings.

No two pending-or-approved bookings of one room overlap. The service checks it (so SQLite
and the message agree); on PostgreSQL an exclusion constraint over
`tstzrange(start, end, '[)')` holds it whatever the race (migration 0002, PostgreSQL only:
SQLite cannot express it). Touching intervals (10:00–11:00, 11:00–12:00) do not overlap.

Bookings link to activities from the activities side (activities depend on venues).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from apps.core.crypto import EncryptedTextField
from apps.core.models import SyncedModel
from apps.core.phones import PHONE_MAX_LENGTH, keep_masked_phone
from apps.organizations.models import Federation, Organization, Region


class VenueKind(models.TextChoices):
    JOINT = "joint", "群众之家"
    UNION = "union", "职工之家"
    YOUTH = "youth", "青年之家"
    WOMEN = "women", "妇女之家"
    DISABLED = "disabled", "残疾人之家"
    SCIENCE = "science", "科普阵地"
    RED_CROSS = "red_cross", "红十字服务站"


class Venue(SyncedModel):
    """A place the federations share. Its managers approve bookings (object permission)."""

    sync_resource = "venues"
    scope_region_path = "region__path"

    name = models.CharField("名称", max_length=128)
    kind = models.CharField("类型", max_length=16, choices=VenueKind.choices, default=VenueKind.JOINT)
    region = models.ForeignKey(Region, verbose_name="所在区划", on_delete=models.PROTECT, related_name="venues")
    address = models.CharField("地址", max_length=255, blank=True)
    federations = models.ManyToManyField(
        Federation, verbose_name="共建群团", blank=True, related_name="venues", help_text="共建、共用本场地的群团。"
    )
    closes_on_public_holidays = models.BooleanField("法定节假日闭馆", default=True)
    booking_horizon_days = models.PositiveSmallIntegerField("最多提前预约天数", default=60)

    class Meta:
        verbose_name = "场地"
        verbose_name_plural = "场地"
        ordering = ["region__path", "name"]
        permissions = [("manage_venue", "管理场地（审批预约）")]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="venues_unique_name_in_region")]

    def __str__(self) -> str:
        return self.name

    def tombstone_paths(self) -> tuple[str, str]:
        return self.region.path, ""

    @classmethod
    def scope_shared_q(cls, scope, prefix: str = "") -> Q:
        """Sharing: a venue is open to the units of its federations anywhere in its prefecture.

        Beyond the tree (region roles see the venues in their regions), a user holding a role
        on a unit of a contributing federation may see and book the venue when the unit is
        in the same 市州: a county's 群众之家 serves the federation's neighbouring counties.
        """
        q = Q(pk__in=[])
        pk_lookup = f"{prefix}in" if prefix else "pk__in"
        for federation_id, prefecture_path in scope.organization_federations:
            shared = cls.federations.through.objects.filter(federation_id=federation_id).values("venue_id")
            q |= Q(**{pk_lookup: shared, f"{prefix}region__path__startswith": prefecture_path})
        return q


class VenueUserObjectPermission(UserObjectPermissionBase):
    """Direct-FK grants (django-guardian): who manages which venue, without the generic table."""

    content_object = models.ForeignKey(Venue, on_delete=models.CASCADE)


class VenueGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Venue, on_delete=models.CASCADE)


class Weekday(models.IntegerChoices):
    MONDAY = 0, "周一"
    TUESDAY = 1, "周二"
    WEDNESDAY = 2, "周三"
    THURSDAY = 3, "周四"
    FRIDAY = 4, "周五"
    SATURDAY = 5, "周六"
    SUNDAY = 6, "周日"


class OpeningHours(models.Model):
    """When a venue is open on a weekday; a weekday without a row is closed."""

    venue = models.ForeignKey(Venue, verbose_name="场地", on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField("星期", choices=Weekday.choices)
    opens = models.TimeField("开门")
    closes = models.TimeField("闭门")

    class Meta:
        verbose_name = "开放时间"
        verbose_name_plural = "开放时间"
        ordering = ["venue_id", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["venue", "weekday"], name="venues_one_opening_per_weekday"),
            models.CheckConstraint(condition=Q(opens__lt=models.F("closes")), name="venues_opens_before_closing"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class VenueClosure(models.Model):
    """A day the venue is closed on its own account (maintenance, an event)."""

    venue = models.ForeignKey(Venue, verbose_name="场地", on_delete=models.CASCADE, related_name="closures")
    date = models.DateField("日期")
    reason = models.CharField("原因", max_length=128)

    class Meta:
        verbose_name = "闭馆日"
        verbose_name_plural = "闭馆日"
        ordering = ["venue_id", "date"]
        constraints = [models.UniqueConstraint(fields=["venue", "date"], name="venues_one_closure_per_day")]

    def __str__(self) -> str:
        return f"{self.date} {self.reason}"


class RoomKind(models.TextChoices):
    MEETING_ROOM = "meeting_room", "会议室"
    ACTIVITY_HALL = "activity_hall", "活动厅"
    READING_ROOM = "reading_room", "阅览室"
    COUNSELLING_ROOM = "counselling_room", "心理咨询室"
    TRAINING_ROOM = "training_room", "培训室"
    SPORTS_GROUND = "sports_ground", "运动场地"
    EQUIPMENT = "equipment", "设备"


class Room(SyncedModel):
    sync_resource = "rooms"
    scope_region_path = "venue__region__path"

    venue = models.ForeignKey(Venue, verbose_name="场地", on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField("名称", max_length=64)
    kind = models.CharField("类型", max_length=24, choices=RoomKind.choices)
    capacity = models.PositiveIntegerField("容纳人数")
    facilities = models.CharField("设施", max_length=255, blank=True)
    contributed_by = models.ForeignKey(
        Federation,
        verbose_name="提供群团",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contributed_rooms",
    )
    needs_approval = models.BooleanField("预约需审批", default=True)
    is_active = models.BooleanField("可预约", default=True)

    class Meta:
        verbose_name = "功能室"
        verbose_name_plural = "功能室"
        ordering = ["venue_id", "name"]
        constraints = [models.UniqueConstraint(fields=["venue", "name"], name="venues_unique_room_name")]

    def __str__(self) -> str:
        return f"{self.venue.name} · {self.name}"

    def tombstone_paths(self) -> tuple[str, str]:
        return self.venue.region.path, ""

    @classmethod
    def scope_shared_q(cls, scope) -> Q:
        return Venue.scope_shared_q(scope, prefix="venue__")


class BookingStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已通过"
    REJECTED = "rejected", "已驳回"
    CANCELLED = "cancelled", "已取消"
    COMPLETED = "completed", "已完成"


# The statuses that hold a room's time.
HOLDING_STATUSES = (BookingStatus.PENDING, BookingStatus.APPROVED)


class Booking(SyncedModel):
    sync_resource = "bookings"
    scope_region_path = "room__venue__region__path"
    scope_organization_path = "organization__path"

    room = models.ForeignKey(Room, verbose_name="功能室", on_delete=models.PROTECT, related_name="bookings")
    organization = models.ForeignKey(
        Organization, verbose_name="预约组织", on_delete=models.PROTECT, related_name="bookings"
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="预约人账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bookings",
    )
    contact_name = models.CharField("联系人", max_length=64)
    # The contact's phone is a person's (PIPL): sealed at rest, shown masked (apps.core.phones).
    contact_phone = EncryptedTextField("联系电话（密文）", max_length=PHONE_MAX_LENGTH, blank=True)
    contact_phone_masked = models.CharField("联系电话", max_length=PHONE_MAX_LENGTH, blank=True, editable=False)
    purpose = models.CharField("用途", max_length=255)
    attendees = models.PositiveIntegerField("预计人数")
    start = models.DateTimeField("开始时间")
    end = models.DateTimeField("结束时间")
    status = models.CharField("状态", max_length=16, choices=BookingStatus.choices, default=BookingStatus.PENDING)
    rejection_reason = models.CharField("驳回原因", max_length=255, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    series = models.UUIDField("重复预约批次", null=True, blank=True, db_index=True)
    reminded_at = models.DateTimeField("提醒时间", null=True, blank=True)

    class Meta:
        verbose_name = "预约"
        verbose_name_plural = "预约"
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=models.F("end")), name="venues_booking_starts_before_end"),
        ]
        indexes = [
            models.Index(fields=["room", "start"], name="venues_booking_room_start"),
            models.Index(fields=["status", "start"], name="venues_booking_status_start"),
            # The admin's newest-first list walks it backwards: 0.25 s → a few ms at 300,000 bookings.
            models.Index(fields=["start", "id"], name="venues_booking_start_id"),
        ]

    def __str__(self) -> str:
        return f"{self.room} {timezone.localtime(self.start):%Y-%m-%d %H:%M} {self.purpose}"

    def save(self, *args, **kwargs):
        keep_masked_phone(self, kwargs, field="contact_phone")
        super().save(*args, **kwargs)

    def tombstone_paths(self) -> tuple[str, str]:
        return self.room.venue.region.path, self.organization.path

    @property
    def holds_room(self) -> bool:
        return self.status in HOLDING_STATUSES
