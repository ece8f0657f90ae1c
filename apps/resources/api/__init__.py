"""/api/v1/ for service centers, secondments, the duty roster and swaps, funds and the ledger."""

from apps.resources.api.viewsets import (
    DutyShiftViewSet,
    FundViewSet,
    LedgerEntryViewSet,
    SecondmentViewSet,
    ServiceCenterViewSet,
    ShiftSwapViewSet,
)

__all__ = [
    "DutyShiftViewSet",
    "FundViewSet",
    "LedgerEntryViewSet",
    "SecondmentViewSet",
    "ServiceCenterViewSet",
    "ShiftSwapViewSet",
]
