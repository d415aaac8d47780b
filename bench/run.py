"""The benchmark run (``python -m bench`` / ``make bench``): B1 full rescore (and the
plain-Python baseline at a tenth of the size), B2 incremental rescore after supplier edits,
B4 allocation, on a seeded synthetic registry in a database of its own. The last line printed
is the JSON report."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import TextIO

import numpy as np
from django.db import connection

from matchmaking.models import Match

from .database import bench_database
from .registry import DEFAULT_SEED, clear_registry, generate_registry
from .scenarios import (
    allocation_benchmark,
    compare_with_naive,
    full_rescore_seconds,
    incremental_latencies,
    pick_edits,
)

QUICK = {"suppliers": 400, "demands": 40, "edits": 10, "b4_suppliers": 500, "b4_demands": 100}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description=(
            "Benchmark the matching engine on a seeded synthetic registry in a database of "
            "its own: B1 full rescore (and the plain-Python baseline at a tenth of the size), "
            "B2 incremental rescore after supplier edits, B4 allocation. The last line is JSON."
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

    if options["in_place"]:
        figures = run(options, say)
    else:
        with bench_database():
            figures = run(options, say)
    say(json.dumps(figures))
    return figures


def run(o: dict, say: Callable[[str], None]) -> dict:
    """Generate the registries and run B1, B2 and B4 on them; return the figures."""
    figures: dict = {"database": connection.vendor, "quick": o["quick"], "seed": o["seed"]}
    small = (max(o["suppliers"] // 10, 1), max(o["demands"] // 10, 1))
    say(f"Database: {connection.vendor} ({connection.settings_dict['NAME']})")

    clear_registry()
    start = time.perf_counter()
    counts = generate_registry(suppliers=small[0], demands=small[1], seed=o["seed"])
    say(f"B1 baseline registry {counts} in {time.perf_counter() - start:.1f} s")
    naive = compare_with_naive()
    say(
        f"B1 baseline {small[0]:,} IKM x {small[1]:,} demands: engine {naive.engine_s:.2f} "
        f"s, plain Python {naive.naive_s:.2f} s (x{naive.ratio:.0f}); same top-K on "
        f"{naive.demands_compared} demands: {naive.topk_equal}"
    )
    figures.update(
        b1_naive_suppliers=small[0],
        b1_naive_demands=small[1],
        b1_engine_small_s=round(naive.engine_s, 3),
        b1_naive_s=round(naive.naive_s, 3),
        b1_naive_ratio=round(naive.ratio, 1),
        b1_topk_equal=naive.topk_equal,
    )

    clear_registry()
    start = time.perf_counter()
    counts = generate_registry(suppliers=o["suppliers"], demands=o["demands"], seed=o["seed"])
    generate_s = time.perf_counter() - start
    say(f"B1 registry {counts} in {generate_s:.1f} s")
    full_s = full_rescore_seconds()
    rows = Match.objects.count()
    say(
        f"B1 full rescore {o['suppliers']:,} IKM x {o['demands']:,} demands: {full_s:.2f} s "
        f"({rows:,} match and near-miss rows)"
    )
    figures.update(
        b1_suppliers=o["suppliers"],
        b1_demands=o["demands"],
        b1_capabilities=counts["capabilities"],
        b1_generate_s=round(generate_s, 1),
        b1_full_rescore_s=round(full_s, 3),
        b1_rows=rows,
    )

    edits = pick_edits(o["edits"], o["seed"])
    latencies, broker = incremental_latencies(edits)
    p50, p95 = np.percentile(latencies, [50, 95]) if latencies else (float("nan"),) * 2
    say(
        f"B2 {len(latencies)} supplier edits via {broker}: p50 {p50:.1f} ms, "
        f"p95 {p95:.1f} ms, max {max(latencies, default=float('nan')):.1f} ms"
    )
    figures.update(
        b2_edits=len(latencies),
        b2_broker=broker,
        b2_incremental_p50_ms=round(float(p50), 2),
        b2_incremental_p95_ms=round(float(p95), 2),
    )

    b4 = allocation_benchmark(suppliers=o["b4_suppliers"], demands=o["b4_demands"], seed=o["seed"])
    say(
        f"B4 allocation {o['b4_suppliers']:,} pools x {o['b4_demands']:,} demands "
        f"({b4.arcs:,} arcs): {b4.seconds:.2f} s, objective / LP optimum "
        f"{b4.objective_ratio:.6f}; with minimum orders {b4.minimum_order_seconds:.2f} s, "
        f"objective / LP bound {b4.minimum_order_ratio:.5f}"
    )
    figures.update(
        b4_suppliers=o["b4_suppliers"],
        b4_demands=o["b4_demands"],
        b4_allocation_s=round(b4.seconds, 3),
        b4_objective_ratio=round(b4.objective_ratio, 6),
        b4_min_order_s=round(b4.minimum_order_seconds, 3),
        b4_min_order_ratio=round(b4.minimum_order_ratio, 6),
    )
    return figures
