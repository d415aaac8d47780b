"""Load the demo scenario of ``matchmaking.demo.data`` into the database.

Idempotent: every row is found by its natural key (username, supplier NIB, manufacturer
name, (manufacturer, plant name), (manufacturer, demand title), (supplier, component type)
for capabilities and (supplier, certification, number) for certificates) and updated to
the data, so a rerun leaves the same rows; rows already equal to the data are not written.
Dates are relative to the day of loading, and a demo password that was changed is reset to
``data.PASSWORD``. Each instance is validated with ``full_clean()`` before it is saved, like
user input.

Rows are written directly rather than through ``partners.services`` (which refuse, rightly,
what a demo needs: expired certificates, closed demands) and no ``partners.events`` are sent:
instead of one rescore per row, the ``load_demo`` command starts one full rescore afterwards.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify

from components.models import (
    Certification,
    ComponentType,
    KbliCode,
    Material,
    Process,
    Regency,
    Sector,
)
from components.reference import load_reference
from partners.choices import DemandStatus, VerificationStatus
from partners.models import (
    Demand,
    Manufacturer,
    Plant,
    Supplier,
    SupplierCapability,
    SupplierCertification,
    User,
)

from .. import roles
from . import data

CERTIFICATE_TERM = datetime.timedelta(days=3 * 365)
THOUSANDTH = Decimal("0.001")


@dataclass(frozen=True)
class _Catalogue:
    """The reference rows the scenario names, by code."""

    regencies: Mapping[str, Regency]
    kbli: Mapping[str, KbliCode]
    sectors: Mapping[str, Sector]
    component_types: Mapping[str, ComponentType]
    materials: Mapping[str, Material]
    processes: Mapping[str, Process]
    certifications: Mapping[str, Certification]

    @classmethod
    def fetch(cls) -> _Catalogue:
        return cls(
            regencies=Regency.objects.in_bulk(),
            kbli=KbliCode.objects.in_bulk({code for row in data.SUPPLIERS for code in row["kbli"]}),
            sectors=Sector.objects.in_bulk(field_name="code"),
            component_types=ComponentType.objects.in_bulk(field_name="code"),
            materials=Material.objects.in_bulk(field_name="code"),
            processes=Process.objects.in_bulk(field_name="code"),
            certifications=Certification.objects.in_bulk(field_name="code"),
        )


def _pick(index: Mapping[str, Any], codes: Iterable[str]) -> list[Any]:
    return [index[code] for code in codes]


def _save(obj: models.Model, values: Mapping[str, Any], *, exclude: Iterable[str] = ()) -> bool:
    """Set ``values`` (by attribute name) on ``obj``; validate and save it only if it is new
    or a value changed, so a rerun leaves unchanged rows untouched. Returns whether it saved."""
    changed = obj._state.adding
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    if changed:
        obj.full_clean(exclude=list(exclude))
        obj.save()
    return changed


def _verification(organisation: Supplier | Manufacturer, status: str) -> dict[str, Any]:
    """Verification fields; ``verified_at`` keeps the time the demo first verified it."""
    verified = status == VerificationStatus.VERIFIED
    verified_at = (organisation.verified_at or timezone.now()) if verified else None
    return {"verification_status": status, "verified_at": verified_at}


def _load_users() -> dict[str, User]:
    # The roles of matchmaking.roles (ensured after every migrate; again here, in case the
    # database was migrated before they existed). Earlier demos made a group holding every
    # permission of the partners app, including the users': it goes.
    groups = roles.ensure_roles()
    Group.objects.filter(name__in=data.RETIRED_GROUPS).delete()
    users = {}
    for row in data.USERS:
        user = User.objects.filter(username=row["username"]).first()
        user = user or User(username=row["username"])
        values = {
            field: row[field]
            for field in ("first_name", "last_name", "email", "is_staff", "is_superuser")
        }
        if user._state.adding or not user.check_password(data.PASSWORD):
            values["password"] = make_password(data.PASSWORD)
        _save(user, {**values, "is_active": True})
        user.groups.set(_pick(groups, row["groups"]))
        users[user.username] = user
    return users


def _contact(row: Mapping[str, Any], index: int) -> dict[str, str]:
    """An obviously fake contact for an IKM: a demo name, 0800 number, @example.id e-mail."""
    return {
        "contact_person": f"{data.CONTACT_NAMES[index % len(data.CONTACT_NAMES)]} (demo)",
        "contact_phone": f"0800 {row['nib'][4:8]} {row['nib'][8:]}",
        "contact_email": f"{slugify(row['name'])}@example.id",
    }


def _capabilities(row: Mapping[str, Any]) -> dict[str, tuple]:
    """Component type code → capability of a supplier row; the first profile wins."""
    wanted: dict[str, tuple] = {}
    for profile in row["profiles"]:
        for capability in data.PROFILES[profile]:
            wanted.setdefault(capability[0], capability)
    return wanted


def _scaled(value: float, scale: float) -> Decimal:
    return Decimal(str(value * scale)).quantize(THOUSANDTH)


def _load_capabilities(supplier: Supplier, row: Mapping[str, Any], cat: _Catalogue) -> int:
    existing = {c.component_type_id: c for c in supplier.capabilities.all()}
    wanted = _capabilities(row)
    for code, (_, materials, processes, capacity, unit, lead_time, minimum) in wanted.items():
        component_type = cat.component_types[code]
        capability = existing.pop(component_type.pk, None) or SupplierCapability(
            supplier=supplier, component_type=component_type
        )
        _save(
            capability,
            {
                "monthly_capacity": _scaled(capacity, row["scale"]),
                "capacity_unit": unit,
                "minimum_order": _scaled(minimum, row["scale"]),
                "lead_time_days": lead_time,
            },
        )
        capability.materials.set(_pick(cat.materials, materials))
        capability.processes.set(_pick(cat.processes, processes))
    SupplierCapability.objects.filter(pk__in=[c.pk for c in existing.values()]).delete()
    return len(wanted)


def _load_certificates(
    supplier: Supplier, row: Mapping[str, Any], cat: _Catalogue, today: datetime.date
) -> int:
    existing = {(c.certification_id, c.number): c for c in supplier.certifications.all()}
    for code, valid_days in row["certs"]:
        certification = cat.certifications[code]
        number = f"DEMO-{code.upper()}-{supplier.nib[4:]}"
        held = existing.pop((certification.pk, number), None) or SupplierCertification(
            supplier=supplier, certification=certification, number=number
        )
        if valid_days is None:
            dates = {"issued_on": today - datetime.timedelta(days=365), "valid_until": None}
        else:
            valid_until = today + datetime.timedelta(days=valid_days)
            dates = {"issued_on": valid_until - CERTIFICATE_TERM, "valid_until": valid_until}
        _save(held, dates)
    SupplierCertification.objects.filter(pk__in=[c.pk for c in existing.values()]).delete()
    return len(row["certs"])


def _load_supplier(
    index: int,
    row: Mapping[str, Any],
    cat: _Catalogue,
    users: Mapping[str, User],
    today: datetime.date,
) -> tuple[Supplier, int, int]:
    supplier = Supplier.objects.filter(nib=row["nib"]).first() or Supplier(nib=row["nib"])
    regency = cat.regencies[row["regency"]]
    if supplier.regency_id != regency.pk:
        # Cleared so that Supplier.clean() places the supplier at the centre of its regency.
        supplier.latitude = supplier.longitude = None
    owner = users[row["owner"]] if row.get("owner") else None
    values = {
        "legal_name": row["name"],
        "legal_form": row["form"],
        "workers": row["workers"],
        "investment_idr": row["investment"],
        "regency_id": regency.pk,
        "address": row["address"],
        "sentra": row["sentra"],
        "owner_id": owner.pk if owner else None,
        "is_active": True,
        **_contact(row, index),
        **_verification(supplier, row["status"]),
    }
    # size_class is derived in Supplier.clean(), which full_clean() runs after the fields.
    _save(supplier, values, exclude=["size_class"])
    supplier.kbli_codes.set(_pick(cat.kbli, row["kbli"]))
    capabilities = _load_capabilities(supplier, row, cat)
    certificates = _load_certificates(supplier, row, cat, today)
    return supplier, capabilities, certificates


def _load_manufacturer(
    row: Mapping[str, Any], cat: _Catalogue, users: Mapping[str, User]
) -> tuple[Manufacturer, dict[str, Plant]]:
    manufacturer = Manufacturer.objects.filter(name=row["name"]).first()
    manufacturer = manufacturer or Manufacturer(name=row["name"])
    values = {
        field: row[field]
        for field in ("website", "contact_person", "contact_email", "contact_phone")
    }
    _save(
        manufacturer,
        {**values, "is_active": True, **_verification(manufacturer, VerificationStatus.VERIFIED)},
    )
    manufacturer.sectors.set(_pick(cat.sectors, row["sectors"]))
    manufacturer.members.add(*_pick(users, row["members"]))
    plants = {}
    for plant_row in row["plants"]:
        plant = Plant.objects.filter(manufacturer=manufacturer, name=plant_row["name"]).first()
        plant = plant or Plant(manufacturer=manufacturer, name=plant_row["name"])
        regency = cat.regencies[plant_row["regency"]]
        if plant.regency_id != regency.pk:
            # Cleared so that Plant.clean() places the plant at the centre of its regency.
            plant.latitude = plant.longitude = None
        _save(plant, {"regency_id": regency.pk, "address": plant_row["address"]})
        plants[plant.name] = plant
    return manufacturer, plants


def _load_demand(
    row: Mapping[str, Any],
    cat: _Catalogue,
    manufacturers: Mapping[str, tuple[Manufacturer, dict[str, Plant]]],
    today: datetime.date,
) -> Demand:
    if set(row["mandatory"]) & set(row["preferred"]):
        raise ValueError(
            f"Demo demand {row['title']!r}: a certification is both mandatory and preferred"
        )
    manufacturer, plants = manufacturers[row["manufacturer"]]
    demand = Demand.objects.filter(manufacturer=manufacturer, title=row["title"]).first()
    demand = demand or Demand(manufacturer=manufacturer, title=row["title"])
    _save(
        demand,
        {
            "plant_id": plants[row["plant"]].pk,
            "component_type_id": cat.component_types[row["component_type"]].pk,
            "specification": row["specification"],
            "material_id": cat.materials[row["material"]].pk,
            "quantity_per_month": Decimal(row["quantity"]),
            "unit": row["unit"],
            "duration_months": row["duration_months"],
            "unit_price_idr": row["unit_price_idr"],
            "needed_by": today + datetime.timedelta(days=row["needed_in_days"]),
            "status": row["status"],
        },
    )
    demand.required_processes.set(_pick(cat.processes, row["processes"]))
    demand.mandatory_certifications.set(_pick(cat.certifications, row["mandatory"]))
    demand.preferred_certifications.set(_pick(cat.certifications, row["preferred"]))
    return demand


@transaction.atomic
def load_demo(*, today: datetime.date | None = None) -> dict[str, int]:
    """Load the reference data, then the demo scenario; return the number of demo rows."""
    today = today or timezone.localdate()
    load_reference()
    cat = _Catalogue.fetch()
    users = _load_users()
    suppliers, capabilities, certificates = [], 0, 0
    for index, row in enumerate(data.SUPPLIERS):
        supplier, supplier_capabilities, supplier_certificates = _load_supplier(
            index, row, cat, users, today
        )
        suppliers.append(supplier)
        capabilities += supplier_capabilities
        certificates += supplier_certificates
    manufacturers = {row["name"]: _load_manufacturer(row, cat, users) for row in data.MANUFACTURERS}
    demands = [_load_demand(row, cat, manufacturers, today) for row in data.DEMANDS]
    return {
        "users": len(users),
        "suppliers": len(suppliers),
        "capabilities": capabilities,
        "certificates": certificates,
        "manufacturers": len(manufacturers),
        "plants": sum(len(plants) for _, plants in manufacturers.values()),
        "demands": len(demands),
        "open_demands": sum(d.status == DemandStatus.OPEN for d in demands),
    }
