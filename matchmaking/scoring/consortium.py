"""Proposing a consortium for one demand that no single supplier can cover: a small group
of suppliers chosen by a small MILP (``scipy.optimize.milp``, HiGHS), in *shares* of the
demand's quantity (see :mod:`.allocation`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from .allocation import TOLERANCE, FloatArray
from .geo import haversine_km


@dataclass(frozen=True)
class ConsortiumCandidate:
    supplier_id: int
    capacity: float
    """Free capacity, converted into the demand's unit."""
    score: float
    """The candidate's score in [0, 1]."""
    minimum_order: float = 0.0
    """In the demand's unit: a member takes at least this much."""
    sentra: str = ""
    """The IKM cluster (sentra) the supplier belongs to; empty if none."""
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class ConsortiumParams:
    max_members: int = 5
    max_candidates: int = 30
    """Half the best-scoring and half the largest candidates enter the MILP."""
    member_cost: float = 0.05
    """Objective cost of each extra member (prefers few members)."""
    spread_cost: float = 0.1
    """Cost of a pair of members from different sentra, times 1 - exp(-km / length)."""
    spread_length_km: float = 100.0
    time_limit_s: float = 5.0


@dataclass(frozen=True)
class ConsortiumMember:
    supplier_id: int
    quantity: float
    share_pct: float


@dataclass(frozen=True)
class Consortium:
    members: tuple[ConsortiumMember, ...]
    """Largest share first."""
    objective: float
    """sum((1 - score) * share) + member_cost * members + spread costs of member pairs."""


def _shortlist(candidates: Sequence[ConsortiumCandidate], limit: int) -> list[ConsortiumCandidate]:
    usable = [c for c in candidates if c.capacity > 0 and c.minimum_order <= c.capacity]
    by_score = sorted(usable, key=lambda c: (-c.score, c.supplier_id))[: limit - limit // 2]
    by_capacity = sorted(usable, key=lambda c: (-c.capacity, c.supplier_id))[: limit // 2]
    chosen = {c.supplier_id: c for c in by_score + by_capacity}
    return sorted(chosen.values(), key=lambda c: c.supplier_id)


def _pair_cost(a: ConsortiumCandidate, b: ConsortiumCandidate, params: ConsortiumParams) -> float:
    if a.sentra and a.sentra == b.sentra:
        return 0.0
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return params.spread_cost
    km = float(
        haversine_km(
            np.array([a.latitude], dtype=np.float64),
            np.array([a.longitude], dtype=np.float64),
            float(b.latitude or 0.0),
            float(b.longitude or 0.0),
        )[0]
    )
    return params.spread_cost * (1.0 - math.exp(-km / params.spread_length_km))


def consortium_for_demand(
    quantity: float,
    candidates: Sequence[ConsortiumCandidate],
    params: ConsortiumParams = ConsortiumParams(),
) -> Consortium | None:
    """The cheapest group of at most ``max_members`` whose shares cover ``quantity``.

    Meant for demands no single candidate can cover. Returns ``None`` when no group of
    the shortlisted candidates can cover the quantity within the member cap and minimum
    orders.
    """
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    pool = _shortlist(candidates, params.max_candidates)
    n = len(pool)
    if n == 0 or sum(c.capacity for c in pool) < quantity * (1 - TOLERANCE):
        return None
    pairs = [
        (i, j, pair_cost)
        for i in range(n)
        for j in range(i + 1, n)
        if (pair_cost := _pair_cost(pool[i], pool[j], params)) > 0
    ]
    m = len(pairs)
    # variables: shares s (n), membership y (n), pair indicators w (m)
    cost = np.concatenate(
        [
            [1.0 - c.score for c in pool],
            np.full(n, params.member_cost),
            [p[2] for p in pairs],
        ]
    )
    upper = np.concatenate(
        [[min(c.capacity / quantity, 1.0) for c in pool], np.ones(n), np.ones(m)]
    )
    integrality = np.concatenate([np.zeros(n), np.ones(n), np.zeros(m)])
    rows: list[FloatArray] = []
    lower_bounds: list[float] = []
    upper_bounds: list[float] = []

    def add(coefficients: dict[int, float], low: float, high: float) -> None:
        row = np.zeros(2 * n + m)
        for column, value in coefficients.items():
            row[column] = value
        rows.append(row)
        lower_bounds.append(low)
        upper_bounds.append(high)

    add(dict.fromkeys(range(n), 1.0), 1.0, 1.0)
    add(dict.fromkeys(range(n, 2 * n), 1.0), 0.0, float(params.max_members))
    for i, c in enumerate(pool):
        add({i: 1.0, n + i: -min(c.capacity / quantity, 1.0)}, -np.inf, 0.0)
        add({i: 1.0, n + i: -c.minimum_order / quantity}, 0.0, np.inf)
    for p, (i, j, _) in enumerate(pairs):
        add({2 * n + p: 1.0, n + i: -1.0, n + j: -1.0}, -1.0, np.inf)
    result = milp(
        cost,
        integrality=integrality,
        bounds=Bounds(np.zeros(2 * n + m), upper),
        constraints=LinearConstraint(np.array(rows), lower_bounds, upper_bounds),
        options={"time_limit": params.time_limit_s},
    )
    if result.x is None:
        return None
    shares = np.asarray(result.x[:n], dtype=np.float64)
    member = np.asarray(result.x[n : 2 * n]) > 0.5
    members = [
        ConsortiumMember(
            supplier_id=pool[i].supplier_id,
            quantity=float(shares[i] * quantity),
            share_pct=float(100.0 * shares[i]),
        )
        for i in range(n)
        if member[i] and shares[i] > TOLERANCE
    ]
    members.sort(key=lambda member: (-member.quantity, member.supplier_id))
    return Consortium(members=tuple(members), objective=float(result.fun))
