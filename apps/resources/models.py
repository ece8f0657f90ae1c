"""Pooled resources: service centers and stations, the staff the federations second to them,
their duty roster, and the pooled funds with their ledger."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.core.models import SyncedModel
from apps.members.models import Person, PostType
from apps.organizations.models import HostUnit, Organization, Region

# The mechanism asks each federation to second 2–3 staff to a center or station.
SECONDED_MIN, SECONDED_MAX = 2, 3


class CenterKind(models.TextChoices):
    CENTER = "center", "群团服务中心"
    STATION = "station", "群团服务站"


class ShiftPattern(models.TextChoices):
    FULL_DAY = "full_day", "全天一班"
    HALF_DAYS = "half_days", "上午、下午两班"


class Shift(models.TextChoices):
    FULL_DAY = "full_day", "全天"
    MORNING = "morning", "上午"
    AFTERNOON = "afternoon", "下午"


SHIFTS_OF_PATTERN = {
    ShiftPattern.FULL_DAY: (Shift.FULL_DAY,),
    ShiftPattern.HALF_DAYS: (Shift.MORNING, Shift.AFTERNOON),
}


class ServiceCenter(SyncedModel):
    """A county 群团服务中心 or a township/village/park 群团服务站."""

    sync_resource = "service-centers"
    scope_region_path = "region__path"

    name = models.CharField("名称", max_length=128)
    kind = models.CharField("类型", max_length=8, choices=CenterKind.choices)
    region = models.ForeignKey(Region, verbose_name="所在区划", on_delete=models.PROTECT, related_name="centers")
    host_unit = models.ForeignKey(
        HostUnit, verbose_name="所在单位", null=True, blank=True, on_delete=models.PROTECT, related_name="centers"
    )
    director = models.ForeignKey(
        Person, verbose_name="主任（站长）", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opening_hours = models.CharField("服务时间", max_length=128, blank=True, default="工作日 09:00–17:30")
    shift_pattern = models.CharField(
        "值班班次", max_length=16, choices=ShiftPattern.choices, default=ShiftPattern.FULL_DAY
    )
    staff_per_shift = models.PositiveSmallIntegerField("每班值班人数", default=1)

    class Meta:
        verbose_name = "服务中心（站）"
        verbose_name_plural = "服务中心（站）"
        ordering = ["region__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="resources_unique_center_name"),
            models.CheckConstraint(condition=Q(staff_per_shift__gte=1), name="resources_staff_per_shift_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    def tombstone_paths(self) -> tuple[str, str]:
        return self.region.path, ""

    @property
    def shift_names(self) -> tuple[str, ...]:
        return SHIFTS_OF_PATTERN[self.shift_pattern]


class Secondment(SyncedModel):
    """A cadre sent by a federation's unit to a center for a period (专/挂/兼/轮)."""

    sync_resource = "secondments"
    scope_region_path = "center__region__path"
    scope_organization_path = "organization__path"

    center = models.ForeignKey(
        ServiceCenter, verbose_name="服务中心（站）", on_delete=models.PROTECT, related_name="secondments"
    )
    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="secondments")
    organization = models.ForeignKey(
        Organization, verbose_name="派出组织", on_delete=models.PROTECT, related_name="secondments"
    )
    post_type = models.CharField("派驻方式", max_length=16, choices=PostType.choices, default=PostType.SECONDED)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期", null=True, blank=True)

    class Meta:
        verbose_name = "派驻人员"
        verbose_name_plural = "派驻人员"
        ordering = ["center_id", "start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="resources_secondment_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} → {self.center.name}"

    def tombstone_paths(self) -> tuple[str, str]:
        return self.center.region.path, self.organization.path


