"""Serializers of the pooled resources: they parse input, the services decide."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api import ScopedPrimaryKeyRelatedField
from apps.members.selectors import person_list
from apps.organizations.models import Federation
from apps.organizations.selectors import host_unit_list, organization_list, region_list
from apps.resources import services
from apps.resources.models import DutyShift, ExpenseCategory, Fund, LedgerEntry, Secondment, ServiceCenter, ShiftSwap
from apps.resources.selectors import center_list, duty_shift_list, fund_list

DATE_INVALID = "日期格式不正确，请使用 YYYY-MM-DD，例如 2026-12-01。"
PERIOD_BACKWARDS = "结束日期不能早于开始日期。"


# Centers and staff ----------------------------------------------------------------------


class StaffingSerializer(serializers.Serializer):
    federation = serializers.PrimaryKeyRelatedField(queryset=Federation.objects.all(), help_text="群团类别 ID。")
    count = serializers.IntegerField(help_text="今天在派的人数（应为 2–3 人）。")
    gap = serializers.CharField(help_text="缺口说明，如“缺 1 人”；人数合适时为空。")


class ServiceCenterSerializer(serializers.ModelSerializer):
    region = ScopedPrimaryKeyRelatedField(selector=region_list, label="所在区划")
    host_unit = ScopedPrimaryKeyRelatedField(selector=host_unit_list, required=False, allow_null=True, label="所在单位")
    director = ScopedPrimaryKeyRelatedField(selector=person_list, required=False, allow_null=True, label="主任（站长）")

    class Meta:
        model = ServiceCenter
        fields = [
            "id",
            "name",
            "kind",
            "region",
            "host_unit",
            "director",
            "shift_pattern",
            "staff_per_shift",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]
        extra_kwargs = {"staff_per_shift": {"min_value": 1}}


class ServiceCenterDetailSerializer(ServiceCenterSerializer):
    staffing = serializers.SerializerMethodField(help_text="各群团今天在派人数及缺口（每个群团 2–3 人）。")

    class Meta(ServiceCenterSerializer.Meta):
        fields = [*ServiceCenterSerializer.Meta.fields, "staffing"]

    @extend_schema_field(StaffingSerializer(many=True))
    def get_staffing(self, center) -> list[dict]:
        return StaffingSerializer(services.center_staffing(center=center), many=True).data


class SecondmentSerializer(serializers.ModelSerializer):
    center = ScopedPrimaryKeyRelatedField(selector=center_list, label="服务中心（站）")
    person = ScopedPrimaryKeyRelatedField(selector=person_list, label="人员")
    organization = ScopedPrimaryKeyRelatedField(selector=organization_list, label="派出组织")

    class Meta:
        model = Secondment
        fields = ["id", "center", "person", "organization", "post_type", "start_date", "end_date", "updated_at"]
        read_only_fields = ["updated_at"]


# Roster and swaps -----------------------------------------------------------------------


class DutyShiftSerializer(serializers.ModelSerializer):
    class Meta:
        model = DutyShift
        fields = ["id", "center", "person", "date", "shift", "status", "updated_at"]
        read_only_fields = fields


class ShiftSwapRequestSerializer(serializers.Serializer):
    other_shift = ScopedPrimaryKeyRelatedField(
        selector=duty_shift_list, label="对方的班", help_text="同一服务中心（站）另一人尚未到来的值班 ID。"
    )


class ShiftSwapSerializer(serializers.ModelSerializer):
    class Meta:
        model = ShiftSwap
        fields = ["id", "shift", "other_shift", "status", "requested_at", "decided_at"]
        read_only_fields = fields


# Funds and the ledger -------------------------------------------------------------------


class FundSerializer(serializers.ModelSerializer):
    owner = ScopedPrimaryKeyRelatedField(selector=organization_list, label="所属组织")

    class Meta:
        model = Fund
        fields = ["id", "name", "kind", "owner", "year", "closed_through", "updated_at"]
        read_only_fields = ["closed_through", "updated_at"]


def _fund_to_write(*, user):
    """Funds in scope with their owner and its region: the service checks the owner against the
    actor's scope, which would otherwise read both rows again."""
    return fund_list(user=user).select_related("owner__region")


class LedgerEntrySerializer(serializers.ModelSerializer):
    fund = ScopedPrimaryKeyRelatedField(selector=_fund_to_write, label="经费")
    category = serializers.PrimaryKeyRelatedField(
        queryset=ExpenseCategory.objects.all(), required=False, allow_null=True, label="类别"
    )
    receiving_organization = ScopedPrimaryKeyRelatedField(
        selector=organization_list, required=False, allow_null=True, label="接收（受益）组织"
    )
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, label="金额（元）")

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "fund",
            "kind",
            "amount",
            "category",
            "receiving_organization",
            "date",
            "voucher_number",
            "note",
            "reverses",
            "updated_at",
        ]
        read_only_fields = ["reverses", "updated_at"]
        # A voucher number used twice is a conflict (409) the service reports, not a 400 here.
        validators = []


class LedgerReverseSerializer(serializers.Serializer):
    date = serializers.DateField(label="冲销日期", help_text="须在经费年度内、未结账的期间。")
    voucher_number = serializers.CharField(max_length=32, label="冲销凭证号")
    note = serializers.CharField(max_length=255, required=False, default="", allow_blank=True, label="摘要")


class PeriodQuerySerializer(serializers.Serializer):
    start = serializers.DateField(
        required=False, error_messages={"invalid": DATE_INVALID}, help_text="开始日期；默认经费年度 1 月 1 日。"
    )
    end = serializers.DateField(
        required=False, error_messages={"invalid": DATE_INVALID}, help_text="结束日期；默认经费年度 12 月 31 日。"
    )

    def validate(self, attrs):
        if attrs.get("start") and attrs.get("end") and attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": PERIOD_BACKWARDS})
        return attrs


class ShareEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    kind = serializers.CharField(help_text="allocation 或 expenditure。")
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="支出额；冲销分录为负数，抵减被冲销的分录。"
    )
    category = serializers.IntegerField(allow_null=True)
    receiving_organization = serializers.IntegerField(allow_null=True)
    counted = serializers.BooleanField(help_text="是否计入用于基层。")


class GrassrootsShareSerializer(serializers.Serializer):
    total = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="期间下拨和支出合计（元）。")
    grassroots = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="其中用于基层（元）。")
    share = serializers.DecimalField(max_digits=6, decimal_places=4, help_text="用于基层比例，4 位小数。")
    target = serializers.DecimalField(max_digits=3, decimal_places=2, help_text="目标比例 0.80。")
    meets_target = serializers.BooleanField(help_text="是否达到目标。")
    entries = ShareEntrySerializer(many=True)
