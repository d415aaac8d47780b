"""Read side of the supplier directory, map and profile (free capacity itself is computed
in SQL by :mod:`.capacity`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.db.models import (
    Prefetch,
    Q,
    QuerySet,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from components.models import Province
from matchmaking.choices import REVIEWED_MATCH_STATUSES, MatchKind
from matchmaking.engine.explanations import language
from matchmaking.models import Match, Partnership
from matchmaking.scoring.texts import UNIT_LABELS, Lang, format_number, format_quantity
from partners.models import Supplier, SupplierCapability, SupplierCertification

from .coaching import lack_of, reason_labels

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from .capacity import CapabilityWithCapacity

from .capacity import capabilities_with_capacity, valid_certifications

PROFILE_MATCH_LIMIT = 100
"""Matches listed on a profile (best first); the page says when there are more."""


class DirectoryPrefetch(TypedDict):
    """What :func:`supplier_list` prefetches into an attribute of each supplier."""

    valid_certifications: list[SupplierCertification]


if TYPE_CHECKING:  # WithAnnotations takes one argument at run time
    DirectorySupplier = WithAnnotations[Supplier, DirectoryPrefetch]


# --- the directory -------------------------------------------------------------------


def directory_base() -> QuerySet[Supplier]:
    """Every active supplier, in directory order (the FilterSet's starting queryset)."""
    return Supplier.objects.filter(is_active=True).order_by("legal_name", "pk")


def supplier_list(*, suppliers: QuerySet[Supplier]) -> QuerySet[DirectorySupplier]:
    """A filtered supplier queryset with what a directory row, an export row or an API
    item reads: region, capabilities with free capacity, processes, materials, the
    certificates valid today; a fixed number of queries per page."""
    capabilities = capabilities_with_capacity(
        SupplierCapability.objects.select_related("component_type").order_by(
            "component_type__name_id", "pk"
        )
    ).prefetch_related("processes", "materials")
    listed = suppliers.select_related("regency__province").prefetch_related(
        Prefetch("capabilities", queryset=capabilities),
        Prefetch(
            "certifications",
            queryset=valid_certifications()
            .select_related("certification")
            .order_by("certification__name", "pk"),
            to_attr="valid_certifications",
        ),
    )
    # a Prefetch's ``to_attr`` is invisible to the type checker: name what it adds
    return cast("QuerySet[DirectorySupplier]", listed)


@dataclass(frozen=True)
class CapacityLine:
    component_type: str
    free: str
    capacity: str
    unit: str
    committed: str = ""


@dataclass(frozen=True)
class DirectoryRow:
    """One supplier of the directory table, pre-formatted in the reader's language."""

    supplier: Supplier
    processes: list[str]
    materials: list[str]
    component_types: list[str]
    certifications: list[str]
    capacities: list[CapacityLine] = field(default_factory=list)


def _quantity(value: float | Decimal | None, lang: Lang | None = None) -> str:
    return "" if value is None else format_quantity(float(value), lang or language())


def _unit(unit: str) -> str:
    return UNIT_LABELS.get(unit, unit)


def _names(items: Iterable[Any]) -> list[str]:
    return sorted({str(item) for item in items})


def capacity_line(capability: CapabilityWithCapacity) -> CapacityLine:
    return CapacityLine(
        component_type=str(capability.component_type),
        free=_quantity(capability.free),
        capacity=_quantity(capability.monthly_capacity),
        unit=_unit(capability.capacity_unit),
        committed=_quantity(capability.committed),
    )


def directory_rows(suppliers: Iterable[DirectorySupplier]) -> list[DirectoryRow]:
    """Rows of suppliers loaded through :func:`supplier_list` (no further queries)."""
    rows = []
    for supplier in suppliers:
        # prefetched through capabilities_with_capacity (see supplier_list)
        capabilities = cast("list[CapabilityWithCapacity]", list(supplier.capabilities.all()))
        rows.append(
            DirectoryRow(
                supplier=supplier,
                processes=_names(p for c in capabilities for p in c.processes.all()),
                materials=_names(m for c in capabilities for m in c.materials.all()),
                component_types=_names(c.component_type for c in capabilities),
                certifications=_names(h.certification for h in supplier.valid_certifications),
                capacities=[capacity_line(c) for c in capabilities],
            )
        )
    return rows


# --- the export ----------------------------------------------------------------------


@dataclass
class ExportRow:
    """One supplier of the directory export, from plain values (no model instances)."""

    values: dict[str, Any]
    component_types: list[str] = field(default_factory=list)
    processes: list[str] = field(default_factory=list)
    materials: list[str] = field(default_factory=list)
    certifications: list[str] = field(default_factory=list)
    capacities: list[CapacityLine] = field(default_factory=list)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]


