"""The benchmark scenarios.

- B1: a full rescore end to end (load, score, top-K, write) through the same service the
  nightly task runs — the first onto an empty matches table, the rerun onto the full,
  vacuumed one — and the plain-Python reference on a registry a tenth the size.
- B2: supplier edits of five kinds (:mod:`.edits`) through the partner services → change
  event → outbox → ``rescore_supplier_task`` returned, through the configured broker with a
  worker of its own (``bench.worker``), or eagerly in-process without one; then the stored
  lists against a fresh full rescore.
- B4: allocating many demands over many capacity pools (sparse LP) against the optimum.
"""

from __future__ import annotations

import datetime
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connection

from matchmaking.celery import app
from matchmaking.choices import MatchKind, ScoringRunStatus
from matchmaking.engine.loading import load_candidates, load_demand_specs, load_vocabularies
from matchmaking.engine.policies import policy_active
from matchmaking.engine.rescoring import block_categories
from matchmaking.engine.scheduling import full_rescore_start
from matchmaking.models import Match
from matchmaking.scoring.allocation import allocate, lp_optimum

from .allocation_solver import Instance
from .database import database_url
from .edits import EVENTS_ENV, Edit, FileReports, apply_edit, install_observers
from .measure import AS_OF_ENV, LoadSampler, Measurement, measured, process_cpu_seconds
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


def full_rescore() -> None:
    """One full rescore of every open demand, run in-process (the nightly task's service)."""
    with eager_tasks():
        run = full_rescore_start(reason="benchmark")
    run.refresh_from_db()
    if run.status != ScoringRunStatus.DONE:
        raise RuntimeError(f"full rescore #{run.pk} ended {run.status}: {run.errors}")


def full_rescore_seconds() -> float:
    """Time one full rescore of every open demand, run in-process."""
    return timed(full_rescore)


def vacuum_matches() -> bool:
    """``VACUUM ANALYZE`` the matches table (PostgreSQL), as autovacuum leaves it between
    nightly runs; False elsewhere. VACUUM cannot run inside a transaction."""
    if connection.vendor != "postgresql" or not connection.get_autocommit():
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(Match._meta.db_table)}")
    return True


def scored_pairs() -> int:
    """The (open demand, capability row) pairs a full rescore scores: each demand against
    the candidate block of its category and its related ones (``rescoring.Blocks``), the
    candidates being the capabilities of verified, active suppliers (``load_candidates``).
    Read with the engine's own loaders, not timed."""
    specs = load_demand_specs()
    candidates = load_candidates(load_vocabularies(), category_ids=block_categories(specs))
    per_category = Counter(candidates.category_id.tolist())
    return sum(
        sum(per_category[c] for c in {s.category_id, *s.related_category_ids}) for s in specs
    )


def rows_written_since(since) -> int:
    """Match rows written (inserted or rewritten) at or after ``since``."""
    return Match.objects.filter(scored_at__gte=since).count()


@dataclass(frozen=True)
class ReferenceComparison:
    topk_equal: bool
    demands_compared: int
    engine_s: float
    reference_s: float


def compare_with_reference() -> ReferenceComparison:
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
    return ReferenceComparison(equal, len(demands), engine_s, naive_s)


# --- B2 ---------------------------------------------------------------------------------


@dataclass
class EditResult:
    kind: str
    ms: float
    fallback_demands: int | None


def _await_report(reports: Callable[[], list[dict]], supplier_id: int, deadline: float) -> dict:
    while True:
        for report in reports():
            if report["supplier_id"] == supplier_id:
                return report
        if time.perf_counter() > deadline:
            raise RuntimeError(f"supplier {supplier_id} not rescored in time")
        time.sleep(POLL_S)


