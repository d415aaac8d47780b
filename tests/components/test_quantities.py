"""The quantity filter: grouped thousands, up to three decimals, no trailing zeros."""

from decimal import Decimal

import pytest
from django.utils import translation

from components.templatetags.quantities import quantity


@pytest.mark.parametrize(
    ("value", "indonesian", "english"),
    [
        (Decimal("2.400"), "2,4", "2.4"),
        (Decimal("15000.000"), "15.000", "15,000"),
        (Decimal("7954.545454"), "7.954,545", "7,954.545"),
        (3, "3", "3"),
        (0.5, "0,5", "0.5"),
        (None, "", ""),
    ],
)
def test_quantity_reads_as_people_write_it(value, indonesian, english):
    with translation.override("id"):
        assert quantity(value) == indonesian
    with translation.override("en"):
        assert quantity(value) == english
