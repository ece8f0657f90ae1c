"""/api/v1/ for venues, rooms and bookings (see ../shared/API.md).

Reads come from apps.venues.selectors, writes go through apps.venues.services; the
serializers only parse. Scope (decided in issue 4, Venue.scope_shared_q): a venue and its
rooms are visible and bookable by users whose scope covers the venue's region, and also by
users holding a role on a unit of a federation that contributes to the venue when that unit
lies in the same 市州. A booking is visible through the venue's region or through the
booking organization; anyone who may see a room sees in its availability when it is taken,
but the booking's id only where the booking itself is visible.

Bookings: POST creates one booking, or a weekly series when `recurrence` is given (201
with {series, bookings}); every broken rule is a 400 with its own Chinese message, a
collision a 409 naming the bookings in the way. Approve and reject belong to the venue's
managers (django-guardian `venues.manage_venue`), cancel to the booker or anyone who may
act for the booking organization, until the start; the services decide, so these actions
need no model permission here.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api import ScopedModelPermissions, ScopedReadOnlyViewSet
from apps.venues import services
from apps.venues.api.filters import BookingFilter, RoomFilter, VenueFilter
from apps.venues.api.serializers import (
    AvailabilityQuerySerializer,
    AvailabilitySerializer,
    BookingConflictSerializer,
    BookingRejectSerializer,
    BookingSerializer,
    BookingSeriesConflictSerializer,
    BookingSeriesSerializer,
    RoomSerializer,
    RoomUpdateSerializer,
    VenueSerializer,
)
from apps.venues.models import Room, Venue
from apps.venues.selectors import booking_list, room_availability, room_list, venue_list

SCOPE_RULE = (
    "可见范围：场地所在区划在您的管辖范围内；或您在某群团组织任职，该群团共建此场地，且该组织与场地在同一市州。"
)


def _venue_selector(*, user):
    return venue_list(user=user)


def _room_selector(*, user):
    return room_list(user=user)


def _booking_selector(*, user):
    return booking_list(user=user)


@extend_schema_view(
    list=extend_schema(summary="场地列表", description=SCOPE_RULE),
    retrieve=extend_schema(summary="场地详情", description=SCOPE_RULE),
    create=extend_schema(summary="新建场地"),
    update=extend_schema(summary="修改场地"),
    partial_update=extend_schema(summary="修改场地（部分字段）"),
)
class VenueViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedReadOnlyViewSet):
    """群众之家和各群团阵地；`?region=` 含全部下级区划。"""

    selector = staticmethod(_venue_selector)
    serializer_class = VenueSerializer
    filterset_class = VenueFilter
    search_fields = ["name", "address"]
    ordering_fields = ["name", "updated_at", "id"]
    ordering = ["id"]

    def perform_create(self, serializer) -> None:
        data = dict(serializer.validated_data)
        federations, hours = data.pop("federations", None), data.pop("opening_hours", None)
        serializer.instance = services.venue_save(
            actor=self.request.user, venue=Venue(**data), federations=federations, opening_hours=_hours(hours)
        )

    def perform_update(self, serializer) -> None:
        venue = serializer.instance
        data = dict(serializer.validated_data)
        federations, hours = data.pop("federations", None), data.pop("opening_hours", None)
        for name, value in data.items():
            setattr(venue, name, value)
        venue = services.venue_save(
            actor=self.request.user, venue=venue, federations=federations, opening_hours=_hours(hours)
        )
        # Read back what was written, with fresh prefetches.
        serializer.instance = self.get_queryset().get(pk=venue.pk)


def _hours(rows: list[dict] | None) -> dict | None:
    if rows is None:
        return None
    return {row["weekday"]: (row["opens"], row["closes"]) for row in rows}


@extend_schema_view(
    list=extend_schema(summary="功能室列表", description=SCOPE_RULE),
    retrieve=extend_schema(summary="功能室详情", description=SCOPE_RULE),
    create=extend_schema(summary="新建功能室"),
    update=extend_schema(summary="修改功能室", request=RoomUpdateSerializer, responses=RoomUpdateSerializer),
    partial_update=extend_schema(
        summary="修改功能室（部分字段）", request=RoomUpdateSerializer, responses=RoomUpdateSerializer
    ),
)
class RoomViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedReadOnlyViewSet):
    """场地中的功能室、活动厅和设备；`?venue=` 某一场地的全部功能室。"""

    selector = staticmethod(_room_selector)
    filterset_class = RoomFilter
    search_fields = ["name", "facilities"]
    ordering_fields = ["name", "capacity", "updated_at", "id"]
    ordering = ["id"]

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return RoomUpdateSerializer
        if self.action == "availability":
            return AvailabilitySerializer
        return RoomSerializer

    def perform_create(self, serializer) -> None:
        serializer.instance = services.room_save(actor=self.request.user, room=Room(**serializer.validated_data))

    def perform_update(self, serializer) -> None:
        room = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(room, name, value)
        serializer.instance = services.room_save(actor=self.request.user, room=room)

    @extend_schema(
        summary="功能室某日的占用情况",
        description=(
            "当天场地是否开放、开放时间或闭馆原因，以及待审批和已通过预约占用的时段。"
            "能看到功能室的人都能看到哪些时段已被占用；预约 ID 只在该预约在您范围内时给出。"
        ),
        parameters=[
            OpenApiParameter("date", type=str, required=True, description="日期，YYYY-MM-DD，例如 2026-12-01。")
        ],
        filters=False,
        responses=AvailabilitySerializer,
    )
    @action(detail=True, filter_backends=[], pagination_class=None)
    def availability(self, request, pk=None):
        room = self.get_object()
        query = AvailabilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        day = room_availability(user=request.user, room=room, day=query.validated_data["date"])
        return Response(AvailabilitySerializer(day).data)


class BookingPermissions(ScopedModelPermissions):
    """Approve, reject and cancel are decided by the services (venue manager, booker), not by a model permission."""

    def has_object_permission(self, request, view, obj) -> bool:
        if getattr(view, "action", None) in ("approve", "reject", "cancel"):
            return True
        return super().has_object_permission(request, view, obj)


BOOKING_CREATED = PolymorphicProxySerializer(
    component_name="BookingCreated",
    serializers=[BookingSerializer, BookingSeriesSerializer],
    resource_type_field_name=None,
)
BOOKING_CONFLICT = PolymorphicProxySerializer(
    component_name="BookingCreateConflict",
    serializers=[BookingConflictSerializer, BookingSeriesConflictSerializer],
    resource_type_field_name=None,
)


@extend_schema_view(
    list=extend_schema(summary="预约列表"),
    retrieve=extend_schema(summary="预约详情"),
    create=extend_schema(
        summary="预约功能室",
        description=(
            "不带 recurrence：创建一个预约，201 返回该预约。带 recurrence：按周重复，全部成功才创建，"
            "201 返回 {series, bookings}。不符合规则时 400，逐条说明（重复预约在 recurrence 下逐次说明）；"
            "与已有预约冲突时 409，conflicts 列出冲突的预约（重复预约则列出冲突的各次及其冲突预约）。"
            "无需审批的功能室直接为 approved，否则为 pending。"
        ),
        responses={201: BOOKING_CREATED, 409: BOOKING_CONFLICT},
    ),
)
class BookingViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """功能室预约；`?mine=true` 只看本人提交的。"""

    selector = staticmethod(_booking_selector)
    serializer_class = BookingSerializer
    filterset_class = BookingFilter
    permission_classes = [BookingPermissions]
    search_fields = ["purpose", "contact_name"]
    ordering_fields = ["start", "updated_at", "id"]
    ordering = ["start"]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        recurrence = data.pop("recurrence", None)
        if recurrence is None:
            booking = services.booking_create(actor=request.user, **data)
            return Response(self.get_serializer(booking).data, status=status.HTTP_201_CREATED)
        bookings = services.booking_create_series(actor=request.user, **data, **recurrence)
        body = {"series": bookings[0].series, "bookings": bookings}
        return Response(
            BookingSeriesSerializer(body, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(summary="通过预约", description="仅场地的审批人；只有待审批的预约可以通过。", request=None)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        booking = services.booking_approve(actor=request.user, booking=self.get_object())
        return Response(self.get_serializer(booking).data)

    @extend_schema(
        summary="驳回预约",
        description="仅场地的审批人；须填写原因，预约人会收到通知。",
        request=BookingRejectSerializer,
        responses=BookingSerializer,
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        booking = self.get_object()
        reason = BookingRejectSerializer(data=request.data)
        reason.is_valid(raise_exception=True)
        booking = services.booking_reject(actor=request.user, booking=booking, reason=reason.validated_data["reason"])
        return Response(self.get_serializer(booking).data)

    @extend_schema(
        summary="取消预约",
        description="预约人或可代表预约组织的人，在开始之前可以取消；取消后该时段释放。",
        request=None,
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        booking = services.booking_cancel(actor=request.user, booking=self.get_object())
        return Response(self.get_serializer(booking).data)
