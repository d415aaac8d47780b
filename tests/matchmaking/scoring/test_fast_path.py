"""rank_demand scores only rows failing at most one item (plus the suppliers it is told to
keep), and picks exactly what scoring the whole block picks."""

import random
from dataclasses import fields

import numpy as np
import pytest

from bench.reference_reasons import reference_failures
from matchmaking.scoring.config import (
    DEFAULT_PARAMS,
    DEFAULT_WEIGHTS,
    FACTORS,
    shortfall_weights,
)
from matchmaking.scoring.constraints import check_constraints, failed_item_counts
from matchmaking.scoring.encoding import encode_demand
from matchmaking.scoring.evaluation import evaluate
from matchmaking.scoring.facts import demand_context, row_facts
from matchmaking.scoring.inputs import Candidates
from matchmaking.scoring.ranking import (
    best_per_supplier,
    covers_quantity,
    rank_demand,
    score_demand,
    top_k,
)
from matchmaking.scoring.reasons import failures_from_facts, row_failures

from .catalogue import AS_OF, VOCAB, candidates
from .generators import AS_OF_CHOICES, random_demand, random_rows


def whole_block(demand, rows, *, k, near_miss_k, **options):
    """The ranking as it was before the screen: every row of the category (and of the
    related ones) scored, with the shortfall weights when no feasible row covers."""
    categories = [demand.category_id, *demand.related_category_ids]
    block = np.flatnonzero(np.isin(rows.category_id, categories))
    evaluation = evaluate(demand, rows.take(block), **options)
    if not covers_quantity(evaluation).any():
        capacity_weight = options.get("params", DEFAULT_PARAMS).shortfall_capacity_weight
        weights = options.get("weights", DEFAULT_WEIGHTS)
        evaluation = evaluation.reweighted(shortfall_weights(weights, capacity_weight))
    suppliers = evaluation.candidates.supplier_id
    score = evaluation.score_micro

    def ranked(selected, limit):
        best = best_per_supplier(selected, suppliers, score, evaluation.candidates.capability_id)
        return best[top_k(score[best], suppliers[best], len(best) if limit is None else limit)]

    feasible = np.flatnonzero(evaluation.check.feasible)
    near = np.flatnonzero(evaluation.check.near_miss & ~np.isin(suppliers, suppliers[feasible]))
    return block, evaluation, ranked(feasible, k), ranked(near, near_miss_k)


def row_summary(evaluation, rows):
    """What the stored rows are made of, for ``rows`` of ``evaluation``."""
    candidates = evaluation.candidates
    return list(
        zip(
            candidates.supplier_id[rows].tolist(),
            candidates.capability_id[rows].tolist(),
            evaluation.score_micro[rows].tolist(),
            evaluation.contributions_micro[rows].tolist(),
            evaluation.factors.values[rows].tolist(),
            row_facts(evaluation, rows),
            strict=True,
        )
    )


def assert_same_rows(actual, actual_rows, expected, expected_rows):
    """Every per-row array of the two evaluations agrees at the paired rows."""
    assert row_summary(actual, actual_rows) == row_summary(expected, expected_rows)
    for part in ("check", "factors"):
        for field in fields(getattr(expected, part)):
            got = getattr(getattr(actual, part), field.name)[actual_rows]
            want = getattr(getattr(expected, part), field.name)[expected_rows]
            assert got.dtype == want.dtype
            assert np.array_equal(got, want, equal_nan=want.dtype.kind == "f"), field.name
    for column in Candidates._columns():
        got = getattr(actual.candidates, column)[actual_rows]
        want = getattr(expected.candidates, column)[expected_rows]
        assert np.array_equal(got, want, equal_nan=want.dtype.kind == "f"), column


def several_failures(evaluation, count, rnd):
    """Up to ``count`` suppliers whose rows all fail two items or more."""
    suppliers = evaluation.candidates.supplier_id
    passing = set(suppliers[evaluation.check.failed_items <= 1].tolist())
    failing = sorted(set(suppliers.tolist()) - passing)
    return rnd.sample(failing, min(count, len(failing)))


