"""The plain-Python baseline of a full rescore: ORM reads, the pure-Python reference scorer
looping over every (demand, capability) pair, and one ORM write per stored row.

The scorer is ``bench/reference.py``, the independent restatement of
the engine's rules that the scoring tests compare against. Free capacity here is the
declared capacity: the registry B1 checks the engine against has no partnerships committing
volume (``bench.reviews`` adds them to the larger registry only).
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from matchmaking.choices import CLOSED_PARTNERSHIP_STAGES, MatchKind, MatchStatus, PartnershipStage
from matchmaking.engine.loading import load_demand_specs
from matchmaking.engine.policies import policy_params
from matchmaking.models import Match, MatchingPolicy, Partnership
from matchmaking.scoring.config import ALGORITHM_VERSION
from matchmaking.scoring.inputs import CapabilityRow
from partners.choices import VerificationStatus
from partners.models import SupplierCapability

from .reference import reference_evaluate, reference_rank

TopLists = dict[int, tuple[frozenset[int], frozenset[int]]]
"""Demand id → (supplier ids of the top-K matches, of the top-K near misses)."""


def capability_rows() -> list[CapabilityRow]:
    """Capabilities of verified, active suppliers, read through the ORM into row objects."""
    record: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for supplier_id, stage, delivered_on_time in Partnership.objects.values_list(
        "supplier_id", "stage", "delivered_on_time"
    ):
        counts = record[supplier_id]
        if stage == PartnershipStage.COMPLETED:
            counts[0] += 1
            counts[1] += bool(delivered_on_time)
        elif stage not in CLOSED_PARTNERSHIP_STAGES:
            counts[2] += 1
    capabilities = (
        SupplierCapability.objects.filter(
            supplier__verification_status=VerificationStatus.VERIFIED, supplier__is_active=True
        )
        .select_related("supplier", "component_type")
        .prefetch_related(
            "processes", "materials", "supplier__certifications", "supplier__kbli_codes"
        )
        .order_by("pk")
    )
    rows = []
    for cap in capabilities:
        supplier = cap.supplier
        certificates: dict[int, datetime.date | None] = {}
        for held in supplier.certifications.all():
            current = certificates.get(held.certification_id, held.valid_until)
            if current is None or held.valid_until is None:
                certificates[held.certification_id] = None  # one never-expiring copy wins
            else:
                certificates[held.certification_id] = max(current, held.valid_until)
        completed, on_time, load = record[supplier.pk]
        rows.append(
            CapabilityRow(
                supplier_id=supplier.pk,
                capability_id=cap.pk,
                component_type_id=cap.component_type_id,
                category_id=cap.component_type.category_id,
                free_capacity=float(cap.monthly_capacity),
                capacity_unit=cap.capacity_unit,
                lead_time_days=cap.lead_time_days,
                latitude=supplier.latitude,
                longitude=supplier.longitude,
                processes=frozenset(p.pk for p in cap.processes.all()),
                materials=frozenset(m.pk for m in cap.materials.all()),
                certifications=certificates,
                kbli_codes=frozenset(k.pk for k in supplier.kbli_codes.all()),
                minimum_order=float(cap.minimum_order or 0),
                completed=completed,
                on_time=on_time,
                load=load,
            )
        )
    return rows


def naive_full_rescore(*, policy: MatchingPolicy) -> TopLists:
    """Score every open demand against every capability row in Python and store the
    top-K matches and near misses with one ``update_or_create`` per row."""
    params = policy_params(policy)
    rows = capability_rows()
    as_of = timezone.localdate()
    top: TopLists = {}
    for spec in load_demand_specs():
        scores = reference_evaluate(spec, rows, as_of=as_of, weights=policy.weights, params=params)
        matches, near_misses = reference_rank(scores, policy.top_k)
        scored_at = timezone.now()
        with transaction.atomic():
            Match.objects.filter(demand_id=spec.demand_id, status=MatchStatus.SUGGESTED).delete()
            for kind, ranked in ((MatchKind.MATCH, matches), (MatchKind.NEAR_MISS, near_misses)):
                for rank, score in enumerate(ranked, start=1):
                    Match.objects.update_or_create(
                        demand_id=spec.demand_id,
                        supplier_id=score.supplier_id,
                        defaults={
                            "capability_id": score.capability_id,
                            "kind": kind,
                            "score": score.score_micro / 1_000_000,
                            "rank": rank if kind == MatchKind.MATCH else None,
                            "breakdown": {"contributions_micro": list(score.contributions_micro)},
                            "failed_constraints": list(score.failure_codes),
                            "algorithm_version": ALGORITHM_VERSION,
                            "policy": policy,
                            "scored_at": scored_at,
                        },
                    )
        top[spec.demand_id] = (
            frozenset(s.supplier_id for s in matches),
            frozenset(s.supplier_id for s in near_misses),
        )
    return top


def stored_top_lists() -> TopLists:
    """The current top lists in the database (as the engine left them)."""
    lists: dict[int, tuple[set[int], set[int]]] = defaultdict(lambda: (set(), set()))
    for demand_id, supplier_id, kind in Match.objects.filter(is_current=True).values_list(
        "demand_id", "supplier_id", "kind"
    ):
        lists[demand_id][0 if kind == MatchKind.MATCH else 1].add(supplier_id)
    return {d: (frozenset(m), frozenset(n)) for d, (m, n) in lists.items()}
