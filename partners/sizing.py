"""Business size classes per Permenperin 64/2016 (pure function, no Django models)."""

from .choices import SizeClass

ONE_BILLION_IDR = 1_000_000_000
FIFTEEN_BILLION_IDR = 15_000_000_000


def size_class(*, workers: int, investment_idr: int) -> SizeClass:
    """Classify a business from its workforce and investment (excluding land and buildings).

    - kecil: at most 19 workers and investment below Rp1 miliar;
    - menengah: at most 19 workers with at least Rp1 miliar, or at least 20 workers with
      at most Rp15 miliar;
    - besar: at least 20 workers and more than Rp15 miliar.
    """
    if workers < 0 or investment_idr < 0:
        raise ValueError("workers and investment must not be negative")
    if workers <= 19:
        return SizeClass.SMALL if investment_idr < ONE_BILLION_IDR else SizeClass.MEDIUM
    return SizeClass.MEDIUM if investment_idr <= FIFTEEN_BILLION_IDR else SizeClass.LARGE
