"""Allocating demand quantities over suppliers' free capacity (scipy/HiGHS, OR-Tools).

- :func:`~.consortium.consortium_for_demand` (in :mod:`.consortium`) proposes a small group
  of suppliers for one demand that no single supplier can cover (a small MILP).
- :func:`allocate` spreads many demands over many capacity pools at once: a transportation
  problem solved as an integer min-cost flow (OR-Tools, default) or as a sparse LP
  (``scipy.optimize.linprog``, HiGHS); :func:`lp_optimum` gives the LP's optimum as the
  reference for the flow.

Both work in *shares*: the variable of an arc is the fraction of its demand's quantity it
carries, so demands stated in different units weigh alike and an objective of 1 is "one
whole demand at cost 1".
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow
from scipy.optimize import (
    linprog,
)
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
TOLERANCE = 1e-9


@dataclass(frozen=True, eq=False)
class Allocation:
    flow: FloatArray
    """Quantity per arc, in its demand's unit."""
    unmet: FloatArray
    """Quantity per demand left uncovered, in its unit."""
    objective: float
    """Objective of the returned flows on the real costs (after dropping shares below
    minimum orders)."""
    lp_optimum: float | None
    """Method ``"lp"``: optimum of the first LP, a lower bound for ``objective``. ``None``
    for the flow method, which does not need it: see :func:`lp_optimum`."""
    dropped_arcs: int
    """Arcs forbidden because their flow fell below the supplier's minimum order."""
    below_minimum: int
    """Arcs whose returned flow is still below the minimum order (``drop_rounds`` ran out)."""
    rounding_bound: float
    """Method ``"flow"``: before any drop, the objective exceeds the LP optimum by at most
    this much because of the integer scaling (see :func:`allocate`); 0 for ``"lp"``."""


Method = Literal["flow", "lp"]
BoolArray = npt.NDArray[np.bool_]
ArcSolver = Callable[[BoolArray], FloatArray]
"""Given the forbidden arcs, the optimal share of its demand each arc carries."""

FLOW_BUDGET = 2**50
"""Integer flow units over all demands and capacities together (int64 holds 2**63)."""
COST_BUDGET = 2**30
"""Largest integer unit cost; OR-Tools multiplies costs by (nodes + 1) and needs head room
for node potentials, hence also the cap ``2**62 / (nodes + 1)**2``."""


@dataclass(frozen=True)
class _Problem:
    """The arcs with demand and capacity in *common units*: arc ``e`` carrying ``z`` common
    units uses ``z`` of its source's capacity and covers ``z`` of its demand."""

    source: IntArray
    demand: IntArray
    cost: FloatArray
    """Per share of the arc's demand: ``1 - score``."""
    capacity: FloatArray
    quantity: FloatArray
    demand_unit: FloatArray
    """Common units per demand unit, per demand."""
    penalty: float


def _constant_per(group: IntArray, values: FloatArray, size: int) -> FloatArray | None:
    """The value of each group if ``values`` is constant within every group (1 where a
    group has no arc), else ``None``."""
    low = np.full(size, np.inf)
    high = np.full(size, -np.inf)
    np.minimum.at(low, group, values)
    np.maximum.at(high, group, values)
    used = np.isfinite(low)
    if (high[used] > low[used] * (1 + 1e-12)).any():
        return None
    return np.where(used, high, 1.0)


def _common_units(
    arc_source: IntArray,
    arc_demand: IntArray,
    arc_score: FloatArray,
    source_capacity: FloatArray,
    demand_quantity: FloatArray,
    arc_rate: FloatArray | None,
    unmet_penalty: float,
) -> _Problem:
    """A network flow needs the rate of an arc to depend on its demand only (a piece
    weight) or on its source only (a pool's unit); general per-arc rates need the LP."""
    sources, demands = len(source_capacity), len(demand_quantity)
    per_demand = np.ones(demands)
    per_source = np.ones(sources)
    if arc_rate is not None:
        rate = np.asarray(arc_rate, dtype=np.float64)
        by_demand = _constant_per(arc_demand, rate, demands)
        by_source = None if by_demand is not None else _constant_per(arc_source, rate, sources)
        if by_demand is not None:
            per_demand = by_demand
        elif by_source is not None:
            per_source = by_source
        else:
            raise ValueError(
                "method='flow' needs arc rates constant per demand or per source; use method='lp'"
            )
    return _Problem(
        source=arc_source,
        demand=arc_demand,
        cost=1.0 - arc_score,
        capacity=source_capacity / per_source,
        quantity=demand_quantity * per_demand,
        demand_unit=per_demand,
        penalty=unmet_penalty,
    )


