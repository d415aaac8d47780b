"""One stored match ready to show, in the reader's language: its score, the breakdown bar,
the reasons, what it lacks, its qualification issue and its decision history. The demand
page, the review queue, the export and the API build their rows from here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from matchmaking.choices import MatchStatus
from matchmaking.engine.explanations import (
    issue_in,
    language,
    match_breakdown,
    match_lacks,
    stored_reasons,
)
from matchmaking.engine.loading import load_labels
from matchmaking.models import Match, MatchDecision
from matchmaking.partnerships.review import ALLOWED_MOVES
from matchmaking.scoring.facts import Facts
from matchmaking.scoring.texts import (
    Labels,
    Lang,
    format_number,
    render_all,
)

AWAITING_REVIEW = (MatchStatus.SUGGESTED, MatchStatus.SHORTLISTED)
MOVE_BUTTONS = (
    (MatchStatus.SHORTLISTED.value, _("Shortlist"), "btn-outline-primary"),
    (MatchStatus.APPROVED.value, _("Approve"), "btn-success"),
    (MatchStatus.REJECTED.value, _("Reject"), "btn-outline-danger"),
    (MatchStatus.SUGGESTED.value, _("Back to suggestions"), "btn-outline-secondary"),
)


# --- one match, ready to show ---------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """One factor's part of the stacked bar: width is its share of the score (%)."""

    factor: str
    index: int
    label: str
    contribution: str
    width: str


@dataclass
class MatchView:
    """A stored match as a page shows it, in the reader's language."""

    match: Match
    score: str
    breakdown: list[dict[str, str]]
    segments: list[Segment]
    reasons: list[str]
    lacks: list[str]
    issue: str
    facts: Facts | None = None
    decisions: list[MatchDecision] = field(default_factory=list)
    # the state of the row's review form after an action (set by the view)
    errors: dict[str, list[str]] = field(default_factory=dict)
    note: str = ""
    conflict: str = ""
    notice: str = ""

    @property
    def demand_id(self) -> int:
        return self.match.demand_id

    @property
    def supplier_id(self) -> int:
        return self.match.supplier_id

    @property
    def bar_width(self) -> str:
        """The bar's length on the track: the score, as a CSS percentage."""
        return f"{100 * min(max(self.match.score, 0.0), 1.0):.2f}"

    @property
    def dom_id(self) -> str:
        return f"match-{self.match.demand_id}-{self.match.supplier_id}"

    @property
    def moves(self) -> list[tuple[str, StrOrPromise, str]]:
        """The decisions an officer can take here: (status, button text, button style)."""
        allowed = ALLOWED_MOVES[self.match.status]
        return [move for move in MOVE_BUTTONS if move[0] in allowed]


def score_text(score: float, lang: Lang) -> str:
    return format_number(score, lang, 3)


def segments(breakdown: list[dict[str, str]], contributions: Sequence[int]) -> list[Segment]:
    """The bar's segments: one per factor that contributes, widths adding up to 100%."""
    total = sum(max(c, 0) for c in contributions)
    if total <= 0:
        return []
    return [
        Segment(
            factor=row["factor"],
            index=index,
            label=row["label"],
            contribution=row["contribution"],
            width=f"{100 * micro / total:.3f}",
        )
        for index, (row, micro) in enumerate(zip(breakdown, contributions, strict=True))
        if micro > 0
    ]


def match_view(match: Match, labels: Labels, lang: Lang) -> MatchView:
    """Everything one match row shows; ``match.policy`` should be loaded with it."""
    explanation = match.explanation or {}
    stored = explanation.get("ctx") is not None and explanation.get("row") is not None
    breakdown = match_breakdown(match, lang)
    contributions = (match.breakdown or {}).get("c") or []
    return MatchView(
        match=match,
        score=score_text(match.score, lang),
        breakdown=breakdown,
        segments=segments(breakdown, contributions) if breakdown else [],
        reasons=render_all(stored_reasons(match), lang, labels),
        lacks=match_lacks(match, labels, lang),
        issue=issue_in(match, lang),
        facts=Facts._make(explanation["row"]) if stored else None,
        decisions=list(match.decisions.all()),
    )


def matches_with_history() -> QuerySet[Match]:
    return Match.objects.select_related(
        "supplier__regency", "policy", "reviewed_by", "partnership"
    ).prefetch_related(Prefetch("decisions", queryset=MatchDecision.objects.select_related("by")))


def match_row(*, demand_id: int, supplier_id: int) -> MatchView | None:
    """One match, as its row on the demand page shows it (``None`` when gone)."""
    match = matches_with_history().filter(demand_id=demand_id, supplier_id=supplier_id).first()
    if match is None:
        return None
    return match_view(match, load_labels(), language())


def contribution(match: Match, index: int) -> float | None:
    """One factor's contribution to the score (6 decimals), ``None`` when not stored."""
    stored = (match.breakdown or {}).get("c") or []
    return round(stored[index] / 1_000_000, 6) if index < len(stored) else None
