"""Many-to-many allocation (min-cost flow and sparse LP)."""

import numpy as np
import pytest

from matchmaking.scoring.allocation import (
    allocate,
    lp_optimum,
)


def arcs(*triples):
    source, demand, score = zip(*triples, strict=True)
    return {
        "arc_source": np.array(source, dtype=np.int64),
        "arc_demand": np.array(demand, dtype=np.int64),
        "arc_score": np.array(score, dtype=np.float64),
    }


METHODS = pytest.mark.parametrize("method", ["flow", "lp"])


@METHODS
def test_allocate_sends_each_demand_to_its_best_supplier_within_capacity(method):
    result = allocate(
        **arcs((0, 0, 0.9), (1, 0, 0.5), (0, 1, 0.6), (1, 1, 0.7)),
        source_capacity=np.array([100.0, 100.0]),
        demand_quantity=np.array([80.0, 80.0]),
        method=method,
    )
    assert result.flow.tolist() == pytest.approx([80, 0, 0, 80])
    assert result.unmet.tolist() == pytest.approx([0, 0])
    assert result.objective == pytest.approx(0.1 + 0.3)


def test_allocate_by_lp_reports_its_optimum_and_the_flow_leaves_it_to_lp_optimum():
    kwargs = {
        **arcs((0, 0, 0.9), (1, 0, 0.5), (0, 1, 0.6), (1, 1, 0.7)),
        "source_capacity": np.array([100.0, 60.0]),
        "demand_quantity": np.array([80.0, 80.0]),
    }
    by_lp = allocate(**kwargs, method="lp")
    assert by_lp.lp_optimum == pytest.approx(by_lp.objective)
    assert by_lp.rounding_bound == 0
    assert allocate(**kwargs).lp_optimum is None
    assert lp_optimum(**kwargs) == pytest.approx(by_lp.objective)


@METHODS
def test_allocate_leaves_unmet_quantity_when_capacity_is_short(method):
    result = allocate(
        **arcs((0, 0, 0.9), (0, 1, 0.9)),
        source_capacity=np.array([100.0]),
        demand_quantity=np.array([80.0, 80.0]),
        method=method,
    )
    assert result.flow.sum() == pytest.approx(100)
    assert result.unmet.sum() == pytest.approx(60)


@METHODS
def test_allocate_converts_units_through_the_arc_rate(method):
    # a demand of 1,000 pieces of 11.5 kg from a pool of 6 tonnes: rate 0.0115 t per piece
    result = allocate(
        **arcs((0, 0, 0.8)),
        source_capacity=np.array([6.0]),
        demand_quantity=np.array([1_000.0]),
        arc_rate=np.array([0.0115]),
        method=method,
    )
    assert result.flow[0] == pytest.approx(6.0 / 0.0115)
    assert result.unmet[0] == pytest.approx(1_000 - 6.0 / 0.0115)


def rated_instance(rng, rate_of_arc):
    """Pools in tonnes; demands in pieces whose weight sets the rate of their arcs."""
    sources, demands, n_arcs = 30, 12, 120
    source = rng.integers(0, sources, n_arcs)
    demand = rng.integers(0, demands, n_arcs)
    return {
        "arc_source": source,
        "arc_demand": demand,
        "arc_score": rng.uniform(0, 1, n_arcs),
        "source_capacity": rng.uniform(1, 20, sources),
        "demand_quantity": rng.uniform(100, 2_000, demands),
        "arc_rate": rate_of_arc(source, demand),
    }


@pytest.mark.parametrize("rated_by", ["demand", "source"])
def test_allocate_by_flow_matches_the_lp_with_rates_per_demand_or_per_source(rated_by):
    rng = np.random.default_rng(11)
    weights = rng.uniform(0.002, 0.05, 30)
    kwargs = rated_instance(
        rng, lambda source, demand: weights[demand if rated_by == "demand" else source]
    )
    flow = allocate(**kwargs)
    used = np.bincount(kwargs["arc_source"], weights=flow.flow * kwargs["arc_rate"], minlength=30)
    assert (used <= kwargs["source_capacity"] * (1 + 1e-12)).all()
    assert flow.objective == pytest.approx(lp_optimum(**kwargs), abs=flow.rounding_bound)


def test_allocate_by_flow_refuses_rates_varying_by_source_and_demand_but_the_lp_takes_them():
    rng = np.random.default_rng(12)
    kwargs = rated_instance(rng, lambda source, demand: rng.uniform(0.002, 0.05, len(source)))
    with pytest.raises(ValueError, match="method='lp'"):
        allocate(**kwargs)
    assert allocate(**kwargs, method="lp").flow.sum() > 0


@METHODS
def test_allocate_drops_shares_below_a_minimum_order_and_resolves(method):
    kwargs = {
        **arcs((0, 0, 0.9), (1, 0, 0.8), (2, 0, 0.5)),
        "source_capacity": np.array([90.0, 500.0, 500.0]),
        "demand_quantity": np.array([100.0]),
        "method": method,
    }
    plain = allocate(**kwargs)
    assert plain.flow.tolist() == pytest.approx([90, 10, 0])
    cleaned = allocate(**kwargs, arc_minimum=np.array([0.0, 50.0, 0.0]))
    assert cleaned.flow.tolist() == pytest.approx([90, 0, 10])
    assert (cleaned.dropped_arcs, cleaned.below_minimum) == (1, 0)
    assert cleaned.objective == pytest.approx(0.1 * 0.9 + 0.5 * 0.1)
    assert cleaned.objective > plain.objective


