"""Read side of the coaching view (*pembinaan*): from the current near misses, what each IKM
lacks to qualify for an open demand, grouped by that lack or by sentra.

A near miss fails exactly one hard-constraint item, stored in ``Match.failed_constraints``
as a reason (``matchmaking.scoring.reasons``): a missing or expired certification, a
missing process, a material it does not work with, or no free capacity. Everything is
aggregated in one pass over ``values()`` rows: two queries for the rows, a few for the
catalogue names, whatever the number of near misses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from components.models import Certification, Material, Process
from matchmaking.choices import MatchKind
from matchmaking.engine.explanations import language
from matchmaking.models import Match
from matchmaking.scoring.facts import Facts
from matchmaking.scoring.reasons import Reason, ReasonCode
from matchmaking.scoring.texts import UNIT_LABELS, Labels, Lang, format_quantity, render
from matchmaking.scoring.units import UNITS
from partners.choices import DemandStatus

# Lack kinds: the first part of a lack key such as "certification:5".
CERTIFICATION = "certification"
RENEWAL = "renewal"
PROCESS = "process"
MATERIAL = "material"
CAPACITY = "capacity"
OTHER = "other"

_KIND_OF_CODE = {
    ReasonCode.MISSING_CERTIFICATION: (CERTIFICATION, "certification_ids"),
    ReasonCode.EXPIRED_CERTIFICATION: (RENEWAL, "certification_ids"),
    ReasonCode.MISSING_PROCESS: (PROCESS, "process_ids"),
    ReasonCode.MATERIAL_MISMATCH: (MATERIAL, "material_id"),
    ReasonCode.NO_FREE_CAPACITY: (CAPACITY, None),
}
GROUP_PREVIEW = 5
"""IKM listed under each lack on the overview; the lack's own page lists them all."""


@dataclass(frozen=True)
class Lack:
    """One thing a near miss lacks: ``key`` is stable (URLs, exports), ``label`` is in the
    reader's language."""

    key: str
    kind: str
    label: str


def _lack_keys(failure: Mapping[str, Any]) -> list[tuple[str, str, int | None]]:
    """``(key, kind, catalogue id)`` for each item of a stored failure."""
    try:
        code = ReasonCode(str(failure.get("code")))
    except ValueError:
        return [(f"{OTHER}:{failure.get('code')}", OTHER, None)]
    kind, param = _KIND_OF_CODE.get(code, (OTHER, None))
    if kind == OTHER:
        return [(f"{OTHER}:{code.value}", OTHER, None)]
    if param is None:
        return [(kind, kind, None)]
    value = (failure.get("params") or {}).get(param)
    ids = value if isinstance(value, list) else [value]
    return [(f"{kind}:{int(i)}", kind, int(i)) for i in ids if i is not None]


def reason_labels(failure_lists: Iterable[Iterable[Mapping[str, Any]] | None]) -> Labels:
    """Catalogue names (Indonesian, English) for the ids these stored failures mention:
    at most three small queries."""
    ids: dict[str, set[int]] = defaultdict(set)
    for failures in failure_lists:
        for failure in failures or ():
            for _key, kind, ref in _lack_keys(failure):
                if ref is not None:
                    ids[kind].add(ref)
    certifications = ids[CERTIFICATION] | ids[RENEWAL]

    def bilingual(model, wanted: set[int]) -> dict[int, tuple[str, str]]:
        if not wanted:
            return {}
        return {
            pk: (name_id, name_en or name_id)
            for pk, name_id, name_en in model.objects.filter(pk__in=wanted).values_list(
                "pk", "name_id", "name_en"
            )
        }

    return Labels(
        certifications={
            pk: (name, name)
            for pk, name in Certification.objects.filter(pk__in=certifications).values_list(
                "pk", "name"
            )
        }
        if certifications
        else {},
        processes=bilingual(Process, ids[PROCESS]),
        materials=bilingual(Material, ids[MATERIAL]),
    )


def _name(names: Mapping[int, tuple[str, str]], ref: int | None, lang: Lang) -> str:
    pair = names.get(ref) if ref is not None else None
    if pair is None:
        return f"#{ref}"
    return pair[1] if lang == "en" else pair[0]


