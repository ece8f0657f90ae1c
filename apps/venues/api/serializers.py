"""Serializers of venues, rooms, availability and bookings: they parse input, the services decide."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api import ScopedPrimaryKeyRelatedField
from apps.core.phones import PHONE_MAX_LENGTH
from apps.organizations.models import Federation
from apps.organizations.selectors import organization_list, region_list
from apps.venues.models import Booking, OpeningHours, Room, Venue, Weekday
from apps.venues.selectors import room_list, venue_list
from apps.venues.services.bookings import SERIES_LIMIT

HOURS_WEEKDAY_TWICE = "同一星期只能填写一条开放时间。"
DATE_REQUIRED = "请填写日期（date），格式为 YYYY-MM-DD。"
DATE_INVALID = "日期格式不正确，请使用 YYYY-MM-DD，例如 2026-12-01。"


# Venues and rooms -----------------------------------------------------------------------


class OpeningHoursSerializer(serializers.ModelSerializer):
    weekday = serializers.ChoiceField(choices=Weekday.choices, label="星期", help_text="0 = 周一 … 6 = 周日。")

    class Meta:
        model = OpeningHours
        fields = ["weekday", "opens", "closes"]


class VenueSerializer(serializers.ModelSerializer):
    region = ScopedPrimaryKeyRelatedField(selector=region_list, label="所在区划")
    federations = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Federation.objects.all(),
        required=False,
        label="共建群团",
        help_text="共建、共用本场地的群团类别 ID。同一市州内这些群团的组织也可查看和预约本场地。",
    )
    opening_hours = OpeningHoursSerializer(
        many=True,
        required=False,
        label="开放时间",
        help_text="每个开放的星期一条；未列出的星期不开放。修改时给出则整体替换。",
    )

    class Meta:
        model = Venue
        fields = [
            "id",
            "name",
            "kind",
            "region",
            "address",
            "federations",
            "opening_hours",
            "closes_on_public_holidays",
            "booking_horizon_days",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]

    def validate_opening_hours(self, rows: list[dict]) -> list[dict]:
        weekdays = [row["weekday"] for row in rows]
        if len(weekdays) != len(set(weekdays)):
            raise serializers.ValidationError(HOURS_WEEKDAY_TWICE)
        return rows


class RoomSerializer(serializers.ModelSerializer):
    venue = ScopedPrimaryKeyRelatedField(selector=venue_list, label="场地")
    contributed_by = serializers.PrimaryKeyRelatedField(
        queryset=Federation.objects.all(),
        required=False,
        allow_null=True,
        label="提供群团",
        help_text="提供该功能室的群团类别 ID；其他群团的预约计为共用。",
    )

    class Meta:
        model = Room
        fields = [
            "id",
            "venue",
            "name",
            "kind",
            "capacity",
            "contributed_by",
            "needs_approval",
            "facilities",
            "is_active",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]


class RoomUpdateSerializer(RoomSerializer):
    """A room stays in its venue."""

    venue = serializers.PrimaryKeyRelatedField(read_only=True, label="场地")


# Availability ---------------------------------------------------------------------------


class AvailabilityQuerySerializer(serializers.Serializer):
    date = serializers.DateField(
        input_formats=["%Y-%m-%d"],
        error_messages={"required": DATE_REQUIRED, "null": DATE_REQUIRED, "invalid": DATE_INVALID},
        help_text="YYYY-MM-DD。",
    )


class BusySerializer(serializers.Serializer):
    start = serializers.DateTimeField(help_text="占用开始。")
    end = serializers.DateTimeField(help_text="占用结束。")
    status = serializers.CharField(help_text="pending 或 approved。")
    booking = serializers.SerializerMethodField(
        help_text="预约 ID；该预约不在您的范围内时为 null（只显示该时段已被占用）。"
    )

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_booking(self, busy) -> int | None:
        return busy.booking.pk if busy.booking is not None else None


class AvailabilitySerializer(serializers.Serializer):
    """A room's day (selectors.room_availability): the venue's hours and the held intervals."""

    room = serializers.IntegerField(source="room.pk", help_text="功能室 ID。")
    date = serializers.DateField(source="hours.day", help_text="日期。")
    open = serializers.BooleanField(source="hours.is_open", help_text="当天是否开放。")
    opens = serializers.TimeField(source="hours.opens", allow_null=True, help_text="开门时间；闭馆时为 null。")
    closes = serializers.TimeField(source="hours.closes", allow_null=True, help_text="闭门时间；闭馆时为 null。")
    closed_reason = serializers.CharField(source="hours.closed_reason", help_text="闭馆原因；开放时为空。")
    busy = BusySerializer(many=True, help_text="待审批和已通过预约占用的时段，按开始时间排序。")


# Bookings -------------------------------------------------------------------------------


class RecurrenceSerializer(serializers.Serializer):
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        required=False,
        default=list,
        label="星期",
        help_text="每周的哪几天（0 = 周一 … 6 = 周日）；留空为开始时间所在的星期。",
    )
    until = serializers.DateField(required=False, label="截止日期", help_text="重复到这一天（含）；与 count 二选一。")
    count = serializers.IntegerField(
        required=False, min_value=1, max_value=SERIES_LIMIT, label="次数", help_text="共预约几次；与 until 二选一。"
    )


class BookingSerializer(serializers.ModelSerializer):
    room = ScopedPrimaryKeyRelatedField(
        selector=room_list, label="功能室", help_text="您范围内的功能室，含共建群团在本市州共享的场地。"
    )
    organization = ScopedPrimaryKeyRelatedField(
        selector=organization_list, label="预约组织", help_text="以哪个组织的名义预约（须在您的范围内）。"
    )
    room_name = serializers.CharField(source="room.name", read_only=True, label="功能室名称")
    organization_name = serializers.CharField(source="organization.name", read_only=True, label="预约组织名称")
    recurrence = RecurrenceSerializer(
        write_only=True,
        required=False,
        label="重复",
        help_text=(
            "每周重复：{weekdays, until} 或 {weekdays, count}。全部成功才创建，"
            "有任何一次不符合规则（400）或冲突（409）时一次也不创建。"
        ),
    )

    class Meta:
        model = Booking
        fields = [
            "id",
            "room",
            "room_name",
            "organization",
            "organization_name",
            "start",
            "end",
            "purpose",
            "attendees",
            "contact_name",
            "contact_phone",
            "contact_phone_masked",
            "status",
            "rejection_reason",
            "series",
            "recurrence",
            "updated_at",
        ]
        read_only_fields = ["contact_phone_masked", "status", "rejection_reason", "series", "updated_at"]
        extra_kwargs = {
            "start": {"help_text": "ISO 8601，含时区，例如 2026-12-01T10:00:00+08:00。"},
            "end": {"help_text": "须与开始时间在同一天。"},
            "contact_phone": {
                "required": False,
                "write_only": True,
                "max_length": PHONE_MAX_LENGTH,
                "help_text": "读取时只返回 contact_phone_masked（如 138****1234）。",
            },
            "attendees": {"min_value": 1},
        }

    def validate(self, attrs: dict) -> dict:
        # Naive times are read as Beijing time, as the pages do.
        for name in ("start", "end"):
            if name in attrs and timezone.is_naive(attrs[name]):
                attrs[name] = timezone.make_aware(attrs[name])
        return attrs


class BookingSeriesSerializer(serializers.Serializer):
    """A recurring booking's answer: every booking created, in order."""

    series = serializers.UUIDField(help_text="重复预约批次 ID（各预约的 series）。")
    bookings = BookingSerializer(many=True, help_text="本次创建的全部预约，按开始时间排序。")


class BookingRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=255, label="驳回原因", help_text="必填。")


class ConflictingBookingSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="冲突预约的 ID。")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    organization = serializers.CharField(help_text="冲突预约的组织名称。")
    status = serializers.CharField()


class BookingConflictSerializer(serializers.Serializer):
    """409 of a single booking: the bookings in the way."""

    detail = serializers.CharField(help_text="冲突说明。")
    conflicts = ConflictingBookingSerializer(many=True, help_text="与之冲突的预约。")


class ConflictingOccurrenceSerializer(serializers.Serializer):
    start = serializers.DateTimeField(help_text="冲突的那一次的开始时间。")
    end = serializers.DateTimeField()
    bookings = ConflictingBookingSerializer(many=True, help_text="与这一次冲突的预约。")


class BookingSeriesConflictSerializer(serializers.Serializer):
    """409 of a recurring booking: every occurrence that conflicts, each with the bookings in its way."""

    detail = serializers.CharField(help_text="冲突说明。")
    conflicts = ConflictingOccurrenceSerializer(many=True, help_text="冲突的各次及与之冲突的预约。")
