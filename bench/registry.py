"""A seeded synthetic registry of IKM suppliers, manufacturers and demands.

Built over the real catalogue (``components.reference.load_reference``) with distributions
meant to look like the field: most IKM are small foundries and machining shops, clustered
in a few sentra regencies (Ceper/Klaten, Tegal, Jepara, Cirebon …); monthly capacities are
log-normal in tonnes and stated per piece or per tonne; some IKM are unverified or inactive;
certificates are often missing and sometimes expired. Rows go in with ``bulk_create`` in
large batches, so 50,000 suppliers take seconds.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import DatabaseError, connection, transaction
from django.db.models import Model
from django.utils import timezone

from components.models import Certification, ComponentType, Material, Process, Regency, Sector
from components.reference import load_reference
from matchmaking.engine.persistence import copy_rows, reset_sequence
from partners.choices import DemandStatus, LegalForm, VerificationStatus
from partners.models import (
    Demand,
    Manufacturer,
    Plant,
    Supplier,
    SupplierCapability,
    SupplierCertification,
)
from partners.sizing import size_class

from .archetypes import (
    ARCHETYPES,
    CERTIFICATE_SHARES,
    PLANT_REGENCIES,
    SECTOR_CERTIFICATIONS,
    Archetype,
)

BATCH = 5000
DEFAULT_SEED = 20261128
MILLI = Decimal("0.001")


@dataclass(frozen=True)
class _Catalogue:
    types: list[ComponentType]
    type_processes: dict[int, set[str]]
    type_materials: dict[int, list[int]]
    type_sector: dict[int, str]
    processes: dict[str, int]
    materials: list[int]
    certifications: dict[str, int]
    regencies: dict[str, tuple[float, float]]
    sectors: dict[str, int]


def _catalogue() -> _Catalogue:
    types = list(ComponentType.objects.select_related("category__sector").order_by("pk"))
    type_processes: dict[int, set[str]] = defaultdict(set)
    for tid, code in ComponentType.required_processes.through.objects.values_list(
        "componenttype_id", "process__code"
    ):
        type_processes[tid].add(code)
    type_materials: dict[int, list[int]] = defaultdict(list)
    for tid, mid in ComponentType.typical_materials.through.objects.order_by(
        "componenttype_id", "material_id"
    ).values_list("componenttype_id", "material_id"):
        type_materials[tid].append(mid)
    return _Catalogue(
        types=types,
        type_processes=dict(type_processes),
        type_materials=dict(type_materials),
        type_sector={t.pk: t.category.sector.code for t in types},
        processes=dict(Process.objects.values_list("code", "pk")),
        materials=list(Material.objects.order_by("pk").values_list("pk", flat=True)),
        certifications=dict(Certification.objects.values_list("code", "pk")),
        regencies={
            code: (lat, lon)
            for code, lat, lon in Regency.objects.values_list("code", "latitude", "longitude")
        },
        sectors=dict(Sector.objects.values_list("code", "pk")),
    )


def _quantity(value: float) -> Decimal:
    return Decimal(str(max(round(value, 3), 0.001))).quantize(MILLI)


class _Generator:
    def __init__(self, catalogue: _Catalogue, seed: int) -> None:
        self.cat = catalogue
        self.rng = random.Random(seed)
        self.today = timezone.localdate()
        self.stamp = _stamp()
        self.regency_codes = sorted(catalogue.regencies)
        self.archetype_types = {
            a.name: [
                t
                for t in catalogue.types
                if catalogue.type_processes.get(t.pk, set()) & set(a.core)
            ]
            for a in ARCHETYPES
        }

    def _location(self, archetype: Archetype) -> tuple[str, str, float | None, float | None]:
        rng = self.rng
        if rng.random() < 0.6:
            regency, sentra = rng.choice(archetype.sentra)
        else:
            regency, sentra = rng.choice(self.regency_codes), ""
        if rng.random() < 0.03:
            return regency, sentra, None, None
        lat, lon = self.cat.regencies[regency]
        lat = min(max(lat + rng.gauss(0, 0.04), -11.4), 6.4)
        lon = min(max(lon + rng.gauss(0, 0.04), 94.6), 141.4)
        return regency, sentra, lat, lon

    def _workforce(self) -> tuple[int, int]:
        rng = self.rng
        workers = max(1, min(int(rng.lognormvariate(2.3, 0.8)), 300))
        investment = int(rng.lognormvariate(20.3, 1.1))
        if workers >= 20:
            investment = min(investment, 15_000_000_000)
        return workers, investment

    def supplier(self, index: int) -> tuple[dict, Archetype]:
        rng = self.rng
        archetype = rng.choices(ARCHETYPES, weights=[a.share for a in ARCHETYPES])[0]
        regency, sentra, lat, lon = self._location(archetype)
        workers, investment = self._workforce()
        roll = rng.random()
        status = (
            VerificationStatus.VERIFIED
            if roll < 0.85
            else VerificationStatus.PENDING
            if roll < 0.95
            else VerificationStatus.REJECTED
            if roll < 0.98
            else VerificationStatus.SUSPENDED
        )
        supplier = {
            "legal_name": f"IKM {archetype.name.replace('_', ' ').title()} {index:05d}",
            "nib": f"{9_100_000_000_000 + index:013d}",
            "legal_form": rng.choices(
                [LegalForm.INDIVIDUAL, LegalForm.CV, LegalForm.PT, LegalForm.COOPERATIVE],
                weights=[0.5, 0.3, 0.15, 0.05],
            )[0],
            "workers": workers,
            "investment_idr": investment,
            "size_class": size_class(workers=workers, investment_idr=investment),
            "regency_id": regency,
            "sentra": sentra,
            "latitude": lat,
            "longitude": lon,
            "verification_status": status,
            "verified_at": self.stamp if status == VerificationStatus.VERIFIED else None,
            "is_active": rng.random() < 0.97,
            "address": "",
            "contact_person": "",
            "contact_phone": "",
            "contact_email": "",
        }
        return supplier, archetype

    def processes(self, archetype: Archetype) -> set[int]:
        codes = set(archetype.core)
        codes |= {code for code, p in archetype.optional if self.rng.random() < p}
        if len(codes) > 1 and self.rng.random() < 0.1:  # a process not declared: near misses
            codes.discard(self.rng.choice(sorted(codes)))
        return {self.cat.processes[c] for c in codes}

    def capabilities(self, supplier_id: int, archetype: Archetype) -> list[tuple[dict, list[int]]]:
        rng = self.rng
        types = self.archetype_types[archetype.name]
        count = min(len(types), 1 + int(rng.expovariate(1.4)))
        tonnes = rng.lognormvariate(0.0, 0.9) * archetype.median_tonnes
        result = []
        for ctype in rng.sample(types, count):
            share_tonnes = tonnes * rng.uniform(0.3, 1.0)
            weight = float(ctype.unit_weight_kg or 1)
            if rng.random() < archetype.states_tonnes:
                capacity, unit = share_tonnes, "ton"
            else:
                capacity, unit = max(share_tonnes * 1000 / weight, 1.0), ctype.unit
            typical = self.cat.type_materials.get(ctype.pk, [])
            roll = rng.random()
            if roll < 0.8 and typical:
                materials = rng.sample(typical, rng.randint(1, len(typical)))
            elif roll < 0.95:
                materials = []
            else:
                materials = [rng.choice(self.cat.materials)]
            minimum = None if rng.random() < 0.5 else capacity * rng.uniform(0.01, 0.1)
            capability = {
                "supplier_id": supplier_id,
                "component_type_id": ctype.pk,
                "monthly_capacity": _quantity(capacity),
                "capacity_unit": unit,
                "minimum_order": _quantity(minimum) if minimum is not None else None,
                "lead_time_days": max(1, min(int(rng.lognormvariate(3.0, 0.5)), 180)),
            }
            result.append((capability, materials))
        return result

    def certificates(self, supplier_id: int, archetype: Archetype) -> list[dict]:
        rng = self.rng
        shares = dict(CERTIFICATE_SHARES)
        if archetype.name in ("wood_furniture", "rattan"):
            shares["svlk"] = 0.7
        elif archetype.name in ("machining", "die_casting", "stamping"):
            shares["iatf-16949"] = 0.04
        elif archetype.name == "foundry":
            shares["iso-ts-22163"] = 0.03
        held = []
        for code, share in shares.items():
            if rng.random() >= share:
                continue
            roll = rng.random()
            if roll < 0.1:
                valid_until = self.today - datetime.timedelta(days=rng.randint(1, 400))
            elif roll < 0.3:
                valid_until = None
            else:
                valid_until = self.today + datetime.timedelta(days=rng.randint(30, 1100))
            held.append(
                {
                    "supplier_id": supplier_id,
                    "certification_id": self.cat.certifications[code],
                    "number": f"{code.upper()}-{supplier_id}",
                    "valid_until": valid_until,
                }
            )
        return held

    def demand(self, manufacturer: Manufacturer, plant: Plant, ctype: ComponentType, index: int):
        rng = self.rng
        weight = float(ctype.unit_weight_kg or 1)
        tonnes = rng.lognormvariate(0.0, 1.1) * 6.0
        cast = "pengecoran" in self.cat.type_processes.get(ctype.pk, set())
        if cast and rng.random() < 0.2:
            quantity, unit = tonnes, "ton"
        else:
            quantity, unit = max(tonnes * 1000 / weight, 1.0), ctype.unit
        typical = self.cat.type_materials.get(ctype.pk, [])
        roll = rng.random()
        demand = Demand(
            manufacturer=manufacturer,
            plant=plant,
            component_type=ctype,
            title=f"{ctype.name_en or ctype.name_id} #{index:05d}",
            material_id=rng.choice(typical) if typical and rng.random() < 0.7 else None,
            quantity_per_month=_quantity(quantity),
            unit=unit,
            duration_months=rng.choice([3, 6, 12, 12, 24, 36]),
            needed_by=self.today + datetime.timedelta(days=rng.randint(20, 240)),
            status=DemandStatus.OPEN
            if roll < 0.92
            else DemandStatus.DRAFT
            if roll < 0.96
            else DemandStatus.CLOSED,
        )
        mandatory: list[int] = []
        roll = rng.random()
        if roll < 0.3:
            mandatory = [self.cat.certifications["sni"]]
        elif roll < 0.45:
            mandatory = [self.cat.certifications["iso-9001"]]
        elif roll < 0.52:
            sector = self.cat.type_sector[ctype.pk]
            mandatory = [self.cat.certifications[SECTOR_CERTIFICATIONS[sector]]]
        preferred = [
            self.cat.certifications[code]
            for code, share in (("tkdn", 0.4), ("iso-9001", 0.2))
            if rng.random() < share and self.cat.certifications[code] not in mandatory
        ]
        extra = (
            [self.cat.processes[rng.choice(["pengecatan", "perlakuan-panas"])]]
            if rng.random() < 0.15
            else []
        )
        return demand, mandatory, preferred, extra


def _bulk(model, objects: Sequence) -> list:
    return model.objects.bulk_create(objects, batch_size=BATCH)


def _insert(model, rows: list[dict]) -> None:
    """Insert plain rows (column attnames → values, ids included) without model instances."""
    if not rows:
        return
    if any(f.name == "created_at" for f in model._meta.concrete_fields):
        now = _stamp()
        for row in rows:
            row["created_at"] = row["updated_at"] = now
    # NOT NULL columns the generator does not set take their model default ("" for text).
    given = set(rows[0])
    for field in model._meta.concrete_fields:
        if field.attname in given or field.null or field.primary_key:
            continue
        if field.has_default() or field.empty_strings_allowed:
            default = field.get_default()
            for row in rows:
                row[field.attname] = default
    columns = list(rows[0])
    copy_rows(model._meta.db_table, columns, [[row[c] for c in columns] for row in rows])


def _skip_foreign_key_checks() -> None:
    """On PostgreSQL, as a superuser, skip the deferred foreign-key triggers for this
    transaction: the rows are consistent by construction and checking 400,000 of them at
    commit costs more than writing them. Elsewhere, or without the right, do nothing."""
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        pass


def _stamp() -> str:
    """The current time as the database stores it (formatted once, not per row)."""
    # the stubs say ``str | None``; PostgreSQL's backend returns the datetime itself
    value: object = connection.ops.adapt_datetimefield_value(timezone.now())
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    assert isinstance(value, str)
    return value


def _first_id(model) -> int:
    return (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1


@transaction.atomic
def generate_registry(*, suppliers: int, demands: int, seed: int = DEFAULT_SEED) -> dict[str, int]:
    """Write the reference data and a synthetic registry; return the number of rows made."""
    load_reference()
    gen = _Generator(_catalogue(), seed)
    _skip_foreign_key_checks()

    supplier_rows: list[dict] = []
    kbli_links: list[dict] = []
    certificates: list[dict] = []
    capabilities: list[dict] = []
    process_links: list[dict] = []
    material_links: list[dict] = []
    type_count: Counter[int] = Counter()
    next_supplier, next_capability = _first_id(Supplier), _first_id(SupplierCapability)
    next_certificate = _first_id(SupplierCertification)
    for index in range(suppliers):
        supplier, archetype = gen.supplier(index)
        supplier["id"] = sid = next_supplier + index
        supplier_rows.append(supplier)
        kbli_links.append({"supplier_id": sid, "kblicode_id": archetype.kbli})
        certificates += gen.certificates(sid, archetype)
        processes = gen.processes(archetype)
        for capability, materials in gen.capabilities(sid, archetype):
            capability["id"] = cid = next_capability + len(capabilities)
            capabilities.append(capability)
            type_count[capability["component_type_id"]] += 1
            process_links += [{"suppliercapability_id": cid, "process_id": p} for p in processes]
            material_links += [{"suppliercapability_id": cid, "material_id": m} for m in materials]
    for offset, certificate in enumerate(certificates):
        certificate["id"] = next_certificate + offset
    _insert(Supplier, supplier_rows)
    _insert(Supplier.kbli_codes.through, kbli_links)
    _insert(SupplierCertification, certificates)
    _insert(SupplierCapability, capabilities)
    _insert(SupplierCapability.processes.through, process_links)
    _insert(SupplierCapability.materials.through, material_links)
    for model in (Supplier, SupplierCertification, SupplierCapability):
        reset_sequence(model)

    manufacturers = _bulk(
        Manufacturer,
        [
            Manufacturer(
                name=f"Pabrikan {i:04d}",
                verification_status=VerificationStatus.VERIFIED,
                verified_at=timezone.now(),
            )
            for i in range(max(3, demands // 40))
        ],
    )
    plants = _bulk(
        Plant,
        [
            Plant(
                manufacturer=m,
                name=f"Plant {j + 1}",
                regency_id=regency,
                latitude=gen.cat.regencies[regency][0],
                longitude=gen.cat.regencies[regency][1],
            )
            for m in manufacturers
            for j, regency in enumerate(gen.rng.sample(PLANT_REGENCIES, gen.rng.randint(1, 3)))
        ],
    )
    plants_of: dict[int, list[Plant]] = defaultdict(list)
    for plant in plants:
        plants_of[plant.manufacturer_id].append(plant)
    types = gen.cat.types
    weights = [type_count[t.pk] + 5 for t in types]
    drafts = []
    for i in range(demands):
        manufacturer = gen.rng.choice(manufacturers)
        plant = gen.rng.choice(plants_of[manufacturer.pk])
        ctype = gen.rng.choices(types, weights=weights)[0]
        drafts.append(gen.demand(manufacturer, plant, ctype, i))
    saved_demands = _bulk(Demand, [d for d, _, _, _ in drafts])
    links: dict[str, list] = defaultdict(list)
    for demand, (_, mandatory, preferred, extra) in zip(saved_demands, drafts, strict=True):
        for field, ids, column in (
            ("mandatory_certifications", mandatory, "certification_id"),
            ("preferred_certifications", preferred, "certification_id"),
            ("required_processes", extra, "process_id"),
        ):
            through = getattr(Demand, field).through
            links[field] += [through(demand_id=demand.pk, **{column: pk}) for pk in ids]
    for field, objects in links.items():
        _bulk(getattr(Demand, field).through, objects)
    _analyze()
    return {
        "suppliers": len(supplier_rows),
        "capabilities": len(capabilities),
        "certificates": len(certificates),
        "manufacturers": len(manufacturers),
        "plants": len(plants),
        "demands": len(saved_demands),
    }


def _analyze() -> None:
    """Refresh PostgreSQL's planner statistics after a bulk load, as autovacuum would
    shortly after; without them the first queries get nested-loop plans."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def clear_registry() -> None:
    """Delete every partner and matching row, leaves first (the catalogue stays)."""
    from matchmaking.models import ConsortiumSuggestion, Match, Partnership, ScoringRun

    tables: list[type[Model]] = [
        Partnership,
        ConsortiumSuggestion,
        Match,
        ScoringRun,
        Demand.required_processes.through,
        Demand.mandatory_certifications.through,
        Demand.preferred_certifications.through,
        Demand,
        Plant,
        Manufacturer.sectors.through,
        Manufacturer.members.through,
        Manufacturer,
        SupplierCapability.processes.through,
        SupplierCapability.materials.through,
        SupplierCapability,
        SupplierCertification,
        Supplier.kbli_codes.through,
        Supplier,
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for model in tables:
            # Table names from model metadata, quoted: no user input reaches this SQL.
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # nosec B608
