"""Read side of the demand pages and the review queue: demands with their match counts,
one demand's suggestions ready to show (breakdown bar, reasons, history), side-by-side
comparison, export rows, and the current matches the review queue lists.

Catalogue names for the reasons are loaded once per page (:func:`load_labels`), and every
number a template shows is formatted here, once, in the reader's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from components.models import Certification
from partners.choices import DemandStatus
from partners.models import Demand, Supplier, SupplierCertification

from ..choices import REVIEWED_MATCH_STATUSES, MatchKind, MatchStatus
from ..engine.explanations import language, match_breakdown
from ..engine.loading import load_labels
from ..models import ConsortiumSuggestion, Match, MatchDecision
from ..review import ALLOWED_MOVES
from ..scoring.config import FACTORS, normalise_weights
from ..scoring.facts import Facts
from ..scoring.reasons import Reason, failures_from_facts, reasons_from_facts
from ..scoring.texts import FACTOR_LABELS, Labels, format_number, format_quantity, render_all
from ..scoring.units import COUNT_UNITS, UNITS

AWAITING_REVIEW = (MatchStatus.SUGGESTED, MatchStatus.SHORTLISTED)
MOVE_BUTTONS = (
    (MatchStatus.SHORTLISTED.value, _("Shortlist"), "btn-outline-primary"),
    (MatchStatus.APPROVED.value, _("Approve"), "btn-success"),
    (MatchStatus.REJECTED.value, _("Reject"), "btn-outline-danger"),
    (MatchStatus.SUGGESTED.value, _("Back to suggestions"), "btn-outline-secondary"),
)
FACTOR_COUNT = len(FACTORS)


# --- demand list ----------------------------------------------------------------------------


def demand_list() -> QuerySet[Demand]:
    """Demands with what the list shows: manufacturer, component type, and how many current
    matches, near misses, matches waiting for review and approvals each has (one query per
    page, however many rows)."""
    current = Q(matches__is_current=True)
    match = current & Q(matches__kind=MatchKind.MATCH)
    return (
        Demand.objects.select_related("manufacturer", "component_type")
        .annotate(
            match_count=Count("matches", filter=match),
            near_miss_count=Count("matches", filter=current & Q(matches__kind=MatchKind.NEAR_MISS)),
            waiting_count=Count("matches", filter=match & Q(matches__status__in=AWAITING_REVIEW)),
            approved_count=Count("matches", filter=Q(matches__status=MatchStatus.APPROVED)),
        )
        .order_by("needed_by", "pk")
    )


def demand_detail() -> QuerySet[Demand]:
    """Demands with everything the demand page's header shows."""
    return Demand.objects.select_related(
        "manufacturer",
        "plant__regency__province",
        "component_type__category__sector",
        "material",
    ).prefetch_related("required_processes", "mandatory_certifications", "preferred_certifications")


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
    def moves(self) -> list[tuple[str, str, str]]:
        """The decisions an officer can take here: (status, button text, button style)."""
        allowed = ALLOWED_MOVES[self.match.status]
        return [move for move in MOVE_BUTTONS if move[0] in allowed]


def score_text(score: float, lang: str) -> str:
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


def stored_failures(match: Match) -> tuple[Reason, ...]:
    """The hard constraints the supplier fails, from the stored facts when present."""
    explanation = match.explanation or {}
    if explanation.get("ctx") is not None and explanation.get("row") is not None:
        return failures_from_facts(explanation["ctx"], explanation["row"])
    return tuple(Reason.from_dict(item) for item in match.failed_constraints or [])


def issue_in(match: Match, lang: str) -> str:
    if lang == "en":
        return match.qualification_issue_en or match.qualification_issue
    return match.qualification_issue


def match_view(match: Match, labels: Labels, lang: str) -> MatchView:
    """Everything one match row shows; ``match.policy`` should be loaded with it."""
    explanation = match.explanation or {}
    facts = None
    factor_reasons: tuple[Reason, ...] = ()
    if explanation.get("ctx") is not None and explanation.get("row") is not None:
        facts = Facts._make(explanation["row"])
        factor_reasons = reasons_from_facts(explanation["ctx"], explanation["row"])
    breakdown = match_breakdown(match, lang)
    contributions = (match.breakdown or {}).get("c") or []
    return MatchView(
        match=match,
        score=score_text(match.score, lang),
        breakdown=breakdown,
        segments=segments(breakdown, contributions) if breakdown else [],
        reasons=render_all(factor_reasons, lang, labels),
        lacks=render_all(stored_failures(match), lang, labels),
        issue=issue_in(match, lang),
        facts=facts,
        decisions=list(match.decisions.all()),
    )


