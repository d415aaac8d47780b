"""Time ``allocate`` on 10,000 suppliers × 2,000 demands with ~100,000 candidate arcs, as a
min-cost flow (the default) and as the HiGHS LP, each against the LP optimum.

Run: ``.venv/bin/python -m bench.allocation_solver`` (not a unit test).
"""

from __future__ import annotations

import time
from typing import TypedDict

import numpy as np

from matchmaking.scoring.allocation import allocate, lp_optimum
from matchmaking.scoring.inputs import FloatArray, IntArray


class Instance(TypedDict):
    arc_source: IntArray
    arc_demand: IntArray
    arc_score: FloatArray
    source_capacity: FloatArray
    demand_quantity: FloatArray


def instance(seed: int, suppliers: int, demands: int, arcs: int) -> tuple[Instance, FloatArray]:
    """A random instance, and the minimum order of each arc."""
    rng = np.random.default_rng(seed)
    data = Instance(
        arc_source=rng.integers(0, suppliers, arcs),
        arc_demand=rng.integers(0, demands, arcs),
        arc_score=rng.uniform(0.3, 1.0, arcs),
        source_capacity=rng.lognormal(7.0, 1.0, suppliers),
        demand_quantity=rng.lognormal(8.5, 1.0, demands),
    )
    return data, rng.choice([0.0, 100.0, 500.0], arcs)


def main() -> None:
    data, minimum = instance(0, suppliers=10_000, demands=2_000, arcs=100_000)
    ratio = data["source_capacity"].sum() / data["demand_quantity"].sum()
    print(f"total free capacity / total demand = {ratio:.2f}")
    started = time.perf_counter()
    optimum = lp_optimum(**data)
    print(f"LP optimum {optimum:.6f} ({time.perf_counter() - started:.3f} s)")
    for method in ("flow", "lp"):
        for label, arc_minimum in (("", None), (" + minimum orders", minimum)):
            started, cpu_started = time.perf_counter(), time.process_time()
            result = allocate(**data, arc_minimum=arc_minimum, method=method)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            covered = 1 - result.unmet.sum() / data["demand_quantity"].sum()
            print(
                f"{method}{label}: {elapsed:.3f} s wall, {cpu:.3f} s CPU, "
                f"objective {result.objective:.6f}, objective / LP optimum "
                f"{result.objective / optimum:.7f}, rounding bound {result.rounding_bound:.2e}, "
                f"dropped arcs {result.dropped_arcs}, still below minimum "
                f"{result.below_minimum}, quantity covered {covered:.1%}"
            )


if __name__ == "__main__":
    main()