@METHODS
def test_allocate_drops_again_when_the_resolve_makes_new_small_shares(method):
    # supplier 1's 10 falls below its minimum; then supplier 2 takes 10, below its own
    kwargs = {
        **arcs((0, 0, 0.9), (1, 0, 0.8), (2, 0, 0.7), (3, 0, 0.5)),
        "source_capacity": np.array([90.0, 500.0, 500.0, 500.0]),
        "demand_quantity": np.array([100.0]),
        "arc_minimum": np.array([0.0, 50.0, 20.0, 0.0]),
        "method": method,
    }
    cleaned = allocate(**kwargs)
    assert cleaned.flow.tolist() == pytest.approx([90, 0, 0, 10])
    assert (cleaned.dropped_arcs, cleaned.below_minimum) == (2, 0)
    stopped = allocate(**kwargs, drop_rounds=1)
    assert stopped.flow.tolist() == pytest.approx([90, 0, 10, 0])
    assert (stopped.dropped_arcs, stopped.below_minimum) == (1, 1)


@METHODS
def test_allocate_keeps_shares_at_or_above_the_minimum_order(method):
    result = allocate(
        **arcs((0, 0, 0.9), (1, 0, 0.8)),
        source_capacity=np.array([60.0, 500.0]),
        demand_quantity=np.array([100.0]),
        arc_minimum=np.array([60.0, 40.0]),
        method=method,
    )
    assert result.flow.tolist() == pytest.approx([60, 40])
    assert result.dropped_arcs == 0


@METHODS
def test_allocate_without_arcs_leaves_every_demand_unmet(method):
    empty = np.array([], dtype=np.int64)
    result = allocate(
        arc_source=empty,
        arc_demand=empty,
        arc_score=np.array([], dtype=np.float64),
        source_capacity=np.array([50.0]),
        demand_quantity=np.array([30.0, 70.0]),
        method=method,
    )
    assert result.flow.size == 0
    assert result.unmet.tolist() == pytest.approx([30, 70])
    assert result.objective == pytest.approx(2 * 10.0)


@METHODS
def test_allocate_routes_around_a_pool_without_free_capacity(method):
    result = allocate(
        **arcs((0, 0, 0.95), (1, 0, 0.6)),
        source_capacity=np.array([0.0, 100.0]),
        demand_quantity=np.array([40.0]),
        method=method,
    )
    assert result.flow.tolist() == pytest.approx([0, 40])
    assert result.objective == pytest.approx(0.4)


@METHODS
def test_allocate_with_ample_capacity_covers_everything_from_the_best_pools(method):
    result = allocate(
        **arcs((0, 0, 0.9), (1, 0, 0.7), (0, 1, 0.5), (1, 1, 0.8)),
        source_capacity=np.array([1e6, 1e6]),
        demand_quantity=np.array([3.0, 250_000.0]),
        method=method,
    )
    assert result.flow.tolist() == pytest.approx([3, 0, 0, 250_000])
    assert result.unmet.tolist() == pytest.approx([0, 0], abs=1e-6)


def test_allocate_rejects_negative_capacity_and_zero_quantity():
    with pytest.raises(ValueError):
        allocate(**arcs((0, 0, 0.9)), source_capacity=np.array([-1.0]), demand_quantity=np.ones(1))
    with pytest.raises(ValueError):
        allocate(**arcs((0, 0, 0.9)), source_capacity=np.ones(1), demand_quantity=np.zeros(1))


def random_instance(seed, sources=60, demands=25, n_arcs=300):
    rng = np.random.default_rng(seed)
    return {
        "arc_source": rng.integers(0, sources, n_arcs),
        "arc_demand": rng.integers(0, demands, n_arcs),
        "arc_score": rng.uniform(0, 1, n_arcs),
        # quantities over three orders of magnitude: pieces next to tonnes
        "source_capacity": rng.lognormal(5.0, 1.5, sources),
        "demand_quantity": rng.lognormal(6.0, 1.5, demands),
    }


@pytest.mark.parametrize("seed", range(8))
def test_allocate_by_flow_reaches_the_lp_optimum_within_the_rounding_bound(seed):
    kwargs = random_instance(seed)
    result = allocate(**kwargs)
    optimum = lp_optimum(**kwargs)
    assert 0 < result.rounding_bound < 1e-4 * optimum
    # feasible for the real problem, so never below the optimum (beyond LP tolerances)
    assert optimum - 1e-7 <= result.objective <= optimum + result.rounding_bound
    used = np.bincount(kwargs["arc_source"], weights=result.flow, minlength=60)
    assert (used <= kwargs["source_capacity"]).all()
    served = np.bincount(kwargs["arc_demand"], weights=result.flow, minlength=25)
    assert (result.unmet >= 0).all()
    assert served + result.unmet == pytest.approx(kwargs["demand_quantity"], rel=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_allocate_by_flow_and_by_lp_drop_arcs_to_similar_objectives(seed):
    kwargs = random_instance(seed)
    minimum = np.random.default_rng(seed + 100).choice([0.0, 50.0, 300.0], 300)
    by_flow = allocate(**kwargs, arc_minimum=minimum)
    by_lp = allocate(**kwargs, arc_minimum=minimum, method="lp")
    for result in (by_flow, by_lp):
        kept = result.flow > 1e-9
        small = kept & (result.flow < minimum * (1 - 1e-9))
        assert small.sum() == result.below_minimum
        assert result.objective >= lp_optimum(**kwargs) - 1e-7
    assert by_flow.objective == pytest.approx(by_lp.objective, rel=0.02)


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
