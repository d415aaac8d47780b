"""An organisation's data export: everything stored about it as JSON, or a ZIP with the
JSON and the uploaded documents."""

from __future__ import annotations

import datetime
import json
import tempfile
import zipfile
from collections.abc import Iterable
from decimal import Decimal
from pathlib import PurePosixPath
from typing import IO, Any

from django.utils import timezone

from common.people import display_name

from ..choices import OrganisationKind
from ..models import (
    Demand,
    Manufacturer,
    Notification,
    NotificationSetting,
    Organisation,
    Plant,
    Supplier,
    SupplierCapability,
    SupplierCertification,
    SupplierDraft,
    User,
)
from ..selectors.history import organisation_history
from ..uploads import private_storage
from .registry import export_sections
from .summary import requests_of

EXPORT_FORMAT = "jembatan-organisation-export/1"


def _value(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _catalogue(item: Any) -> dict[str, Any] | None:
    """A catalogue entry by its code and both names (bilingual models) or its name."""
    if item is None:
        return None
    entry = {"code": item.code}
    if hasattr(item, "name_id"):
        entry.update(name_id=item.name_id, name_en=item.name_en)
    else:
        entry["name"] = str(item)
    return entry


def _regency(regency: Any) -> dict[str, Any]:
    return {
        "code": regency.code,
        "name": regency.name,
        "province": {"code": regency.province.code, "name": regency.province.name},
    }


def _fields(instance: Any, names: Iterable[str]) -> dict[str, Any]:
    return {name: _value(getattr(instance, name)) for name in names}


ORGANISATION_FIELDS = (
    "contact_person",
    "contact_phone",
    "contact_email",
    "verification_status",
    "verified_at",
    "is_active",
    "anonymised_at",
    "created_at",
    "updated_at",
)
USER_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "account_type",
    "email_confirmed_at",
    "is_active",
    "date_joined",
    "last_login",
)


def _document(file_field: Any, folder: str, row_id: int) -> dict[str, Any] | None:
    """Where an upload sits in the ZIP (documents/<folder>/<row id>-<stored name>)."""
    if not file_field:
        return None
    return {
        "stored_name": PurePosixPath(file_field.name).name,
        "path_in_zip": f"documents/{folder}/{row_id}-{PurePosixPath(file_field.name).name}",
    }


def _users_section(users: list[User]) -> list[dict[str, Any]]:
    user_ids = [user.pk for user in users]
    drafts = {d.owner_id: d for d in SupplierDraft.objects.filter(owner_id__in=user_ids)}
    notifications: dict[int, list[Notification]] = {pk: [] for pk in user_ids}
    for notification in Notification.objects.filter(user_id__in=user_ids).order_by(
        "created_at", "pk"
    ):
        notifications[notification.user_id].append(notification)
    settings_by_user: dict[int, list[NotificationSetting]] = {pk: [] for pk in user_ids}
    for setting in NotificationSetting.objects.filter(user_id__in=user_ids):
        settings_by_user[setting.user_id].append(setting)
    section = []
    for user in users:
        draft = drafts.get(user.pk)
        section.append(
            {
                **_fields(user, USER_FIELDS),
                "registration_draft": (
                    {"step": draft.step, "data": draft.data, "updated_at": _value(draft.updated_at)}
                    if draft
                    else None
                ),
                "notifications": [
                    {
                        "kind": n.kind,
                        "params": n.params,
                        "url": n.url,
                        "created_at": _value(n.created_at),
                        "read_at": _value(n.read_at),
                        "emailed_at": _value(n.emailed_at),
                    }
                    for n in notifications[user.pk]
                ],
                "notification_settings": [
                    {"kind": s.kind, "email": s.email} for s in settings_by_user[user.pk]
                ],
            }
        )
    return section


def _supplier_sections(supplier: Supplier) -> dict[str, Any]:
    capabilities = SupplierCapability.objects.filter(supplier=supplier).select_related(
        "component_type"
    )
    certificates = SupplierCertification.objects.filter(supplier=supplier).select_related(
        "certification"
    )
    return {
        "organisation": {
            "type": OrganisationKind.IKM.value,
            "id": supplier.pk,
            **_fields(
                supplier,
                (
                    "legal_name",
                    "nib",
                    "legal_form",
                    "workers",
                    "investment_idr",
                    "size_class",
                    "address",
                    "sentra",
                    "latitude",
                    "longitude",
                ),
            ),
            "regency": _regency(supplier.regency),
            "kbli_codes": [
                {"code": k.code, "title": k.title} for k in supplier.kbli_codes.order_by("code")
            ],
            **_fields(supplier, ORGANISATION_FIELDS),
        },
        "capabilities": [
            {
                "id": capability.pk,
                "component_type": _catalogue(capability.component_type),
                "materials": [_catalogue(m) for m in capability.materials.order_by("code")],
                "processes": [_catalogue(p) for p in capability.processes.order_by("code")],
                **_fields(
                    capability,
                    (
                        "monthly_capacity",
                        "capacity_unit",
                        "minimum_order",
                        "lead_time_days",
                        "created_at",
                        "updated_at",
                    ),
                ),
            }
            for capability in capabilities
        ],
        "certifications": [
            {
                "id": held.pk,
                "certification": _catalogue(held.certification),
                **_fields(held, ("number", "issued_on", "valid_until", "expiry_notified_at")),
                "document": _document(held.document, "certificates", held.pk),
                **_fields(held, ("created_at", "updated_at")),
            }
            for held in certificates
        ],
    }


