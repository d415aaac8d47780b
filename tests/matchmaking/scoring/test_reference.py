"""The vectorised engine equals the plain-Python reference on random data."""

import pytest
from numpy.testing import assert_allclose

from bench.reference import reference_evaluate, reference_rank
from matchmaking.scoring.config import DEFAULT_WEIGHTS, Params
from matchmaking.scoring.ranking import score_demand

from .catalogue import AS_OF, candidates
from .generators import random_demand, random_rows

WEIGHTS = [DEFAULT_WEIGHTS, {"capacity_fit": 3, "distance": 2, "lead_time": 1, "spreading": 1}]


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("weights", WEIGHTS, ids=["default", "custom"])
def test_engine_equals_reference(seed, weights):
    rows = random_rows(seed, suppliers=150)
    demand = random_demand(seed)
    params = Params(distance_length_km=200 + seed)
    categories = {demand.category_id, *demand.related_category_ids}
    evaluation = score_demand(
        demand,
        candidates(*[r for r in rows if r.category_id in categories]),
        as_of=AS_OF,
        weights=weights,
        params=params,
        k=None,
    ).evaluation
    expected = reference_evaluate(demand, rows, as_of=AS_OF, weights=weights, params=params)

    assert len(expected) == len(evaluation.candidates)
    assert evaluation.check.failed_items.tolist() == [e.failed_items for e in expected]
    assert_allclose(evaluation.factors.values, [e.values for e in expected], rtol=1e-12)
    assert evaluation.contributions_micro.tolist() == [
        list(e.contributions_micro) for e in expected
    ]
    assert evaluation.score_micro.tolist() == [e.score_micro for e in expected]

    result = score_demand(
        demand, candidates(*rows), as_of=AS_OF, weights=weights, params=params, k=10, near_miss_k=10
    )
    matches, near_misses = reference_rank(expected, k=10)
    assert [(m.supplier_id, m.capability_id, m.score_micro) for m in result.matches] == [
        (m.supplier_id, m.capability_id, m.score_micro) for m in matches
    ]
    assert [(n.supplier_id, n.capability_id) for n in result.near_misses] == [
        (n.supplier_id, n.capability_id) for n in near_misses
    ]


def test_random_data_exercises_every_outcome():
    rows = random_rows(0, suppliers=150)
    scores = [
        s
        for seed in range(12)
        for s in reference_evaluate(random_demand(seed), rows, as_of=AS_OF, weights=WEIGHTS[0])
    ]
    assert any(s.feasible for s in scores)
    assert any(s.failed_items == 1 for s in scores)
    assert any(s.failed_items > 1 for s in scores)


def test_random_data_exercises_the_expert_rules():
    """Related near misses, related rows never feasible, and both shortfall states occur."""
    rows = random_rows(0, suppliers=150)
    by_demand = [
        reference_evaluate(random_demand(seed), rows, as_of=AS_OF, weights=WEIGHTS[0])
        for seed in range(12)
    ]
    scores = [s for demand_scores in by_demand for s in demand_scores]
    assert any(s.related and s.near_miss for s in scores)
    assert not any(s.related and s.feasible for s in scores)
    covered = [any(s.feasible and s.covers for s in demand_scores) for demand_scores in by_demand]
    assert any(covered) and not all(covered)
