"""Pooled funds: a ledger that never goes negative and is never edited, and the grassroots share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, DecimalField, F, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from apps.core.exceptions import ConflictError
from apps.organizations.models import Organization
from apps.organizations.services.checks import require_organization_in_scope, require_perm
from apps.resources.models import ENTRY_SIGN, EntryKind, ExpenseCategory, Fund, LedgerEntry

# The mechanism's bar: over 80 % of the provincial union's own funds go to the grassroots.
GRASSROOTS_TARGET = Decimal("0.80")
CENT = Decimal("0.01")

AMOUNT_POSITIVE = "金额必须大于 0，且最多两位小数。"
DATE_OUTSIDE_YEAR = "日期应在经费年度 {year} 年内。"
DATE_CLOSED = "{date} 及以前的账目已结账，请用冲销分录在未结账期间更正。"
CATEGORY_REQUIRED = "下拨和支出须选择类别。"
RECEIVER_REQUIRED = "下拨须选择接收组织。"
INSUFFICIENT_BALANCE = "余额不足：当前余额 {balance} 元，本笔 {amount} 元。"
VOUCHER_TAKEN = "凭证号 {voucher} 在该经费中已使用。"
ALREADY_REVERSED = "该分录已冲销过。"
CANNOT_REVERSE_REVERSAL = "冲销分录不能再冲销。"
CLOSE_BACKWARDS = "结账日期不能早于已结账日期 {date}。"


def _signed_sum() -> Sum:
    sign = Case(When(kind=EntryKind.INCOME, then=Value(1)), default=Value(-1), output_field=IntegerField())
    reversal = Case(When(reverses__isnull=True, then=Value(1)), default=Value(-1), output_field=IntegerField())
    return Sum(F("amount") * sign * reversal, output_field=DecimalField(max_digits=16, decimal_places=2))


def fund_balance(fund: Fund) -> Decimal:
    """Σ of every entry's effect, in the database (one query whatever the ledger's length)."""
    total = fund.entries.aggregate(balance=_signed_sum())["balance"]
    return (total or Decimal("0")).quantize(CENT)


def funds_with_balance(funds: QuerySet[Fund]) -> QuerySet[Fund]:
    """Each fund's balance as `fund_balance` gives it, in the same query as the funds (a list of
    200 funds is one query, not 201)."""
    per_fund = LedgerEntry.objects.filter(fund=OuterRef("pk")).values("fund").annotate(total=_signed_sum())
    total = Subquery(per_fund.values("total"), output_field=DecimalField(max_digits=16, decimal_places=2))
    return funds.annotate(balance=Coalesce(total, Value(Decimal("0"))))


def _validate_date(fund: Fund, date: dt.date) -> None:
    if date.year != fund.year:
        raise ValidationError({"date": DATE_OUTSIDE_YEAR.format(year=fund.year)})
    if fund.closed_through is not None and date <= fund.closed_through:
        raise ValidationError({"date": DATE_CLOSED.format(date=fund.closed_through.isoformat())})


def _insert(entry: LedgerEntry) -> LedgerEntry:
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as exc:
        raise ConflictError(VOUCHER_TAKEN.format(voucher=entry.voucher_number)) from exc
    return entry


def _check_balance(fund: Fund, effect: Decimal) -> None:
    balance = fund_balance(fund)
    if effect < 0 and balance + effect < 0:
        raise ValidationError({"amount": INSUFFICIENT_BALANCE.format(balance=balance, amount=-effect)})


@transaction.atomic
def ledger_entry_create(
    *,
    actor=None,
    fund: Fund,
    kind: str,
    amount: Decimal,
    date: dt.date,
    voucher_number: str,
    category: ExpenseCategory | None = None,
    receiving_organization: Organization | None = None,
    note: str = "",
    attachment=None,
) -> LedgerEntry:
    require_perm(actor, "resources.add_ledgerentry")
    require_organization_in_scope(actor, fund.owner, field="fund")
    fund = Fund.objects.select_for_update().get(pk=fund.pk)  # one writer per fund: the balance check holds
    amount = Decimal(amount)
    if amount <= 0 or amount != amount.quantize(CENT):
        raise ValidationError({"amount": AMOUNT_POSITIVE})
    _validate_date(fund, date)
    if kind in (EntryKind.ALLOCATION, EntryKind.EXPENDITURE) and category is None:
        raise ValidationError({"category": CATEGORY_REQUIRED})
    if kind == EntryKind.ALLOCATION and receiving_organization is None:
        raise ValidationError({"receiving_organization": RECEIVER_REQUIRED})
    _check_balance(fund, amount * ENTRY_SIGN[kind])
    entry = LedgerEntry(
        fund=fund,
        kind=kind,
        amount=amount,
        date=date,
        voucher_number=(voucher_number or "").strip(),
        category=category,
        receiving_organization=receiving_organization,
        note=(note or "").strip(),
        created_by=actor,
    )
    if attachment:
        entry.attachment = attachment
    entry.full_clean(exclude=["fund", "category", "receiving_organization", "created_by"], validate_constraints=False)
    return _insert(entry)


@transaction.atomic
def ledger_entry_reverse(*, actor=None, entry: LedgerEntry, date: dt.date, voucher_number: str, note: str = ""):
    """Correct an entry by a reversing one (same amount, opposite effect), in an open period."""
    require_perm(actor, "resources.add_ledgerentry")
    require_organization_in_scope(actor, entry.fund.owner, field="fund")
    fund = Fund.objects.select_for_update().get(pk=entry.fund_id)
    if entry.reverses_id:
        raise ValidationError({"entry": CANNOT_REVERSE_REVERSAL})
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise ValidationError({"entry": ALREADY_REVERSED})
    _validate_date(fund, date)
    _check_balance(fund, -entry.effect)
    reversal = LedgerEntry(
        fund=fund,
        kind=entry.kind,
        amount=entry.amount,
        date=date,
        voucher_number=(voucher_number or "").strip(),
        category=entry.category,
        receiving_organization=entry.receiving_organization,
        note=note or f"冲销 {entry.voucher_number}",
        reverses=entry,
        created_by=actor,
    )
    return _insert(reversal)


@transaction.atomic
def fund_close_through(*, actor=None, fund: Fund, date: dt.date) -> Fund:
    """Close the books up to `date`: entries on or before it can no longer be added or reversed there."""
    require_perm(actor, "resources.change_fund")
    require_organization_in_scope(actor, fund.owner, field="fund")
    fund = Fund.objects.select_for_update().get(pk=fund.pk)
    if fund.closed_through is not None and date < fund.closed_through:
        raise ValidationError({"date": CLOSE_BACKWARDS.format(date=fund.closed_through.isoformat())})
    fund.closed_through = date
    fund.save(update_fields=["closed_through", "updated_at"])
    return fund


@dataclass
class GrassrootsShare:
    """Outflows of a fund in a period, and the part that served the grassroots."""

    fund: Fund
    start: dt.date
    end: dt.date
    total: Decimal = Decimal("0.00")
    grassroots: Decimal = Decimal("0.00")
    entries: list[tuple[LedgerEntry, bool]] = field(default_factory=list)

    @property
    def share(self) -> Decimal:
        if not self.total:
            return Decimal("0.0000")
        return (self.grassroots / self.total).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)

    @property
    def meets_target(self) -> bool:
        return self.total > 0 and self.grassroots / self.total >= GRASSROOTS_TARGET


def grassroots_share(*, fund: Fund, start: dt.date, end: dt.date) -> GrassrootsShare:
    """An outflow serves the grassroots when its category says so, or it goes to a unit below the owner.

    Both the categories (ExpenseCategory.is_grassroots) and the tree are data; reversals
    count against the entry they reverse.
    """
    result = GrassrootsShare(fund=fund, start=start, end=end)
    owner_depth = fund.owner.depth
    outflows = (
        fund.entries.filter(kind__in=[EntryKind.ALLOCATION, EntryKind.EXPENDITURE], date__range=(start, end))
        .select_related("category", "receiving_organization")
        .order_by("date", "id")
    )
    for entry in outflows:
        receiver = entry.receiving_organization
        serves = bool(entry.category and entry.category.is_grassroots) or (
            receiver is not None and receiver.depth > owner_depth
        )
        spent = -entry.effect  # positive for an outflow, negative for its reversal
        result.total += spent
        if serves:
            result.grassroots += spent
        result.entries.append((entry, serves))
    return result


@transaction.atomic
def fund_save(*, actor=None, fund: Fund) -> Fund:
    require_perm(actor, f"resources.{'change' if fund.pk else 'add'}_fund")
    require_organization_in_scope(actor, fund.owner, field="owner")
    fund.full_clean(exclude=["owner"], validate_constraints=False)
    fund.save()
    return fund
