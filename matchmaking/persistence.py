"""Writing scored rows: top-K matches and near misses per demand, refreshed in place.

Unreviewed suggestions of a demand are replaced wholesale; reviewed ones (shortlisted,
approved, rejected) are updated in place — score, reasons, ``is_current`` and the
qualification flag — and never deleted.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import connection, transaction

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
INSERT_COLUMNS = [
    "demand_id",
    "supplier_id",
    "capability_id",
    "kind",
    "status",
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
    "policy_id",
    "scored_at",
    "created_at",
    "updated_at",
]
STAGE_TABLE = "matchmaking_match_stage"


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
        if connection.vendor == "postgresql":
            _upsert_copy(rows, policy.pk, algorithm_version, scored_at)
        else:
            _upsert_orm(rows, policy, algorithm_version, scored_at)
        # A flag that persists keeps the time it was first raised.
        ours = Match.objects.filter(demand_id__in=touched)
        ours.filter(qualification_issue="", flagged_at__isnull=False).update(flagged_at=None)
        ours.exclude(qualification_issue="").filter(flagged_at__isnull=True).update(
            flagged_at=scored_at
        )
        _flag_partnerships(rows, scored_at)


def _upsert_orm(rows, policy, algorithm_version: str, scored_at: datetime) -> None:
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


def _upsert_copy(rows, policy_id: int, algorithm_version: str, scored_at: datetime) -> None:
    """PostgreSQL: COPY the rows into a temporary table, then one INSERT … ON CONFLICT
    (about four times faster than ``bulk_create(update_conflicts=True)``)."""
    if not rows:
        return
    qn = connection.ops.quote_name
    columns = ", ".join(qn(c) for c in INSERT_COLUMNS)
    table = qn(Match._meta.db_table)
    updates = ", ".join(
        f"{qn(c)} = EXCLUDED.{qn(c)}"
        for c in (Match._meta.get_field(name).column for name in UPDATE_FIELDS)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {qn(STAGE_TABLE)} ON COMMIT DELETE ROWS "
            f"AS SELECT {columns} FROM {table} WITH NO DATA"
        )
        cursor.execute(f"TRUNCATE {qn(STAGE_TABLE)}")
    copy_rows(
        STAGE_TABLE,
        INSERT_COLUMNS,
        (
            (
                r.demand_id,
                r.supplier_id,
                r.capability_id,
                r.kind,
                MatchStatus.SUGGESTED.value,
                r.score,
                r.rank,
                r.breakdown,
                r.reasons_id,
                r.reasons_en,
                r.failed_constraints,
                r.is_current,
                r.issue_id,
                r.issue_en,
                algorithm_version,
                policy_id,
                scored_at,
                scored_at,
                scored_at,
            )
            for r in rows
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {qn(STAGE_TABLE)} "
            f"ON CONFLICT (demand_id, supplier_id) DO UPDATE SET {updates}"
        )


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """One value in PostgreSQL's COPY text format."""
    kind = type(value)
    if kind is int or kind is float:
        return repr(value)
    if kind is bool:
        return "t" if value else "f"
    if value is None:
        return "\\N"
    if kind is dict or kind is list:
        value = json.dumps(value)
    elif isinstance(value, datetime | date):
        value = value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


def _sql_value(value):
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Append plain rows to ``table``: ``COPY`` on PostgreSQL, ``executemany`` elsewhere.

    Values are Python values (``None``, bool, numbers, ``Decimal``, dates, aware datetimes,
    dicts/lists for JSON columns); no model instances, no signals."""
    qn = connection.ops.quote_name
    names = ", ".join(qn(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.StringIO()
            for row in rows:
                buffer.write("\t".join(map(_copy_text, row)))
                buffer.write("\n")
            buffer.seek(0)
            cursor.cursor.copy_expert(f"COPY {qn(table)} ({names}) FROM STDIN", buffer)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {qn(table)} ({names}) VALUES ({placeholders})",
                [[_sql_value(v) for v in row] for row in rows],
            )


def reset_sequence(model) -> None:
    """After inserting explicit ids, move PostgreSQL's id sequence past the largest one."""
    if connection.vendor != "postgresql":
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE(MAX(id), 1), "
            f"MAX(id) IS NOT NULL) FROM {connection.ops.quote_name(table)}",
            [table],
        )


def _flag_partnerships(rows: Sequence[MatchRow], now: datetime) -> None:
    """Mirror qualification issues onto live partnerships of the same pairs, with a
    timeline entry when a flag is raised or cleared."""
    pairs = {(r.demand_id, r.supplier_id): r for r in rows}
    if not pairs:
        return
    live = Partnership.objects.filter(
        demand_id__in={d for d, _ in pairs}, stage__in=LIVE_PARTNERSHIP_STAGES
    )
    for partnership in live:
        row = pairs.get((partnership.demand_id, partnership.supplier_id))
        if row is None:
            continue
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
