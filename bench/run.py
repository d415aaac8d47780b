"""The benchmark run (``python -m bench`` / ``make bench``): B1 the nightly full rescore onto
a full matches table (and the engine's top lists against the plain-Python reference at a
tenth of the size), B2 incremental rescores after supplier edits of five kinds and the lists
against a full rescore, B4 allocation, on a seeded synthetic registry in a database of its
own; every scenario with its wall time, CPU seconds and the machine's load, on a pinned
scoring date, debug off. The last line printed is the JSON report (``docs/benchmarks.md``)."""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

import numpy as np
from django.conf import settings
from django.db import connection
from django.utils import timezone

from matchmaking.models import Match

from .database import bench_database
from .edits import KINDS, pick_edits
from .measure import LoadSampler, Measurement, cores, debug_off, measured, pinned_today
from .registry import DEFAULT_SEED, clear_registry, generate_registry
from .reviews import add_reviews, category_concentration
from .scenarios import (
    allocation_benchmark,
    compare_with_reference,
    full_rescore,
    incremental_edits,
    lists_after_full_rescore,
    rows_written_since,
    scored_pairs,
    vacuum_matches,
)

QUICK = {"suppliers": 400, "demands": 40, "edits": 10, "b4_suppliers": 500, "b4_demands": 100}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description=(
            "Benchmark the matching engine on a seeded synthetic registry in a database of "
            "its own: B1 nightly full rescore onto a full table (top lists checked against "
            "the plain-Python reference at a tenth of the size), B2 incremental rescores "
            "after supplier edits, B4 allocation; wall, CPU and load for each. The last "
            'line is JSON; trust only runs with "loaded": false.'
        ),
    )
    p.add_argument("--suppliers", type=int, default=50_000, help="IKM in B1/B2.")
    p.add_argument("--demands", type=int, default=5_000, help="Demands in B1/B2.")
    p.add_argument("--edits", type=int, default=200, help="Supplier edits in B2.")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--quick", action="store_true", help="Tiny sizes: a smoke run in seconds.")
    p.add_argument(
        "--in-place",
        action="store_true",
        help="Use the current database instead of creating one (it is emptied of "
        "partners and matches: for test databases only).",
    )
    return p


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> dict:
    """Parse the options, run the benchmark (in a database of its own unless ``--in-place``)
    and print the progress and, last, the JSON report; return the figures."""
    stream = out or sys.stdout
    options = vars(parser().parse_args(argv))
    if options["quick"]:
        options.update(QUICK)
    else:
        options.update(b4_suppliers=10_000, b4_demands=2_000)

    def say(text: str) -> None:
        stream.write(text + "\n")
        stream.flush()

    with debug_off(), pinned_today() as as_of, LoadSampler() as sampler:
        if options["in_place"]:
            figures = run(options, say, as_of, sampler)
        else:
            with bench_database():
                figures = run(options, say, as_of, sampler)
    figures.update(
        load_max=round(max(sampler.samples), 2),
        load_after=round(sampler.samples[-1], 2),
        loaded=max(sampler.samples) > cores(),
    )
    if figures["loaded"]:
        say(f"LOADED: the load reached {figures['load_max']} on {cores()} cores; do not trust")
    say(json.dumps(figures))
    return figures


def _cpu(m: Measurement) -> float:
    return round(m.total_cpu_s, 3)


def _db_cpu(m: Measurement) -> float | None:
    return None if m.db_cpu_s is None else round(m.db_cpu_s, 3)


def run(o: dict, say: Callable[[str], None], as_of: datetime.date, sampler: LoadSampler) -> dict:
    """Generate the registries and run B1, B2 and B4 on them; return the figures."""
    figures: dict = {
        "database": connection.vendor,
        "quick": o["quick"],
        "seed": o["seed"],
        "as_of": as_of.isoformat(),
        "debug": settings.DEBUG,
        "cores": cores(),
        "load_before": round(sampler.samples[0], 2),
    }
    say(f"Database: {connection.vendor} ({connection.settings_dict['NAME']}); as of {as_of}")
    figures.update(b1_reference(o, say))
    figures.update(b1_nightly(o, say, sampler))
    figures.update(b2_edits(o, say, sampler, as_of))
    figures.update(b4(o, say, sampler))
    return figures


