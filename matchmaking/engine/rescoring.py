"""Rescoring: demands and suppliers scored against the candidates of their categories, and
their top-K, near misses and consortia stored. Enqueues nothing (``scheduling`` does)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from django.db import transaction
from django.db.models import Count, FloatField, Min, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from components.models import ComponentCategory
from partners.choices import DemandStatus
from partners.models import Demand

from ..choices import REVIEWED_MATCH_STATUSES, MatchKind, MatchStatus
from ..models import ConsortiumSuggestion, Match, MatchingPolicy
from ..scoring.config import ALGORITHM_VERSION, FACTORS, Params
from ..scoring.evaluation import MICRO
from ..scoring.incremental import rank_supplier
from ..scoring.inputs import Candidates, DemandSpec, Vocabularies
from ..scoring.ranking import Ranking, covers_quantity, rank_demand
from ..scoring.texts import Labels
from .consortia import write_consortia
from .loading import (
    candidates_fingerprint,
    committed_capabilities,
    context_fingerprint,
    load_candidates,
    load_demand_specs,
    load_labels,
    load_vocabularies,
)
from .persistence import MatchRow, delete_suggestions, rerank, write_rows
from .policies import policy_active, policy_params
from .rows import ranking_rows
from .spec_cache import open_demand_specs


class CandidateSnapshot:
    """The capability rows a context has loaded, kept for its next batches (issue 11: a
    full run loaded them once per batch).

    The first batch loads its categories as before (a one-off rescore pays nothing more);
    from the second on, the rows of each category are loaded once and kept, and dropped
    whenever the supplier-side tables changed (``candidates_fingerprint``, read before
    every batch), so a supplier edited during a long run is not scored from stale rows."""

    def __init__(self) -> None:
        self._uses = 0
        self._fingerprint: tuple | None = None
        self._categories: set[int] = set()
        self._candidates: Candidates | None = None

    def candidates(self, vocab: Vocabularies, categories: set[int]) -> Candidates:
        self._uses += 1
        if self._uses == 1:
            return load_candidates(vocab, category_ids=categories)
        fingerprint = candidates_fingerprint()
        if fingerprint != self._fingerprint:
            self._fingerprint, self._categories, self._candidates = fingerprint, set(), None
        missing = categories - self._categories
        if missing:
            loaded = load_candidates(vocab, category_ids=missing)
            if self._candidates is not None:
                both = Candidates.concat(vocab, [self._candidates, loaded])
                loaded = both.take(np.argsort(both.capability_id, kind="stable"))
            self._candidates, self._categories = loaded, self._categories | missing
        assert self._candidates is not None
        return self._candidates


@dataclass(frozen=True)
class Context:
    """Everything a scoring pass needs besides the rows: policy, vocabularies, labels (and
    the capability rows loaded so far, for the next batch of the same run)."""

    policy: MatchingPolicy
    params: Params
    vocab: Vocabularies
    labels: Labels
    snapshot: CandidateSnapshot = field(
        default_factory=CandidateSnapshot, compare=False, repr=False
    )

    @classmethod
    def load(cls, policy: MatchingPolicy | None = None) -> Context:
        policy = policy or policy_active()
        return cls(
            policy=policy,
            params=policy_params(policy),
            vocab=load_vocabularies(),
            labels=load_labels(),
        )

    @classmethod
    def current(cls) -> Context:
        """The active policy's context, kept in this process while neither the policies nor
        the catalogue change (one query instead of ten per task), with a fresh snapshot."""
        global _cached
        fingerprint = context_fingerprint()
        if _cached is None or _cached[0] != fingerprint:
            _cached = (fingerprint, cls.load())
        return replace(_cached[1], snapshot=CandidateSnapshot())

    @property
    def k(self) -> int:
        return self.policy.top_k


_cached: tuple[tuple, Context] | None = None
"""The last :meth:`Context.current` of this process and what it was loaded from."""


# --- rescoring ------------------------------------------------------------------------------


class Blocks:
    """The candidates of each demand's block: its own category and its related ones. A
    block is cut once per set of categories (the demands of one category share it)."""

    def __init__(self, candidates: Candidates, ctx: Context) -> None:
        order = np.argsort(candidates.category_id, kind="stable")
        cats, starts = np.unique(candidates.category_id[order], return_index=True)
        bounds = [*starts.tolist(), len(order)]
        self._rows = {int(cat): order[bounds[i] : bounds[i + 1]] for i, cat in enumerate(cats)}
        self._candidates = candidates
        self._ctx = ctx
        self._cut: dict[frozenset[int], Candidates] = {}

    def of(self, spec: DemandSpec) -> Candidates:
        key = frozenset({spec.category_id, *spec.related_category_ids})
        block = self._cut.get(key)
        if block is None:
            parts = [self._rows[c] for c in key if c in self._rows]
            if parts:
                block = self._candidates.take(np.sort(np.concatenate(parts)))
            else:
                # no candidate in these categories: an empty block (loaded once)
                block = self._cut.get(frozenset())
                if block is None:
                    block = load_candidates(self._ctx.vocab, category_ids=[])
                    self._cut[frozenset()] = block
            self._cut[key] = block
        return block


def block_categories(specs: Sequence[DemandSpec]) -> set[int]:
    """The categories the demands' blocks are made of."""
    return {c for s in specs for c in (s.category_id, *s.related_category_ids)}