def assert_ranks_as_whole_block(demand, rows, *, rnd, k, near_miss_k, **options):
    block, full, match_rows, near_rows = whole_block(
        demand, rows, k=k, near_miss_k=near_miss_k, **options
    )
    keep = several_failures(full, 3, rnd)
    ranking = rank_demand(
        demand, rows, k=k, near_miss_k=near_miss_k, keep_suppliers=keep, **options
    )
    evaluation = ranking.evaluation

    # the evaluation holds exactly the screened rows, in block order
    screened = (full.check.failed_items <= 1) | np.isin(full.candidates.supplier_id, keep)
    assert ranking.block.dtype == np.int64
    assert ranking.block.tolist() == block[screened].tolist()
    positions = np.flatnonzero(screened)
    assert_same_rows(evaluation, np.arange(len(positions)), full, positions)

    # the chosen rows are those of the whole block, in the same order
    assert ranking.match_rows.dtype == np.int64 and ranking.near_rows.dtype == np.int64
    assert positions[ranking.match_rows].tolist() == match_rows.tolist()
    assert positions[ranking.near_rows].tolist() == near_rows.tolist()
    assert_same_rows(evaluation, ranking.match_rows, full, match_rows)
    assert_same_rows(evaluation, ranking.near_rows, full, near_rows)
    assert demand_context(evaluation.encoding) == demand_context(full.encoding)

    # kept suppliers keep every row, with all their failures
    context = demand_context(evaluation.encoding)
    for supplier_id in keep:
        own = np.flatnonzero(evaluation.candidates.supplier_id == supplier_id)
        expected = np.flatnonzero(full.candidates.supplier_id == supplier_id)
        assert len(own) == len(expected) > 0
        assert evaluation.check.failed_items[own].min() >= 2
        for row, fact in zip(own.tolist(), row_facts(evaluation, own), strict=True):
            assert failures_from_facts(context, fact) == reference_failures(evaluation, row) != ()
        assert [row_failures(full, row) for row in expected.tolist()] == [
            row_failures(evaluation, row) for row in own.tolist()
        ]
    return ranking


@pytest.mark.parametrize("seed", range(60))
def test_rank_demand_picks_what_the_whole_block_picks(seed):
    rnd = random.Random(seed)
    demand = random_demand(seed)
    rows = candidates(*random_rows(seed, suppliers=rnd.choice([5, 40, 120])))
    weights = {factor: rnd.uniform(0, 3) for factor in FACTORS}
    k, near_miss_k = rnd.choice([(50, 50), (5, 3), (None, None), (1, 0)])
    ranking = assert_ranks_as_whole_block(
        demand,
        rows,
        rnd=rnd,
        k=k,
        near_miss_k=near_miss_k,
        as_of=rnd.choice(AS_OF_CHOICES),
        weights=weights,
    )
    assert ranking.demand_id == demand.demand_id


def test_the_screen_leaves_out_rows_failing_several_items():
    demand = random_demand(4)
    rows = candidates(*random_rows(4, suppliers=150))
    in_category = np.count_nonzero(rows.category_id == demand.category_id)
    ranking = rank_demand(demand, rows, as_of=AS_OF)
    failed = ranking.evaluation.check.failed_items
    assert 0 < len(ranking.block) < in_category
    assert failed.max() <= 1


def test_score_demand_still_evaluates_the_whole_block():
    demand = random_demand(5)
    rows = candidates(*random_rows(5, suppliers=60))
    result = score_demand(demand, rows, as_of=AS_OF)
    block = np.flatnonzero(rows.category_id == demand.category_id)
    assert result.block.tolist() == block.tolist()
    assert (result.evaluation.check.failed_items >= 2).any()


@pytest.mark.parametrize("seed", range(20))
def test_failed_item_counts_equal_the_full_check(seed):
    rows = candidates(*random_rows(seed, suppliers=60))
    for as_of in AS_OF_CHOICES:
        encoding = encode_demand(random_demand(seed), VOCAB, as_of=as_of)
        counts = failed_item_counts(encoding, rows)
        assert counts.dtype == np.int64
        assert counts.tolist() == check_constraints(encoding, rows).failed_items.tolist()


def test_take_by_indices_or_mask_copies_the_rows():
    rows = candidates(*random_rows(9, suppliers=30))
    mask = rows.supplier_id % 3 == 0
    indices = np.flatnonzero(mask)
    for taken in (rows.take(mask), rows.take(indices)):
        assert taken.vocab == rows.vocab
        for column in Candidates._columns():
            expected = getattr(rows, column)[mask]
            assert np.array_equal(getattr(taken, column), expected, equal_nan=True), column
    with pytest.raises(IndexError):
        rows.take(mask[:-1])


def test_concat_puts_the_rows_of_the_parts_one_after_the_other():
    rows = candidates(*random_rows(11, suppliers=30))
    mask = rows.supplier_id % 2 == 0
    joined = Candidates.concat(rows.vocab, [rows.take(mask), rows.take(~mask)])
    order = np.concatenate([np.flatnonzero(mask), np.flatnonzero(~mask)])
    assert len(joined) == len(rows)
    for column in Candidates._columns():
        expected = getattr(rows, column)[order]
        assert np.array_equal(getattr(joined, column), expected, equal_nan=True), column
