"""Size classes per Permenperin 64/2016, at the boundaries: 19/20 workers, Rp1 and Rp15 miliar."""

import pytest

from partners.choices import SizeClass
from partners.sizing import FIFTEEN_BILLION_IDR, ONE_BILLION_IDR, size_class

KECIL, MENENGAH, BESAR = SizeClass.SMALL, SizeClass.MEDIUM, SizeClass.LARGE


@pytest.mark.parametrize(
    ("workers", "investment_idr", "expected"),
    [
        (0, 0, KECIL),
        (1, 50_000_000, KECIL),
        (19, ONE_BILLION_IDR - 1, KECIL),
        (19, ONE_BILLION_IDR, MENENGAH),
        (5, FIFTEEN_BILLION_IDR + 1, MENENGAH),
        (19, 40 * ONE_BILLION_IDR, MENENGAH),
        (20, 0, MENENGAH),
        (20, ONE_BILLION_IDR - 1, MENENGAH),
        (20, FIFTEEN_BILLION_IDR, MENENGAH),
        (20, FIFTEEN_BILLION_IDR + 1, BESAR),
        (300, FIFTEEN_BILLION_IDR, MENENGAH),
        (300, 100 * ONE_BILLION_IDR, BESAR),
    ],
)
def test_size_class_follows_permenperin_64_2016(workers, investment_idr, expected):
    assert size_class(workers=workers, investment_idr=investment_idr) == expected


@pytest.mark.parametrize(("workers", "investment_idr"), [(-1, 0), (0, -1)])
def test_size_class_refuses_negative_inputs(workers, investment_idr):
    with pytest.raises(ValueError, match="must not be negative"):
        size_class(workers=workers, investment_idr=investment_idr)
