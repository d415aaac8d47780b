"""Writing scored rows: top-K matches and near misses per demand, refreshed in place.

Unreviewed suggestions of a demand are replaced wholesale; reviewed ones (shortlisted,
approved, rejected) are updated in place — score, reasons, ``is_current`` and the
qualification flag — and never deleted.
"""

from __future__ import annotations

import io
import json
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Field, Q
from django.utils import translation
from django.utils.translation import gettext as _

from ..choices import LIVE_PARTNERSHIP_STAGES, MatchKind, MatchStatus
from ..models import Match, MatchingPolicy, Partnership, PartnershipEvent

UPDATE_FIELDS = [
    "capability",
    "kind",
    "score",
    "rank",
    "breakdown",
    "explanation",
    "failed_constraints",
    "is_current",
    "qualification_issue",
    "qualification_issue_en",
    "algorithm_version",
    "policy",
    "scored_at",
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
    explanation: dict = field(default_factory=dict)
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
    refresh: Collection[int] = (),
) -> None:
    """Replace the suggestions of ``demand_ids`` with ``rows`` in one transaction (pass no
    ``demand_ids`` to upsert ``rows`` alone).

    A row identical to the stored one is left alone (PostgreSQL), so its ``scored_at`` stays
    the time that score was made; the rows of the suppliers in ``refresh`` (the one an
    incremental rescore was for) are written anyway, so their ``scored_at`` says they were
    checked.

    ``rows`` must include a row for every reviewed match of those demands (with
    ``is_current=False`` when it fell out of the ranking)."""
    rows = list(rows)
    touched = {r.demand_id for r in rows} | set(demand_ids)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _upsert_copy(rows, policy.pk, algorithm_version, scored_at, demand_ids, refresh)
        else:
            if demand_ids:
                _delete_replaced(demand_ids, rows)
            _upsert_orm(rows, policy, algorithm_version, scored_at)
        # A flag that persists keeps the time it was first raised.
        ours = Match.objects.filter(demand_id__in=touched)
        ours.filter(qualification_issue="", flagged_at__isnull=False).update(flagged_at=None)
        ours.exclude(qualification_issue="").filter(flagged_at__isnull=True).update(
            flagged_at=scored_at
        )
        _flag_partnerships(rows, scored_at)


def _delete_replaced(demand_ids: Sequence[int], rows: Sequence[MatchRow]) -> None:
    """Delete the suggestions of ``demand_ids`` whose supplier has no new row (the others
    are upserted in place, keeping their id)."""
    kept = {(r.demand_id, r.supplier_id) for r in rows}
    gone = [
        pk
        for pk, demand_id, supplier_id in Match.objects.filter(
            demand_id__in=list(demand_ids), status=MatchStatus.SUGGESTED
        ).values_list("pk", "demand_id", "supplier_id")
        if (demand_id, supplier_id) not in kept
    ]
    if gone:
        delete_suggestions(Q(pk__in=gone))


def delete_suggestions(condition: Q) -> int:
    """Delete unreviewed suggestions in one statement.

    Suggestions have nothing depending on them (a partnership starts from an approved
    match), so Django's delete collector — which loads every row first — is not needed."""
    query = Match.objects.filter(condition, status=MatchStatus.SUGGESTED)
    return query._raw_delete(query.db)


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
            explanation=r.explanation,
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


STAGE_COLUMNS = [
    "demand_id",
    "supplier_id",
    "capability_id",
    "kind",
    "score",
    "rank",
    "breakdown",
    "explanation",
    "failed_constraints",
    "is_current",
    "qualification_issue",
    "qualification_issue_en",
]


# one encoder for every row: json.dumps with arguments builds a new one per call
_encode = json.JSONEncoder(separators=(",", ":")).encode


def _json(value) -> str:
    return _encode(value).translate(_COPY_ESCAPES)


def _copy_lines(rows: Sequence[MatchRow]) -> Iterator[str]:
    """COPY text lines of the varying columns; a demand's shared context is encoded once."""
    contexts: dict[int, str] = {}
    for r in rows:
        explanation = r.explanation
        if explanation:
            context = explanation["ctx"]
            encoded = contexts.get(id(context))
            if encoded is None:
                encoded = contexts[id(context)] = _json(context)
            explanation_text = '{"ctx":' + encoded + ',"row":' + _json(explanation["row"]) + "}"
        else:
            explanation_text = "{}"
        yield (
            "\t".join(
                (
                    str(r.demand_id),
                    str(r.supplier_id),
                    "\\N" if r.capability_id is None else str(r.capability_id),
                    r.kind,
                    repr(r.score),
                    "\\N" if r.rank is None else str(r.rank),
                    _json(r.breakdown),
                    explanation_text,
                    _json(r.failed_constraints),
                    "t" if r.is_current else "f",
                    r.issue_id.translate(_COPY_ESCAPES),
                    r.issue_en.translate(_COPY_ESCAPES),
                )
            )
            + "\n"
        )


def _column(name: str) -> str:
    """The database column of one of Match's concrete fields."""
    model_field = Match._meta.get_field(name)
    assert isinstance(model_field, Field) and model_field.column is not None
    return model_field.column


# The columns that make a stored row what it is: an upsert leaves a row alone when none
# of them changes (its scored_at stays the time that score was first made).
COMPARED = [c for c in UPDATE_FIELDS if c not in ("scored_at", "updated_at")]