def _matches_with_history() -> QuerySet[Match]:
    return Match.objects.select_related(
        "supplier__regency", "policy", "reviewed_by", "partnership"
    ).prefetch_related(Prefetch("decisions", queryset=MatchDecision.objects.select_related("by")))


def match_row(*, demand_id: int, supplier_id: int) -> MatchView | None:
    """One match, as its row on the demand page shows it (``None`` when gone)."""
    match = _matches_with_history().filter(demand_id=demand_id, supplier_id=supplier_id).first()
    if match is None:
        return None
    return match_view(match, load_labels(), language())


# --- a demand's suggestions -----------------------------------------------------------------


@dataclass(frozen=True)
class ConsortiumMember:
    supplier_id: int
    name: str
    sentra: str
    regency: str
    quantity: str
    share: str


@dataclass(frozen=True)
class ConsortiumView:
    suggestion: ConsortiumSuggestion
    members: list[ConsortiumMember]
    score: str
    total_quantity: str
    reasons: list[str]


@dataclass(frozen=True)
class LegendItem:
    factor: str
    index: int
    label: str
    weight: str


@dataclass
class Suggestions:
    matches: list[MatchView]
    near_misses: list[MatchView]
    fallen_out: list[MatchView]
    consortium: ConsortiumView | None
    legend: list[LegendItem]

    @property
    def waiting(self) -> int:
        return sum(1 for row in self.matches if row.match.status in AWAITING_REVIEW)


def _consortium(demand: Demand, lang: str) -> ConsortiumView | None:
    suggestion = ConsortiumSuggestion.objects.filter(demand=demand).first()
    if suggestion is None:
        return None
    members = suggestion.members or []
    suppliers = Supplier.objects.select_related("regency").in_bulk(
        [m["supplier_id"] for m in members]
    )
    unit = suggestion.get_unit_display()

    def amount(value) -> str:
        # pieces and sets are whole; mass and volume keep their decimals
        number = float(value or 0)
        if suggestion.unit in COUNT_UNITS:
            number = round(number)
        return f"{format_quantity(number, lang)} {unit}"

    rows = []
    for member in members:
        supplier = suppliers.get(member["supplier_id"])
        rows.append(
            ConsortiumMember(
                supplier_id=member["supplier_id"],
                name=supplier.legal_name if supplier else member.get("name", ""),
                sentra=(supplier.sentra if supplier else member.get("sentra", "")) or "",
                regency=supplier.regency.name if supplier else "",
                quantity=amount(member.get("quantity")),
                share=format_number(float(member.get("share_pct") or 0), lang, 1) + "%",
            )
        )
    return ConsortiumView(
        suggestion=suggestion,
        members=rows,
        score=score_text(suggestion.score, lang),
        total_quantity=amount(suggestion.total_quantity),
        reasons=list(suggestion.reasons_en if lang == "en" else suggestion.reasons_id),
    )


def legend(lang: str, weights: dict[str, float] | None = None) -> list[LegendItem]:
    return [
        LegendItem(
            factor=factor,
            index=index,
            label=FACTOR_LABELS[factor][1 if lang == "en" else 0],
            weight=format_quantity(round(weights[factor] * 100, 1), lang) + "%" if weights else "",
        )
        for index, factor in enumerate(FACTORS)
    ]


def demand_suggestions(*, demand: Demand) -> Suggestions:
    """A demand's ranked matches, near misses, reviewed matches that fell out of the
    ranking, and its consortium suggestion: a fixed number of queries, whatever the count."""
    lang = language()
    labels = load_labels()
    rows = list(
        _matches_with_history()
        .filter(demand=demand)
        .filter(Q(is_current=True) | Q(status__in=REVIEWED_MATCH_STATUSES))
        .order_by("kind", "rank", "-score", "supplier_id")
    )
    views = [match_view(match, labels, lang) for match in rows]
    matches = [v for v in views if v.match.is_current and v.match.kind == MatchKind.MATCH]
    near = [v for v in views if v.match.is_current and v.match.kind == MatchKind.NEAR_MISS]
    near.sort(key=lambda v: (-v.match.score, v.supplier_id))
    fallen = [v for v in views if not v.match.is_current]
    weights = normalise_weights(rows[0].policy.weights) if rows else None
    return Suggestions(
        matches=matches,
        near_misses=near,
        fallen_out=fallen,
        consortium=_consortium(demand, lang),
        legend=legend(lang, weights),
    )


