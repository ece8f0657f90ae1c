"""The fund ledger: exact grassroots share, reversals, no negative balance, closed periods, vouchers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from apps.core.exceptions import ConflictError
from apps.resources import services
from apps.resources.models import EntryKind, ExpenseCategory, Fund, FundKind
from tests.factories import unit


@pytest.fixture
def fund(qinghai):
    owner = unit("630000")  # 青海省总工会
    return services.fund_save(fund=Fund(name="工会经费", kind=FundKind.OWN, owner=owner, year=2026))


def category(code: str) -> ExpenseCategory:
    return ExpenseCategory.objects.get(code=code)


def entry(fund, kind, amount, voucher, *, day=dt.date(2026, 3, 1), category_code=None, receiver=None):
    return services.ledger_entry_create(
        fund=fund,
        kind=kind,
        amount=Decimal(amount),
        date=day,
        voucher_number=voucher,
        category=category(category_code) if category_code else None,
        receiving_organization=receiver,
    )


@pytest.fixture
def known_ledger(fund):
    """Income 1000; 300 on grassroots service; 500 allocated down to a county (administration
    category, but the receiver lies below the owner); 200 on administration at the top."""
    entry(fund, EntryKind.INCOME, "1000.00", "R-1")
    entry(fund, EntryKind.EXPENDITURE, "300.00", "P-1", category_code="grassroots_service")
    allocation = entry(
        fund, EntryKind.ALLOCATION, "500.00", "A-1", category_code="administration", receiver=unit("630102")
    )
    admin = entry(fund, EntryKind.EXPENDITURE, "200.00", "P-2", category_code="administration")
    return {"allocation": allocation, "admin": admin}


def test_the_grassroots_share_of_a_known_ledger_is_exact(fund, known_ledger):
    share = services.grassroots_share(fund=fund, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))

    assert share.total == Decimal("1000.00")
    assert share.grassroots == Decimal("800.00")
    assert share.share == Decimal("0.8000")
    assert share.meets_target is True
    counted = {e.voucher_number: serves for e, serves in share.entries}
    assert counted == {"P-1": True, "A-1": True, "P-2": False}


def test_an_allocation_to_the_owner_itself_counts_only_by_its_category(fund):
    entry(fund, EntryKind.INCOME, "100.00", "R-1")
    entry(fund, EntryKind.ALLOCATION, "100.00", "A-1", category_code="administration", receiver=fund.owner)

    share = services.grassroots_share(fund=fund, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))

    assert (share.grassroots, share.meets_target) == (Decimal("0.00"), False)


def test_a_reversal_counts_against_its_entry(fund, known_ledger):
    services.ledger_entry_reverse(entry=known_ledger["allocation"], date=dt.date(2026, 4, 1), voucher_number="C-1")

    share = services.grassroots_share(fund=fund, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))

    assert share.total == Decimal("500.00")
    assert share.grassroots == Decimal("300.00")
    assert share.share == Decimal("0.6000")
    assert share.meets_target is False
    assert services.fund_balance(fund) == Decimal("500.00")


def test_it_refuses_an_entry_that_would_make_the_balance_negative(fund):
    entry(fund, EntryKind.INCOME, "100.00", "R-1")

    with pytest.raises(ValidationError) as caught:
        entry(fund, EntryKind.EXPENDITURE, "100.01", "P-1", category_code="training")

    assert caught.value.message_dict == {
        "amount": [services.INSUFFICIENT_BALANCE.format(balance=Decimal("100.00"), amount=Decimal("100.01"))]
    }
    entry(fund, EntryKind.EXPENDITURE, "100.00", "P-1", category_code="training")
    assert services.fund_balance(fund) == Decimal("0.00")


def test_it_refuses_an_entry_in_a_closed_period(fund):
    entry(fund, EntryKind.INCOME, "100.00", "R-1")
    services.fund_close_through(fund=fund, date=dt.date(2026, 6, 30))

    with pytest.raises(ValidationError) as caught:
        entry(fund, EntryKind.INCOME, "50.00", "R-2", day=dt.date(2026, 6, 30))

    assert caught.value.message_dict == {"date": [services.DATE_CLOSED.format(date="2026-06-30")]}
    entry(fund, EntryKind.INCOME, "50.00", "R-2", day=dt.date(2026, 7, 1))


def test_it_refuses_a_voucher_number_used_twice_in_the_fund(fund):
    entry(fund, EntryKind.INCOME, "100.00", "R-1")

    with pytest.raises(ConflictError) as caught:
        entry(fund, EntryKind.INCOME, "50.00", "R-1")

    assert caught.value.message == services.VOUCHER_TAKEN.format(voucher="R-1")
    assert services.fund_balance(fund) == Decimal("100.00")
