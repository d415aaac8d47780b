"""Read-side queries of the matchmaking app."""

from __future__ import annotations

from dataclasses import dataclass

from partners.choices import DemandStatus, VerificationStatus
from partners.models import Demand, Manufacturer, Supplier


@dataclass(frozen=True)
class HeadlineCounts:
    verified_suppliers: int
    open_demands: int
    manufacturers: int


def headline_counts() -> HeadlineCounts:
    """The three numbers on the home page: who can supply, what is wanted, who buys."""
    return HeadlineCounts(
        verified_suppliers=Supplier.objects.filter(
            is_active=True, verification_status=VerificationStatus.VERIFIED
        ).count(),
        open_demands=Demand.objects.filter(status=DemandStatus.OPEN).count(),
        manufacturers=Manufacturer.objects.filter(is_active=True).count(),
    )
