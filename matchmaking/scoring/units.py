"""Units of quantity and how a supplier's capacity converts into a demand's unit.

Mass units convert into each other. A count unit (pieces or sets) converts to mass only
through the component type's unit weight, and only for the type's own unit (the unit
weight is the weight of one such unit). Everything else is incomparable: the capacity
factor then stays neutral instead of failing the candidate.
"""

from __future__ import annotations

import math
from enum import StrEnum

import numpy as np
import numpy.typing as npt

UNITS: tuple[str, ...] = ("pcs", "set", "kg", "ton", "m3")
UNIT_CODES: dict[str, int] = {unit: code for code, unit in enumerate(UNITS)}
MASS_IN_KG: dict[str, float] = {"kg": 1.0, "ton": 1000.0}
COUNT_UNITS = frozenset({"pcs", "set"})


class Conversion(StrEnum):
    SAME_UNIT = "same_unit"
    MASS = "mass"
    UNIT_WEIGHT = "unit_weight"
    INCOMPARABLE = "incomparable"


def unit_code(unit: str) -> int:
    try:
        return UNIT_CODES[unit]
    except KeyError:
        raise ValueError(f"unknown unit {unit!r}; expected one of {UNITS}") from None


def conversion(
    source: str, target: str, *, item_unit: str, unit_weight_kg: float | None
) -> tuple[float | None, Conversion]:
    """The factor ``f`` with ``quantity_in_source * f == quantity_in_target``, and how.

    ``item_unit`` is the component type's unit and ``unit_weight_kg`` the weight of one
    such unit, if known. Returns ``(None, INCOMPARABLE)`` when no conversion exists.
    """
    unit_code(source)
    unit_code(target)
    if source == target:
        return 1.0, Conversion.SAME_UNIT
    if source in MASS_IN_KG and target in MASS_IN_KG:
        return MASS_IN_KG[source] / MASS_IN_KG[target], Conversion.MASS
    if unit_weight_kg is not None and unit_weight_kg > 0 and item_unit in COUNT_UNITS:
        if source == item_unit and target in MASS_IN_KG:
            return unit_weight_kg / MASS_IN_KG[target], Conversion.UNIT_WEIGHT
        if target == item_unit and source in MASS_IN_KG:
            return MASS_IN_KG[source] / unit_weight_kg, Conversion.UNIT_WEIGHT
    return None, Conversion.INCOMPARABLE


def conversion_table(
    target: str, *, item_unit: str, unit_weight_kg: float | None
) -> tuple[npt.NDArray[np.float64], tuple[Conversion, ...]]:
    """Factors from every unit code into ``target`` (NaN where incomparable), and kinds."""
    pairs = [
        conversion(source, target, item_unit=item_unit, unit_weight_kg=unit_weight_kg)
        for source in UNITS
    ]
    factors = np.array([math.nan if f is None else f for f, _ in pairs], dtype=np.float64)
    return factors, tuple(kind for _, kind in pairs)