def rank_specs(
    specs: Sequence[DemandSpec],
    ctx: Context,
    blocks: Blocks,
    reviewed: dict[int, set[int]],
) -> list[Ranking]:
    """Rank each demand against the candidate block of its category and its related ones;
    the rows of its reviewed suppliers are kept whatever they fail, so they can be
    refreshed or flagged."""
    today = timezone.localdate()
    return [
        rank_demand(
            spec,
            blocks.of(spec),
            as_of=today,
            weights=ctx.policy.weights,
            params=ctx.params,
            k=ctx.k,
            near_miss_k=ctx.k,
            keep_suppliers=reviewed.get(spec.demand_id, ()),
        )
        for spec in specs
    ]


def _reviewed_suppliers(demand_ids: Sequence[int]) -> dict[int, set[int]]:
    reviewed: dict[int, set[int]] = defaultdict(set)
    for demand_id, supplier_id in Match.objects.filter(
        demand_id__in=demand_ids, status__in=REVIEWED_MATCH_STATUSES
    ).values_list("demand_id", "supplier_id"):
        reviewed[demand_id].add(supplier_id)
    return reviewed


def rescore_specs(
    specs: Sequence[DemandSpec], ctx: Context, *, refresh: Collection[int] = ()
) -> None:
    """Score these demands against every candidate of their categories and store their
    top-K, near misses and consortia (``refresh``: see ``write_rows``)."""
    if not specs:
        return
    candidates = ctx.snapshot.candidates(ctx.vocab, block_categories(specs))
    demand_ids = [s.demand_id for s in specs]
    reviewed = _reviewed_suppliers(demand_ids)
    rankings = rank_specs(specs, ctx, Blocks(candidates, ctx), reviewed)
    rows = [
        row
        for ranking in rankings
        for row in ranking_rows(
            ranking, ctx.labels, reviewed=sorted(reviewed.get(ranking.demand_id, ()))
        )
    ]
    scored_at = timezone.now()
    with transaction.atomic():
        write_rows(
            demand_ids=demand_ids,
            rows=rows,
            policy=ctx.policy,
            algorithm_version=ALGORITHM_VERSION,
            scored_at=scored_at,
            refresh=refresh,
        )
        write_consortia(
            rankings, {s.demand_id: s for s in specs}, policy=ctx.policy, scored_at=scored_at
        )


def rescore_demand(*, demand_id: int) -> None:
    """Rescore one demand against all suppliers (after it was created or edited).

    Demands that are not open keep their last scores; an open demand that may not be
    matched (its manufacturer is not verified, or inactive) loses its suggestions."""
    open_ids = list(
        Demand.objects.filter(pk=demand_id, status=DemandStatus.OPEN).values_list("pk", flat=True)
    )
    specs = load_demand_specs(open_ids)
    rescore_specs(specs, Context.current())
    withdraw_suggestions(set(open_ids) - {spec.demand_id for spec in specs})


