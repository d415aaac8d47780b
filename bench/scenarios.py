"""The benchmark scenarios.

- B1: a full rescore end to end (load, score, top-K, write) through the same service the
  nightly task runs, and the plain-Python baseline on a registry a tenth the size.
- B2: one supplier edit through ``partners.services.suppliers.capability_set`` → change event →
  ``on_commit`` enqueue → rescoring → its rows committed, timed over many edits, through
  the configured broker with a worker of its own, or eagerly in-process without one.
- B4: allocating many demands over many capacity pools (sparse LP) against the optimum.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone

from matchmaking.celery import app
from matchmaking.choices import MatchKind, ScoringRunStatus
from matchmaking.engine.policies import policy_active
from matchmaking.engine.scheduling import full_rescore_start
from matchmaking.models import Match
from matchmaking.scoring.allocation import allocate, lp_optimum
from partners.choices import DemandStatus
from partners.models import SupplierCapability
from partners.services.suppliers import capability_set

from .allocation_solver import Instance
from .database import database_url
from .naive import TopLists, naive_full_rescore, stored_top_lists

POLL_S = 0.001
WORKER_START_TIMEOUT_S = 60.0
EDIT_TIMEOUT_S = 30.0


@contextmanager
def eager_tasks() -> Iterator[None]:
    """Run tasks in-process for the body, whatever broker is configured."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def full_rescore_seconds() -> float:
    """Time one full rescore of every open demand, run in-process."""
    with eager_tasks():
        start = time.perf_counter()
        run = full_rescore_start(reason="benchmark")
        elapsed = time.perf_counter() - start
    run.refresh_from_db()
    if run.status != ScoringRunStatus.DONE:
        raise RuntimeError(f"full rescore #{run.pk} ended {run.status}: {run.errors}")
    return elapsed


@dataclass(frozen=True)
class NaiveComparison:
    engine_s: float
    naive_s: float
    topk_equal: bool
    demands_compared: int

    @property
    def ratio(self) -> float:
        return self.naive_s / self.engine_s


def compare_with_naive() -> NaiveComparison:
    """Engine full rescore, then the plain-Python one on the same data; same top lists?"""
    engine_s = full_rescore_seconds()
    engine_lists = stored_top_lists()
    naive_lists: TopLists = {}

    def naive() -> None:
        naive_lists.update(naive_full_rescore(policy=policy_active()))

    naive_s = timed(naive)
    empty: tuple[frozenset[int], frozenset[int]] = (frozenset(), frozenset())
    demands = set(naive_lists) | set(engine_lists)
    equal = all(engine_lists.get(d, empty) == naive_lists.get(d, empty) for d in demands)
    return NaiveComparison(engine_s, naive_s, equal, len(demands))


# --- B2 ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    supplier_id: int
    capability: SupplierCapability
    materials: list
    processes: list


def pick_edits(count: int, seed: int) -> list[Edit]:
    """Capabilities behind current matches of open demands, one per supplier."""
    pairs = dict(
        Match.objects.filter(
            kind=MatchKind.MATCH, is_current=True, demand__status=DemandStatus.OPEN
        )
        .order_by("supplier_id")
        .values_list("supplier_id", "capability_id")
    )
    chosen = random.Random(seed).sample(sorted(pairs), min(count, len(pairs)))
    capabilities = SupplierCapability.objects.in_bulk([pairs[s] for s in chosen])
    edits = []
    for supplier_id in chosen:
        cap = capabilities[pairs[supplier_id]]
        edits.append(Edit(supplier_id, cap, list(cap.materials.all()), list(cap.processes.all())))
    return edits


def apply_edit(edit: Edit) -> None:
    """The edit an IKM makes most: 10% more monthly capacity, all else unchanged."""
    cap = edit.capability
    cap.monthly_capacity = (Decimal(cap.monthly_capacity) * Decimal("1.1")).quantize(
        Decimal("0.001")
    )
    capability_set(
        supplier=cap.supplier,
        component_type=cap.component_type,
        materials=edit.materials,
        processes=edit.processes,
        monthly_capacity=cap.monthly_capacity,
        capacity_unit=cap.capacity_unit,
        lead_time_days=cap.lead_time_days,
        minimum_order=cap.minimum_order,
    )


