"""B2's supplier edits and how their rescoring is observed.

Five kinds of edit, taken in turn, each on a different supplier behind a current match of
an open demand:

- ``capacity_up`` / ``capacity_down``: 10% more / half the monthly capacity
  (``capability_set``);
- ``process_removed``: one process taken off the capability, one its component type needs
  when it has one (``capability_set``);
- ``certificate_expiring``: a valid certificate's ``valid_until`` set to the day before the
  pinned date and the supplier's change announced, as a nightly expiry sweep would (the
  certificate services refuse an expired date, and the app has no such sweep today);
- ``capability_deleted``: one of two or more capabilities removed (``capability_remove``).

The rescoring is observed through Celery's ``task_prerun`` / ``task_postrun`` signals, which
fire for eager tasks and in the benchmark's worker alike (:func:`install_observers`): an
edit is done when its ``rescore_supplier_task`` has returned (its transactions committed).
How many demands the task rescored in full (the full-demand fallback) is counted by wrapping
``matchmaking.engine.rescoring.rescore_specs``, which ``rescore_supplier`` calls for exactly
those demands; if the engine no longer has that function the count is ``None``.
"""

from __future__ import annotations

import datetime
import json
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from celery.signals import task_postrun, task_prerun
from django.db import transaction

from matchmaking.choices import MatchKind
from matchmaking.engine import rescoring
from matchmaking.engine.tasks import rescore_supplier_task
from matchmaking.models import Match
from partners import events
from partners.choices import DemandStatus
from partners.models import SupplierCapability, SupplierCertification
from partners.services.suppliers import capability_remove, capability_set

KINDS = (
    "capacity_up",
    "capacity_down",
    "process_removed",
    "certificate_expiring",
    "capability_deleted",
)
EVENTS_ENV = "JEMBATAN_BENCH_EVENTS"
"""The file the benchmark's worker appends one JSON line to per finished task."""


@dataclass(frozen=True)
class Edit:
    kind: str
    supplier_id: int
    capability: SupplierCapability
    materials: list
    processes: list
    certificate_id: int | None = None


def pick_edits(count: int, seed: int, as_of: datetime.date) -> list[Edit]:
    """``count`` edits, the kinds in turn, each on its own supplier behind a current match
    of an open demand (a kind with no eligible supplier left is skipped)."""
    pairs = dict(
        Match.objects.filter(
            kind=MatchKind.MATCH, is_current=True, demand__status=DemandStatus.OPEN
        )
        .order_by("supplier_id", "rank")
        .values_list("supplier_id", "capability_id")
    )
    pairs = {s: c for s, c in pairs.items() if c is not None}
    order = sorted(pairs)
    random.Random(seed).shuffle(order)
    capabilities_of = Counter(
        SupplierCapability.objects.filter(supplier_id__in=order).values_list(
            "supplier_id", flat=True
        )
    )
    certificate_of: dict[int, int] = {}
    for supplier_id, pk, valid_until in SupplierCertification.objects.filter(
        supplier_id__in=order
    ).values_list("supplier_id", "pk", "valid_until"):
        if valid_until is None or valid_until >= as_of:
            certificate_of.setdefault(supplier_id, pk)
    eligible: dict[str, Callable[[int], bool]] = {
        "certificate_expiring": lambda s: s in certificate_of,
        "capability_deleted": lambda s: capabilities_of[s] >= 2,
    }
    used: set[int] = set()
    chosen: list[tuple[str, int]] = []
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        ok = eligible.get(kind, lambda s: True)
        found = next((s for s in order if s not in used and ok(s)), None)
        if found is None:
            continue
        used.add(found)
        chosen.append((kind, found))
    caps = SupplierCapability.objects.select_related("supplier", "component_type").in_bulk(
        [pairs[s] for _, s in chosen]
    )
    edits = []
    for kind, supplier_id in chosen:
        cap = caps[pairs[supplier_id]]
        edits.append(
            Edit(
                kind,
                supplier_id,
                cap,
                list(cap.materials.all()),
                list(cap.processes.all()),
                certificate_of.get(supplier_id),
            )
        )
    return edits