def _upsert_copy(
    rows,
    policy_id: int,
    algorithm_version: str,
    scored_at: datetime,
    demand_ids: Sequence[int] = (),
    refresh: Collection[int] = (),
) -> None:
    """PostgreSQL: COPY the varying columns into a temporary table; delete the suggestions
    of ``demand_ids`` that have no staged row; then one INSERT … ON CONFLICT that adds the
    constant columns (status, version, policy, timestamps) and skips identical rows.

    A nightly rescore changes about 1 % of the rows: the rest are neither deleted and
    inserted again nor updated, so they cost no WAL, no index entries, no dead tuples."""
    if not rows and not demand_ids:
        return
    qn = connection.ops.quote_name
    table = qn(Match._meta.db_table)
    stage = qn(STAGE_TABLE)
    staged = ", ".join(qn(c) for c in STAGE_COLUMNS)
    constants = [
        "status",
        "review_note",
        "algorithm_version",
        "policy_id",
        "scored_at",
        "created_at",
        "updated_at",
    ]
    updates = ", ".join(
        f"{qn(c)} = EXCLUDED.{qn(c)}" for c in (_column(name) for name in UPDATE_FIELDS)
    )
    compared = [qn(_column(name)) for name in COMPARED]
    changed = (
        f"({', '.join(f'{table}.{c}' for c in compared)}) IS DISTINCT FROM "
        f"({', '.join(f'EXCLUDED.{c}' for c in compared)})"
        " OR EXCLUDED.supplier_id = ANY(%s)"
    )
    # bandit B608: the identifiers in these statements are model table and column names,
    # quoted by quote_name; values go through parameters or COPY, never into the SQL text.
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS "  # nosec B608
            f"AS SELECT {staged} FROM {table} WITH NO DATA"
        )
        cursor.execute(f"TRUNCATE {stage}")
        buffer = io.StringIO()
        buffer.writelines(_copy_lines(rows))
        buffer.seek(0)
        cursor.cursor.copy_expert(f"COPY {stage} ({staged}) FROM STDIN", buffer)
        if demand_ids:
            cursor.execute(
                # NOT IN: a hashed subplan whatever the (never analysed) stage's statistics;
                # NOT EXISTS made a nested loop over the stage per row (seconds per batch)
                f"DELETE FROM {table} WHERE demand_id = ANY(%s) AND status = %s "  # nosec B608
                f"AND (demand_id, supplier_id) NOT IN "
                f"(SELECT demand_id, supplier_id FROM {stage})",
                [list(demand_ids), MatchStatus.SUGGESTED.value],
            )
        if not rows:
            return
        cursor.execute(
            f"INSERT INTO {table} ({staged}, {', '.join(qn(c) for c in constants)}) "  # nosec B608
            f"SELECT {staged}, %s, %s, %s, %s, %s, %s, %s FROM {stage} "
            f"ON CONFLICT (demand_id, supplier_id) DO UPDATE SET {updates} WHERE {changed}",
            [
                MatchStatus.SUGGESTED.value,
                "",
                algorithm_version,
                policy_id,
                scored_at,
                scored_at,
                scored_at,
                list(refresh),
            ],
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
    # bandit B608: ``table`` and ``columns`` are model metadata chosen by the engine (never
    # user input), quoted by quote_name; the values are parameters or COPY data.
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
                f"INSERT INTO {qn(table)} ({names}) VALUES ({placeholders})",  # nosec B608
                [[_sql_value(v) for v in row] for row in rows],
            )


def reset_sequence(model) -> None:
    """After inserting explicit ids, move PostgreSQL's id sequence past the largest one."""
    if connection.vendor != "postgresql":
        return
    table = model._meta.db_table
    # bandit B608: the table name is the model's, quoted by quote_name.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE(MAX(id), 1), "  # nosec B608
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
        # A system note, written in the site's language (Indonesian) like officers' notes.
        with translation.override(settings.LANGUAGE_CODE):
            note = (
                _("Supplier no longer qualifies: %(issue)s") % {"issue": row.issue_id}
                if row.issue_id
                else _("Supplier qualifies again after a rescore.")
            )
        PartnershipEvent.objects.create(partnership=partnership, note=note)


def rerank(*, demand_ids: Sequence[int], limit: int) -> None:
    """Renumber the current rows of these demands, per kind; past ``limit``, suggestions
    are dropped and reviewed rows leave the ranking (``is_current=False``)."""
    if not demand_ids:
        return
    current = (
        Match.objects.filter(demand_id__in=demand_ids, is_current=True)
        .order_by("demand_id", "kind", "-score", "supplier_id")
        .values_list("pk", "demand_id", "kind", "status", "rank")
    )
    drop: list[int] = []
    retire: list[int] = []
    ranks: list[Match] = []
    position, previous = 0, None
    for pk, demand_id, kind, status, rank in current:
        position = position + 1 if (demand_id, kind) == previous else 1
        previous = (demand_id, kind)
        if position > limit:
            (drop if status == MatchStatus.SUGGESTED else retire).append(pk)
            continue
        wanted = position if kind == MatchKind.MATCH else None
        if rank != wanted:
            ranks.append(Match(pk=pk, rank=wanted))
    if drop:
        delete_suggestions(Q(pk__in=drop))
    if retire:
        Match.objects.filter(pk__in=retire).update(is_current=False, rank=None)
    if ranks:
        Match.objects.bulk_update(ranks, ["rank"], batch_size=1000)
