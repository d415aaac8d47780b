"""Reading the IKM registration: its five steps, the owner's draft, its stored scans, and
the draft's data named for the review page.

The registration is five steps (identity, location, capabilities, certifications, contact)
saved one by one into the owner's :class:`~partners.models.SupplierDraft` as plain JSON
(``partners.services.registration`` writes it), so an owner can stop after any step and
resume later on another device.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.utils.translation import gettext_lazy as _

from components.choices import Unit
from components.models import Certification, ComponentType, KbliCode, Material, Process, Regency

from ..choices import LegalForm
from ..models import SupplierDraft, User
from ..sizing import size_class

# --- Steps --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    number: int
    key: str
    title: Any


STEPS = (
    Step(1, "identity", _("Identity")),
    Step(2, "location", _("Location")),
    Step(3, "capabilities", _("Capabilities")),
    Step(4, "certifications", _("Certifications")),
    Step(5, "contact", _("Contact")),
)
STEP_BY_NUMBER = {step.number: step for step in STEPS}
REVIEW = len(STEPS) + 1  # the step reached once every step is saved

IDENTITY_FIELDS = ("legal_name", "nib", "legal_form", "workers", "investment_idr")
LOCATION_FIELDS = ("regency", "sentra", "address", "latitude", "longitude")
CONTACT_FIELDS = ("contact_person", "contact_phone", "contact_email")
FIELD_STEP = (
    dict.fromkeys((*IDENTITY_FIELDS, "kbli_codes", "size_class"), 1)
    | dict.fromkeys(LOCATION_FIELDS, 2)
    | dict.fromkeys(CONTACT_FIELDS, 5)
)


# --- Drafts -------------------------------------------------------------------------------


def draft_get(*, owner: User) -> SupplierDraft | None:
    return SupplierDraft.objects.filter(owner=owner).first()


def draft_documents(draft: SupplierDraft | None) -> dict[str, str]:
    """The draft's stored scans: storage name → the file name the owner uploaded."""
    if draft is None:
        return {}
    return {
        row["document"]: row.get("document_name") or PurePath(row["document"]).name
        for row in draft.data.get("certifications", [])
        if row.get("document")
    }


def draft_document_name(*, owner: User, key: str) -> tuple[str, str] | None:
    """The storage name and uploaded name of one of the owner's draft scans, by its file
    name (``<hex>.pdf``); None if the owner's draft has no such scan."""
    for name, original in draft_documents(draft_get(owner=owner)).items():
        if name == f"drafts/{owner.pk}/{key}":
            return name, original
    return None


def draft_missing_steps(draft: SupplierDraft | None) -> list[Step]:
    data = draft.data if draft else {}
    return [step for step in STEPS if step.key not in data]


def draft_date(value: str | None) -> datetime.date | None:
    """A date the draft keeps as ISO text."""
    return datetime.date.fromisoformat(value) if value else None


# --- Review -------------------------------------------------------------------------------


def draft_summary(draft: SupplierDraft) -> dict[str, Any]:
    """The draft's data with catalogue ids turned into names, for the review page."""
    data = draft.data
    identity = dict(data.get("identity") or {})
    location = dict(data.get("location") or {})
    capabilities = [dict(row) for row in data.get("capabilities") or []]
    certificates = [dict(row) for row in data.get("certifications") or []]

    kbli = KbliCode.objects.in_bulk(identity.get("kbli_codes") or [])
    identity["kbli"] = [kbli[c] for c in identity.get("kbli_codes") or [] if c in kbli]
    if identity.get("legal_form"):
        identity["legal_form_label"] = LegalForm(identity["legal_form"]).label
    if identity.get("workers") is not None and identity.get("investment_idr") is not None:
        identity["size_class_label"] = size_class(
            workers=identity["workers"], investment_idr=identity["investment_idr"]
        ).label
    location["regency_obj"] = (
        Regency.objects.select_related("province").filter(pk=location.get("regency")).first()
    )

    types = ComponentType.objects.in_bulk([row.get("component_type") for row in capabilities])
    processes = Process.objects.in_bulk(
        [pk for row in capabilities for pk in row.get("processes") or []]
    )
    materials = Material.objects.in_bulk(
        [pk for row in capabilities for pk in row.get("materials") or []]
    )
    for row in capabilities:
        row["component_type_obj"] = types.get(row.get("component_type"))
        row["process_names"] = [
            processes[pk].name for pk in row.get("processes") or [] if pk in processes
        ]
        row["material_names"] = [
            materials[pk].name for pk in row.get("materials") or [] if pk in materials
        ]
        row["unit_label"] = Unit(row["capacity_unit"]).label if row.get("capacity_unit") else ""
        for name in ("monthly_capacity", "minimum_order"):
            row.setdefault(name, None)
            if row[name] not in (None, ""):
                row[name] = Decimal(str(row[name]))
    certifications = Certification.objects.in_bulk(
        [row.get("certification") for row in certificates]
    )
    for row in certificates:
        row["certification_obj"] = certifications.get(row.get("certification"))
        row["issued_on_date"] = draft_date(row.get("issued_on"))
        row["valid_until_date"] = draft_date(row.get("valid_until"))
        row["document_key"] = PurePath(row["document"]).name if row.get("document") else ""
    return {
        "identity": identity,
        "location": location,
        "capabilities": capabilities,
        "certifications": certificates,
        "contact": data.get("contact") or {},
    }
