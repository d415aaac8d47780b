"""Read side of the staff dashboard: headline figures, chart series and the attention list.

Everything is counted in SQL (``aggregate``, ``values().annotate()``, counting subqueries),
so the dashboard costs the same few queries whatever the size of the registry."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from components.models import Province, Sector
from matchmaking.choices import (
    LIVE_PARTNERSHIP_STAGES,
    MatchKind,
    MatchStatus,
    PartnershipStage,
)
from matchmaking.models import Match, Partnership, PartnershipEvent
from partners.choices import DemandStatus, VerificationStatus
from partners.models import Demand, Supplier, SupplierCapability

from .pipeline import stuck_q, with_days_in_stage

# Matches a reviewer still has to decide on.
WAITING_STATUSES = (MatchStatus.SUGGESTED, MatchStatus.SHORTLISTED)
# Reviewed matches whose supplier no longer qualifying matters (a rejected one does not).
WATCHED_MATCH_STATUSES = (MatchStatus.SHORTLISTED, MatchStatus.APPROVED)


# --- headline figures ---------------------------------------------------------------------


@dataclass(frozen=True)
class StageCount:
    stage: str
    label: str
    count: int


@dataclass(frozen=True)
class Headline:
    registered_suppliers: int
    verified_suppliers: int
    open_demands: int
    matches_to_review: int
    partnerships: int
    by_stage: list[StageCount]
    contract_value_idr: int
    jobs_created: int


def _count(queryset: QuerySet[Model]) -> Coalesce:
    """A correlated ``COUNT(*)`` of ``queryset`` (already filtered on an ``OuterRef``)."""
    return Coalesce(
        Subquery(
            queryset.order_by()
            .annotate(_group=Value(1))
            .values("_group")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def _count_distinct(queryset: QuerySet[Model], field_name: str) -> Coalesce:
    """A correlated ``COUNT(DISTINCT field)`` of ``queryset``."""
    return Coalesce(
        Subquery(
            queryset.order_by()
            .annotate(_group=Value(1))
            .values("_group")
            .annotate(n=Count(field_name, distinct=True))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def waiting_matches() -> QuerySet[Match]:
    """Current matches (not near misses) on open demands that nobody has decided on yet."""
    return Match.objects.filter(
        is_current=True,
        kind=MatchKind.MATCH,
        status__in=WAITING_STATUSES,
        demand__status=DemandStatus.OPEN,
    )


def dashboard_headline() -> Headline:
    """The figures at the top of the dashboard, in four queries.

    Contract value and jobs created add up what is recorded on every partnership; a
    partnership declined before any contract normally has neither."""
    suppliers = Supplier.objects.filter(is_active=True).aggregate(
        registered=Count("pk"),
        verified=Count("pk", filter=Q(verification_status=VerificationStatus.VERIFIED)),
    )
    open_demands = Demand.objects.filter(status=DemandStatus.OPEN).count()
    to_review = waiting_matches().count()
    stage_rows = {
        row["stage"]: row
        for row in Partnership.objects.order_by()
        .values("stage")
        .annotate(
            n=Count("pk"),
            value=Coalesce(Sum("contract_value_idr"), 0),
            jobs=Coalesce(Sum("jobs_created"), 0),
        )
    }
    by_stage = [
        StageCount(
            stage=stage.value,
            label=str(stage.label),
            count=stage_rows[stage.value]["n"] if stage.value in stage_rows else 0,
        )
        for stage in PartnershipStage
    ]
    return Headline(
        registered_suppliers=suppliers["registered"],
        verified_suppliers=suppliers["verified"],
        open_demands=open_demands,
        matches_to_review=to_review,
        partnerships=sum(row["n"] for row in stage_rows.values()),
        by_stage=by_stage,
        contract_value_idr=sum(row["value"] for row in stage_rows.values()),
        jobs_created=sum(row["jobs"] for row in stage_rows.values()),
    )


# --- charts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SectorRow:
    sector_id: int
    name: str
    suppliers: int
    open_demands: int
    partnerships: int


@dataclass(frozen=True)
class ProvinceRow:
    code: str
    name: str
    suppliers: int
    partnerships: int


@dataclass(frozen=True)
class StageHistory:
    """Partnerships in each stage at the end of each month (the last one: today)."""

    months: list[datetime.date]
    series: dict[str, list[int]] = field(default_factory=dict)


def sector_chart() -> list[SectorRow]:
    """Per sector: verified active IKM able to make one of its component types, open
    demands for its component types, and partnerships (any stage) on its demands; most
    capable IKM first. One query; sectors with nothing to show are left out."""
    sector = OuterRef("pk")
    rows = (
        Sector.objects.annotate(
            n_suppliers=_count_distinct(
                SupplierCapability.objects.filter(
                    component_type__category__sector=sector,
                    supplier__is_active=True,
                    supplier__verification_status=VerificationStatus.VERIFIED,
                ),
                "supplier_id",
            ),
            n_demands=_count(
                Demand.objects.filter(
                    component_type__category__sector=sector, status=DemandStatus.OPEN
                )
            ),
            n_partnerships=_count(
                Partnership.objects.filter(demand__component_type__category__sector=sector)
            ),
        )
        .filter(Q(n_suppliers__gt=0) | Q(n_demands__gt=0) | Q(n_partnerships__gt=0))
        .order_by("-n_suppliers", "-n_demands", "-n_partnerships", "name_id")
    )
    return [
        SectorRow(
            sector_id=s.pk,
            name=s.name,
            suppliers=s.n_suppliers,
            open_demands=s.n_demands,
            partnerships=s.n_partnerships,
        )
        for s in rows
    ]


def province_chart(*, limit: int = 10) -> list[ProvinceRow]:
    """The provinces with the most registered (active) IKM, with the partnerships (any
    stage) of IKM located there. One query."""
    province = OuterRef("pk")
    rows = (
        Province.objects.annotate(
            n_suppliers=_count(Supplier.objects.filter(regency__province=province, is_active=True)),
            n_partnerships=_count(Partnership.objects.filter(supplier__regency__province=province)),
        )
        .filter(Q(n_suppliers__gt=0) | Q(n_partnerships__gt=0))
        .order_by("-n_suppliers", "-n_partnerships", "name")[:limit]
    )
    return [
        ProvinceRow(
            code=p.code, name=p.name, suppliers=p.n_suppliers, partnerships=p.n_partnerships
        )
        for p in rows
    ]


def month_ends(*, months: int = 12, now: datetime.datetime | None = None) -> list[tuple]:
    """``(first day of the month, cut-off instant)`` for the last ``months`` months, oldest
    first; a month's cut-off is the start of the next one, the current month's is ``now``."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    year, month = today.year, today.month
    firsts = []
    for _ in range(months):
        firsts.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    firsts.reverse()
    ends = []
    for first in firsts[:-1]:
        nxt = datetime.date(first.year + first.month // 12, first.month % 12 + 1, 1)
        ends.append((first, timezone.make_aware(datetime.datetime.combine(nxt, datetime.time.min))))
    ends.append((firsts[-1], now))
    return ends


def _stage_at(cutoff: datetime.datetime):
    """The stage a partnership was in at ``cutoff``: the target of its last stage change
    before then; else, if it changed stage later, where that first later change started;
    else its stage today."""
    changes = PartnershipEvent.objects.filter(partnership=OuterRef("pk")).exclude(to_stage="")
    before = changes.filter(created_at__lt=cutoff).order_by("-created_at", "-pk")
    after = changes.filter(created_at__gte=cutoff).order_by("created_at", "pk")
    return Coalesce(
        Subquery(before.values("to_stage")[:1]),
        NullIf(Subquery(after.values("from_stage")[:1]), Value("")),
        F("stage"),
        output_field=CharField(),
    )


def stage_history(*, months: int = 12, now: datetime.datetime | None = None) -> StageHistory:
    """How many partnerships were in each stage at the end of each of the last ``months``
    months, rebuilt from the stage changes in their timelines. One query: a grouped count
    per month, glued with ``UNION ALL``."""
    ends = month_ends(months=months, now=now)
    per_month = [
        Partnership.objects.filter(created_at__lt=cutoff)
        .order_by()
        .annotate(month=Value(index, output_field=IntegerField()), stage_then=_stage_at(cutoff))
        .values("month", "stage_then")
        .annotate(n=Count("pk"))
        .values_list("month", "stage_then", "n")
        for index, (_, cutoff) in enumerate(ends)
    ]
    series = {stage.value: [0] * len(ends) for stage in PartnershipStage}
    rows = per_month[0].union(*per_month[1:], all=True) if len(per_month) > 1 else per_month[0]
    for index, stage, n in rows:
        if stage in series:
            series[stage][index] += n
    return StageHistory(months=[first for first, _ in ends], series=series)


# --- attention list -----------------------------------------------------------------------


def unmatched_demands() -> QuerySet[Demand]:
    """Open demands without a single qualified supplier in their current ranking, with
    the number of near misses each has (IKM failing one requirement), oldest first."""
    return (
        Demand.objects.filter(status=DemandStatus.OPEN)
        .exclude(
            Exists(
                Match.objects.filter(demand=OuterRef("pk"), kind=MatchKind.MATCH, is_current=True)
            )
        )
        .annotate(
            near_misses=_count(
                Match.objects.filter(
                    demand=OuterRef("pk"), kind=MatchKind.NEAR_MISS, is_current=True
                )
            )
        )
        .select_related("manufacturer", "component_type")
        .order_by("needed_by", "pk")
    )


def stale_partnerships(*, today: datetime.date | None = None) -> QuerySet[Partnership]:
    """Live partnerships that have not changed stage for ``settings.PARTNERSHIP_STALE_DAYS``
    calendar days (the pipeline's "stuck", so both pages count the same rows), longest
    waiting first."""
    return (
        Partnership.objects.filter(stuck_q(today=today))
        .select_related("supplier", "demand__manufacturer", "officer")
        .order_by("stage_changed_at", "pk")
    )


def flagged_partnerships() -> QuerySet[Partnership]:
    """Live partnerships whose supplier no longer qualifies (e.g. the buyer changed the
    specification), most recently flagged first."""
    return (
        Partnership.objects.filter(stage__in=LIVE_PARTNERSHIP_STAGES)
        .exclude(qualification_issue="")
        .select_related("supplier", "demand__manufacturer")
        .order_by(F("flagged_at").desc(nulls_last=True), "-pk")
    )


def flagged_matches() -> QuerySet[Match]:
    """Shortlisted or approved matches on open demands whose supplier no longer qualifies,
    leaving out those already followed as a partnership (listed above)."""
    return (
        Match.objects.filter(
            status__in=WATCHED_MATCH_STATUSES,
            demand__status=DemandStatus.OPEN,
            partnership__isnull=True,
        )
        .exclude(qualification_issue="")
        .select_related("supplier", "demand__manufacturer")
        .order_by(F("flagged_at").desc(nulls_last=True), "-pk")
    )


ATTENTION_SECTIONS: dict[str, Callable[[], QuerySet[Model]]] = {
    "unmatched-demands": unmatched_demands,
    "stale-partnerships": stale_partnerships,
    "flagged-partnerships": flagged_partnerships,
    "flagged-matches": flagged_matches,
}


@dataclass(frozen=True)
class AttentionSection:
    key: str
    total: int
    rows: list[Model]


def dashboard_attention(*, limit: int = 5) -> dict[str, AttentionSection]:
    """The first ``limit`` rows and the total of each attention section (two queries per
    section)."""
    sections = {}
    for key, selector in ATTENTION_SECTIONS.items():
        queryset = selector()
        rows: list[Model] = list(queryset[:limit])
        if key == "stale-partnerships":
            rows = list(with_days_in_stage(row for row in rows if isinstance(row, Partnership)))
        sections[key.replace("-", "_")] = AttentionSection(
            key=key, total=queryset.count(), rows=rows
        )
    return sections
