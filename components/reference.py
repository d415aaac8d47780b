"""Load the reference data and the base catalogue from ``components/data/``.

Every loader is an idempotent upsert by code: missing rows are created, changed rows updated,
equal rows left alone, so a second run writes nothing. Rows that exist in the database but
not in the files (e.g. added by staff in the admin) are kept. The many-to-many links of the
entries named in ``catalogue.json`` are set to exactly those in the file.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from common.models import TimeStampedModel

from .models import (
    Certification,
    ComponentCategory,
    ComponentType,
    KbliCode,
    Material,
    Process,
    Province,
    Regency,
    Sector,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
REGIONS_CSV = DATA_DIR / "regions.csv"
KBLI_CSV = DATA_DIR / "kbli2020_manufacturing.csv"
CATALOGUE_JSON = DATA_DIR / "catalogue.json"


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _validate(obj: models.Model) -> None:
    """Check field values (lengths, choices, validators) and ``clean()``.

    Foreign keys are resolved from rows loaded in the same run, uniqueness is what the
    upsert guarantees and check constraints are enforced by the database, so those are
    skipped to keep a load to a handful of queries.
    """
    foreign_keys = [f.name for f in obj._meta.concrete_fields if f.is_relation]
    obj.full_clean(exclude=foreign_keys, validate_unique=False, validate_constraints=False)


def _upsert(model: type[models.Model], rows: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """Create or update ``model`` rows keyed by ``code``; return code → primary key.

    ``rows`` maps each code to its other field values, by attribute name (``sector_id``).
    """
    manager = model._default_manager
    existing = manager.in_bulk(list(rows), field_name="code")
    to_create: list[models.Model] = []
    to_update: list[models.Model] = []
    changed_fields: set[str] = set()
    for code, values in rows.items():
        obj = existing.get(code)
        if obj is None:
            obj = model(code=code, **values)
            _validate(obj)
            to_create.append(obj)
            continue
        changed = {name for name, value in values.items() if getattr(obj, name) != value}
        if changed:
            for name in changed:
                setattr(obj, name, values[name])
            _validate(obj)
            to_update.append(obj)
            changed_fields |= changed
    manager.bulk_create(to_create, batch_size=500)
    if to_update:
        if issubclass(model, TimeStampedModel):  # bulk_update skips auto_now: set it here
            now = timezone.now()
            for obj in to_update:
                assert isinstance(obj, TimeStampedModel)
                obj.updated_at = now
            changed_fields.add("updated_at")
        manager.bulk_update(to_update, sorted(changed_fields), batch_size=500)
    return dict(manager.filter(code__in=list(rows)).values_list("code", "pk"))


def _sync_m2m(model: type[models.Model], field_name: str, wanted: Mapping[int, set[Any]]) -> None:
    """Make the ``field_name`` links of each owner pk in ``wanted`` exactly the given pks."""
    field = model._meta.get_field(field_name)
    assert isinstance(field, models.ManyToManyField)
    through = field.remote_field.through
    assert through is not None  # set (auto-created or given) once the apps are loaded
    links = through._default_manager
    source = f"{field.m2m_field_name()}_id"
    target = f"{field.m2m_reverse_field_name()}_id"
    current: dict[int, set[Any]] = defaultdict(set)
    for owner, linked in links.filter(**{f"{source}__in": list(wanted)}).values_list(
        source, target
    ):
        current[owner].add(linked)
    missing = []
    for owner, targets in wanted.items():
        extra = current[owner] - targets
        if extra:
            links.filter(**{source: owner, f"{target}__in": extra}).delete()
        missing += [through(**{source: owner, target: t}) for t in targets - current[owner]]
    links.bulk_create(missing, batch_size=500)


def _pk(pks: Mapping[str, Any], code: str | None, what: str) -> Any:
    """The primary key of ``code`` in ``pks`` (code → pk); None for no code."""
    if code is None or code == "":
        return None
    try:
        return pks[code]
    except KeyError:
        raise ValueError(f"catalogue.json names an unknown {what}: {code}") from None


def _pks(pks: Mapping[str, Any], codes: Iterable[str], what: str) -> set[Any]:
    return {_pk(pks, code, what) for code in codes}


@transaction.atomic
def load_regions() -> dict[str, int]:
    """Upsert the 38 provinces and 514 regencies/cities from ``regions.csv``."""
    rows = _read_csv(REGIONS_CSV)
    provinces = {
        row["code"]: {
            "name": row["name"],
            "latitude": float(row["latitude"]),
            "longitude": float(row["longitude"]),
        }
        for row in rows
        if row["level"] == "province"
    }
    regencies = {
        row["code"]: {
            "province_id": row["province_code"],
            "name": row["name"],
            "latitude": float(row["latitude"]),
            "longitude": float(row["longitude"]),
        }
        for row in rows
        if row["level"] == "regency"
    }
    unknown = {row["province_code"] for row in rows if row["level"] == "regency"} - provinces.keys()
    if unknown:
        raise ValueError(f"regions.csv: regencies of unknown provinces {sorted(unknown)}")
    _upsert(Province, provinces)
    _upsert(Regency, regencies)
    return {"provinces": len(provinces), "regencies": len(regencies)}


@transaction.atomic
def load_kbli() -> dict[str, int]:
    """Upsert the KBLI 2020 manufacturing codes (2 to 5 digits)."""
    rows = {
        row["code"]: {"title": row["title_id"], "description": row["description_id"]}
        for row in _read_csv(KBLI_CSV)
    }
    _upsert(KbliCode, rows)
    return {"kbli_codes": len(rows)}


def _load_categories(rows: list[dict[str, Any]], sectors: Mapping[str, int]) -> dict[str, int]:
    """Upsert the category tree level by level, so every parent exists before its children."""
    loaded: dict[str, int] = {}
    pending = list(rows)
    while pending:
        ready = [r for r in pending if r["parent"] is None or r["parent"] in loaded]
        if not ready:
            codes = sorted(r["code"] for r in pending)
            raise ValueError(f"catalogue.json: categories with unknown parents: {codes}")
        loaded |= _upsert(
            ComponentCategory,
            {
                r["code"]: {
                    "name_id": r["name_id"],
                    "name_en": r["name_en"],
                    "sector_id": _pk(sectors, r["sector"], "sector"),
                    "parent_id": _pk(loaded, r["parent"], "category"),
                }
                for r in ready
            },
        )
        pending = [r for r in pending if r["code"] not in loaded]
    return loaded


@transaction.atomic
def load_catalogue() -> dict[str, int]:
    """Upsert sectors, processes, materials, certifications, categories and component types.

    Needs the KBLI codes (``load_kbli``) loaded first.
    """
    data = json.loads(CATALOGUE_JSON.read_text(encoding="utf-8"))
    kbli = {code: code for code in KbliCode.objects.values_list("code", flat=True)}

    sectors = _upsert(
        Sector,
        {s["code"]: {"name_id": s["name_id"], "name_en": s["name_en"]} for s in data["sectors"]},
    )
    _sync_m2m(
        Sector,
        "kbli_codes",
        {sectors[s["code"]]: _pks(kbli, s["kbli"], "KBLI code") for s in data["sectors"]},
    )
    processes = _upsert(
        Process,
        {p["code"]: {"name_id": p["name_id"], "name_en": p["name_en"]} for p in data["processes"]},
    )
    materials = _upsert(
        Material,
        {
            m["code"]: {"name_id": m["name_id"], "name_en": m["name_en"], "family": m["family"]}
            for m in data["materials"]
        },
    )
    _upsert(
        Certification,
        {
            c["code"]: {
                "name": c["name"],
                "kind": c["kind"],
                "issuer": c["issuer"],
                "description": c["description"],
            }
            for c in data["certifications"]
        },
    )
    categories = _load_categories(data["component_categories"], sectors)

    types = data["component_types"]
    component_types = _upsert(
        ComponentType,
        {
            t["code"]: {
                "name_id": t["name_id"],
                "name_en": t["name_en"],
                "category_id": _pk(categories, t["category"], "category"),
                "description": t["description"],
                "unit": t["unit"],
                "unit_weight_kg": Decimal(t["unit_weight_kg"]) if t["unit_weight_kg"] else None,
                "kbli_id": _pk(kbli, t["kbli"], "KBLI code"),
                "hs_code": t["hs_code"],
            }
            for t in types
        },
    )
    _sync_m2m(
        ComponentType,
        "typical_materials",
        {component_types[t["code"]]: _pks(materials, t["materials"], "material") for t in types},
    )
    _sync_m2m(
        ComponentType,
        "required_processes",
        {component_types[t["code"]]: _pks(processes, t["processes"], "process") for t in types},
    )
    return {
        "sectors": len(data["sectors"]),
        "processes": len(data["processes"]),
        "materials": len(data["materials"]),
        "certifications": len(data["certifications"]),
        "component_categories": len(data["component_categories"]),
        "component_types": len(types),
    }


@transaction.atomic
def load_reference() -> dict[str, int]:
    """Load regions, KBLI codes and the catalogue; return the number of rows per table."""
    return {**load_regions(), **load_kbli(), **load_catalogue()}
