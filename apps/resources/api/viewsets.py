"""/api/v1/ for service centers, secondments, the duty roster and swaps, funds and the ledger.

Reads start from the scoped selectors (apps.resources.selectors): centers by their
region, secondments and duty shifts by the center's region or the sending organization,
funds and ledger entries by the owner organization. A row outside the scope is 404. Writes
go through apps.resources.services with `actor=request.user`; their ValidationError is a
400, ConflictError a 409 (a voucher number used twice), PermissionDenied a 403.
"""

from __future__ import annotations

import datetime as dt

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api import ScopedModelPermissions, ScopedReadOnlyViewSet
from apps.resources import services
from apps.resources.api.filters import (
    DutyShiftFilter,
    FundFilter,
    LedgerEntryFilter,
    SecondmentFilter,
    ServiceCenterFilter,
)
from apps.resources.api.serializers import (
    DutyShiftSerializer,
    FundSerializer,
    GrassrootsShareSerializer,
    LedgerEntrySerializer,
    LedgerReverseSerializer,
    PeriodQuerySerializer,
    SecondmentSerializer,
    ServiceCenterDetailSerializer,
    ServiceCenterSerializer,
    ShiftSwapRequestSerializer,
    ShiftSwapSerializer,
)
from apps.resources.models import Fund, ServiceCenter
from apps.resources.selectors import (
    center_list,
    duty_shift_list,
    fund_list,
    ledger_entry_list,
    secondment_list,
    shift_swap_list,
)


class ServiceDecidesPermissions(ScopedModelPermissions):
    """For the listed `{id}/` actions the service decides who may act (the shift's owner, …)."""

    def has_object_permission(self, request, view, obj) -> bool:
        if getattr(view, "action", None) in getattr(view, "service_decides", ()):
            return True
        return super().has_object_permission(request, view, obj)


@extend_schema_view(
    list=extend_schema(summary="服务中心（站）列表", description="所在区划在您管辖范围内的中心和站。"),
    retrieve=extend_schema(summary="服务中心（站）详情", description="含各群团今天在派人数及缺口（staffing）。"),
    create=extend_schema(summary="新建服务中心（站）"),
    update=extend_schema(summary="修改服务中心（站）"),
    partial_update=extend_schema(summary="修改服务中心（站）（部分字段）"),
)
class ServiceCenterViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedReadOnlyViewSet):
    """群团服务中心和群团服务站；`?region=` 含全部下级区划。"""

    selector = staticmethod(center_list)
    filterset_class = ServiceCenterFilter
    search_fields = ["name"]
    ordering_fields = ["name", "updated_at", "id"]
    ordering = ["id"]

    def get_serializer_class(self):
        if self.action == "retrieve":
            return ServiceCenterDetailSerializer
        return ServiceCenterSerializer

    def perform_create(self, serializer) -> None:
        center = ServiceCenter(**serializer.validated_data)
        serializer.instance = services.center_save(actor=self.request.user, center=center)

    def perform_update(self, serializer) -> None:
        center = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(center, name, value)
        serializer.instance = services.center_save(actor=self.request.user, center=center)


@extend_schema_view(
    list=extend_schema(summary="派驻人员列表"),
    retrieve=extend_schema(summary="派驻人员详情"),
    create=extend_schema(
        summary="派驻人员到服务中心（站）",
        description="同一人员在同一中心（站）的派驻期不能重叠；中心和派出组织都须在您的范围内。",
    ),
)
class SecondmentViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """各群团派驻到服务中心（站）的人员（专职、挂职、兼职、轮岗）。"""

    selector = staticmethod(secondment_list)
    serializer_class = SecondmentSerializer
    filterset_class = SecondmentFilter
    ordering_fields = ["start_date", "updated_at", "id"]
    ordering = ["id"]

    def perform_create(self, serializer) -> None:
        serializer.instance = services.secondment_create(actor=self.request.user, **serializer.validated_data)


@extend_schema_view(
    list=extend_schema(summary="值班表", description="`?center=`、`?date_from=`、`?date_to=`、`?person=` 筛选。"),
    retrieve=extend_schema(summary="值班详情"),
)
class DutyShiftViewSet(ScopedReadOnlyViewSet):
    """定期轮值的值班表（只读，由排班生成）；`{id}/swap/` 申请换班。"""

    selector = staticmethod(duty_shift_list)
    serializer_class = DutyShiftSerializer
    filterset_class = DutyShiftFilter
    permission_classes = [ServiceDecidesPermissions]
    service_decides = ("swap",)
    ordering_fields = ["date", "updated_at", "id"]
    ordering = ["date", "shift", "id"]

    @extend_schema(
        summary="申请换班",
        description=(
            "用本人这一班换同一中心（站）另一人尚未到来的一班；对方同意（shift-swaps/{id}/accept/）后才交换。"
            "本人或有修改值班权限的工作人员可以申请。"
        ),
        request=ShiftSwapRequestSerializer,
        responses={201: ShiftSwapSerializer},
    )
    @action(detail=True, methods=["post"])
    def swap(self, request, pk=None):
        shift = self.get_object()
        body = ShiftSwapRequestSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        swap = services.shift_swap_request(
            actor=request.user, shift=shift, other_shift=body.validated_data["other_shift"]
        )
        return Response(ShiftSwapSerializer(swap).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="换班申请列表"),
    retrieve=extend_schema(summary="换班申请详情"),
)
class ShiftSwapViewSet(ScopedReadOnlyViewSet):
    """换班申请；被换班的一方同意（accept）或拒绝（decline）。"""

    selector = staticmethod(shift_swap_list)
    serializer_class = ShiftSwapSerializer
    permission_classes = [ServiceDecidesPermissions]
    service_decides = ("accept", "decline")
    filter_backends = []
    ordering = ["-requested_at"]

    @extend_schema(summary="同意换班", description="仅被换班的一方；两班随即交换。", request=None)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        swap = services.shift_swap_decide(actor=request.user, swap=self.get_object(), accept=True)
        return Response(self.get_serializer(swap).data)

    @extend_schema(summary="拒绝换班", description="仅被换班的一方；两班不变。", request=None)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        swap = services.shift_swap_decide(actor=request.user, swap=self.get_object(), accept=False)
        return Response(self.get_serializer(swap).data)