def _power_of_two_below(value: float) -> float:
    return float(2.0 ** math.floor(math.log2(value)))


class _ComponentFlow:
    """One connected component of the arc graph as an OR-Tools min-cost flow: root → source
    (capacity), source → demand (arc cost), root → demand (the unmet arc at the penalty);
    each demand node absorbs its quantity. Re-solved only when its forbidden arcs change."""

    def __init__(
        self,
        arcs: IntArray,
        problem: _Problem,
        held: IntArray,
        capacity: IntArray,
        arc_cost: IntArray,
        unmet_cost: IntArray,
    ) -> None:
        self.arcs = arcs
        source, demand = problem.source[arcs], problem.demand[arcs]
        sources, source_node = np.unique(source, return_inverse=True)
        demands, demand_index = np.unique(demand, return_inverse=True)
        root = len(sources) + len(demands)
        demand_nodes = np.arange(len(sources), root, dtype=np.int32)
        self.capacity = np.minimum(capacity[source], held[demand])
        self.ids = np.arange(len(arcs), dtype=np.int32)
        self.forbidden: BoolArray | None = None
        self.network = min_cost_flow.SimpleMinCostFlow()
        # arcs 0..len(arcs)-1 are the candidate arcs, then root → each source and demand
        self.network.add_arcs_with_capacity_and_unit_cost(
            np.concatenate([source_node.astype(np.int32), np.full(root, root, np.int32)]),
            np.concatenate(
                [
                    demand_nodes[demand_index],
                    np.arange(len(sources), dtype=np.int32),
                    demand_nodes,
                ]
            ),
            np.concatenate([self.capacity, capacity[sources], held[demands]]),
            np.concatenate([arc_cost[arcs], np.zeros(len(sources), np.int64), unmet_cost[demands]]),
        )
        self.network.set_nodes_supplies(
            np.append(demand_nodes, np.int32(root)),
            np.append(-held[demands], held[demands].sum()),
        )

    def solve(self, forbidden: BoolArray) -> IntArray | None:
        """Integer flow per arc, or ``None`` if nothing changed since the last solve."""
        mine = forbidden[self.arcs]
        if self.forbidden is not None and np.array_equal(mine, self.forbidden):
            return None
        self.forbidden = mine
        self.network.set_arc_capacities(self.ids, np.where(mine, 0, self.capacity))
        status = self.network.solve()
        if status != self.network.OPTIMAL:
            raise RuntimeError(f"allocation min-cost flow failed: {status}")
        return np.asarray(self.network.flows(self.ids), dtype=np.int64)


def _components(problem: _Problem) -> list[IntArray]:
    """Arc indices of each connected component of the source–demand graph."""
    sources, nodes = len(problem.capacity), len(problem.capacity) + len(problem.quantity)
    graph = coo_array(
        (np.ones(len(problem.source)), (problem.source, sources + problem.demand)),
        shape=(nodes, nodes),
    )
    _, label = connected_components(graph, directed=False)
    arc_label = label[problem.source]
    order = np.argsort(arc_label, kind="stable")
    cuts = np.flatnonzero(np.diff(arc_label[order])) + 1
    return [part for part in np.split(order, cuts) if len(part)]


