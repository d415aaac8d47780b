"""The b5 model's pure parts: list scheduling, the cost fit and the simulation."""

from __future__ import annotations

import pytest

from bench.scaling import fit_cost, lpt_makespan, simulate


@pytest.mark.parametrize(
    "costs, workers, makespan",
    [
        ([3, 3, 2, 2, 2], 2, 7),  # greedy, not optimal (6)
        ([5, 1, 1, 1], 2, 5),
        ([1, 1, 1, 1], 1, 4),
        ([1, 1], 8, 1),
        ([], 4, 0),
    ],
)
def test_lpt_makespan_schedules_the_largest_first(costs, workers, makespan):
    assert lpt_makespan(costs, workers) == pytest.approx(makespan)


def test_fit_cost_recovers_a_linear_cost():
    pairs, sizes = [100, 400, 900, 50, 700], [1, 4, 3, 2, 5]
    seconds = [0.5 + 0.001 * p + 0.1 * s for p, s in zip(pairs, sizes, strict=True)]

    a, b, c = fit_cost(pairs, sizes, seconds)

    assert (a, b, c) == pytest.approx((0.5, 0.001, 0.1), rel=1e-6)


def test_simulation_stops_at_the_database_bound():
    shards = [(10, 1000)] * 16  # (demands, pairs)
    compute = (0.0, 0.001, 0.0)  # 1 s per shard in the worker
    one = simulate(shards=shards, compute=compute, sql_per_demand=0.01, workers=1)
    eight = simulate(shards=shards, compute=compute, sql_per_demand=0.01, workers=8)
    many = simulate(shards=shards, compute=compute, sql_per_demand=0.01, workers=64)

    assert one == pytest.approx(16 * 1.1)
    assert eight == pytest.approx(2 * 1.1)
    assert many == pytest.approx(16 * 10 * 0.01)  # the database, one shard after another
