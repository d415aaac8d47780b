"""B5, national scale (``python -m bench.scaling``): a full rescore fanned out over 1 and
then 2 real Celery workers (``celery -A matchmaking worker -Q scoring -c 1``) on PostgreSQL
and Redis, on a seeded registry in a database of its own; then the measured per-shard costs
drive a simulation of 8 and 32 workers on a 1,000,000 IKM x 50,000 demand registry.

The model (docs/scaling.md): an in-process run of the same shards, with every SQL statement
timed, splits a shard's cost into the worker's part, fitted as ``a + b * pairs + c *
demands``, and the
database's, ``d * demands`` (rows written per demand). The target registry keeps the
measured categories, their demands and candidates scaled up, cut into shards as the engine
cuts them; the shards are list-scheduled largest first over N workers, and the run cannot
finish before the one database has done its part of every shard one after the other (the
serial fraction). The last line is JSON.
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

WORKER_START_TIMEOUT_S = 60
RUN_TIMEOUT_S = 300
POLL_S = 0.1


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.scaling", description=__doc__)
    p.add_argument("--suppliers", type=int, default=10_000, help="IKM measured.")
    p.add_argument("--demands", type=int, default=1_000, help="Demands measured.")
    p.add_argument("--shard-size", type=int, default=None, help="Default: the setting.")
    p.add_argument("--target-suppliers", type=int, default=1_000_000)
    p.add_argument("--target-demands", type=int, default=50_000)
    p.add_argument("--simulate", type=int, nargs="+", default=[8, 32], help="Workers.")
    p.add_argument("--seed", type=int, default=None)
    return p


# --- the model (pure: tested without a database) -------------------------------------------


def lpt_makespan(costs: Sequence[float], workers: int) -> float:
    """List scheduling, largest first (as ``full_rescore_begin`` orders the shards): each
    shard goes to the worker free first; the time the last one finishes."""
    free = [0.0] * max(1, workers)
    for cost in sorted(costs, reverse=True):
        heapq.heapreplace(free, free[0] + cost)
    return max(free)


def fit_cost(
    pairs: Sequence[float], sizes: Sequence[float], seconds: Sequence[float]
) -> tuple[float, float, float]:
    """Non-negative least squares ``seconds = a + b * pairs + c * demands``."""
    import numpy as np
    from scipy.optimize import nnls

    x = np.column_stack(
        [np.ones(len(pairs)), np.asarray(pairs, dtype=float), np.asarray(sizes, dtype=float)]
    )
    coef, _ = nnls(x, np.asarray(seconds, dtype=float))
    return float(coef[0]), float(coef[1]), float(coef[2])


def simulate(
    *,
    shards: Sequence[tuple[int, int]],
    compute: tuple[float, float, float],
    sql_per_demand: float,
    workers: int,
) -> float:
    """Wall seconds of a run of these ``(demands, pairs)`` shards over ``workers``: a shard
    costs ``a + b * pairs + c * demands`` in the worker and ``sql_per_demand * demands`` in the database;
    shards are list-scheduled, and the database (one server) does its part of every shard
    one after the other, so the run cannot be shorter than that serial sum."""
    a, b, c = compute
    costs = [a + b * pairs + (c + sql_per_demand) * size for size, pairs in shards]
    serial = sql_per_demand * sum(size for size, _ in shards)
    return max(lpt_makespan(costs, workers), serial)


def percentile(values: Sequence[float], q: float) -> float:
    import numpy as np

    return float(np.percentile(np.asarray(values), q)) if len(values) else 0.0


# --- measurement -------------------------------------------------------------------------


def machine() -> dict:
    load = os.getloadavg()
    cores = os.cpu_count() or 1
    return {"load_1m": round(load[0], 2), "cores": cores, "loaded": load[0] > cores}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def workers(count: int) -> Iterator[list[subprocess.Popen]]:
    """``count`` Celery workers on the scoring queue against the current database, each in
    a session of its own; every one is stopped (and its children) afterwards."""
    from matchmaking.celery import app

    from .database import database_url

    env = {**os.environ, "DATABASE_URL": database_url(), "DB_CONN_MAX_AGE": "0"}
    names = [f"b5-{os.getpid()}-{i}@{socket.gethostname()}" for i in range(count)]
    started = [
        subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "matchmaking", "worker", "-Q", "scoring"]
            + ["-c", "1", "--loglevel=WARNING", "--without-gossip", "--without-mingle"]
            + ["-n", name],
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
        )
        for name in names
    ]
    try:
        deadline = time.monotonic() + WORKER_START_TIMEOUT_S
        while len(app.control.ping(destination=names, timeout=0.5) or []) < count:
            if time.monotonic() > deadline or any(p.poll() is not None for p in started):
                raise RuntimeError("the benchmark's Celery workers did not start")
        yield started
    finally:
        for process in started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def timed_run(count: int) -> dict:
    """Clear the scores, then time a full rescore fanned out over ``count`` workers."""
    from django.db import connection

    from matchmaking.choices import ScoringRunStatus
    from matchmaking.engine.scheduling import full_rescore_start
    from matchmaking.models import ConsortiumSuggestion, Match, ScoringRun

    Match.objects.all().delete()
    ConsortiumSuggestion.objects.all().delete()
    with workers(count):
        before = machine()
        cpu = children_cpu()
        start = time.perf_counter()
        run = full_rescore_start(reason=f"b5 {count} worker(s)")
        deadline = start + RUN_TIMEOUT_S
        while True:
            connection.close()
            status = ScoringRun.objects.values_list("status", flat=True).get(pk=run.pk)
            if status in (ScoringRunStatus.DONE, ScoringRunStatus.FAILED):
                break
            if time.perf_counter() > deadline:
                raise RuntimeError(f"run {run.pk} not done in {RUN_TIMEOUT_S}s")
            time.sleep(POLL_S)
        wall = time.perf_counter() - start
        after = machine()
    run.refresh_from_db()
    if run.status != ScoringRunStatus.DONE:
        raise RuntimeError(f"run {run.pk} ended {run.status}: {run.errors}")
    return {
        "run": run.pk,
        "wall_s": wall,
        "workers_cpu_s": children_cpu() - cpu,  # the workers' whole life, startup included
        "load_before": before,
        "load_after": after,
    }


def in_process_shards() -> tuple[int, float, dict[int, tuple[float, float]]]:
    """An in-process full run, shard after shard, with every SQL statement timed: (run,
    wall, {shard id: (seconds, seconds in SQL)})."""
    from django.db import connection

    from matchmaking.engine.runs import full_rescore_begin, full_rescore_record, shard_score

    spent = [0.0]

    def timer(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[0] += time.perf_counter() - start

    run = full_rescore_record(reason="b5 in process")
    costs: dict[int, tuple[float, float]] = {}
    start = time.perf_counter()
    with connection.execute_wrapper(timer):
        for shard_id in full_rescore_begin(run_id=run.pk):
            spent[0] = 0.0
            began = time.perf_counter()
            shard_score(run_id=run.pk, shard_id=shard_id)
            costs[shard_id] = (time.perf_counter() - began, spent[0])
    return run.pk, time.perf_counter() - start, costs


def shard_shapes(
    run_id: int, *, with_ids: bool = False
) -> tuple[list[dict], dict[int, int], dict[int, frozenset]]:
    """The run's shards (category, demands, seconds), the candidates per category and each
    category's block (itself and its related categories)."""
    import numpy as np

    from matchmaking.engine.loading import load_candidates, load_vocabularies, related_categories
    from matchmaking.models import ScoringRunShard

    shards: list[dict] = [
        dict(row)
        for row in ScoringRunShard.objects.filter(run_id=run_id).values(
            "pk", "category_id", "size", "seconds"
        )
    ]
    categories = {s["category_id"] for s in shards}
    related = related_categories(categories)
    blocks = {c: frozenset({c, *related.get(c, ())}) for c in categories}
    every = set().union(*blocks.values()) if blocks else set()
    candidates = load_candidates(load_vocabularies(), category_ids=every)
    ids, counts = np.unique(candidates.category_id, return_counts=True)
    per_category = dict(zip(ids.tolist(), counts.tolist(), strict=True))
    return shards, per_category, blocks