def _flow_solver(problem: _Problem) -> tuple[ArcSolver, float]:
    """Min-cost flow on integers, one network per connected component of the arcs.

    Scaling: a common unit is ``F`` integer flow units (``F`` a power of two so that
    quantities with few significant bits stay exact), a demand holds ``floor(Q_d F)`` and
    a source ``floor(min(C_s, reach_s) F)``. A share of demand ``d`` costing ``c`` costs
    ``c / Q_d`` per common unit, scaled to the integer ``round(rho c / Q_d)``, with ``rho``
    chosen so the largest (the unmet penalty on the smallest demand) is ``COST_BUDGET``.
    Returns the solver and the bound on objective − LP optimum this rounding allows:
    ``sum(Q) / rho`` for the costs (0.5 / rho per common unit, counted for the flow found
    and for the optimum) plus ``penalty / F * (sum_d 1 / Q_d + sum_s max_{d of s} 1 / Q_d)``
    for the floors (each floored unit of demand or capacity shifts at most one unit of
    quantity into or out of the unmet arc).
    """
    sources, demands = len(problem.capacity), len(problem.quantity)
    reach = np.bincount(problem.source, weights=problem.quantity[problem.demand], minlength=sources)
    usable = np.minimum(problem.capacity, reach)
    total = float(problem.quantity.sum() + usable.sum())
    scale = _power_of_two_below(FLOW_BUDGET / total) if total > 0 else 1.0
    held = np.floor(problem.quantity * scale).astype(np.int64)
    capacity = np.floor(usable * scale).astype(np.int64)
    cost_budget = min(COST_BUDGET, 2**62 // (sources + demands + 2) ** 2)
    largest_cost = max(problem.penalty, float(np.abs(problem.cost).max(initial=0.0)))
    smallest = float(problem.quantity.min()) if demands else 1.0
    rho = cost_budget * smallest / largest_cost
    arc_cost = np.rint(rho * problem.cost / problem.quantity[problem.demand]).astype(np.int64)
    unmet_cost = np.rint(rho * problem.penalty / problem.quantity).astype(np.int64)
    parts = [
        _ComponentFlow(arcs, problem, held, capacity, arc_cost, unmet_cost)
        for arcs in _components(problem)
    ]
    shares = np.zeros(len(problem.source))

    def solve(forbidden: BoolArray) -> FloatArray:
        for part in parts:
            flow = part.solve(forbidden)
            if flow is not None:
                quantity = problem.quantity[problem.demand[part.arcs]]
                shares[part.arcs] = flow / scale / quantity
        return shares.copy()

    inverse = 1.0 / problem.quantity
    nearest = np.zeros(sources)
    np.maximum.at(nearest, problem.source, inverse[problem.demand])
    bound = float(
        problem.quantity.sum() / rho + problem.penalty / scale * (inverse.sum() + nearest.sum())
    )
    return solve, bound


def _lp_solver(
    arc_source: IntArray,
    arc_demand: IntArray,
    cost: FloatArray,
    source_capacity: FloatArray,
    demand_quantity: FloatArray,
    rate: FloatArray,
    unmet_penalty: float,
) -> ArcSolver:
    """The transportation LP in shares (HiGHS); any per-arc rate."""
    n_arcs, n_demands = len(arc_source), len(demand_quantity)
    per_share = demand_quantity[arc_demand] * rate
    # capacity rows scaled by the source's capacity (right-hand side 1): better numerics
    has_capacity = source_capacity > 0
    row_scale = np.where(has_capacity, source_capacity, 1.0)
    capacity_rows = coo_array(
        (per_share / row_scale[arc_source], (arc_source, np.arange(n_arcs))),
        shape=(len(source_capacity), n_arcs + n_demands),
    ).tocsr()
    demand_rows = coo_array(
        (
            np.ones(n_arcs + n_demands),
            (
                np.concatenate([arc_demand, np.arange(n_demands)]),
                np.arange(n_arcs + n_demands),
            ),
        ),
        shape=(n_demands, n_arcs + n_demands),
    ).tocsr()
    full_cost = np.concatenate([cost, np.full(n_demands, unmet_penalty)])
    arc_upper = np.minimum(1.0, source_capacity[arc_source] / per_share)

    def solve(forbidden: BoolArray) -> FloatArray:
        upper = np.concatenate([np.where(forbidden, 0.0, arc_upper), np.ones(n_demands)])
        # Dual simplex without presolve: on transportation LPs of this shape (100,000 arcs)
        # HiGHS presolve costs more than it saves (measured 1.5 s vs 2.6 s).
        # linprog takes sparse matrices and an (n, 2) bounds array; scipy-stubs declare neither
        result = linprog(  # type: ignore[call-overload]
            full_cost,
            A_ub=capacity_rows,
            b_ub=has_capacity.astype(np.float64),
            A_eq=demand_rows,
            b_eq=np.ones(n_demands),
            bounds=np.column_stack([np.zeros(len(full_cost)), upper]),
            method="highs-ds",
            options={"presolve": False},
        )
        if result.status != 0:
            raise RuntimeError(f"allocation LP failed: {result.message}")
        return np.asarray(result.x[:n_arcs], dtype=np.float64)

    return solve


def allocate(
    *,
    arc_source: IntArray,
    arc_demand: IntArray,
    arc_score: FloatArray,
    source_capacity: FloatArray,
    demand_quantity: FloatArray,
    arc_rate: FloatArray | None = None,
    arc_minimum: FloatArray | None = None,
    unmet_penalty: float = 10.0,
    drop_rounds: int = 10,
    method: Method = "flow",
) -> Allocation:
    """Spread demands over capacity pools along candidate arcs at least cost.

    Sources are capacity pools (usually one supplier capability), indexed ``0..S-1``;
    demands ``0..D-1``. Arc ``e`` lets source ``arc_source[e]`` serve demand
    ``arc_demand[e]``; carrying ``x`` demand units uses ``x * arc_rate[e]`` units of the
    source's capacity (default rate 1). Cost per share of a demand is ``1 - arc_score``
    (scores in [0, 1]); an uncovered share costs ``unmet_penalty``. Flows below
    ``arc_minimum[e]`` (the supplier's minimum order in demand units) are forbidden and
    the problem re-solved, up to ``drop_rounds`` times.

    ``method="flow"`` (default) solves a min-cost flow on integers (OR-Tools); its objective
    lies within ``Allocation.rounding_bound`` of the LP optimum (see :func:`_flow_solver`).
    It needs arc rates constant per demand or per source. ``method="lp"`` solves the LP
    with HiGHS (any rates, several times slower).
    """
    if (source_capacity < 0).any() or (demand_quantity <= 0).any():
        raise ValueError("capacities must be non-negative and quantities positive")
    if unmet_penalty <= 0:
        raise ValueError("unmet_penalty must be positive")
    n_arcs = len(arc_source)
    rate = np.ones(n_arcs) if arc_rate is None else np.asarray(arc_rate, dtype=np.float64)
    cost = 1.0 - arc_score
    if method == "flow":
        problem = _common_units(
            arc_source,
            arc_demand,
            arc_score,
            source_capacity,
            demand_quantity,
            arc_rate,
            unmet_penalty,
        )
        solve, bound = _flow_solver(problem)
    elif method == "lp":
        solve, bound = (
            _lp_solver(
                arc_source,
                arc_demand,
                cost,
                source_capacity,
                demand_quantity,
                rate,
                unmet_penalty,
            ),
            0.0,
        )
    else:
        raise ValueError(f"unknown allocation method {method!r}")

    def objective_of(shares: FloatArray) -> tuple[float, FloatArray]:
        served = np.bincount(arc_demand, weights=shares, minlength=len(demand_quantity))
        unmet = np.clip(1.0 - served, 0.0, None)
        return float(cost @ shares + unmet_penalty * unmet.sum()), unmet

    forbidden = np.zeros(n_arcs, dtype=np.bool_)
    shares = solve(forbidden)
    first_objective, _ = objective_of(shares)
    too_small = np.zeros(n_arcs, dtype=np.bool_)
    if arc_minimum is not None:
        minimum_share = arc_minimum / demand_quantity[arc_demand]
        for round_ in range(drop_rounds + 1):
            too_small = (shares > TOLERANCE) & (shares < minimum_share - TOLERANCE)
            if round_ == drop_rounds or not too_small.any():
                break
            forbidden |= too_small
            shares = solve(forbidden)
    objective, unmet_shares = objective_of(shares)
    return Allocation(
        flow=shares * demand_quantity[arc_demand],
        unmet=unmet_shares * demand_quantity,
        objective=objective,
        lp_optimum=first_objective if method == "lp" else None,
        dropped_arcs=int(forbidden.sum()),
        below_minimum=int(too_small.sum()),
        rounding_bound=bound,
    )


def lp_optimum(
    *,
    arc_source: IntArray,
    arc_demand: IntArray,
    arc_score: FloatArray,
    source_capacity: FloatArray,
    demand_quantity: FloatArray,
    arc_rate: FloatArray | None = None,
    unmet_penalty: float = 10.0,
) -> float:
    """The LP optimum (HiGHS) without minimum orders: the reference for the flow method."""
    result = allocate(
        arc_source=arc_source,
        arc_demand=arc_demand,
        arc_score=arc_score,
        source_capacity=source_capacity,
        demand_quantity=demand_quantity,
        arc_rate=arc_rate,
        unmet_penalty=unmet_penalty,
        method="lp",
    )
    assert result.lp_optimum is not None
    return result.lp_optimum