def _manufacturer_sections(manufacturer: Manufacturer) -> dict[str, Any]:
    plants = Plant.objects.filter(manufacturer=manufacturer).select_related("regency__province")
    demands = (
        Demand.objects.filter(manufacturer=manufacturer)
        .select_related("plant", "component_type", "material")
        .prefetch_related(
            "required_processes", "mandatory_certifications", "preferred_certifications"
        )
        .order_by("created_at", "pk")
    )
    return {
        "organisation": {
            "type": OrganisationKind.MANUFACTURER.value,
            "id": manufacturer.pk,
            **_fields(manufacturer, ("name", "nib", "website")),
            "sectors": [_catalogue(s) for s in manufacturer.sectors.order_by("code")],
            **_fields(manufacturer, ORGANISATION_FIELDS),
        },
        "plants": [
            {
                "id": plant.pk,
                **_fields(plant, ("name", "address", "latitude", "longitude")),
                "regency": _regency(plant.regency),
                **_fields(plant, ("created_at", "updated_at")),
            }
            for plant in plants
        ],
        "demands": [
            {
                "id": demand.pk,
                "plant": {"id": demand.plant_id, "name": demand.plant.name},
                "component_type": _catalogue(demand.component_type),
                "material": _catalogue(demand.material),
                "required_processes": [_catalogue(p) for p in demand.required_processes.all()],
                "mandatory_certifications": [
                    _catalogue(c) for c in demand.mandatory_certifications.all()
                ],
                "preferred_certifications": [
                    _catalogue(c) for c in demand.preferred_certifications.all()
                ],
                **_fields(
                    demand,
                    (
                        "title",
                        "specification",
                        "quantity_per_month",
                        "unit",
                        "duration_months",
                        "unit_price_idr",
                        "needed_by",
                        "status",
                    ),
                ),
                "drawing": _document(demand.drawing, "drawings", demand.pk),
                **_fields(demand, ("created_at", "updated_at")),
            }
            for demand in demands
        ],
    }


def _organisation_sections(organisation: Organisation) -> dict[str, Any]:
    """The organisation's own rows in the export, per kind of organisation."""
    if isinstance(organisation, Supplier):
        return _supplier_sections(organisation)
    assert isinstance(organisation, Manufacturer)  # the other concrete organisation
    return _manufacturer_sections(organisation)


def organisation_export(*, organisation: Organisation) -> dict[str, Any]:
    """Everything stored about one organisation, as JSON-serialisable data: the
    organisation, its users (with their registration draft and notifications), its
    capabilities and certifications or plants and demands, its deletion requests, the audit
    trail of those records, and the sections other apps registered (matches, partnerships
    with their events)."""
    data = _organisation_sections(organisation)
    export: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "exported_at": _value(timezone.now()),
        **data,
        "users": _users_section(organisation.people()),
        "deletion_requests": [
            {
                "id": request.pk,
                "status": request.status,
                "reason": request.reason,
                "requested_at": _value(request.created_at),
                "decided_at": _value(request.decided_at),
                "decision_note": request.decision_note,
            }
            for request in requests_of(organisation).order_by("created_at", "pk")
        ],
    }
    export["history"] = _history_section(organisation)
    for key, section in export_sections.items():
        export[key] = section(organisation=organisation)
    return export


def _officer(field: str, value: str) -> str:
    """Which officer decided is not part of the export."""
    return "ministry staff" if field == "verification_decided_by" and value != "—" else value


def _history_section(organisation: Organisation) -> list[dict[str, Any]]:
    """The audit trail of the organisation's records (``partners.selectors.history``); like
    the partnership events, it names the organisation's own people but not the officers."""
    people = {person.pk for person in organisation.people()}

    def by(user: User | None) -> str:
        if user is None:
            return "system"
        return display_name(user) if user.pk in people else "ministry staff"

    return [
        {
            "at": _value(entry.when),
            "by": by(entry.user),
            "record": entry.subject,
            "action": entry.action,
            "reason": entry.reason,
            "changes": [
                {
                    "field": change.label,
                    "before": _officer(change.name, change.before),
                    "after": _officer(change.name, change.after),
                }
                for change in entry.changes
            ],
        }
        for entry in organisation_history(organisation, limit=None)
    ]


def _documents_of(organisation: Organisation) -> list[tuple[str, str]]:
    """(stored name, path in the ZIP) of every upload of the organisation."""
    found = []
    for folder, row, document in organisation.documents():
        place = _document(document, folder, row.pk)
        # documents() lists stored files only, so each has a name and a place
        assert document.name is not None and place is not None
        found.append((document.name, place["path_in_zip"]))
    return found


def export_filename(organisation: Organisation, extension: str) -> str:
    stamp = timezone.localdate().isoformat()
    return f"jembatan-{organisation.kind.value}-{organisation.pk}-{stamp}.{extension}"


def organisation_export_json(*, organisation: Organisation) -> bytes:
    return json.dumps(
        organisation_export(organisation=organisation), ensure_ascii=False, indent=2
    ).encode()


def organisation_export_zip(*, organisation: Organisation) -> IO[bytes]:
    """A ZIP with ``data.json`` (see :func:`organisation_export`) and the uploaded
    documents under ``documents/``; a document missing from storage is listed in
    ``missing_documents`` instead. Returned as an open temporary file at position 0."""
    data = organisation_export(organisation=organisation)
    archive_file = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 (returned open)
    missing = []
    with zipfile.ZipFile(archive_file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for stored_name, path_in_zip in _documents_of(organisation):
            try:
                with private_storage.open(stored_name, "rb") as source:
                    archive.writestr(path_in_zip, source.read())
            except FileNotFoundError:
                missing.append(path_in_zip)
        data["missing_documents"] = missing
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
    archive_file.seek(0)
    return archive_file