def lack_label(kind: str, ref: int | None, labels: Labels, lang: Lang, code: str = "") -> str:
    if kind == CERTIFICATION:
        return _("Certification: %(name)s") % {"name": _name(labels.certifications, ref, lang)}
    if kind == RENEWAL:
        return _("Renew certification: %(name)s") % {
            "name": _name(labels.certifications, ref, lang)
        }
    if kind == PROCESS:
        return _("Process: %(name)s") % {"name": _name(labels.processes, ref, lang)}
    if kind == MATERIAL:
        return _("Material: %(name)s") % {"name": _name(labels.materials, ref, lang)}
    if kind == CAPACITY:
        return _("More free capacity")
    try:
        return render(Reason(ReasonCode(code)), "en" if lang == "en" else "id", labels)
    except (ValueError, KeyError):
        return code or _("Other")


def lack_of(failure: Mapping[str, Any], labels: Labels, lang: Lang | None = None) -> Lack:
    """The (first) lack of one stored failure, labelled."""
    lang = lang or language()
    keys = _lack_keys(failure)
    key, kind, ref = keys[0] if keys else (OTHER, OTHER, None)
    return Lack(key, kind, lack_label(kind, ref, labels, lang, str(failure.get("code", ""))))


# --- rows ----------------------------------------------------------------------------


def coaching_base() -> QuerySet[Match]:
    """Current near misses of active suppliers for open demands (the FilterSet's start)."""
    return Match.objects.filter(
        kind=MatchKind.NEAR_MISS,
        is_current=True,
        demand__status=DemandStatus.OPEN,
        supplier__is_active=True,
    )


ROW_FIELDS = (
    "pk",
    "supplier_id",
    "supplier__legal_name",
    "supplier__nib",
    "supplier__sentra",
    "supplier__regency_id",
    "supplier__regency__name",
    "supplier__regency__province__name",
    "demand_id",
    "demand__title",
    "demand__manufacturer__name",
    "demand__quantity_per_month",
    "demand__unit",
    "failed_constraints",
)


@dataclass(frozen=True)
class DemandRef:
    id: int
    title: str
    manufacturer: str
    quantity: Decimal
    unit: str

    @property
    def quantity_text(self) -> str:
        return f"{format_quantity(float(self.quantity), language())} {UNIT_LABELS.get(self.unit, self.unit)}"


@dataclass
class CoachedSupplier:
    """One IKM under a lack: where it is, which open demands the lack keeps it from."""

    id: int
    name: str
    nib: str
    sentra: str
    regency: str
    province: str
    demands: list[DemandRef] = field(default_factory=list)
    free_capacity: str = ""
    """For a capacity lack: its free capacity now (``0 pcs``)."""


@dataclass
class LackGroup:
    lack: Lack
    suppliers: dict[int, CoachedSupplier] = field(default_factory=dict)
    demands: dict[int, DemandRef] = field(default_factory=dict)

    @property
    def ikm_count(self) -> int:
        return len(self.suppliers)

    @property
    def demand_count(self) -> int:
        return len(self.demands)

    @property
    def volume(self) -> str:
        """Monthly volume of the demands it would unlock, per unit (``2.000 pcs + 5 ton``)."""
        return volume_text(self.demands.values())

    def supplier_list(self) -> list[CoachedSupplier]:
        return sorted(self.suppliers.values(), key=lambda s: (-len(s.demands), s.name, s.id))

    @property
    def preview(self) -> list[CoachedSupplier]:
        return self.supplier_list()[:GROUP_PREVIEW]

    @property
    def more(self) -> int:
        return max(self.ikm_count - GROUP_PREVIEW, 0)


@dataclass
class SentraGroup:
    sentra: str
    suppliers: set[int] = field(default_factory=set)
    demands: dict[int, DemandRef] = field(default_factory=dict)
    lacks: dict[str, LackGroup] = field(default_factory=dict)

    @property
    def ikm_count(self) -> int:
        return len(self.suppliers)

    @property
    def demand_count(self) -> int:
        return len(self.demands)

    @property
    def volume(self) -> str:
        return volume_text(self.demands.values())

    def lack_list(self) -> list[LackGroup]:
        return _ordered(self.lacks.values())


def volume_text(demands: Iterable[DemandRef]) -> str:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for demand in demands:
        totals[demand.unit] += demand.quantity
    lang = language()
    return " + ".join(
        f"{format_quantity(float(total), lang)} {UNIT_LABELS.get(unit, unit)}"
        for unit, total in sorted(totals.items(), key=lambda item: UNITS.index(item[0]))
    )


def _ordered(groups: Iterable[LackGroup]) -> list[LackGroup]:
    return sorted(groups, key=lambda g: (-g.ikm_count, -g.demand_count, g.lack.label))


