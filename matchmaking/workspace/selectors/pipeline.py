"""Reads for the partnership pipeline: the list (page, table, export, API), the board and a
partnership's page."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict, cast

from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone
from django_stubs_ext import StrOrPromise

from components.choices import Unit
from matchmaking.choices import (
    CLOSED_PARTNERSHIP_STAGES,
    LIVE_PARTNERSHIP_STAGES,
    STALLABLE_STAGES,
    PartnershipStage,
)
from matchmaking.engine.explanations import language
from matchmaking.models import Partnership, PartnershipEvent
from matchmaking.partnerships.stages import (
    STAGE_ORDER,
    capacity_factor,
    days_in_stage,
    stale_cutoff,
)

# Cards shown per board column (the longest-waiting first); the rest are in the table.
BOARD_CARDS_PER_STAGE = 25

LIST_RELATED = (
    "supplier__regency__province",
    "demand__manufacturer",
    "demand__component_type",
    "officer",
)


class StageTiming(TypedDict):
    """What :func:`with_days_in_stage` sets on each partnership."""

    days_in_stage: int


class PipelineState(TypedDict):
    """What :func:`partnership_detail` sets on its partnership."""

    days_in_stage: int
    stuck: bool


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    TimedPartnership = WithAnnotations[Partnership, StageTiming]
    DetailedPartnership = WithAnnotations[Partnership, PipelineState]


def stuck_q(*, today: datetime.date | None = None) -> Q:
    """Live partnerships that have not changed stage for ``PARTNERSHIP_STALE_DAYS``."""
    return Q(stage__in=STALLABLE_STAGES, stage_changed_at__lt=stale_cutoff(today=today))


def partnership_list(*, today: datetime.date | None = None) -> QuerySet[Partnership]:
    """Every partnership with what a list row shows (supplier and its region, demand,
    manufacturer, component type, officer) joined in, and ``stuck`` annotated. Most
    recently moved first; the FilterSet narrows and may reorder it."""
    return (
        Partnership.objects.select_related(*LIST_RELATED)
        .annotate(
            stuck=Case(
                When(stuck_q(today=today), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("-stage_changed_at", "-pk")
    )


def with_days_in_stage(
    partnerships: Iterable[Partnership], *, today: datetime.date | None = None
) -> list[TimedPartnership]:
    """The rows with ``days_in_stage`` set (calendar days since the last stage change)."""
    today = today or timezone.localdate()
    # the attribute is set just below: a plain instance attribute, not a column
    rows = cast("list[TimedPartnership]", list(partnerships))
    for partnership in rows:
        partnership.days_in_stage = days_in_stage(partnership, today=today)
    return rows


@dataclass
class BoardColumn:
    stage: str
    label: StrOrPromise
    count: int = 0
    stuck: int = 0
    cards: list[Partnership] = field(default_factory=list)
    table_query: str = ""
    """The query string of this stage's table view (set by the view)."""

    @property
    def more(self) -> int:
        return self.count - len(self.cards)


@dataclass
class Board:
    columns: list[BoardColumn]
    closed: list[BoardColumn]
    total: int

    @property
    def live(self) -> int:
        return sum(column.count for column in self.columns)


def pipeline_board(
    *,
    partnerships: QuerySet[Partnership],
    today: datetime.date | None = None,
    per_stage: int = BOARD_CARDS_PER_STAGE,
) -> Board:
    """One column per live stage (count, stuck count and the ``per_stage`` partnerships
    waiting longest) and the closed stages as counts, from a filtered ``partnership_list``.
    Two queries whatever the size: the counts, and the cards (a window per stage)."""
    cutoff = stale_cutoff(today=today)
    counts = {
        row["stage"]: (row["n"], row["n_stuck"])
        for row in partnerships.order_by()
        .values("stage")
        .annotate(
            n=Count("pk"),
            n_stuck=Count(
                "pk",
                filter=Q(stage__in=STALLABLE_STAGES, stage_changed_at__lt=cutoff),
            ),
        )
    }
    columns = [
        BoardColumn(
            stage=stage,
            label=PartnershipStage(stage).label,
            count=counts.get(stage, (0, 0))[0],
            stuck=counts.get(stage, (0, 0))[1],
        )
        for stage in STAGE_ORDER
    ]
    closed = [
        BoardColumn(
            stage=stage,
            label=PartnershipStage(stage).label,
            count=counts.get(stage, (0, 0))[0],
        )
        for stage in CLOSED_PARTNERSHIP_STAGES
    ]
    if any(column.count for column in columns):
        by_stage = {column.stage: column for column in columns}
        cards = (
            partnerships.filter(stage__in=LIVE_PARTNERSHIP_STAGES)
            .annotate(
                position=Window(
                    RowNumber(),
                    partition_by=[F("stage")],
                    order_by=[F("stage_changed_at").asc(), F("pk").asc()],
                )
            )
            .filter(position__lte=per_stage)
            .order_by("stage_changed_at", "pk")
        )
        for card in with_days_in_stage(cards, today=today):
            by_stage[card.stage].cards.append(card)
    return Board(
        columns=columns,
        closed=closed,
        total=sum(n for n, _stuck in counts.values()),
    )


def partnership_detail(*, pk: int) -> DetailedPartnership:
    """One partnership with its parties and timeline (newest first, with who wrote each
    entry); raises ``Partnership.DoesNotExist``."""
    found = (
        Partnership.objects.select_related(
            *LIST_RELATED,
            "demand__plant__regency",
            "match__capability",
        )
        .prefetch_related(
            Prefetch(
                "events",
                queryset=PartnershipEvent.objects.select_related("by").order_by(
                    "-created_at", "-pk"
                ),
            )
        )
        .get(pk=pk)
    )
    # both attributes are set just below: plain instance attributes, not columns
    partnership = cast("DetailedPartnership", found)
    partnership.days_in_stage = days_in_stage(partnership)
    partnership.stuck = partnership.stage in LIVE_PARTNERSHIP_STAGES and (
        partnership.stage_changed_at < stale_cutoff()
    )
    return partnership


def capacity_warning(partnership: Partnership) -> dict | None:
    """When the committed monthly volume exceeds the capability's monthly capacity (both
    in the capacity unit): the two figures, for a warning next to the outcome form. The
    engine then counts the supplier as fully booked for this component."""
    capability = partnership.match.capability if partnership.match_id else None
    volume, unit = partnership.committed_monthly_volume, partnership.committed_unit
    if capability is None or volume is None or not unit:
        return None
    component_type = partnership.demand.component_type
    if capability.component_type_id != component_type.pk:
        component_type = capability.component_type
    factor = capacity_factor(unit, capability, component_type)
    if factor is None:
        return None
    committed = Decimal(volume) * Decimal(str(factor))
    if committed <= capability.monthly_capacity:
        return None
    return {
        "committed": committed,
        "capacity": capability.monthly_capacity,
        "unit": Unit(capability.capacity_unit).label,
    }


def qualification_issue(partnership: Partnership) -> str:
    """The qualification issue in the reader's language (Indonesian as the fallback)."""
    if language() == "en" and partnership.qualification_issue_en:
        return partnership.qualification_issue_en
    return partnership.qualification_issue
