"""Scoped reads of pooled resources; each starts from scoped() on the user's tree."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.organizations.scoping import scoped
from apps.resources.models import DutyShift, Fund, LedgerEntry, Secondment, ServiceCenter, ShiftSwap


def center_list(*, user) -> QuerySet:
    return scoped(ServiceCenter.objects.all(), user).order_by("id")


def secondment_list(*, user) -> QuerySet:
    return scoped(Secondment.objects.all(), user).order_by("id")


def duty_shift_list(*, user) -> QuerySet:
    return scoped(DutyShift.objects.all(), user).order_by("date", "shift", "id")


def shift_swap_list(*, user) -> QuerySet:
    """A swap is visible where both of its shifts are."""
    visible = duty_shift_list(user=user).values("pk")
    return ShiftSwap.objects.filter(shift__in=visible, other_shift__in=visible).order_by("-requested_at", "-id")


def fund_list(*, user) -> QuerySet:
    return scoped(Fund.objects.all(), user).order_by("id")


def ledger_entry_list(*, user) -> QuerySet:
    return scoped(LedgerEntry.objects.all(), user).order_by("id")
