"""Writing scored rows: top-K matches and near misses per demand, refreshed in place.

Unreviewed suggestions of a demand are replaced wholesale; reviewed ones (shortlisted,
approved, rejected) are updated in place — score, reasons, ``is_current`` and the
qualification flag — and never deleted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Q

from .choices import LIVE_PARTNERSHIP_STAGES, MatchKind, MatchStatus
from .models import Match, MatchingPolicy, Partnership, PartnershipEvent

UPDATE_FIELDS = [
    "capability",
    "kind",
    "score",
    "rank",
    "breakdown",
    "reasons_id",
    "reasons_en",
    "failed_constraints",
    "is_current",
    "qualification_issue",
    "qualification_issue_en",
    "algorithm_version",
    "policy",
    "scored_at",
    "updated_at",
]


@dataclass
class MatchRow:
    demand_id: int
    supplier_id: int
    capability_id: int | None
    kind: str
    score: float
    rank: int | None
    breakdown: dict = field(default_factory=dict)
    reasons_id: list[str] = field(default_factory=list)
    reasons_en: list[str] = field(default_factory=list)
    failed_constraints: list[dict] = field(default_factory=list)
    is_current: bool = True
    issue_id: str = ""
    issue_en: str = ""


def write_rows(
    *,
    demand_ids: Sequence[int],
    rows: Iterable[MatchRow],
    policy: MatchingPolicy,
    algorithm_version: str,
    scored_at: datetime,
) -> None:
    """Replace the suggestions of ``demand_ids`` with ``rows`` in one transaction (pass no
    ``demand_ids`` to upsert ``rows`` alone).

    ``rows`` must include a row for every reviewed match of those demands (with
    ``is_current=False`` when it fell out of the ranking)."""
    rows = list(rows)
    touched = {r.demand_id for r in rows} | set(demand_ids)
    with transaction.atomic():
        if demand_ids:
            Match.objects.filter(demand_id__in=demand_ids, status=MatchStatus.SUGGESTED).delete()
        objects = [
            Match(
                demand_id=r.demand_id,
                supplier_id=r.supplier_id,
                capability_id=r.capability_id,
                kind=r.kind,
                status=MatchStatus.SUGGESTED,
                score=r.score,
                rank=r.rank,
                breakdown=r.breakdown,
                reasons_id=r.reasons_id,
                reasons_en=r.reasons_en,
                failed_constraints=r.failed_constraints,
                is_current=r.is_current,
                qualification_issue=r.issue_id,
                qualification_issue_en=r.issue_en,
                algorithm_version=algorithm_version,
                policy=policy,
                scored_at=scored_at,
                created_at=scored_at,
                updated_at=scored_at,
            )
            for r in rows
        ]
        Match.objects.bulk_create(
            objects,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["demand", "supplier"],
            update_fields=UPDATE_FIELDS,
        )
        # A flag that persists keeps the time it was first raised.
        ours = Match.objects.filter(demand_id__in=touched)
        ours.filter(qualification_issue="", flagged_at__isnull=False).update(flagged_at=None)
        ours.exclude(qualification_issue="").filter(flagged_at__isnull=True).update(
            flagged_at=scored_at
        )
        _flag_partnerships(rows, scored_at)


def _flag_partnerships(rows: Sequence[MatchRow], now: datetime) -> None:
    """Mirror qualification issues onto live partnerships of the same pairs, with a
    timeline entry when a flag is raised or cleared."""
    pairs = {(r.demand_id, r.supplier_id): r for r in rows}
    if not pairs:
        return
    condition = Q()
    for demand_id, supplier_id in pairs:
        condition |= Q(demand_id=demand_id, supplier_id=supplier_id)
    for partnership in Partnership.objects.filter(condition, stage__in=LIVE_PARTNERSHIP_STAGES):
        row = pairs[(partnership.demand_id, partnership.supplier_id)]
        if row.issue_id == partnership.qualification_issue:
            continue
        partnership.qualification_issue = row.issue_id
        partnership.qualification_issue_en = row.issue_en
        partnership.flagged_at = now if row.issue_id else None
        partnership.save(
            update_fields=[
                "qualification_issue",
                "qualification_issue_en",
                "flagged_at",
                "updated_at",
            ]
        )
        PartnershipEvent.objects.create(
            partnership=partnership,
            note=(
                f"Supplier no longer qualifies: {row.issue_en}"
                if row.issue_id
                else "Supplier qualifies again after a rescore."
            ),
        )


def rerank(*, demand_id: int, kind: str, limit: int) -> None:
    """Renumber a demand's current rows of one kind; past ``limit``, suggestions are
    dropped and reviewed rows leave the ranking (``is_current=False``)."""
    current = list(
        Match.objects.filter(demand_id=demand_id, kind=kind, is_current=True)
        .order_by("-score", "supplier_id")
        .only("pk", "status", "rank")
    )
    drop, retire, changed = [], [], []
    for position, match in enumerate(current, start=1):
        if position > limit:
            (drop if match.status == MatchStatus.SUGGESTED else retire).append(match.pk)
            continue
        rank = position if kind == MatchKind.MATCH else None
        if match.rank != rank:
            match.rank = rank
            changed.append(match)
    if drop:
        Match.objects.filter(pk__in=drop).delete()
    if retire:
        Match.objects.filter(pk__in=retire).update(is_current=False, rank=None)
    if changed:
        Match.objects.bulk_update(changed, ["rank"])
