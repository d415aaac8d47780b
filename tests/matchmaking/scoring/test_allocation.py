"""Consortium proposals (MILP) and many-to-many allocation (sparse LP)."""

import numpy as np
import pytest

from matchmaking.scoring.allocation import (
    ConsortiumCandidate,
    ConsortiumParams,
    allocate,
    consortium_for_demand,
)

from .catalogue import CEPER_KLATEN, KAB_TEGAL


def ceper(supplier_id, capacity, score, **extra):
    return ConsortiumCandidate(
        supplier_id=supplier_id,
        capacity=capacity,
        score=score,
        sentra="Ceper",
        latitude=CEPER_KLATEN[0],
        longitude=CEPER_KLATEN[1],
        **extra,
    )


def tegal(supplier_id, capacity, score, **extra):
    return ConsortiumCandidate(
        supplier_id=supplier_id,
        capacity=capacity,
        score=score,
        sentra="Tegal",
        latitude=KAB_TEGAL[0],
        longitude=KAB_TEGAL[1],
        **extra,
    )


def assert_covers(consortium, quantity, candidates, max_members=5):
    by_id = {c.supplier_id: c for c in candidates}
    assert sum(m.quantity for m in consortium.members) == pytest.approx(quantity)
    assert sum(m.share_pct for m in consortium.members) == pytest.approx(100)
    assert len(consortium.members) <= max_members
    for member in consortium.members:
        assert member.quantity <= by_id[member.supplier_id].capacity * (1 + 1e-6)
        assert member.quantity >= by_id[member.supplier_id].minimum_order * (1 - 1e-6)


def test_consortium_prefers_one_sentra_over_a_scattered_group():
    pool = [ceper(1, 8_000, 0.80), ceper(2, 8_000, 0.78), tegal(3, 9_000, 0.81)]
    consortium = consortium_for_demand(15_000, pool)
    assert {m.supplier_id for m in consortium.members} == {1, 2}
    assert_covers(consortium, 15_000, pool)


def test_consortium_prefers_higher_scores_and_few_members():
    pool = [ceper(i, 6_000, score) for i, score in [(1, 0.9), (2, 0.5), (3, 0.85), (4, 0.4)]]
    pool.append(ceper(5, 16_000, 0.6))
    consortium = consortium_for_demand(12_000, pool)
    assert {m.supplier_id for m in consortium.members} == {1, 3}
    assert_covers(consortium, 12_000, pool)


def test_consortium_respects_minimum_orders():
    pool = [ceper(1, 10_000, 0.9), ceper(2, 9_000, 0.8, minimum_order=8_000)]
    consortium = consortium_for_demand(15_000, pool)
    assert_covers(consortium, 15_000, pool)
    quantities = {m.supplier_id: m.quantity for m in consortium.members}
    # without the minimum the better supplier 1 would take 10,000 and supplier 2 only 5,000
    assert quantities == pytest.approx({1: 7_000, 2: 8_000})


def test_consortium_is_none_when_capacity_cannot_cover_the_demand():
    assert consortium_for_demand(15_000, [ceper(1, 5_000, 0.9), ceper(2, 5_000, 0.9)]) is None
    three_small = [ceper(i, 6_000, 0.9) for i in (1, 2, 3)]
    assert consortium_for_demand(15_000, three_small, ConsortiumParams(max_members=2)) is None


def test_consortium_is_none_when_minimum_orders_cannot_fit():
    pool = [ceper(1, 9_000, 0.9, minimum_order=9_000), ceper(2, 9_000, 0.9, minimum_order=9_000)]
    assert consortium_for_demand(10_000, pool) is None


def arcs(*triples):
    source, demand, score = zip(*triples, strict=True)
    return {
        "arc_source": np.array(source, dtype=np.int64),
        "arc_demand": np.array(demand, dtype=np.int64),
        "arc_score": np.array(score, dtype=np.float64),
    }


def test_allocate_sends_each_demand_to_its_best_supplier_within_capacity():
    result = allocate(
        **arcs((0, 0, 0.9), (1, 0, 0.5), (0, 1, 0.6), (1, 1, 0.7)),
        source_capacity=np.array([100.0, 100.0]),
        demand_quantity=np.array([80.0, 80.0]),
    )
    assert result.flow.tolist() == pytest.approx([80, 0, 0, 80])
    assert result.unmet.tolist() == pytest.approx([0, 0])
    assert result.objective == pytest.approx(0.1 + 0.3)
    assert result.lp_optimum == result.objective


def test_allocate_leaves_unmet_quantity_when_capacity_is_short():
    result = allocate(
        **arcs((0, 0, 0.9), (0, 1, 0.9)),
        source_capacity=np.array([100.0]),
        demand_quantity=np.array([80.0, 80.0]),
    )
    assert result.flow.sum() == pytest.approx(100)
    assert result.unmet.sum() == pytest.approx(60)


def test_allocate_converts_units_through_the_arc_rate():
    # a demand of 1,000 pieces of 11.5 kg from a pool of 6 tonnes: rate 0.0115 t per piece
    result = allocate(
        **arcs((0, 0, 0.8)),
        source_capacity=np.array([6.0]),
        demand_quantity=np.array([1_000.0]),
        arc_rate=np.array([0.0115]),
    )
    assert result.flow[0] == pytest.approx(6.0 / 0.0115)


def test_allocate_drops_shares_below_a_minimum_order_and_resolves():
    kwargs = {
        **arcs((0, 0, 0.9), (1, 0, 0.8), (2, 0, 0.5)),
        "source_capacity": np.array([90.0, 500.0, 500.0]),
        "demand_quantity": np.array([100.0]),
    }
    plain = allocate(**kwargs)
    assert plain.flow.tolist() == pytest.approx([90, 10, 0])
    cleaned = allocate(**kwargs, arc_minimum=np.array([0.0, 50.0, 0.0]))
    assert cleaned.flow.tolist() == pytest.approx([90, 0, 10])
    assert cleaned.dropped_arcs == 1
    assert cleaned.objective >= cleaned.lp_optimum
    assert cleaned.lp_optimum == pytest.approx(plain.objective)


def test_allocate_random_instance_respects_capacities_and_balances_demands():
    rng = np.random.default_rng(7)
    sources, demands, n_arcs = 60, 25, 300
    source = rng.integers(0, sources, n_arcs)
    demand = rng.integers(0, demands, n_arcs)
    capacity = rng.uniform(10, 200, sources)
    quantity = rng.uniform(50, 400, demands)
    result = allocate(
        arc_source=source,
        arc_demand=demand,
        arc_score=rng.uniform(0, 1, n_arcs),
        source_capacity=capacity,
        demand_quantity=quantity,
    )
    assert (result.flow >= -1e-9).all()
    used = np.bincount(source, weights=result.flow, minlength=sources)
    assert (used <= capacity + 1e-6).all()
    served = np.bincount(demand, weights=result.flow, minlength=demands)
    assert served + result.unmet == pytest.approx(quantity)
