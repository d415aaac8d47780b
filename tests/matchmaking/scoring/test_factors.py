"""Each factor on its fixed [0, 1] scale, as a table of hand-checked cases."""

import math
from datetime import date

import pytest

from matchmaking.scoring.config import DEFAULT_PARAMS, FACTORS, Params
from matchmaking.scoring.evaluation import evaluate

from .catalogue import (
    AS_OF,
    BRAKE_BLOCK_HEAD,
    CASTING,
    CEPER_KLATEN,
    HEAT_TREATMENT,
    MACHINING,
    MADIUN,
    SNI,
    TKDN,
    brake_block_demand,
    candidates,
    foundry,
)


def factor(name, row=None, demand=None, params=DEFAULT_PARAMS):
    evaluation = evaluate(
        demand or brake_block_demand(),
        candidates(row or foundry()),
        as_of=AS_OF,
        params=params,
    )
    return float(evaluation.factors.values[0, FACTORS.index(name)])


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (foundry(), 1.0),
        (foundry(component_type_id=BRAKE_BLOCK_HEAD), 0.6),
    ],
)
def test_component_fit(row, expected):
    assert factor("component_fit", row) == expected


def test_component_fit_of_inferred_type_is_a_parameter():
    row = foundry(component_type_id=BRAKE_BLOCK_HEAD)
    assert factor("component_fit", row, params=Params(inferred_type_fit=0.8)) == 0.8


@pytest.mark.parametrize(
    ("free", "expected"),
    [(30_000, 1.0), (15_000, 1.0), (7_500, 0.5), (1_500, 0.1), (0, 0.0)],
)
def test_capacity_fit(free, expected):
    assert factor("capacity_fit", foundry(free_capacity=free)) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("type_id", "processes", "asked", "expected"),
    [
        # exact type declaring none: its type's processes (casting) are assumed, no more
        (None, set(), set(), 1.0),
        (None, set(), {CASTING, MACHINING}, 0.5),
        # exact type declaring some: only what it declares counts (issue 11)
        (None, {CASTING}, {CASTING, MACHINING}, 0.5),
        (None, {MACHINING}, {CASTING, MACHINING, HEAT_TREATMENT}, 1 / 3),
        # the demand's own list is what is asked, not the type's list
        (None, {MACHINING}, {MACHINING}, 1.0),
        # another type of the category must declare every process itself
        (BRAKE_BLOCK_HEAD, {CASTING, MACHINING}, {MACHINING}, 1.0),
        (BRAKE_BLOCK_HEAD, {CASTING}, {CASTING, MACHINING}, 0.5),
        (BRAKE_BLOCK_HEAD, set(), set(), 0.0),
    ],
)
def test_process_coverage(type_id, processes, asked, expected):
    row = foundry(processes=frozenset(processes))
    if type_id is not None:
        row = foundry(component_type_id=type_id, processes=frozenset(processes))
    demand = brake_block_demand(extra_processes=frozenset(asked))
    assert factor("process_coverage", row, demand) == pytest.approx(expected)


def test_process_coverage_is_one_when_nothing_is_required():
    demand = brake_block_demand(type_processes=frozenset())
    assert factor("process_coverage", foundry(processes=frozenset()), demand) == 1.0


@pytest.mark.parametrize(
    ("materials", "demand_material", "expected"),
    [
        ({10}, 10, 1.0),  # declares grey iron
        (set(), 10, 0.5),  # exact type, declares nothing: accepted, unconfirmed
        ({12}, 10, 0.0),  # aluminium only: fails the constraint too
        ({12}, None, 1.0),  # nothing required
    ],
)
def test_material_match(materials, demand_material, expected):
    row = foundry(materials=frozenset(materials))
    demand = brake_block_demand(material_id=demand_material)
    assert factor("material_match", row, demand) == expected


@pytest.mark.parametrize(
    ("held", "preferred", "expected"),
    [
        ({}, set(), 1.0),
        ({SNI: date(2028, 1, 1)}, {SNI}, 1.0),
        ({SNI: None}, {SNI, TKDN}, 0.5),
        ({SNI: date(2026, 12, 31)}, {SNI}, 0.0),  # expires before needed-by
        ({SNI: date(2027, 1, 15)}, {SNI}, 1.0),  # valid on the day itself
        ({}, {SNI, TKDN}, 0.0),
    ],
)
def test_preferred_certifications(held, preferred, expected):
    row = foundry(certifications={20: None, **held})
    demand = brake_block_demand(preferred_certifications=frozenset(preferred))
    assert factor("preferred_certifications", row, demand) == expected


def test_distance_decays_with_configurable_length():
    assert factor("distance", foundry(latitude=MADIUN[0], longitude=MADIUN[1])) == 1.0
    near = factor("distance")  # Ceper → Madiun, about 94 km
    assert near == pytest.approx(math.exp(-94 / 300), abs=0.005)
    assert factor("distance", params=Params(distance_length_km=100)) == pytest.approx(
        math.exp(-94 / 100), abs=0.01
    )


@pytest.mark.parametrize(
    ("row_location", "demand_location"),
    [((None, None), MADIUN), (CEPER_KLATEN, (None, None))],
)
def test_unknown_location_gives_neutral_distance(row_location, demand_location):
    row = foundry(latitude=row_location[0], longitude=row_location[1])
    demand = brake_block_demand(latitude=demand_location[0], longitude=demand_location[1])
    assert factor("distance", row, demand) == 0.5


@pytest.mark.parametrize(
    ("lead_time", "expected"),
    [(30, 1.0), (75, 1.0), (105, math.exp(-1)), (135, math.exp(-2))],
)
def test_lead_time(lead_time, expected):
    # needed-by is 75 days after as_of
    assert factor("lead_time", foundry(lead_time_days=lead_time)) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("supplier_codes", "demand_codes", "expected"),
    [
        ({"24310"}, {"24310", "30200"}, 1.0),
        ({"24320"}, {"24310", "30200"}, 0.5),
        ({"25920"}, {"24310", "30200"}, 0.0),
        (set(), {"24310"}, 0.0),
        ({"24310"}, set(), 0.5),
    ],
)
def test_sector_alignment(supplier_codes, demand_codes, expected):
    row = foundry(kbli_codes=frozenset(supplier_codes))
    demand = brake_block_demand(kbli_codes=frozenset(demand_codes))
    assert factor("sector_alignment", row, demand) == expected


@pytest.mark.parametrize(
    ("completed", "on_time", "expected"),
    [(0, 0, 0.5), (10, 10, 12 / 14), (10, 0, 2 / 14), (2, 2, 4 / 6), (3, 5, 5 / 7)],
)
def test_track_record_is_smoothed_towards_a_neutral_prior(completed, on_time, expected):
    row = foundry(completed=completed, on_time=on_time)
    assert factor("track_record", row) == pytest.approx(expected)


@pytest.mark.parametrize(("load", "expected"), [(0, 1.0), (5, 0.5), (15, 0.25)])
def test_spreading(load, expected):
    assert factor("spreading", foundry(load=load)) == pytest.approx(expected)


@pytest.mark.parametrize(
    "params",
    [
        {"distance_length_km": 0},
        {"spread_scale": -1},
        {"inferred_type_fit": 1.5},
        {"prior_on_time": math.inf},
    ],
)
def test_params_reject_values_off_their_scale(params):
    with pytest.raises(ValueError):
        Params(**params)