def _set_capability(edit: Edit, *, factor: str = "1", processes: list | None = None) -> None:
    cap = edit.capability
    capability_set(
        supplier=cap.supplier,
        component_type=cap.component_type,
        materials=edit.materials,
        processes=edit.processes if processes is None else processes,
        monthly_capacity=(Decimal(cap.monthly_capacity) * Decimal(factor)).quantize(
            Decimal("0.001")
        ),
        capacity_unit=cap.capacity_unit,
        lead_time_days=cap.lead_time_days,
        minimum_order=cap.minimum_order,
    )


def _without_one_process(edit: Edit) -> list:
    needed = set(edit.capability.component_type.required_processes.values_list("pk", flat=True))
    fallback = edit.processes[0] if edit.processes else None
    drop = next((p for p in edit.processes if p.pk in needed), fallback)
    return [p for p in edit.processes if p != drop]


def apply_edit(edit: Edit, as_of: datetime.date) -> None:
    """Make the edit through the services a user's edit goes through."""
    if edit.kind == "capacity_up":
        _set_capability(edit, factor="1.1")
    elif edit.kind == "capacity_down":
        _set_capability(edit, factor="0.5")
    elif edit.kind == "process_removed":
        _set_capability(edit, processes=_without_one_process(edit))
    elif edit.kind == "certificate_expiring":
        assert edit.certificate_id is not None  # chosen for holding a valid certificate
        with transaction.atomic():
            SupplierCertification.objects.filter(pk=edit.certificate_id).update(
                valid_until=as_of - datetime.timedelta(days=1)
            )
            events.supplier_changed.send(supplier_id=edit.supplier_id)
    elif edit.kind == "capability_deleted":
        capability_remove(capability=edit.capability)
    else:
        raise ValueError(edit.kind)


# --- observing the rescoring tasks -----------------------------------------------------------


class _Fallback:
    """Demands the current task rescored in full (``None``: cannot be observed)."""

    demands: int | None = 0


def install_observers(emit: Callable[[dict], None]) -> Callable[[], None]:
    """Report every finished ``rescore_supplier_task`` to ``emit`` (its supplier id and the
    demands it rescored in full); return a function that removes the observers."""
    original = getattr(rescoring, "rescore_specs", None)
    observable = original is not None

    def counting(specs, *args, **kwargs):
        if _Fallback.demands is not None:
            _Fallback.demands += len(specs)
        assert original is not None
        return original(specs, *args, **kwargs)

    def prerun(sender=None, **_: object) -> None:
        _Fallback.demands = 0 if observable else None

    def postrun(sender=None, args=None, **_: object) -> None:
        if sender is not None and sender.name == rescore_supplier_task.name:
            emit({"supplier_id": (args or [None])[0], "fallback_demands": _Fallback.demands})

    if observable:
        rescoring.rescore_specs = counting  # type: ignore[assignment]
    task_prerun.connect(prerun, weak=False)
    task_postrun.connect(postrun, weak=False)

    def remove() -> None:
        task_prerun.disconnect(prerun)
        task_postrun.disconnect(postrun)
        if observable:
            rescoring.rescore_specs = original  # type: ignore[assignment]

    return remove


def file_emitter(path: str) -> Callable[[dict], None]:
    """Append each report as one JSON line (the worker's side)."""

    def emit(report: dict) -> None:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(report) + "\n")

    return emit


class FileReports:
    """The bench's side of :func:`file_emitter`: the reports appended since last read."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.offset = 0

    def new(self) -> list[dict]:
        try:
            with open(self.path, encoding="utf-8") as source:
                source.seek(self.offset)
                text = source.read()
        except FileNotFoundError:
            return []
        complete = text[: text.rfind("\n") + 1]
        self.offset += len(complete.encode("utf-8"))
        return [json.loads(line) for line in complete.splitlines() if line]