EXPORT_FIELDS = (
    "pk",
    "legal_name",
    "nib",
    "legal_form",
    "size_class",
    "workers",
    "investment_idr",
    "regency_id",
    "regency__name",
    "regency__province__name",
    "sentra",
    "address",
    "latitude",
    "longitude",
    "verification_status",
    "contact_person",
    "contact_phone",
    "contact_email",
)


def export_rows(*, suppliers: QuerySet[Supplier]) -> list[ExportRow]:
    """Every filtered supplier for a spreadsheet, in five ``values()`` queries whatever
    their number (model instances cost ~2 ms a supplier; 50,000 took minutes)."""
    lang = language()
    english = lang == "en"

    def name(name_id: str, name_en: str) -> str:
        return name_en if english and name_en else name_id

    rows = {
        values["pk"]: ExportRow(values)
        for values in suppliers.order_by("legal_name", "pk").values(*EXPORT_FIELDS)
    }
    wanted = suppliers.order_by().values("pk")
    capability_supplier: dict[int, int] = {}
    for cap_id, supplier_id, type_id, type_en, capacity, unit, committed, free in (
        capabilities_with_capacity(SupplierCapability.objects.filter(supplier_id__in=wanted))
        .order_by("component_type__name_id", "pk")
        .values_list(
            "pk",
            "supplier_id",
            "component_type__name_id",
            "component_type__name_en",
            "monthly_capacity",
            "capacity_unit",
            "committed",
            "free",
        )
    ):
        capability_supplier[cap_id] = supplier_id
        row = rows[supplier_id]
        type_name = name(type_id, type_en)
        row.component_types.append(type_name)
        row.capacities.append(
            CapacityLine(
                type_name,
                _quantity(free, lang),
                _quantity(capacity, lang),
                _unit(unit),
                _quantity(committed, lang),
            )
        )
    for relation, column, target in (
        (SupplierCapability.processes.through, "process", "processes"),
        (SupplierCapability.materials.through, "material", "materials"),
    ):
        pairs = relation.objects.filter(suppliercapability__supplier_id__in=wanted).values_list(
            "suppliercapability_id", f"{column}__name_id", f"{column}__name_en"
        )
        for cap_id, name_id, name_en in pairs:
            getattr(rows[capability_supplier[cap_id]], target).append(name(name_id, name_en))
    for supplier_id, certificate in (
        valid_certifications()
        .filter(supplier_id__in=wanted)
        .values_list("supplier_id", "certification__name")
    ):
        rows[supplier_id].certifications.append(certificate)
    for row in rows.values():
        row.component_types = sorted(set(row.component_types))
        row.processes = sorted(set(row.processes))
        row.materials = sorted(set(row.materials))
        row.certifications = sorted(set(row.certifications))
    return list(rows.values())


# --- the map -------------------------------------------------------------------------


def map_points(*, suppliers: QuerySet[Supplier]) -> list[tuple[int, str, str, float, float]]:
    """``(id, legal name, sentra, latitude, longitude)`` of each filtered supplier with a
    location (its own, else its regency's centre), as plain tuples: no model instances."""
    return list(
        suppliers.annotate(
            lat=Coalesce("latitude", "regency__latitude"),
            lon=Coalesce("longitude", "regency__longitude"),
        )
        .filter(lat__isnull=False, lon__isnull=False)
        .order_by()
        .values_list("pk", "legal_name", "sentra", "lat", "lon")
    )


