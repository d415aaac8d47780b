"""Random but plausible demands and capability rows over the test catalogue."""

from __future__ import annotations

import random
from datetime import date, timedelta

from matchmaking.scoring.inputs import CapabilityRow, DemandSpec
from matchmaking.scoring.units import UNITS

from .catalogue import (
    BOGIE_PARTS,
    BRAKE_BLOCK,
    BRAKE_BLOCK_HEAD,
    CAR_BODY,
    DOOR_FRAME,
    NEEDED_BY,
    SIDE_BEARER_HOUSING,
    VOCAB,
)

TYPES = [
    (BRAKE_BLOCK, BOGIE_PARTS),
    (BRAKE_BLOCK_HEAD, BOGIE_PARTS),
    (SIDE_BEARER_HOUSING, BOGIE_PARTS),
    (DOOR_FRAME, CAR_BODY),
]


def _subset(rnd: random.Random, keys: tuple, p: float) -> frozenset:
    return frozenset(k for k in keys if rnd.random() < p)


def random_row(rnd: random.Random, supplier_id: int, capability_id: int) -> CapabilityRow:
    type_id, category_id = rnd.choice(TYPES)
    certifications = {
        c: rnd.choice([None, NEEDED_BY + timedelta(days=rnd.randint(-60, 400))])
        for c in VOCAB.certifications.keys
        if rnd.random() < 0.6
    }
    completed = rnd.randint(0, 20)
    located = rnd.random() < 0.95
    return CapabilityRow(
        supplier_id=supplier_id,
        capability_id=capability_id,
        component_type_id=type_id,
        category_id=category_id,
        free_capacity=rnd.choice([0.0, rnd.uniform(1, 40_000), rnd.uniform(1, 400)]),
        capacity_unit=rnd.choice(UNITS),
        lead_time_days=rnd.randint(1, 150),
        latitude=rnd.uniform(-8.5, -6.0) if located else None,
        longitude=rnd.uniform(106.0, 114.0) if located else None,
        processes=_subset(rnd, VOCAB.processes.keys, 0.5),
        materials=_subset(rnd, VOCAB.materials.keys, 0.4),
        certifications=certifications,
        kbli_codes=_subset(rnd, VOCAB.kbli.keys, 0.3),
        minimum_order=rnd.choice([0.0, rnd.uniform(0, 2_000)]),
        completed=completed,
        on_time=rnd.randint(0, completed),
        load=rnd.randint(0, 12),
        verified_active=rnd.random() < 0.9,
    )


def random_rows(seed: int, suppliers: int) -> list[CapabilityRow]:
    """One to three capability rows per supplier."""
    rnd = random.Random(seed)
    rows = []
    for supplier_id in range(1, suppliers + 1):
        for _ in range(rnd.randint(1, 3)):
            rows.append(random_row(rnd, supplier_id, len(rows) + 1))
    return rows


def random_demand(seed: int, demand_id: int = 1) -> DemandSpec:
    rnd = random.Random(seed)
    type_id, category_id = rnd.choice(TYPES[:3])
    return DemandSpec(
        demand_id=demand_id,
        component_type_id=type_id,
        category_id=category_id,
        quantity=rnd.uniform(100, 20_000),
        unit=rnd.choice(["pcs", "pcs", "ton", "kg"]),
        needed_by=NEEDED_BY + timedelta(days=rnd.randint(-30, 60)),
        type_unit="pcs",
        unit_weight_kg=rnd.choice([None, 11.5, 4.2]),
        type_processes=_subset(rnd, VOCAB.processes.keys, 0.4),
        extra_processes=_subset(rnd, VOCAB.processes.keys, 0.2),
        material_id=rnd.choice([None, *VOCAB.materials.keys]),
        mandatory_certifications=_subset(rnd, VOCAB.certifications.keys, 0.3),
        preferred_certifications=_subset(rnd, VOCAB.certifications.keys, 0.3),
        latitude=rnd.uniform(-8.0, -6.2),
        longitude=rnd.uniform(106.5, 113.0),
        kbli_codes=_subset(rnd, VOCAB.kbli.keys, 0.4),
        # half the demands also search the other category, as a related one (issue 11)
        related_category_ids=frozenset({BOGIE_PARTS, CAR_BODY} - {category_id})
        if rnd.random() < 0.5
        else frozenset(),
    )


AS_OF_CHOICES = [date(2026, 11, 1), date(2026, 12, 20)]
