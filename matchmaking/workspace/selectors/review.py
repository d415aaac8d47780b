"""Read side of the review queue: the current matches of open demands (narrowed by
``MatchFilterSet``) and the queue's page rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from matchmaking.engine.explanations import issue_in, language
from matchmaking.engine.loading import load_labels
from matchmaking.models import Match
from matchmaking.scoring.reasons import Reason
from matchmaking.scoring.texts import (
    Labels,
    render_all,
)
from partners.choices import DemandStatus

from .matches import AWAITING_REVIEW, score_text

# --- review queue ---------------------------------------------------------------------------


def review_matches() -> QuerySet[Match]:
    """Current matches of open demands, with what the queue and the API show; the
    MatchFilterSet narrows them (by default to those awaiting a decision)."""
    return (
        Match.objects.filter(is_current=True, demand__status=DemandStatus.OPEN)
        .select_related(
            "demand__manufacturer",
            "demand__component_type",
            "supplier__regency__province",
            "reviewed_by",
        )
        .order_by("demand__needed_by", "demand_id", "kind", "-score", "supplier_id")
    )


@dataclass(frozen=True)
class QueueRow:
    match: Match
    score: str
    lacks: list[str]
    issue: str

    @property
    def pair(self) -> str:
        return f"{self.match.demand_id}:{self.match.supplier_id}"

    @property
    def can_act(self) -> bool:
        return self.match.status in AWAITING_REVIEW


def queue_rows(matches: Iterable[Match]) -> list[QueueRow]:
    """The queue's page rows: near misses say what they lack (stored failures)."""
    lang = language()
    labels: Labels | None = None
    rows = []
    for match in matches:
        lacks: list[str] = []
        if match.failed_constraints:
            if labels is None:
                labels = load_labels()
            lacks = render_all(
                [Reason.from_dict(item) for item in match.failed_constraints], lang, labels
            )
        rows.append(
            QueueRow(
                match=match,
                score=score_text(match.score, lang),
                lacks=lacks,
                issue=issue_in(match, lang),
            )
        )
    return rows
