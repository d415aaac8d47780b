"""The cost of the expert rules (issue 11) to a full rescore, on the pure scorer alone.

A seeded synthetic registry (8 parent categories of 6 leaf categories, 4 component types
each; 10,000 IKM with 1–3 capabilities; 2,000 demands) is ranked demand by demand as
``engine.rescoring.rank_specs`` does: against the block of the demand's own leaf category,
plus, where the scorer knows related categories, the blocks of its sibling categories.
Prints wall and CPU seconds and the load average.

    JEMBATAN_ENV=test python -m bench.expert_rules [--suppliers N] [--demands N] [--repeat R]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import time
from datetime import date, timedelta

import numpy as np

from matchmaking.scoring.inputs import Candidates, CapabilityRow, DemandSpec, Vocabularies
from matchmaking.scoring.ranking import rank_demand

PARENTS, CHILDREN, TYPES_PER_LEAF = 8, 6, 4
PROCESSES = list(range(1, 18))
MATERIALS = list(range(100, 115))
CERTIFICATIONS = list(range(200, 208))
AS_OF = date(2026, 11, 1)


def _leaf(parent: int, child: int) -> int:
    return 1000 + parent * CHILDREN + child


def _type(leaf: int, index: int) -> int:
    return leaf * 10 + index


def _sub(rnd: random.Random, keys: list[int], p: float) -> frozenset[int]:
    return frozenset(k for k in keys if rnd.random() < p)


def registry(
    seed: int, suppliers: int, demands: int
) -> tuple[Vocabularies, list[CapabilityRow], list[DemandSpec]]:
    rnd = random.Random(seed)
    vocab = Vocabularies.build(
        processes=PROCESSES,
        materials=MATERIALS,
        certifications=CERTIFICATIONS,
        kbli_codes=["24310", "24320", "25920", "28240", "30200", "31001"],
    )
    leaves = [_leaf(p, c) for p in range(PARENTS) for c in range(CHILDREN)]
    type_processes = {
        _type(leaf, i): frozenset(rnd.sample(PROCESSES, rnd.randint(1, 3)))
        for leaf in leaves
        for i in range(TYPES_PER_LEAF)
    }
    rows: list[CapabilityRow] = []
    for supplier_id in range(1, suppliers + 1):
        lat, lon = rnd.uniform(-8.5, -6.0), rnd.uniform(106.0, 114.0)
        for _ in range(rnd.randint(1, 3)):
            leaf = rnd.choice(leaves)
            type_id = _type(leaf, rnd.randrange(TYPES_PER_LEAF))
            declared = (
                frozenset()
                if rnd.random() < 0.3
                else type_processes[type_id] | _sub(rnd, PROCESSES, 0.1)
            )
            rows.append(
                CapabilityRow(
                    supplier_id=supplier_id,
                    capability_id=len(rows) + 1,
                    component_type_id=type_id,
                    category_id=leaf,
                    free_capacity=rnd.choice([0.0, rnd.uniform(10, 20_000)]),
                    capacity_unit="pcs",
                    lead_time_days=rnd.randint(7, 90),
                    latitude=lat,
                    longitude=lon,
                    processes=declared,
                    materials=frozenset(rnd.sample(MATERIALS, rnd.randint(0, 2))),
                    certifications={
                        c: AS_OF + timedelta(days=rnd.randint(-30, 700))
                        for c in CERTIFICATIONS
                        if rnd.random() < 0.4
                    },
                    kbli_codes=frozenset({"24310"}),
                    completed=rnd.randint(0, 10),
                    load=rnd.randint(0, 5),
                    verified_active=rnd.random() < 0.9,
                )
            )
    specs = []
    for demand_id in range(1, demands + 1):
        parent, child = rnd.randrange(PARENTS), rnd.randrange(CHILDREN)
        leaf = _leaf(parent, child)
        type_id = _type(leaf, rnd.randrange(TYPES_PER_LEAF))
        spec = DemandSpec(
            demand_id=demand_id,
            component_type_id=type_id,
            category_id=leaf,
            quantity=rnd.uniform(100, 20_000),
            unit="pcs",
            needed_by=AS_OF + timedelta(days=rnd.randint(30, 200)),
            type_processes=type_processes[type_id],
            material_id=rnd.choice(MATERIALS),
            mandatory_certifications=_sub(rnd, CERTIFICATIONS, 0.15),
            preferred_certifications=_sub(rnd, CERTIFICATIONS, 0.2),
            latitude=rnd.uniform(-8.0, -6.2),
            longitude=rnd.uniform(106.5, 113.0),
            kbli_codes=frozenset({"24310"}),
        )
        if "related_category_ids" in {f.name for f in dataclasses.fields(DemandSpec)}:
            siblings = frozenset(_leaf(parent, c) for c in range(CHILDREN)) - {leaf}
            spec = dataclasses.replace(spec, related_category_ids=siblings)
        specs.append(spec)
    return vocab, rows, specs


def full_rescore(candidates: Candidates, specs: list[DemandSpec], k: int = 20) -> int:
    """Rank every demand against its block (and its siblings' blocks); the kept rows."""
    order = np.argsort(candidates.category_id, kind="stable")
    cats, starts = np.unique(candidates.category_id[order], return_index=True)
    bounds = [*starts.tolist(), len(order)]
    index = {int(c): order[bounds[i] : bounds[i + 1]] for i, c in enumerate(cats)}
    blocks: dict[frozenset[int], Candidates] = {}
    kept = 0
    for spec in specs:
        key = frozenset({spec.category_id}) | getattr(spec, "related_category_ids", frozenset())
        if key not in blocks:
            rows = np.sort(np.concatenate([index.get(c, order[:0]) for c in key]))
            blocks[key] = candidates.take(rows)
        ranking = rank_demand(spec, blocks[key], as_of=AS_OF, k=k, near_miss_k=k)
        kept += len(ranking.match_rows) + len(ranking.near_rows)
    return kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suppliers", type=int, default=10_000)
    parser.add_argument("--demands", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    vocab, rows, specs = registry(args.seed, args.suppliers, args.demands)
    candidates = Candidates.from_rows(vocab, rows)
    for _ in range(args.repeat):
        load_before = os.getloadavg()[0]
        wall, cpu = time.perf_counter(), time.process_time()
        kept = full_rescore(candidates, specs)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(
            f"rows={len(rows)} demands={len(specs)} kept={kept} wall={wall:.2f}s "
            f"cpu={cpu:.2f}s load1={load_before:.2f}->{os.getloadavg()[0]:.2f}"
        )


if __name__ == "__main__":
    main()
