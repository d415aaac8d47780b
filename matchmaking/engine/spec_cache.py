"""Open demands' specs kept by a worker process between incremental rescores (issue 11).

A supplier edit rescores that supplier against a hundred or more open demands; reading
their specs was the largest part of the task. The worker keeps every open demand's spec
and reloads them all when what they are read from changed (``demands_fingerprint``, one
query per task), so a changed demand is never served stale."""

from __future__ import annotations

from django.db.models import QuerySet

from components.models import ComponentCategory, ComponentType, Sector
from partners.models import Demand, Manufacturer, Plant

from ..scoring.inputs import DemandSpec
from .loading import fingerprint, load_demand_specs

_cached: tuple[tuple, dict[int, DemandSpec]] | None = None


def demands_fingerprint() -> tuple:
    """The row count and latest change of everything a spec is read from: demands, their
    manufacturers and plants, the component types and categories, and the many-to-many
    links (counts). A service or the admin edit moves an ``updated_at``."""
    return fingerprint(
        [
            (Demand, "updated_at"),
            (Manufacturer, "updated_at"),
            (Plant, "updated_at"),
            (ComponentType, "updated_at"),
            (ComponentCategory, "updated_at"),
            (Demand.required_processes.through, None),
            (Demand.mandatory_certifications.through, None),
            (Demand.preferred_certifications.through, None),
            (ComponentType.required_processes.through, None),
            (Sector.kbli_codes.through, None),
        ]
    )


def open_demand_specs(demands: QuerySet) -> list[DemandSpec]:
    """``load_demand_specs(demands)`` for a queryset of open demands, from this process's
    copy of every open demand's spec (reloaded when the fingerprint moved)."""
    global _cached
    current = demands_fingerprint()
    if _cached is None or _cached[0] != current:
        _cached = (current, {spec.demand_id: spec for spec in load_demand_specs()})
    specs = _cached[1]
    ids = demands.order_by("pk").values_list("pk", flat=True)
    return [specs[pk] for pk in ids if pk in specs]


def forget() -> None:
    """Drop the kept specs (tests: a rolled-back database may look unchanged)."""
    global _cached
    _cached = None