def b1_reference(o: dict, say: Callable[[str], None]) -> dict:
    """The engine's top lists against the plain-Python reference, a tenth of the size."""
    small = (max(o["suppliers"] // 10, 1), max(o["demands"] // 10, 1))
    clear_registry()
    counts = generate_registry(suppliers=small[0], demands=small[1], seed=o["seed"])
    say(f"B1 reference registry {counts}")
    ref = compare_with_reference()
    say(
        f"B1 reference {small[0]:,} IKM x {small[1]:,} demands: same top-K as the plain-Python "
        f"reference on {ref.demands_compared} demands: {ref.topk_equal} (engine "
        f"{ref.engine_s:.2f} s, reference {ref.reference_s:.2f} s, not reported)"
    )
    return {
        "b1_reference_suppliers": small[0],
        "b1_reference_demands": small[1],
        "b1_topk_equal": ref.topk_equal,
    }


def b1_nightly(o: dict, say: Callable[[str], None], sampler: LoadSampler) -> dict:
    """The first full rescore onto an empty matches table, reviews and partnerships added,
    then the timed nightly rerun onto the full (vacuumed) table."""
    clear_registry()
    with measured(sampler) as generate:
        counts = generate_registry(suppliers=o["suppliers"], demands=o["demands"], seed=o["seed"])
    say(f"B1 registry {counts} in {generate.wall_s:.1f} s")
    start = timezone.now()
    with measured(sampler) as first:
        full_rescore()
    first_rows = rows_written_since(start)
    say(
        f"B1 first run onto an empty table: {first.wall_s:.2f} s wall, {first.total_cpu_s:.2f} s "
        f"CPU, {first_rows:,} rows, load <= {first.load_max:.2f}"
    )
    reviews = add_reviews(o["seed"])
    concentration = category_concentration()
    vacuumed = vacuum_matches()
    pairs = scored_pairs()
    say(f"B1 reviews {reviews}; {concentration}; vacuumed: {vacuumed}; {pairs:,} pairs")
    start = timezone.now()
    with measured(sampler) as rerun:
        full_rescore()
    written = rows_written_since(start)
    rows = Match.objects.count()
    cpu = rerun.total_cpu_s
    say(
        f"B1 nightly rerun {o['suppliers']:,} IKM x {o['demands']:,} demands onto {first_rows:,} "
        f"rows: {rerun.wall_s:.2f} s wall, {cpu:.2f} s CPU (database backend "
        f"{_db_cpu(rerun)} s), {pairs / cpu if cpu else 0:,.0f} pairs per CPU s, "
        f"{written / rerun.wall_s:,.0f} rows written per s, load <= {rerun.load_max:.2f}"
    )
    return {
        "b1_suppliers": o["suppliers"],
        "b1_demands": o["demands"],
        "b1_capabilities": counts["capabilities"],
        "b1_generate_s": round(generate.wall_s, 1),
        "b1_first_run_s": round(first.wall_s, 3),
        "b1_first_run_cpu_s": _cpu(first),
        "b1_first_run_db_cpu_s": _db_cpu(first),
        "b1_first_run_load_max": round(first.load_max, 2),
        "b1_first_run_rows": first_rows,
        "b1_vacuumed": vacuumed,
        "b1_full_rescore_s": round(rerun.wall_s, 3),
        "b1_full_rescore_cpu_s": _cpu(rerun),
        "b1_full_rescore_db_cpu_s": _db_cpu(rerun),
        "b1_full_rescore_load_max": round(rerun.load_max, 2),
        "b1_pairs": pairs,
        "b1_pairs_per_s": round(pairs / cpu, 1) if cpu else None,
        "b1_rows": rows,
        "b1_rows_written": written,
        "b1_rows_written_per_s": round(written / rerun.wall_s, 1) if rerun.wall_s else None,
        "registry_approved": reviews["approved"],
        "registry_shortlisted": reviews["shortlisted"],
        "registry_rejected": reviews["rejected"],
        "registry_partnerships": reviews["partnerships"],
        "registry_committing_partnerships": reviews["committing"],
        **concentration,
    }


def b2_edits(
    o: dict, say: Callable[[str], None], sampler: LoadSampler, as_of: datetime.date
) -> dict:
    """Supplier edits of five kinds, then the stored lists against a full rescore."""
    edits = pick_edits(o["edits"], o["seed"], as_of)
    results, broker, m = incremental_edits(edits, as_of, sampler)
    latencies = [r.ms for r in results]
    p50, p95 = _percentiles(latencies)
    per_kind = {
        kind: round(_percentiles([r.ms for r in results if r.kind == kind])[0], 2)
        for kind in KINDS
        if any(r.kind == kind for r in results)
    }
    observed = [r.fallback_demands for r in results]
    fell_back = None if None in observed else sum(bool(n) for n in observed)
    rate = None if fell_back is None or not results else round(fell_back / len(results), 3)
    cpu = m.total_cpu_s
    equal, differences = lists_after_full_rescore()
    for line in differences[:5]:
        say(f"B2 differs from a full rescore: {line}")
    say(
        f"B2 {len(results)} supplier edits via {broker}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
        f"per kind p50 {per_kind}; fell back to full-demand rescoring on {rate}; "
        f"{cpu:.2f} s CPU, load <= {m.load_max:.2f}; lists equal a full rescore: {equal} "
        f"({len(differences)} demands differ)"
    )
    return {
        "b2_edits": len(results),
        "b2_broker": broker,
        "b2_incremental_p50_ms": round(p50, 2),
        "b2_incremental_p95_ms": round(p95, 2),
        "b2_kind_p50_ms": per_kind,
        "b2_wall_s": round(m.wall_s, 3),
        "b2_cpu_s": round(cpu, 3),
        "b2_db_cpu_s": _db_cpu(m),
        "b2_load_max": round(m.load_max, 2),
        "b2_fallback_rate": rate,
        "b2_fallback_demands": None if None in observed else sum(n or 0 for n in observed),
        "b2_equal_full": equal,
        "b2_demands_differing": len(differences),
    }


def _percentiles(values: list[float]) -> tuple[float, float]:
    if not values:
        return float("nan"), float("nan")
    p50, p95 = np.percentile(values, [50, 95])
    return float(p50), float(p95)


def b4(o: dict, say: Callable[[str], None], sampler: LoadSampler) -> dict:
    with measured(sampler) as m:
        result = allocation_benchmark(
            suppliers=o["b4_suppliers"], demands=o["b4_demands"], seed=o["seed"]
        )
    say(
        f"B4 allocation {o['b4_suppliers']:,} pools x {o['b4_demands']:,} demands "
        f"({result.arcs:,} arcs): {result.seconds:.2f} s, objective / LP optimum "
        f"{result.objective_ratio:.6f}; with minimum orders {result.minimum_order_seconds:.2f} "
        f"s, objective / LP bound {result.minimum_order_ratio:.5f}; scenario {m.wall_s:.2f} s "
        f"wall, {m.total_cpu_s:.2f} s CPU, load <= {m.load_max:.2f}"
    )
    return {
        "b4_suppliers": o["b4_suppliers"],
        "b4_demands": o["b4_demands"],
        "b4_allocation_s": round(result.seconds, 3),
        "b4_objective_ratio": round(result.objective_ratio, 6),
        "b4_min_order_s": round(result.minimum_order_seconds, 3),
        "b4_min_order_ratio": round(result.minimum_order_ratio, 6),
        "b4_cpu_s": _cpu(m),
        "b4_load_max": round(m.load_max, 2),
    }
