"""rank_supplier gives, demand by demand, exactly what rank_demand gives with k=None and
every row of the category evaluated: the arrays and rows score_demand(k=None) reports."""

import random
from dataclasses import fields, replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matchmaking.scoring.config import FACTORS, Params
from matchmaking.scoring.facts import demand_context, row_facts
from matchmaking.scoring.incremental import rank_supplier
from matchmaking.scoring.inputs import Candidates
from matchmaking.scoring.ranking import score_demand
from matchmaking.scoring.reasons import row_failures, row_reasons

from .catalogue import AS_OF, BOGIE_PARTS, BRAKE_BLOCK, CAR_BODY, DOOR_FRAME, VOCAB, candidates
from .generators import AS_OF_CHOICES, random_demand, random_row, random_rows
from .test_properties import row_sets

NO_SUCH_CATEGORY = 999


def assert_same_arrays(actual, expected):
    assert actual.dtype == expected.dtype
    assert actual.shape == expected.shape
    assert np.array_equal(actual, expected, equal_nan=actual.dtype.kind == "f")


def assert_same_fields(actual, expected):
    for field in fields(expected):
        assert_same_arrays(getattr(actual, field.name), getattr(expected, field.name))


def assert_same_ranking(actual, expected):
    """``actual`` (a Ranking) holds what ``expected`` (a DemandResult) reports."""
    assert actual.demand_id == expected.demand_id
    assert_same_arrays(actual.block, expected.block)
    got, want = actual.evaluation, expected.evaluation
    assert_same_arrays(actual.score_micro, want.score_micro)
    for rows, chosen in (
        (actual.match_rows, expected.matches),
        (actual.near_rows, expected.near_misses),
    ):
        assert rows.dtype == np.int64
        capability_ids = want.candidates.capability_id.tolist()
        assert rows.tolist() == [capability_ids.index(c.capability_id) for c in chosen]
        assert got.score_micro[rows].tolist() == [c.score_micro for c in chosen]
    assert got.weights == want.weights
    assert_same_arrays(got.score_micro, want.score_micro)
    assert_same_arrays(got.contributions_micro, want.contributions_micro)
    assert_same_fields(got.check, want.check)
    assert_same_fields(got.factors, want.factors)
    assert got.candidates.vocab == want.candidates.vocab
    for column in Candidates._columns():
        assert_same_arrays(getattr(got.candidates, column), getattr(want.candidates, column))
    assert demand_context(got.encoding) == demand_context(want.encoding)
    every_row = np.arange(len(want.candidates), dtype=np.int64)
    assert row_facts(got, every_row) == row_facts(want, every_row)
    for row in every_row.tolist():
        assert row_failures(got, row) == row_failures(want, row)
        assert row_reasons(got, row) == row_reasons(want, row)
        assert got.breakdown(row) == want.breakdown(row)


def assert_ranks_as_rank_demand(demands, rows, **options):
    assert len(set(rows.capability_id.tolist())) == len(rows)  # rows found by capability id
    expected = [score_demand(d, rows, **options, k=None, near_miss_k=None) for d in demands]
    # whether a demand is short depends on every candidate: the engine passes the stored state
    short = [d.demand_id for d, e in zip(demands, expected, strict=True) if e.shortfall]
    rankings = rank_supplier(demands, rows, **options, shortfall=short)
    assert len(rankings) == len(demands)
    for ranking, want in zip(rankings, expected, strict=True):
        assert ranking.shortfall == want.shortfall
        assert_same_ranking(ranking, want)


def varied_demands(seed, count):
    """Random demands, some moved to the other category, to one without rows, or without
    a plant location."""
    rnd = random.Random(seed)
    demands = []
    for demand_id in range(1, count + 1):
        demand = random_demand(rnd.randrange(10**6), demand_id=demand_id)
        move = rnd.random()
        if move < 0.2:
            demand = replace(demand, category_id=CAR_BODY, component_type_id=DOOR_FRAME)
        elif move < 0.3:
            demand = replace(demand, category_id=NO_SUCH_CATEGORY)
        if rnd.random() < 0.1:
            demand = replace(demand, latitude=None)
        demands.append(demand)
    return demands