def scored_supplier_ids(*, demand: Demand) -> list[int]:
    """The suppliers with a stored match (or near miss) for the demand."""
    return list(Match.objects.filter(demand=demand).values_list("supplier_id", flat=True))


# --- compare --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompareColumn:
    view: MatchView
    capacity: str
    free_capacity: str
    lead_time: str
    distance: str
    certifications: list[str]


@dataclass(frozen=True)
class Comparison:
    columns: list[CompareColumn]
    factor_rows: list[tuple[str, list[dict[str, str]]]]


def demand_compare(*, demand: Demand, supplier_ids: Sequence[int]) -> Comparison:
    """The matches of these suppliers for the demand, side by side (in the given order)."""
    lang = language()
    labels = load_labels()
    matches = {
        m.supplier_id: m
        for m in _matches_with_history()
        .select_related("capability")
        .prefetch_related(
            Prefetch(
                "supplier__certifications",
                queryset=SupplierCertification.objects.select_related("certification"),
            )
        )
        .filter(demand=demand, supplier_id__in=supplier_ids)
    }
    columns = []
    for supplier_id in supplier_ids:
        match = matches.get(supplier_id)
        if match is None:
            continue
        view = match_view(match, labels, lang)
        facts = view.facts
        capability = match.capability
        capacity = (
            f"{format_quantity(float(capability.monthly_capacity), lang)} "
            f"{capability.get_capacity_unit_display()}"
            if capability
            else "–"
        )
        free = (
            f"{format_quantity(facts.free, lang)} {UNITS[facts.unit]}" if facts is not None else "–"
        )
        km = f"{format_number(facts.km, lang)} km" if facts and facts.km is not None else "–"
        lead_days = (
            facts.lead_time_days if facts else (capability.lead_time_days if capability else None)
        )
        columns.append(
            CompareColumn(
                view=view,
                capacity=capacity,
                free_capacity=free,
                lead_time=str(lead_days) if lead_days is not None else "–",
                distance=km,
                certifications=[_held(c) for c in match.supplier.certifications.all()],
            )
        )
    factor_rows = [
        (
            FACTOR_LABELS[factor][1 if lang == "en" else 0],
            [
                column.view.breakdown[index]
                if index < len(column.view.breakdown)
                else {"value": "–", "contribution": "–"}
                for column in columns
            ],
        )
        for index, factor in enumerate(FACTORS)
    ]
    return Comparison(columns=columns, factor_rows=factor_rows)


def _held(held: SupplierCertification) -> str:
    certification: Certification = held.certification
    if held.valid_until:
        return f"{certification.name} ({held.valid_until.isoformat()})"
    return certification.name


# --- export ---------------------------------------------------------------------------------


def demand_export_rows(*, demand: Demand) -> list[MatchView]:
    """The demand's current matches (by rank) then near misses (by score), ready to
    write: supplier, breakdown and what each lacks in the reader's language."""
    lang = language()
    labels = load_labels()
    rows = (
        Match.objects.select_related("supplier__regency", "policy")
        .filter(demand=demand, is_current=True)
        .order_by("kind", "rank", "-score", "supplier_id")
    )
    views = []
    for match in rows:
        view = MatchView(
            match=match,
            score=score_text(match.score, lang),
            breakdown=[],
            segments=[],
            reasons=[],
            lacks=render_all(stored_failures(match), lang, labels),
            issue=issue_in(match, lang),
        )
        views.append(view)
    matches = [v for v in views if v.match.kind == MatchKind.MATCH]
    near = sorted(
        (v for v in views if v.match.kind == MatchKind.NEAR_MISS),
        key=lambda v: (-v.match.score, v.supplier_id),
    )
    return matches + near


def contribution(match: Match, index: int) -> float | None:
    """One factor's contribution to the score (6 decimals), ``None`` when not stored."""
    stored = (match.breakdown or {}).get("c") or []
    return round(stored[index] / 1_000_000, 6) if index < len(stored) else None


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


def queue_rows(matches: Sequence[Match]) -> list[QueueRow]:
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