@dataclass
class Coaching:
    """The near misses in one view: by lack and by sentra."""

    by_lack: list[LackGroup]
    by_sentra: list[SentraGroup]
    ikm_count: int
    demand_count: int
    near_miss_count: int

    def group(self, key: str) -> LackGroup | None:
        return next((g for g in self.by_lack if g.lack.key == key), None)


def _free_capacities(near_misses: QuerySet[Match], rows: Sequence[dict]) -> dict[int, str]:
    """Free capacity now (from the stored facts) of the rows whose lack is capacity."""
    ids = [
        row["pk"]
        for row in rows
        if any(f.get("code") == ReasonCode.NO_FREE_CAPACITY for f in row["failed_constraints"])
    ]
    if not ids:
        return {}
    lang = language()
    found = {}
    for pk, explanation in near_misses.filter(pk__in=ids).values_list("pk", "explanation"):
        try:
            facts = Facts._make((explanation or {})["row"])
            unit = UNITS[facts.unit]
            found[pk] = f"{format_quantity(float(facts.free), lang)} {UNIT_LABELS.get(unit, unit)}"
        except (KeyError, TypeError, IndexError, ValueError):
            continue
    return found


def coaching_rows(*, near_misses: QuerySet[Match]) -> list[dict[str, Any]]:
    """The near misses as plain rows (one query), by IKM name."""
    return list(
        near_misses.order_by("supplier__legal_name", "supplier_id", "demand_id").values(*ROW_FIELDS)
    )


def coaching(*, near_misses: QuerySet[Match]) -> Coaching:
    """Group filtered near misses by what they lack and by sentra, in one pass."""
    rows = coaching_rows(near_misses=near_misses)
    labels = reason_labels(row["failed_constraints"] for row in rows)
    free = _free_capacities(near_misses, rows)
    lang = language()
    by_lack: dict[str, LackGroup] = {}
    by_sentra: dict[str, SentraGroup] = {}
    suppliers: set[int] = set()
    demands: set[int] = set()
    for row in rows:
        demand = DemandRef(
            id=row["demand_id"],
            title=row["demand__title"],
            manufacturer=row["demand__manufacturer__name"],
            quantity=row["demand__quantity_per_month"],
            unit=row["demand__unit"],
        )
        suppliers.add(row["supplier_id"])
        demands.add(demand.id)
        sentra = by_sentra.setdefault(row["supplier__sentra"], SentraGroup(row["supplier__sentra"]))
        sentra.suppliers.add(row["supplier_id"])
        sentra.demands[demand.id] = demand
        for failure in row["failed_constraints"] or ():
            for key, kind, ref in _lack_keys(failure):
                if key not in by_lack:
                    label = lack_label(kind, ref, labels, lang, str(failure.get("code", "")))
                    by_lack[key] = LackGroup(Lack(key, kind, label))
                for groups in (by_lack, sentra.lacks):
                    group = groups.setdefault(key, LackGroup(by_lack[key].lack))
                    coached = group.suppliers.get(row["supplier_id"])
                    if coached is None:
                        coached = group.suppliers[row["supplier_id"]] = CoachedSupplier(
                            id=row["supplier_id"],
                            name=row["supplier__legal_name"],
                            nib=row["supplier__nib"],
                            sentra=row["supplier__sentra"],
                            regency=row["supplier__regency__name"],
                            province=row["supplier__regency__province__name"],
                        )
                    coached.demands.append(demand)
                    if kind == CAPACITY and row["pk"] in free:
                        coached.free_capacity = free[row["pk"]]
                    group.demands[demand.id] = demand
    return Coaching(
        by_lack=_ordered(by_lack.values()),
        by_sentra=sorted(
            by_sentra.values(), key=lambda s: (-s.ikm_count, s.sentra == "", s.sentra)
        ),
        ikm_count=len(suppliers),
        demand_count=len(demands),
        near_miss_count=len(rows),
    )


@dataclass(frozen=True)
class CoachingExportRow:
    lack: str
    supplier: CoachedSupplier
    demand: DemandRef


def coaching_export_rows(result: Coaching, lack: str = "") -> list[CoachingExportRow]:
    """One row per IKM, demand and lack, in the order of the page."""
    groups = [g for g in result.by_lack if not lack or g.lack.key == lack]
    return [
        CoachingExportRow(group.lack.label, coached, demand)
        for group in groups
        for coached in group.supplier_list()
        for demand in coached.demands
    ]