@extend_schema_view(
    list=extend_schema(summary="经费列表", description="所属组织在您范围内的经费。"),
    retrieve=extend_schema(summary="经费详情"),
    create=extend_schema(summary="新建经费"),
    update=extend_schema(summary="修改经费"),
    partial_update=extend_schema(summary="修改经费（部分字段）"),
)
class FundViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedReadOnlyViewSet):
    """经费；`{id}/grassroots-share/` 用于基层的比例。"""

    selector = staticmethod(fund_list)
    serializer_class = FundSerializer
    filterset_class = FundFilter
    search_fields = ["name"]
    ordering_fields = ["year", "name", "updated_at", "id"]
    ordering = ["id"]

    def perform_create(self, serializer) -> None:
        serializer.instance = services.fund_save(actor=self.request.user, fund=Fund(**serializer.validated_data))

    def perform_update(self, serializer) -> None:
        fund = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(fund, name, value)
        serializer.instance = services.fund_save(actor=self.request.user, fund=fund)

    @extend_schema(
        summary="用于基层的比例",
        description=(
            "期间内下拨和支出中用于基层的部分：类别计入基层，或接收组织在经费所属组织之下。"
            "冲销分录以负数抵减被冲销的分录。金额为两位小数的字符串，目标 0.80。"
        ),
        parameters=[
            OpenApiParameter("start", type=dt.date, description="开始日期，YYYY-MM-DD；默认经费年度 1 月 1 日。"),
            OpenApiParameter("end", type=dt.date, description="结束日期，YYYY-MM-DD；默认经费年度 12 月 31 日。"),
        ],
        filters=False,
        responses=GrassrootsShareSerializer,
    )
    @action(detail=True, url_path="grassroots-share", filter_backends=[], pagination_class=None)
    def grassroots_share(self, request, pk=None):
        fund = self.get_object()
        query = PeriodQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start = query.validated_data.get("start") or dt.date(fund.year, 1, 1)
        end = query.validated_data.get("end") or dt.date(fund.year, 12, 31)
        share = services.grassroots_share(fund=fund, start=start, end=end)
        body = {
            "total": share.total,
            "grassroots": share.grassroots,
            "share": share.share,
            "target": services.GRASSROOTS_TARGET,
            "meets_target": share.meets_target,
            "entries": [
                {
                    "id": entry.pk,
                    "date": entry.date,
                    "kind": entry.kind,
                    "amount": -entry.effect,
                    "category": entry.category_id,
                    "receiving_organization": entry.receiving_organization_id,
                    "counted": counted,
                }
                for entry, counted in share.entries
            ],
        }
        return Response(GrassrootsShareSerializer(body).data)


@extend_schema_view(
    list=extend_schema(summary="账目列表"),
    retrieve=extend_schema(summary="账目详情"),
    create=extend_schema(
        summary="记一笔账",
        description="余额不能为负；已结账期间不能再记；同一经费的凭证号不能重复（409）。",
    ),
)
class LedgerEntryViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """经费账目：只增不改，更正用 `{id}/reverse/` 冲销。"""

    selector = staticmethod(ledger_entry_list)
    serializer_class = LedgerEntrySerializer
    filterset_class = LedgerEntryFilter
    permission_classes = [ServiceDecidesPermissions]
    service_decides = ("reverse",)
    search_fields = ["voucher_number", "note"]
    ordering_fields = ["date", "updated_at", "id"]
    ordering = ["id"]

    def perform_create(self, serializer) -> None:
        serializer.instance = services.ledger_entry_create(actor=self.request.user, **serializer.validated_data)

    @extend_schema(
        summary="冲销账目",
        description="记一笔金额相同、方向相反的分录；每笔只能冲销一次，冲销分录不能再冲销。",
        request=LedgerReverseSerializer,
        responses={201: LedgerEntrySerializer},
    )
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        entry = self.get_object()
        body = LedgerReverseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reversal = services.ledger_entry_reverse(actor=request.user, entry=entry, **body.validated_data)
        return Response(self.get_serializer(reversal).data, status=status.HTTP_201_CREATED)