def one_supplier(seed, count):
    rnd = random.Random(seed)
    return candidates(*[random_row(rnd, 7, capability_id) for capability_id in range(1, count + 1)])


@pytest.mark.parametrize("seed", range(40))
def test_one_supplier_ranks_as_rank_demand_on_random_data(seed):
    rnd = random.Random(seed)
    weights = {factor: rnd.uniform(0, 3) for factor in FACTORS}
    params = Params(distance_length_km=rnd.uniform(50, 500), inferred_type_fit=rnd.random())
    assert_ranks_as_rank_demand(
        varied_demands(seed, 30),
        one_supplier(seed, rnd.randint(1, 4)),
        as_of=rnd.choice(AS_OF_CHOICES),
        weights=weights,
        params=params,
    )


@pytest.mark.parametrize("seed", range(10))
def test_several_capabilities_in_one_category_keep_the_best_row(seed):
    rnd = random.Random(seed)
    rows = candidates(
        *[
            replace(random_row(rnd, 7, capability_id), category_id=BOGIE_PARTS)
            for capability_id in range(1, 5)
        ]
    )
    assert_ranks_as_rank_demand(varied_demands(seed, 30), rows, as_of=AS_OF)


def test_rows_tied_on_score_keep_the_lower_capability_id():
    row = replace(random_row(random.Random(3), 7, 2), category_id=BOGIE_PARTS)
    row = replace(row, component_type_id=BRAKE_BLOCK, verified_active=True)
    rows = candidates(row, replace(row, capability_id=1), replace(row, capability_id=3))
    demands = varied_demands(3, 20)
    assert_ranks_as_rank_demand(demands, rows, as_of=AS_OF)
    rankings = rank_supplier(demands, rows, as_of=AS_OF)
    for ranking in rankings:
        assert rows.capability_id[ranking.block[ranking.match_rows]].tolist() in ([], [1])


@pytest.mark.parametrize("seed", range(10))
def test_many_suppliers_rank_as_rank_demand(seed):
    assert_ranks_as_rank_demand(
        varied_demands(seed, 12), candidates(*random_rows(seed, suppliers=12)), as_of=AS_OF
    )


@settings(max_examples=60, deadline=None)
@given(rows=row_sets(max_suppliers=3), seed=st.integers(0, 10_000))
def test_drawn_rows_rank_as_rank_demand(rows, seed):
    rows = [replace(r, capability_id=number) for number, r in enumerate(rows, start=1)]
    assert_ranks_as_rank_demand(varied_demands(seed, 8), candidates(*rows), as_of=AS_OF)


def test_demands_of_categories_without_rows_rank_nobody():
    rows = one_supplier(1, 2)
    demands = [replace(d, category_id=NO_SUCH_CATEGORY) for d in varied_demands(1, 5)]
    rankings = rank_supplier(demands, rows, as_of=AS_OF)
    assert [len(r.block) + len(r.match_rows) + len(r.near_rows) for r in rankings] == [0] * 5
    assert_ranks_as_rank_demand(demands, rows, as_of=AS_OF)


def test_a_supplier_without_rows_ranks_nowhere():
    nobody = Candidates.from_rows(VOCAB, [])
    assert_ranks_as_rank_demand(varied_demands(2, 6), nobody, as_of=AS_OF)


def test_no_demands_give_no_rankings():
    assert rank_supplier([], one_supplier(1, 2), as_of=AS_OF) == []


def test_an_unknown_process_is_refused_as_by_encode_demand():
    demand = replace(random_demand(1), extra_processes=frozenset({12345}))
    with pytest.raises(ValueError, match="12345"):
        rank_supplier([demand], one_supplier(1, 2), as_of=AS_OF)


def test_rows_tied_on_score_and_capability_id_keep_the_first_row():
    row = replace(random_row(random.Random(5), 7, 1), category_id=BOGIE_PARTS)
    rankings = rank_supplier(varied_demands(5, 20), candidates(row, row), as_of=AS_OF)
    assert {tuple(r.match_rows) + tuple(r.near_rows) for r in rankings} <= {(), (0,)}
