"""A small railway catalogue and builders for hand-made scoring cases."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from matchmaking.scoring.inputs import Candidates, CapabilityRow, DemandSpec, Vocabularies

CASTING, MACHINING, HEAT_TREATMENT, WELDING = 1, 2, 3, 4
GREY_IRON, DUCTILE_IRON, ALUMINIUM = 10, 11, 12
ISO_9001, SNI, ISO_22163, TKDN = 20, 21, 22, 23
BOGIE_PARTS, CAR_BODY = 100, 101
BRAKE_BLOCK, BRAKE_BLOCK_HEAD, SIDE_BEARER_HOUSING, DOOR_FRAME = 200, 201, 202, 203

VOCAB = Vocabularies.build(
    processes=[CASTING, MACHINING, HEAT_TREATMENT, WELDING],
    materials=[GREY_IRON, DUCTILE_IRON, ALUMINIUM],
    certifications=[ISO_9001, SNI, ISO_22163, TKDN],
    kbli_codes=["24310", "24320", "25920", "30200", "29300"],
)

MADIUN = (-7.6298, 111.5239)
CEPER_KLATEN = (-7.6797, 110.6731)
KAB_TEGAL = (-6.8694, 109.1402)
AS_OF = date(2026, 11, 1)
NEEDED_BY = date(2027, 1, 15)


def brake_block_demand(**overrides: Any) -> DemandSpec:
    """PT INKA (Madiun) needs 15,000 cast-iron brake blocks a month, ISO 9001 mandatory."""
    demand = DemandSpec(
        demand_id=1,
        component_type_id=BRAKE_BLOCK,
        category_id=BOGIE_PARTS,
        quantity=15_000,
        unit="pcs",
        needed_by=NEEDED_BY,
        type_unit="pcs",
        unit_weight_kg=11.5,
        type_processes=frozenset({CASTING}),
        material_id=GREY_IRON,
        mandatory_certifications=frozenset({ISO_9001}),
        preferred_certifications=frozenset({SNI}),
        latitude=MADIUN[0],
        longitude=MADIUN[1],
        kbli_codes=frozenset({"30200", "24310"}),
    )
    return replace(demand, **overrides)


def foundry(**overrides: Any) -> CapabilityRow:
    """A verified grey-iron foundry in Ceper, Klaten, with free capacity for brake blocks."""
    row = CapabilityRow(
        supplier_id=1,
        capability_id=1,
        component_type_id=BRAKE_BLOCK,
        category_id=BOGIE_PARTS,
        free_capacity=20_000,
        capacity_unit="pcs",
        lead_time_days=30,
        latitude=CEPER_KLATEN[0],
        longitude=CEPER_KLATEN[1],
        processes=frozenset({CASTING}),
        materials=frozenset({GREY_IRON}),
        certifications={ISO_9001: date(2028, 1, 1)},
        kbli_codes=frozenset({"24310"}),
    )
    return replace(row, **overrides)


def candidates(*rows: CapabilityRow) -> Candidates:
    return Candidates.from_rows(VOCAB, list(rows))