def measure(o: dict) -> dict:
    from django.conf import settings

    from matchmaking.engine.runs import shard_bounds

    from .registry import DEFAULT_SEED, generate_registry

    if o["shard_size"]:
        settings.RESCORE_SHARD_SIZE = o["shard_size"]
    generate_registry(
        suppliers=o["suppliers"], demands=o["demands"], seed=o["seed"] or DEFAULT_SEED
    )
    local_run, local_wall, local = in_process_shards()
    one = timed_run(1)
    two = timed_run(2)
    shards, per_category, blocks = shard_shapes(one["run"])
    block_candidates = {c: sum(per_category.get(x, 0) for x in b) for c, b in blocks.items()}
    pairs = [s["size"] * block_candidates[s["category_id"]] for s in shards]
    sizes = [s["size"] for s in shards]
    seconds = [s["seconds"] or 0.0 for s in shards]
    # the split of a shard's cost, from the in-process run of the same shards
    local_shapes, _, _ = shard_shapes(local_run, with_ids=True)
    local_pairs = [s["size"] * block_candidates[s["category_id"]] for s in local_shapes]
    local_sql = [local[s["pk"]][1] for s in local_shapes]
    local_compute = [local[s["pk"]][0] - local[s["pk"]][1] for s in local_shapes]
    local_sizes = [s["size"] for s in local_shapes]
    compute = fit_cost(local_pairs, local_sizes, local_compute)
    sql_per_demand = sum(local_sql) / max(1, sum(s["size"] for s in local_shapes))
    serial = sum(local_sql) / max(1e-9, sum(c[0] for c in local.values()))

    # the target: the measured categories with demands and candidates scaled, cut as the
    # engine cuts them
    d_scale = o["target_demands"] / o["demands"]
    s_scale = o["target_suppliers"] / o["suppliers"]
    demands_per_category: dict[int, int] = {}
    for s in shards:
        demands_per_category[s["category_id"]] = (
            demands_per_category.get(s["category_id"], 0) + s["size"]
        )
    target: list[tuple[int, int]] = []
    for category, count in demands_per_category.items():
        candidates = round(block_candidates[category] * s_scale)
        for chunk in shard_bounds(list(range(round(count * d_scale))), settings.RESCORE_SHARD_SIZE):
            target.append((len(chunk), len(chunk) * candidates))

    def sim(shard_list, n):
        return simulate(
            shards=shard_list, compute=compute, sql_per_demand=sql_per_demand, workers=n
        )

    figures = {
        "b5_suppliers": o["suppliers"],
        "b5_demands": o["demands"],
        "b5_shard_size": settings.RESCORE_SHARD_SIZE,
        "b5_shards": len(shards),
        "b5_pairs": sum(pairs),
        "b5_one_worker_s": round(one["wall_s"], 3),
        "b5_two_worker_s": round(two["wall_s"], 3),
        "b5_two_worker_speedup": round(one["wall_s"] / two["wall_s"], 3),
        "b5_one_worker_cpu_s": round(one["workers_cpu_s"], 3),
        "b5_two_worker_cpu_s": round(two["workers_cpu_s"], 3),
        "b5_shard_cost_p50_s": round(percentile(seconds, 50), 4),
        "b5_shard_cost_p95_s": round(percentile(seconds, 95), 4),
        "b5_shard_cost_max_s": round(max(seconds, default=0.0), 4),
        "b5_shard_cost_sum_s": round(sum(seconds), 3),
        "b5_shard_demands_p50": round(percentile(sizes, 50)),
        "b5_shard_demands_max": max(sizes, default=0),
        "b5_compute_fit": {
            "a_s": compute[0],
            "per_pair_s": compute[1],
            "per_demand_s": compute[2],
        },
        "b5_sql_per_demand_s": sql_per_demand,
        "b5_in_process_s": round(local_wall, 3),
        "b5_serial_fraction": round(serial, 3),
        "b5_model_one_worker_s": round(sim(list(zip(sizes, pairs, strict=True)), 1), 3),
        "b5_model_two_worker_s": round(sim(list(zip(sizes, pairs, strict=True)), 2), 3),
        "b5_target_suppliers": o["target_suppliers"],
        "b5_target_demands": o["target_demands"],
        "b5_target_shards": len(target),
        "b5_target_pairs": sum(p for _, p in target),
        "b5_sim_1_worker_s": round(sim(target, 1), 1),
        "b5_sim_db_bound_s": round(sql_per_demand * sum(size for size, _ in target), 1),
        "b5_load": {
            "one": [one["load_before"], one["load_after"]],
            "two": [two["load_before"], two["load_after"]],
        },
        "loaded": any(
            m["loaded"]
            for m in (one["load_before"], one["load_after"], two["load_before"], two["load_after"])
        ),
    }
    for n in o["simulate"]:
        figures[f"b5_sim_{n}_workers_s"] = round(sim(target, n), 1)
    return figures


def main(argv: Sequence[str] | None = None) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matchmaking.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from .database import bench_database

    options = vars(parser().parse_args(argv))
    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL:
        raise SystemExit("b5 needs DATABASE_URL=postgres://... and CELERY_BROKER_URL=redis://...")
    with bench_database():
        figures = measure(options)
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