def measure_edits(
    edits: list[Edit], as_of: datetime.date, reports: Callable[[], list[dict]]
) -> list[EditResult]:
    """Milliseconds from calling the edit service to its ``rescore_supplier_task`` having
    returned, per edit, and the demands that task rescored in full."""
    results = []
    for edit in edits:
        reports()  # drop anything older
        start = time.perf_counter()
        apply_edit(edit, as_of)
        report = _await_report(reports, edit.supplier_id, start + EDIT_TIMEOUT_S)
        ms = (time.perf_counter() - start) * 1000
        results.append(EditResult(edit.kind, ms, report["fallback_demands"]))
    return results


@contextmanager
def bench_worker(as_of: datetime.date, events_path: str) -> Iterator[subprocess.Popen]:
    """A Celery worker (``bench.worker``) on a queue of the benchmark's own, against the
    bench database, with the pinned date and debug off."""
    queue = f"jembatan-bench-{os.getpid()}"
    name = f"{queue}@{socket.gethostname()}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "false",
        AS_OF_ENV: as_of.isoformat(),
        EVENTS_ENV: events_path,
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.worker",
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
        yield worker
    finally:
        app.conf.task_default_queue = previous_queue
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def incremental_edits(
    edits: list[Edit], as_of: datetime.date, sampler: LoadSampler
) -> tuple[list[EditResult], str, Measurement]:
    """B2 through the configured broker (own worker), else eagerly: (results, broker, the
    edits' measurement). The measurement covers the edits alone (not the worker's start and
    stop); with a worker, its CPU over the edits (``/proc``) is the children's CPU."""
    if settings.CELERY_BROKER_URL:
        with tempfile.TemporaryDirectory(prefix="jembatan-bench-") as folder:
            path = str(Path(folder) / "events.jsonl")
            with bench_worker(as_of, path) as worker:
                before = process_cpu_seconds(worker.pid)
                with measured(sampler) as m:
                    results = measure_edits(edits, as_of, FileReports(path).new)
                after = process_cpu_seconds(worker.pid)
            m.children_cpu_s = 0.0 if before is None or after is None else after - before
            return results, settings.CELERY_BROKER_URL.split(":", 1)[0], m
    received: list[dict] = []

    def drain() -> list[dict]:
        taken = received[:]
        received.clear()
        return taken

    remove = install_observers(received.append)
    try:
        with eager_tasks(), measured(sampler) as m:
            results = measure_edits(edits, as_of, drain)
        return results, "eager", m
    finally:
        remove()


def lists_after_full_rescore() -> tuple[bool, list[str]]:
    """Whether the stored lists (matches in rank order, near misses as a set, per demand)
    equal those of a fresh full rescore; and the differences, one line per demand."""
    before = ranked_lists()
    full_rescore()
    after = ranked_lists()
    empty: tuple[tuple[int, ...], frozenset[int]] = ((), frozenset())
    differences = [
        f"demand {d}: stored matches {before.get(d, empty)[0]} near misses "
        f"{sorted(before.get(d, empty)[1])}; full rescore {after.get(d, empty)[0]} "
        f"{sorted(after.get(d, empty)[1])}"
        for d in sorted(set(before) | set(after))
        if before.get(d) != after.get(d)
    ]
    return not differences, differences


def ranked_lists() -> dict[int, tuple[tuple[int, ...], frozenset[int]]]:
    """Per demand: the current matches' suppliers by rank, the current near misses'."""
    matches: dict[int, list[tuple[int, int]]] = defaultdict(list)
    near: dict[int, set[int]] = defaultdict(set)
    for demand_id, supplier_id, kind, rank in Match.objects.filter(is_current=True).values_list(
        "demand_id", "supplier_id", "kind", "rank"
    ):
        if kind == MatchKind.MATCH:
            matches[demand_id].append((rank or 0, supplier_id))
        else:
            near[demand_id].add(supplier_id)
    return {
        d: (tuple(s for _, s in sorted(matches[d])), frozenset(near[d]))
        for d in set(matches) | set(near)
    }


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
