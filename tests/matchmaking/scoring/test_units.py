import math

import pytest

from matchmaking.scoring.evaluation import evaluate
from matchmaking.scoring.units import Conversion, conversion

from .catalogue import AS_OF, brake_block_demand, candidates, foundry


@pytest.mark.parametrize(
    ("source", "target", "item_unit", "weight", "factor", "kind"),
    [
        ("pcs", "pcs", "pcs", None, 1.0, Conversion.SAME_UNIT),
        ("ton", "kg", "pcs", None, 1000.0, Conversion.MASS),
        ("kg", "ton", "pcs", None, 0.001, Conversion.MASS),
        ("pcs", "kg", "pcs", 11.5, 11.5, Conversion.UNIT_WEIGHT),
        ("pcs", "ton", "pcs", 11.5, 0.0115, Conversion.UNIT_WEIGHT),
        ("ton", "pcs", "pcs", 11.5, 1000 / 11.5, Conversion.UNIT_WEIGHT),
        ("kg", "set", "set", 40.0, 1 / 40, Conversion.UNIT_WEIGHT),
        ("pcs", "kg", "pcs", None, None, Conversion.INCOMPARABLE),
        ("set", "kg", "pcs", 11.5, None, Conversion.INCOMPARABLE),
        ("pcs", "set", "pcs", 11.5, None, Conversion.INCOMPARABLE),
        ("m3", "ton", "pcs", 11.5, None, Conversion.INCOMPARABLE),
    ],
)
def test_conversion(source, target, item_unit, weight, factor, kind):
    got, got_kind = conversion(source, target, item_unit=item_unit, unit_weight_kg=weight)
    assert got_kind is kind
    assert got == (None if factor is None else pytest.approx(factor))


def test_unknown_unit_is_rejected():
    with pytest.raises(ValueError, match="unknown unit"):
        conversion("litre", "kg", item_unit="pcs", unit_weight_kg=None)


def capacity_fit(row, demand):
    evaluation = evaluate(demand, candidates(row), as_of=AS_OF)
    return float(evaluation.factors.values[0, 1]), float(evaluation.factors.converted_capacity[0])


def test_tonnes_of_capacity_cover_a_demand_in_pieces_through_unit_weight():
    # 115 t/month of 11.5 kg blocks = 10,000 pieces against 15,000 wanted
    fit, converted = capacity_fit(
        foundry(free_capacity=115, capacity_unit="ton"), brake_block_demand()
    )
    assert converted == pytest.approx(10_000)
    assert fit == pytest.approx(2 / 3)


def test_pieces_cover_a_demand_in_tonnes():
    demand = brake_block_demand(quantity=172.5, unit="ton")  # 15,000 blocks
    fit, converted = capacity_fit(foundry(free_capacity=15_000), demand)
    assert converted == pytest.approx(172.5)
    assert fit == pytest.approx(1.0)


def test_incomparable_units_give_neutral_capacity_and_no_failure():
    evaluation = evaluate(
        brake_block_demand(unit_weight_kg=None),
        candidates(foundry(free_capacity=200, capacity_unit="ton")),
        as_of=AS_OF,
    )
    assert math.isnan(evaluation.factors.converted_capacity[0])
    assert evaluation.factors.values[0, 1] == 0.5
    assert evaluation.check.feasible[0]
