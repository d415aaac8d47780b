"""What officers leave in the matches table between nightly reruns, added to the synthetic
registry after its first full rescore: reviewed matches and the partnerships born from the
approved ones; and how concentrated the registry is by component category.

Seeded like the registry. Of the open demands with a current match: 12% have their first
match approved, 8% their second shortlisted and 5% their third rejected; 80% of the
approved ones became partnerships, spread over the live stages (a third of them in trial
order, contract or active supply, committing 20–60% of the capability's monthly capacity,
which the engine subtracts from its free capacity), a tenth completed (four in five on
time). The rerun must keep every reviewed row and score against the reduced capacities.
"""

from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from matchmaking.choices import CAPACITY_COMMITTING_STAGES, MatchKind, MatchStatus, PartnershipStage
from matchmaking.models import Match, Partnership
from partners.choices import DemandStatus
from partners.models import Demand, SupplierCapability

APPROVED_SHARE, SHORTLISTED_SHARE, REJECTED_SHARE = 0.12, 0.08, 0.05
PARTNERSHIP_SHARE = 0.8
STAGES = (
    (PartnershipStage.APPROVED, 0.15),
    (PartnershipStage.INTRODUCED, 0.15),
    (PartnershipStage.MEETING_HELD, 0.15),
    (PartnershipStage.TRIAL_ORDER, 0.1),
    (PartnershipStage.CONTRACT, 0.1),
    (PartnershipStage.ACTIVE_SUPPLY, 0.15),
    (PartnershipStage.COMPLETED, 0.1),
    (PartnershipStage.DECLINED, 0.05),
    (PartnershipStage.ENDED, 0.05),
)


@transaction.atomic
def add_reviews(seed: int) -> dict[str, int]:
    """Review some current matches and record partnerships for most approved ones."""
    rng = random.Random(seed + 1)
    by_demand: dict[int, dict[int, int]] = {}
    for pk, demand_id, rank in Match.objects.filter(
        kind=MatchKind.MATCH, is_current=True, demand__status=DemandStatus.OPEN
    ).values_list("pk", "demand_id", "rank"):
        if rank is not None:
            by_demand.setdefault(demand_id, {})[rank] = pk
    decided: dict[MatchStatus, list[int]] = {
        MatchStatus.APPROVED: [],
        MatchStatus.SHORTLISTED: [],
        MatchStatus.REJECTED: [],
    }
    for demand_id in sorted(by_demand):
        ranks = by_demand[demand_id]
        for status, rank, share in (
            (MatchStatus.APPROVED, 1, APPROVED_SHARE),
            (MatchStatus.SHORTLISTED, 2, SHORTLISTED_SHARE),
            (MatchStatus.REJECTED, 3, REJECTED_SHARE),
        ):
            if rank in ranks and rng.random() < share:
                decided[status].append(ranks[rank])
    now = timezone.now()
    for status, ids in decided.items():
        Match.objects.filter(pk__in=ids).update(status=status, reviewed_at=now)
    approved = [pk for pk in decided[MatchStatus.APPROVED] if rng.random() < PARTNERSHIP_SHARE]
    matches = Match.objects.filter(pk__in=approved).values_list(
        "pk", "supplier_id", "demand_id", "capability_id"
    )
    capacity = {
        pk: (amount, unit)
        for pk, amount, unit in SupplierCapability.objects.filter(
            pk__in=[c for _, _, _, c in matches if c]
        ).values_list("pk", "monthly_capacity", "capacity_unit")
    }
    partnerships = []
    stages, weights = zip(*STAGES, strict=True)
    for match_id, supplier_id, demand_id, capability_id in matches:
        stage = rng.choices(stages, weights=weights)[0]
        volume, unit = None, ""
        if stage in CAPACITY_COMMITTING_STAGES and capability_id in capacity:
            amount, unit = capacity[capability_id]
            volume = (Decimal(amount) * Decimal(str(round(rng.uniform(0.2, 0.6), 2)))).quantize(
                Decimal("0.001")
            )
        partnerships.append(
            Partnership(
                match_id=match_id,
                supplier_id=supplier_id,
                demand_id=demand_id,
                stage=stage,
                stage_changed_at=now,
                committed_monthly_volume=volume,
                committed_unit=unit,
                delivered_on_time=(rng.random() < 0.8)
                if stage == PartnershipStage.COMPLETED
                else None,
            )
        )
    Partnership.objects.bulk_create(partnerships, batch_size=5000)
    return {
        "approved": len(decided[MatchStatus.APPROVED]),
        "shortlisted": len(decided[MatchStatus.SHORTLISTED]),
        "rejected": len(decided[MatchStatus.REJECTED]),
        "partnerships": len(partnerships),
        "committing": sum(p.committed_monthly_volume is not None for p in partnerships),
    }


def _concentration(counts: Counter[int]) -> tuple[float, float]:
    """(share of the three largest categories, Herfindahl–Hirschman index in [0, 1])."""
    total = sum(counts.values())
    if not total:
        return 0.0, 0.0
    shares = sorted((n / total for n in counts.values()), reverse=True)
    return sum(shares[:3]), sum(s * s for s in shares)


def category_concentration() -> dict[str, float | int]:
    """How the open demands and the capabilities spread over component categories."""
    demands = Counter(
        Demand.objects.filter(status=DemandStatus.OPEN).values_list(
            "component_type__category_id", flat=True
        )
    )
    capabilities = Counter(
        SupplierCapability.objects.values_list("component_type__category_id", flat=True)
    )
    demand_top3, demand_hhi = _concentration(demands)
    capability_top3, capability_hhi = _concentration(capabilities)
    return {
        "registry_categories": len(demands),
        "registry_top3_category_share": round(demand_top3, 4),
        "registry_category_hhi": round(demand_hhi, 4),
        "registry_capability_top3_category_share": round(capability_top3, 4),
        "registry_capability_category_hhi": round(capability_hhi, 4),
    }