def withdraw_suggestions(demand_ids: set[int] | list[int]) -> None:
    """Open demands that are no longer matched: their unreviewed suggestions and consortium
    go, reviewed matches leave the ranking (they keep their status and history)."""
    if not demand_ids:
        return
    ids = list(demand_ids)
    delete_suggestions(Q(demand_id__in=ids))
    Match.objects.filter(demand_id__in=ids, is_current=True).update(is_current=False, rank=None)
    ConsortiumSuggestion.objects.filter(demand_id__in=ids).delete()


def rescore_supplier(*, supplier_id: int) -> None:
    """Rescore one supplier against every open demand it can touch.

    The supplier's own rows are recomputed; a demand is rescored in full only when the
    supplier leaves (or drops within) a full top list, because only then can a candidate
    not stored so far move up.

    A rescore can move a reviewed match that carries a partnership's committed volume onto
    another of the supplier's capabilities (its own was deleted, or another fits better
    now). The commitment then counts against that capability's free capacity, which the
    rows just written did not know: the supplier is rescored once more, so the lists end
    as a full rescore would leave them."""
    before = committed_capabilities(supplier_id)
    _rescore_supplier(supplier_id)
    if before and committed_capabilities(supplier_id) != before:
        _rescore_supplier(supplier_id)


def _rescore_supplier(supplier_id: int) -> None:
    ctx = Context.current()
    candidates = load_candidates(ctx.vocab, supplier_ids=[supplier_id])
    categories = np.unique(candidates.category_id).tolist()
    parents = ComponentCategory.objects.filter(pk__in=categories).values("parent_id")
    touched = Demand.objects.filter(status=DemandStatus.OPEN).filter(
        Q(component_type__category_id__in=categories)
        # demands of sibling categories, where this supplier can be a related near miss
        | Q(component_type__category__parent_id__in=parents)
        | Q(pk__in=Match.objects.filter(supplier_id=supplier_id).values("demand_id"))
    )
    specs = open_demand_specs(touched)
    if not specs:
        return
    short = short_demands({s.demand_id for s in specs})
    existing = {
        m.demand_id: m
        for m in Match.objects.filter(supplier_id=supplier_id, demand__in=touched).only(
            "demand_id", "kind", "status", "score", "is_current"
        )
    }
    # the supplier can be (or have been) a feasible row, hence change who covers the
    # volume, only where it offers the demand's category or was stored; a sibling
    # category's rows are never feasible
    own = {
        s.demand_id
        for s in specs
        if s.demand_id not in short and (s.category_id in categories or s.demand_id in existing)
    }
    others = covered_by_others(own, supplier_id)
    rankings = rank_supplier(
        specs,
        candidates,
        as_of=timezone.localdate(),
        weights=ctx.policy.weights,
        params=ctx.params,
        shortfall=short,
    )
    # a list's threshold matters only where the supplier has a row now or had one before
    lists = _current_lists(
        [
            spec.demand_id
            for spec, ranking in zip(specs, rankings, strict=True)
            if spec.demand_id in existing or len(ranking.match_rows) or len(ranking.near_rows)
        ]
    )
    full, new_rows, gone, local = [], [], [], []
    for spec, ranking in zip(specs, rankings, strict=True):
        old = existing.get(spec.demand_id)
        checked = spec.demand_id in short or spec.demand_id in own
        if checked and _shortfall_may_change(
            ranking, spec.demand_id in short, spec.demand_id in others
        ):
            full.append(spec)  # the demand's weights may change: every row moves
            continue
        if old is None and not _could_enter(ranking, lists.get(spec.demand_id, {}), ctx.k):
            continue  # not stored before, and below a full list now: nothing changes
        reviewed = [supplier_id] if old and old.status in REVIEWED_MATCH_STATUSES else []
        rows = ranking_rows(ranking, ctx.labels, reviewed=reviewed)
        new = rows[0] if rows else None
        if _needs_full_rescore(old, new, lists.get(spec.demand_id, {}), ctx.k):
            full.append(spec)
            continue
        local.append(spec.demand_id)
        if new is not None:
            new_rows.append(new)
        elif old is not None and old.status == MatchStatus.SUGGESTED:
            gone.append(old.pk)
    with transaction.atomic():
        delete_suggestions(Q(pk__in=gone))
        write_rows(
            demand_ids=[],
            rows=new_rows,
            policy=ctx.policy,
            algorithm_version=ALGORITHM_VERSION,
            scored_at=timezone.now(),
            refresh=[supplier_id],
        )
        # ranks behind a row that left, moved or arrived close up; lists stay at K
        rerank(demand_ids=local, limit=ctx.k)
    if full:
        rescore_specs(full, ctx, refresh=[supplier_id])


