"""Pooled resources in spreadsheets: ledger entries imported, the duty roster exported.

Ledger import: each line is one new entry through services.ledger_entry_create, with the
importing user as actor (scope, permission, open period, balance, unique voucher). A file
with any bad line writes nothing, and every bad line is reported by column, in Chinese.
Entries are never updated by a file: a correction is a reversing entry.

Roster export: the duty shifts the user may see, for printing (日期, 星期, 班次, 值班人, 派出组织).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Case, IntegerField, QuerySet, Value, When
from import_export import fields, resources

from apps.organizations.models import Organization
from apps.organizations.resources.base import (
    COLUMN_REQUIRED,
    NAME_CANDIDATES,
    CellError,
    ServiceResource,
    cell_text,
)
from apps.organizations.scoping import scoped
from apps.resources import services
from apps.resources.models import DutyShift, EntryKind, ExpenseCategory, Fund, LedgerEntry, Shift

# Ledger columns.
FUND = "经费ID"
KIND = "类型"
AMOUNT = "金额"
DATE = "日期"
VOUCHER = "凭证号"
CATEGORY = "类别"
RECEIVER = "接收组织"
NOTE = "摘要"
LEDGER_HEADERS = (FUND, KIND, AMOUNT, DATE, VOUCHER, CATEGORY, RECEIVER, NOTE)

FUND_INVALID = "经费ID 应为整数。"
FUND_NOT_FOUND = "找不到 ID 为 {pk} 的经费，或它不在您的管辖范围内。"
KIND_INVALID = "类型应为以下之一：{choices}。"
AMOUNT_INVALID = "金额应为数字，如 1200.50。"
DATE_INVALID = "日期应为 YYYY-MM-DD 格式，如 2027-03-15。"
CATEGORY_NOT_FOUND = "没有名为“{name}”的支出类别。"
RECEIVER_NOT_FOUND = "找不到名为“{name}”的接收组织，或它不在您的管辖范围内。"
RECEIVER_AMBIGUOUS = "名为“{name}”的接收组织不止一个，无法确定是哪一个。"

# Roster columns.
WEEKDAY = "星期"
SHIFT = "班次"
PERSON = "值班人"
ORGANIZATION = "派出组织"
CENTER = "服务中心（站）"
ROSTER_HEADERS = (DATE, WEEKDAY, SHIFT, PERSON, ORGANIZATION, CENTER)
# Morning before afternoon on paper, whatever the stored values sort as.
_SHIFT_ORDER = Case(
    *(When(shift=shift, then=Value(index)) for index, shift in enumerate(Shift)), output_field=IntegerField()
)
WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


class LedgerEntryResource(ServiceResource):
    fund = fields.Field(attribute="fund_id", column_name=FUND)
    kind = fields.Field(attribute="get_kind_display", column_name=KIND)
    amount = fields.Field(attribute="amount", column_name=AMOUNT)
    date = fields.Field(attribute="date", column_name=DATE)
    voucher_number = fields.Field(attribute="voucher_number", column_name=VOUCHER)
    category = fields.Field(attribute="category__name", column_name=CATEGORY)
    receiving_organization = fields.Field(attribute="receiving_organization__name", column_name=RECEIVER)
    note = fields.Field(attribute="note", column_name=NOTE)

    service_columns = {
        "fund": FUND,
        "kind": KIND,
        "amount": AMOUNT,
        "date": DATE,
        "voucher_number": VOUCHER,
        "category": CATEGORY,
        "receiving_organization": RECEIVER,
        "note": NOTE,
    }
    conflict_column = VOUCHER
    list_select_related = ("fund", "category", "receiving_organization")

    class Meta:
        model = LedgerEntry
        name = "账目"
        fields = ("fund", "kind", "amount", "date", "voucher_number", "category", "receiving_organization", "note")
        export_order = fields
        use_transactions = True
        skip_diff = True
        chunk_size = 2000

    def __init__(self, user=None, **kwargs):
        super().__init__(user, **kwargs)
        self._funds: dict[int, int] = {}
        self._categories: dict[str, ExpenseCategory] = {}

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        if FUND in (dataset.headers or ()):
            pks = {_as_int(value) for value in dataset[FUND]} - {None}
            self._funds = dict(scoped(Fund.objects.filter(pk__in=pks), self.actor).values_list("pk", "pk"))
        self._categories = {category.name: category for category in ExpenseCategory.objects.all()}

    def get_instance(self, instance_loader, row):
        return None  # every line is a new entry: a ledger is never rewritten by a file

    def read_row(self, instance, row, errors):
        return {
            "fund": self.read(errors, FUND, self._fund, row.get(FUND)),
            "kind": self.read(errors, KIND, _kind, row.get(KIND)),
            "amount": self.read(errors, AMOUNT, _amount, row.get(AMOUNT)),
            "date": self.read(errors, DATE, _date, row.get(DATE)),
            "voucher_number": cell_text(row.get(VOUCHER)),
            "category": self.read(errors, CATEGORY, self._category, row.get(CATEGORY)),
            "receiving_organization": self.read(errors, RECEIVER, self._receiver, row.get(RECEIVER)),
            "note": cell_text(row.get(NOTE)),
        }

    def write(self, instance, is_create):
        # Fresh from the database: an earlier line may have changed the fund's balance.
        values = {**self._values, "fund": Fund.objects.get(pk=self._values["fund"].pk)}
        return services.ledger_entry_create(actor=self.actor, **values)

    def _fund(self, value: Any) -> Fund:
        text = cell_text(value)
        if not text:
            raise CellError(COLUMN_REQUIRED.format(column=FUND))
        pk = _as_int(text)
        if pk is None:
            raise CellError(FUND_INVALID)
        if pk not in self._funds:
            raise CellError(FUND_NOT_FOUND.format(pk=pk))
        return Fund.objects.select_related("owner").get(pk=pk)

    def _category(self, value: Any) -> ExpenseCategory | None:
        name = cell_text(value)
        if not name:
            return None
        if name not in self._categories:
            raise CellError(CATEGORY_NOT_FOUND.format(name=name))
        return self._categories[name]

    def _receiver(self, value: Any) -> Organization | None:
        name = cell_text(value)
        if not name:
            return None
        found = list(scoped(Organization.objects.filter(name=name), self.actor)[:NAME_CANDIDATES])
        if not found:
            raise CellError(RECEIVER_NOT_FOUND.format(name=name))
        if len(found) > 1:
            raise CellError(RECEIVER_AMBIGUOUS.format(name=name))
        return found[0]


def _as_int(value: Any) -> int | None:
    try:
        return int(cell_text(value))
    except ValueError:
        return None


def _kind(value: Any) -> str:
    text = cell_text(value)
    if not text:
        raise CellError(COLUMN_REQUIRED.format(column=KIND))
    for kind in EntryKind:
        if text in (kind.label, kind.value):
            return kind.value
    raise CellError(KIND_INVALID.format(choices="、".join(EntryKind.labels)))


def _amount(value: Any) -> Decimal:
    text = cell_text(value).replace(",", "")
    if not text:
        raise CellError(COLUMN_REQUIRED.format(column=AMOUNT))
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise CellError(AMOUNT_INVALID) from None
    if not amount.is_finite():
        raise CellError(AMOUNT_INVALID)
    return amount


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value)
    if not text:
        raise CellError(COLUMN_REQUIRED.format(column=DATE))
    day = text.split(" ")[0].replace("/", "-").replace(".", "-")
    try:
        year, month, date = (int(part) for part in day.split("-"))
        return dt.date(year, month, date)
    except ValueError:
        pass
    raise CellError(DATE_INVALID)


class DutyShiftResource(resources.ModelResource):
    """The roster for printing: an export only, through the user's scope."""

    date = fields.Field(column_name=DATE)
    weekday = fields.Field(column_name=WEEKDAY)
    shift = fields.Field(attribute="get_shift_display", column_name=SHIFT)
    person = fields.Field(attribute="person__name", column_name=PERSON)
    organization = fields.Field(attribute="secondment__organization__name", column_name=ORGANIZATION)
    center = fields.Field(attribute="center__name", column_name=CENTER)

    list_select_related = ("center", "person", "secondment__organization")

    class Meta:
        model = DutyShift
        name = "值班表"
        fields = ("date", "weekday", "shift", "person", "organization", "center")
        export_order = fields
        chunk_size = 2000

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user

    @property
    def actor(self):
        if self.user is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs user= for its scope.")
        return self.user

    def get_queryset(self) -> QuerySet:
        return self.filter_export(DutyShift.objects.all())

    def filter_export(self, queryset: QuerySet, **kwargs) -> QuerySet:
        # The admin hands over its (scoped, filtered) changelist; scoping again keeps any
        # other caller within the user's reach.
        return (
            scoped(queryset, self.actor)
            .select_related(*self.list_select_related)
            .annotate(shift_order=_SHIFT_ORDER)
            .order_by("center__region__path", "center__name", "date", "shift_order", "id")
        )

    def dehydrate_date(self, shift: DutyShift) -> str:
        return shift.date.isoformat()

    def dehydrate_weekday(self, shift: DutyShift) -> str:
        return WEEKDAYS[shift.date.weekday()]