def rescored_since(supplier_id: int, since) -> bool:
    """The committed signal: every row of the supplier for an open demand was written at or
    after ``since`` (a raised capacity never drops a row, and a rescore rewrites all the
    supplier's rows in one transaction, or its local rows and then the demands it moved
    in)."""
    state = Match.objects.filter(
        supplier_id=supplier_id, demand__status=DemandStatus.OPEN
    ).aggregate(rows=Count("pk"), oldest=Min("scored_at"))
    return bool(state["rows"]) and state["oldest"] >= since


def measure_edits(edits: list[Edit]) -> list[float]:
    """Milliseconds from calling the edit service to its rows being committed, per edit."""
    latencies = []
    for edit in edits:
        since = timezone.now()
        start = time.perf_counter()
        apply_edit(edit)
        deadline = start + EDIT_TIMEOUT_S
        while not rescored_since(edit.supplier_id, since):
            if time.perf_counter() > deadline:
                raise RuntimeError(f"supplier {edit.supplier_id} not rescored in time")
            time.sleep(POLL_S)
        latencies.append((time.perf_counter() - start) * 1000)
    return latencies


@contextmanager
def bench_worker() -> Iterator[None]:
    """A Celery worker on a queue of the benchmark's own, against the bench database."""
    queue = f"jembatan-bench-{os.getpid()}"
    name = f"{queue}@{socket.gethostname()}"
    env = {**os.environ, "DATABASE_URL": database_url()}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "matchmaking",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            queue,
            "-n",
            name,
        ],
        env=env,
        cwd=settings.BASE_DIR,
    )
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        deadline = time.monotonic() + WORKER_START_TIMEOUT_S
        while not app.control.ping(destination=[name], timeout=0.5):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the benchmark's Celery worker did not start")
        yield
    finally:
        app.conf.task_default_queue = previous_queue
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def incremental_latencies(edits: list[Edit]) -> tuple[list[float], str]:
    """B2 through the configured broker (own worker), else eagerly: (latencies, broker)."""
    if settings.CELERY_BROKER_URL:
        with bench_worker():
            return measure_edits(edits), settings.CELERY_BROKER_URL.split(":", 1)[0]
    with eager_tasks():
        return measure_edits(edits), "eager"


# --- B4 ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AllocationResult:
    seconds: float
    objective_ratio: float
    arcs: int
    minimum_order_seconds: float
    minimum_order_ratio: float


def allocation_benchmark(*, suppliers: int, demands: int, seed: int) -> AllocationResult:
    """Demands over capacity pools of their category (50 candidate arcs each), capacities
    and quantities log-normal in tonnes, scores in (0, 1), some minimum orders; the ratio
    is the objective over the LP optimum (HiGHS, not timed). Minimum orders make the
    problem combinatorial: that run is reported apart, against the same LP bound."""
    rng = np.random.default_rng(seed)
    categories = 12
    share = rng.dirichlet(np.full(categories, 0.8))
    source_category = rng.choice(categories, size=suppliers, p=share)
    demand_category = rng.choice(categories, size=demands, p=share)
    capacity = rng.lognormal(np.log(15.0), 0.9, size=suppliers)
    quantity = rng.lognormal(np.log(6.0), 1.1, size=demands)
    pools = [np.flatnonzero(source_category == c) for c in range(categories)]
    arc_source, arc_demand = [], []
    for d in range(demands):
        pool = pools[demand_category[d]]
        picked = rng.choice(pool, size=min(50, len(pool)), replace=False)
        arc_source.append(picked)
        arc_demand.append(np.full(len(picked), d))
    sources = np.concatenate(arc_source).astype(np.int64)
    arc_to = np.concatenate(arc_demand).astype(np.int64)
    score = rng.beta(5.0, 3.0, size=len(sources))
    minimum = np.where(rng.random(len(sources)) < 0.5, 0.0, capacity[sources] * 0.02)
    arcs = Instance(
        arc_source=sources,
        arc_demand=arc_to,
        arc_score=score,
        source_capacity=capacity,
        demand_quantity=quantity,
    )
    optimum = lp_optimum(**arcs)
    start = time.perf_counter()
    plain = allocate(**arcs)
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    with_minimum = allocate(**arcs, arc_minimum=minimum)
    minimum_seconds = time.perf_counter() - start
    return AllocationResult(
        seconds=seconds,
        objective_ratio=plain.objective / optimum,
        arcs=len(sources),
        minimum_order_seconds=minimum_seconds,
        minimum_order_ratio=with_minimum.objective / optimum,
    )