class StaffLeave(models.Model):
    """Days a person is not available for duty."""

    scope_region_path = "person__region__path"

    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.CASCADE, related_name="leaves")
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    reason = models.CharField("事由", max_length=128, blank=True)

    class Meta:
        verbose_name = "请假"
        verbose_name_plural = "请假"
        ordering = ["person_id", "start_date"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="resources_leave_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} {self.start_date}–{self.end_date}"


class ShiftStatus(models.TextChoices):
    PLANNED = "planned", "待值班"
    WORKED = "worked", "已值班"


class DutyShift(SyncedModel):
    sync_resource = "duty-shifts"
    scope_region_path = "center__region__path"
    scope_organization_path = "secondment__organization__path"

    center = models.ForeignKey(
        ServiceCenter, verbose_name="服务中心（站）", on_delete=models.CASCADE, related_name="shifts"
    )
    secondment = models.ForeignKey(Secondment, verbose_name="派驻", on_delete=models.PROTECT, related_name="shifts")
    person = models.ForeignKey(Person, verbose_name="值班人", on_delete=models.PROTECT, related_name="duty_shifts")
    date = models.DateField("日期")
    shift = models.CharField("班次", max_length=16, choices=Shift.choices)
    status = models.CharField("状态", max_length=8, choices=ShiftStatus.choices, default=ShiftStatus.PLANNED)
    reminded_at = models.DateTimeField("提醒时间", null=True, blank=True)

    class Meta:
        verbose_name = "值班"
        verbose_name_plural = "值班"
        ordering = ["date", "shift", "id"]
        constraints = [
            models.UniqueConstraint(fields=["center", "date", "shift", "person"], name="resources_one_person_per_slot"),
        ]
        indexes = [
            models.Index(fields=["center", "date"], name="resources_shift_center_date"),
            # The lists' order: a page is read off the index, not sorted out of 300,000 shifts.
            models.Index(fields=["date", "shift", "id"], name="resources_shift_date_shift_id"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_shift_display()} {self.person.name}"

    def tombstone_paths(self) -> tuple[str, str]:
        return self.center.region.path, ""


class SwapStatus(models.TextChoices):
    PENDING = "pending", "待对方同意"
    ACCEPTED = "accepted", "已换班"
    DECLINED = "declined", "已拒绝"


class ShiftSwap(models.Model):
    """One person asks another to exchange shifts; nothing moves until the other agrees."""

    scope_region_path = "shift__center__region__path"

    shift = models.ForeignKey(DutyShift, verbose_name="我的班", on_delete=models.CASCADE, related_name="swaps_out")
    other_shift = models.ForeignKey(
        DutyShift, verbose_name="对方的班", on_delete=models.CASCADE, related_name="swaps_in"
    )
    status = models.CharField("状态", max_length=16, choices=SwapStatus.choices, default=SwapStatus.PENDING)
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        verbose_name = "换班"
        verbose_name_plural = "换班"
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.shift} ⇄ {self.other_shift}"


class FundKind(models.TextChoices):
    OWN = "own", "自有经费"
    ALLOCATION = "allocation", "上级拨款"
    GRANT = "grant", "项目资金"


class Fund(SyncedModel):
    sync_resource = "funds"
    scope_region_path = "owner__region__path"
    scope_organization_path = "owner__path"

    name = models.CharField("名称", max_length=128)
    kind = models.CharField("来源", max_length=16, choices=FundKind.choices)
    owner = models.ForeignKey(Organization, verbose_name="所属组织", on_delete=models.PROTECT, related_name="funds")
    year = models.PositiveSmallIntegerField("年度")
    closed_through = models.DateField("已结账至", null=True, blank=True, help_text="此日及以前的账目不能再记。")

    class Meta:
        verbose_name = "经费"
        verbose_name_plural = "经费"
        ordering = ["-year", "name"]
        constraints = [models.UniqueConstraint(fields=["owner", "year", "name"], name="resources_unique_fund")]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"

    def tombstone_paths(self) -> tuple[str, str]:
        return self.owner.region.path, self.owner.path


class ExpenseCategory(models.Model):
    """What money is spent on; whether it serves the grassroots is data the province sets."""

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=32, unique=True)
    is_grassroots = models.BooleanField("计入用于基层", default=False)
    sort_order = models.PositiveSmallIntegerField("排序", default=100)

    class Meta:
        verbose_name = "支出类别"
        verbose_name_plural = "支出类别"
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class EntryKind(models.TextChoices):
    INCOME = "income", "收入"
    ALLOCATION = "allocation", "下拨"
    EXPENDITURE = "expenditure", "支出"


# +1 adds to the balance, -1 takes from it; a reversing entry has the opposite effect.
ENTRY_SIGN = {EntryKind.INCOME: 1, EntryKind.ALLOCATION: -1, EntryKind.EXPENDITURE: -1}


class LedgerEntry(SyncedModel):
    """One line of a fund's ledger; never edited: a correction is a reversing entry."""

    sync_resource = "ledger-entries"
    scope_region_path = "fund__owner__region__path"
    scope_organization_path = "fund__owner__path"

    fund = models.ForeignKey(Fund, verbose_name="经费", on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField("类型", max_length=16, choices=EntryKind.choices)
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2)
    category = models.ForeignKey(
        ExpenseCategory, verbose_name="类别", null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    receiving_organization = models.ForeignKey(
        Organization,
        verbose_name="接收（受益）组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="received_entries",
    )
    date = models.DateField("日期")
    voucher_number = models.CharField("凭证号", max_length=32)
    attachment = models.FileField("附件", upload_to="ledger/%Y/", blank=True)
    note = models.CharField("摘要", max_length=255, blank=True)
    reverses = models.OneToOneField(
        "self", verbose_name="冲销", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记账人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "账目"
        verbose_name_plural = "账目"
        ordering = ["fund_id", "date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="resources_entry_amount_positive"),
            models.UniqueConstraint(fields=["fund", "voucher_number"], name="resources_unique_voucher"),
        ]
        indexes = [
            models.Index(fields=["fund", "date"], name="resources_entry_fund_date"),
            # The admin's newest-first list across funds.
            models.Index(fields=["date", "id"], name="resources_entry_date_id"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.amount} 元"

    def tombstone_paths(self) -> tuple[str, str]:
        return self.fund.owner.region.path, self.fund.owner.path

    @property
    def effect(self) -> Decimal:
        """The change to the balance: signed by kind, negated for a reversing entry."""
        sign = ENTRY_SIGN[self.kind] * (-1 if self.reverses_id else 1)
        return self.amount * sign