def province_centres() -> list[dict[str, Any]]:
    """The provinces' centres, drawn lightly on a map without tiles."""
    return [
        {"code": code, "name": name, "lat": lat, "lon": lon}
        for code, name, lat, lon in Province.objects.order_by("code").values_list(
            "code", "name", "latitude", "longitude"
        )
    ]


# --- the profile ---------------------------------------------------------------------


@dataclass(frozen=True)
class MatchLine:
    match: Match
    lacks: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SupplierProfile:
    supplier: Supplier
    investment: str
    coordinates: str
    capabilities: list[tuple[SupplierCapability, CapacityLine]]
    certifications: list[tuple[SupplierCertification, bool]]
    """Every certificate held, with whether it is valid today."""
    matches: list[MatchLine]
    more_matches: int
    near_misses: list[MatchLine]
    partnerships: Sequence[Partnership]


def supplier_profile(*, pk: int) -> SupplierProfile:
    """A supplier (active or not) with its capabilities, certificates, current and reviewed
    matches, current near misses with what each lacks, and partnerships; 404 if unknown."""
    supplier = get_object_or_404(
        Supplier.objects.select_related("regency__province", "owner").prefetch_related(
            "kbli_codes"
        ),
        pk=pk,
    )
    capabilities = list(
        capabilities_with_capacity(supplier.capabilities.select_related("component_type"))
        .prefetch_related("processes", "materials")
        .order_by("component_type__name_id", "pk")
    )
    today = timezone.localdate()
    certifications = [
        (held, held.valid_until is None or held.valid_until >= today)
        for held in supplier.certifications.select_related("certification").order_by(
            "certification__name", "-valid_until"
        )
    ]
    listed = (
        Match.objects.filter(supplier=supplier)
        .filter(Q(kind=MatchKind.MATCH, is_current=True) | Q(status__in=REVIEWED_MATCH_STATUSES))
        .select_related("demand__manufacturer", "demand__component_type")
        .order_by("-is_current", "-score", "pk")
    )
    matches = list(listed[:PROFILE_MATCH_LIMIT])
    more = max(listed.count() - len(matches), 0) if len(matches) == PROFILE_MATCH_LIMIT else 0
    near = list(
        Match.objects.filter(supplier=supplier, kind=MatchKind.NEAR_MISS, is_current=True)
        .exclude(status__in=REVIEWED_MATCH_STATUSES)
        .select_related("demand__manufacturer", "demand__component_type")
        .order_by("-score", "pk")[:PROFILE_MATCH_LIMIT]
    )
    labels = reason_labels(row.failed_constraints for row in near + matches)
    lang = language()
    partnerships = list(
        Partnership.objects.filter(supplier=supplier)
        .select_related("demand__manufacturer", "demand__component_type")
        .order_by("-stage_changed_at", "pk")
    )
    lat = supplier.latitude if supplier.latitude is not None else supplier.regency.latitude
    lon = supplier.longitude if supplier.longitude is not None else supplier.regency.longitude
    return SupplierProfile(
        supplier=supplier,
        investment=format_number(supplier.investment_idr, lang),
        coordinates=f"{lat:.5f}, {lon:.5f}" if lat is not None and lon is not None else "",
        capabilities=[(c, capacity_line(c)) for c in capabilities],
        certifications=certifications,
        matches=[
            MatchLine(m, [lack_of(f, labels, lang).label for f in m.failed_constraints or []])
            for m in matches
        ],
        more_matches=more,
        near_misses=[
            MatchLine(m, [lack_of(f, labels, lang).label for f in m.failed_constraints or []])
            for m in near
        ],
        partnerships=partnerships,
    )