def short_demands(demand_ids: set[int]) -> set[int]:
    """The demands whose stored ranking is scored as short: their first match says so in
    its context, or there is no current match. One row per demand is read."""
    first = dict(
        Match.objects.filter(
            demand_id__in=demand_ids, is_current=True, kind=MatchKind.MATCH, rank=1
        )
        .order_by()
        .annotate(sf=KT("explanation__ctx__sf"))
        .values_list("demand_id", "sf")
    )
    return {d for d in demand_ids if first.get(d, "1")}


def covered_by_others(demand_ids: set[int], supplier_id: int) -> set[int]:
    """The demands with a current match of another supplier covering the quantity (stored
    capacity fit 1, rounded to 4 decimals). The JSON is read in the database."""
    if not demand_ids:
        return set()
    fit = Cast(KT(f"breakdown__v__{FACTORS.index('capacity_fit')}"), FloatField())
    return set(
        Match.objects.filter(demand_id__in=demand_ids, is_current=True, kind=MatchKind.MATCH)
        .order_by()  # Meta.ordering would join the demands (and widen the DISTINCT)
        .exclude(supplier_id=supplier_id)
        .annotate(fit=fit)
        .filter(fit__gte=1.0)
        .values_list("demand_id", flat=True)
        .distinct()
    )


def _covers(ranking: Ranking) -> bool:
    """Whether a feasible row of the ranked supplier covers the quantity."""
    if not len(ranking.match_rows):
        return False
    return bool(covers_quantity(ranking.evaluation).any())


def _shortfall_may_change(ranking: Ranking, short: bool, others_cover: bool) -> bool:
    """Whether the supplier's new rows may end (or start) the demand's shortfall: it now
    covers a short demand, or nobody else stored covers a demand that is not short and it
    no longer does. Then only a full rescore of the demand knows the weights."""
    if short:
        return _covers(ranking)
    return not others_cover and not _covers(ranking)


def _current_lists(demand_ids: Sequence[int]) -> dict[int, dict[str, tuple[int, float]]]:
    """Per demand and kind: how many rows the current list holds and its lowest score.

    The demands are given by id, so PostgreSQL reads them through the partial index on the
    current lists; a subquery made it scan the whole match table (issue 11)."""
    lists: dict[int, dict[str, tuple[int, float]]] = defaultdict(dict)
    for item in (
        Match.objects.filter(demand_id__in=list(demand_ids), is_current=True)
        .order_by()  # Meta.ordering would join the demands
        .values("demand_id", "kind")
        .annotate(n=Count("pk"), low=Min("score"))
    ):
        lists[item["demand_id"]][item["kind"]] = (item["n"], item["low"])
    return lists


def _could_enter(ranking: Ranking, lists: dict[str, tuple[int, float]], k: int) -> bool:
    """Whether the ranked supplier would enter its list (ties are settled by rerank)."""
    for kind, rows in (
        (MatchKind.MATCH, ranking.match_rows),
        (MatchKind.NEAR_MISS, ranking.near_rows),
    ):
        if len(rows):
            count, lowest = lists.get(kind, (0, 0.0))
            return count < k or ranking.score_micro[rows[0]] / MICRO >= lowest
    return False


def _needs_full_rescore(old: Match | None, new: MatchRow | None, counts, k: int) -> bool:
    """Whether a candidate outside the stored lists could move up."""
    if old is None or not old.is_current:
        return False
    list_full = counts.get(old.kind, (0, 0.0))[0] >= k
    if not list_full:
        return False
    if new is None or not new.is_current or new.kind != old.kind:
        return True
    return new.score < old.score
