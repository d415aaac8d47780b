"""Read side of the demand pages: demands with their match counts, one demand's suggestions
ready to show (matches, near misses, the consortium, the legend), side-by-side comparison
and the export rows (the rows themselves: ``selectors.matches``).

Catalogue names for the reasons are loaded once per page (:func:`load_labels`), and every
number a template shows is formatted here, once, in the reader's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from components.models import Certification
from matchmaking.choices import REVIEWED_MATCH_STATUSES, MatchKind, MatchStatus
from matchmaking.engine.explanations import (
    factor_name,
    issue_in,
    language,
    match_lacks,
    match_weights,
    scored_short,
)
from matchmaking.engine.loading import load_labels
from matchmaking.models import ConsortiumSuggestion, Match
from matchmaking.scoring.config import FACTORS
from matchmaking.scoring.texts import (
    Lang,
    format_number,
    format_quantity,
)
from matchmaking.scoring.units import COUNT_UNITS, UNITS
from partners.models import Demand, Supplier, SupplierCertification

from .matches import (
    AWAITING_REVIEW,
    MatchView,
    match_view,
    matches_with_history,
    score_text,
)

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
    shortfall: bool = False
    """No single IKM covers the monthly volume: the consortium is the answer (issue 11)."""
    capacity_weight: str = ""
    """The share capacity weighs in the scores shown, e.g. ``50%``."""

    @property
    def waiting(self) -> int:
        return sum(1 for row in self.matches if row.match.status in AWAITING_REVIEW)


def _consortium(demand: Demand, lang: Lang) -> ConsortiumView | None:
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


def legend(lang: Lang, weights: dict[str, float] | None = None) -> list[LegendItem]:
    return [
        LegendItem(
            factor=factor,
            index=index,
            label=factor_name(factor, lang),
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
        matches_with_history()
        .filter(demand=demand)
        .filter(Q(is_current=True) | Q(status__in=REVIEWED_MATCH_STATUSES))
        .order_by("kind", "rank", "-score", "supplier_id")
    )
    views = [match_view(match, labels, lang) for match in rows]
    matches = [v for v in views if v.match.is_current and v.match.kind == MatchKind.MATCH]
    near = [v for v in views if v.match.is_current and v.match.kind == MatchKind.NEAR_MISS]
    near.sort(key=lambda v: (-v.match.score, v.supplier_id))
    fallen = [v for v in views if not v.match.is_current]
    current = [v.match for v in (*matches, *near)]
    weights = match_weights(current[0] if current else rows[0]) if rows else None
    shortfall = bool(matches) and scored_short(matches[0].match)
    return Suggestions(
        matches=matches,
        near_misses=near,
        fallen_out=fallen,
        consortium=_consortium(demand, lang),
        legend=legend(lang, weights),
        shortfall=shortfall,
        capacity_weight=format_number(weights["capacity_fit"] * 100, lang) + "%" if weights else "",
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
        for m in matches_with_history()
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
            factor_name(factor, lang),
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
            lacks=match_lacks(match, labels, lang),
            issue=issue_in(match, lang),
        )
        views.append(view)
    matches = [v for v in views if v.match.kind == MatchKind.MATCH]
    near = sorted(
        (v for v in views if v.match.kind == MatchKind.NEAR_MISS),
        key=lambda v: (-v.match.score, v.supplier_id),
    )
    return matches + near
