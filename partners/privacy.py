"""Privacy: what is stored about an organisation, its export, deletion requests and
anonymisation.

*Personal data* here are the contact person's name, phone and e-mail of an organisation
(``Organisation.contact_*``) and the names and e-mails of its users. They are shown only to
the organisation's own people, to ministry staff and, after both sides said *interested*, to
the counterpart of an introduction.

An owner (or a manufacturer's member) can download everything stored about the
organisation (:func:`organisation_export`, :func:`organisation_export_zip`) and ask for
its deletion (:func:`deletion_request_create`). Staff confirm — the organisation is then
anonymised (:func:`organisation_anonymise`) — or refuse with a note.

Anonymisation keeps the rows, so partnerships and their timelines keep their history, but
erases every personal field, replaces the names and the NIB, deletes the uploaded documents
and deactivates the users. The organisation leaves matching (suspended, inactive).

Partners may not import the matching engine (arrows point ``matchmaking → partners``), yet
the export must contain the matches and partnerships, and anonymisation must scrub their
notes. So matchmaking registers an export section and an anonymiser here, in its
``AppConfig.ready()`` (see ``matchmaking/privacy.py``).
"""

from __future__ import annotations

import datetime
import json
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import events
from .choices import DeletionStatus, DemandStatus, VerificationStatus
from .models import (
    DeletionRequest,
    Demand,
    Manufacturer,
    Notification,
    NotificationSetting,
    Plant,
    Supplier,
    SupplierCapability,
    SupplierCertification,
    SupplierDraft,
    User,
)
from .uploads import private_storage

Organisation = Supplier | Manufacturer

EXPORT_FORMAT = "jembatan-organisation-export/1"

#: The kind of organisation as it appears in URLs and exports.
IKM, MANUFACTURER = "ikm", "manufacturer"

#: What a personal string is replaced with in free-text notes kept for history.
ERASED = _("[erased]")


# --- registries for apps partners may not import ------------------------------------------


class Registry:
    """Named callbacks registered by other apps; usable as a decorator::

    @privacy.export_sections.register("partnerships")
    def partnerships(*, organisation): ...
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._callbacks: dict[str, Callable[..., Any]] = {}

    def __repr__(self) -> str:
        return f"<Registry {self.name}: {', '.join(self._callbacks) or 'empty'}>"

    def register(self, key: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def decorator(callback: Callable[..., Any]) -> Callable[..., Any]:
            self._callbacks[key] = callback
            return callback

        return decorator

    def items(self) -> list[tuple[str, Callable[..., Any]]]:
        return list(self._callbacks.items())


#: Extra sections of an export: ``fn(*, organisation) -> JSON-serialisable value``, stored
#: under the registered key.
export_sections = Registry("export_sections")

#: Called inside the anonymising transaction with ``organisation`` (already anonymised) and
#: ``replacements`` (a compiled :class:`Replacements` of old strings): scrub copies of the
#: organisation's names and personal data kept in other apps' rows.
anonymisers = Registry("anonymisers")


# --- who belongs where --------------------------------------------------------------------


def organisation_kind(organisation: Organisation) -> str:
    return IKM if isinstance(organisation, Supplier) else MANUFACTURER


def organisations_of(user: User) -> list[Organisation]:
    """The IKM the user owns and the manufacturers they belong to (not anonymised)."""
    if not user.is_authenticated:
        return []
    suppliers = Supplier.objects.filter(owner=user, anonymised_at__isnull=True).select_related(
        "regency"
    )
    manufacturers = Manufacturer.objects.filter(members=user, anonymised_at__isnull=True)
    return [*suppliers, *manufacturers]


def organisation_get(
    *, user: User, kind: str, pk: int | str, staff_sees_all: bool = True
) -> Organisation | None:
    """The organisation ``kind``/``pk`` if ``user`` may see its data: its owner or member,
    or (when ``staff_sees_all``) ministry staff. None otherwise — the same answer as for one
    that does not exist, so a typed URL reveals nothing."""
    see_all = staff_sees_all and user.is_staff
    if kind == IKM:
        queryset: QuerySet = Supplier.objects.select_related("regency__province", "owner")
        if not see_all:
            queryset = queryset.filter(owner=user)
    elif kind == MANUFACTURER:
        queryset = Manufacturer.objects.all()
        if not see_all:
            queryset = queryset.filter(members=user)
    else:
        return None
    return queryset.filter(pk=pk).first()


def organisation_users(organisation: Organisation) -> list[User]:
    if isinstance(organisation, Supplier):
        return [organisation.owner] if organisation.owner_id else []
    return list(organisation.members.order_by("pk"))


def _requests_of(organisation: Organisation) -> QuerySet[DeletionRequest]:
    if isinstance(organisation, Supplier):
        return DeletionRequest.objects.filter(supplier=organisation)
    return DeletionRequest.objects.filter(manufacturer=organisation)


# --- what is stored: the overview page ------------------------------------------------------


@dataclass
class StoredSummary:
    """Counts of what is stored about one organisation, for the privacy page."""

    organisation: Organisation
    kind: str
    users: list[User]
    counts: dict[str, int] = field(default_factory=dict)
    documents: int = 0
    pending_request: DeletionRequest | None = None
    last_decided_request: DeletionRequest | None = None


def stored_summary(*, organisation: Organisation) -> StoredSummary:
    """What the privacy page tells the organisation about its own stored data."""
    kind = organisation_kind(organisation)
    summary = StoredSummary(
        organisation=organisation, kind=kind, users=organisation_users(organisation)
    )
    if kind == IKM:
        certificates = SupplierCertification.objects.filter(supplier=organisation)
        summary.counts = {
            "capabilities": SupplierCapability.objects.filter(supplier=organisation).count(),
            "certifications": certificates.count(),
        }
        summary.documents = certificates.exclude(document="").count()
    else:
        demands = Demand.objects.filter(manufacturer=organisation)
        summary.counts = {
            "plants": Plant.objects.filter(manufacturer=organisation).count(),
            "demands": demands.count(),
        }
        summary.documents = demands.exclude(drawing="").count()
    requests = _requests_of(organisation).select_related("decided_by")
    summary.pending_request = requests.filter(status=DeletionStatus.PENDING).first()
    summary.last_decided_request = (
        requests.exclude(status=DeletionStatus.PENDING).order_by("-decided_at", "-pk").first()
    )
    return summary


# --- export ---------------------------------------------------------------------------------


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
            "type": IKM,
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
            "type": MANUFACTURER,
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


def organisation_export(*, organisation: Organisation) -> dict[str, Any]:
    """Everything stored about one organisation, as JSON-serialisable data: the
    organisation, its users (with their registration draft and notifications), its
    capabilities and certifications or plants and demands, its deletion requests, and the
    sections other apps registered (matches, partnerships with their events)."""
    if isinstance(organisation, Supplier):
        data = _supplier_sections(organisation)
    else:
        data = _manufacturer_sections(organisation)
    export: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "exported_at": _value(timezone.now()),
        **data,
        "users": _users_section(organisation_users(organisation)),
        "deletion_requests": [
            {
                "id": request.pk,
                "status": request.status,
                "reason": request.reason,
                "requested_at": _value(request.created_at),
                "decided_at": _value(request.decided_at),
                "decision_note": request.decision_note,
            }
            for request in _requests_of(organisation).order_by("created_at", "pk")
        ],
    }
    for key, section in export_sections.items():
        export[key] = section(organisation=organisation)
    return export


def _documents_of(organisation: Organisation) -> list[tuple[str, str]]:
    """(stored name, path in the ZIP) of every upload of the organisation."""
    if isinstance(organisation, Supplier):
        rows = SupplierCertification.objects.filter(supplier=organisation).exclude(document="")
        return [
            (row.document.name, _document(row.document, "certificates", row.pk)["path_in_zip"])
            for row in rows
        ]
    demands = Demand.objects.filter(manufacturer=organisation).exclude(drawing="")
    return [
        (row.drawing.name, _document(row.drawing, "drawings", row.pk)["path_in_zip"])
        for row in demands
    ]


def export_filename(organisation: Organisation, extension: str) -> str:
    stamp = timezone.localdate().isoformat()
    return f"jembatan-{organisation_kind(organisation)}-{organisation.pk}-{stamp}.{extension}"


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


# --- deletion requests ----------------------------------------------------------------------


def deletion_request_list(*, status: str | None = None) -> QuerySet[DeletionRequest]:
    """Deletion requests, pending ones first, with their organisation and deciders."""
    queryset = DeletionRequest.objects.select_related(
        "supplier__regency", "manufacturer", "requested_by", "decided_by"
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-created_at", "-pk")


def deletion_request_get(*, pk: int) -> DeletionRequest | None:
    return (
        DeletionRequest.objects.select_related(
            "supplier__regency__province", "manufacturer", "requested_by", "decided_by"
        )
        .filter(pk=pk)
        .first()
    )


def deletion_request_organisation(deletion_request: DeletionRequest) -> Organisation:
    return deletion_request.supplier or deletion_request.manufacturer


def _locked(organisation: Organisation) -> Organisation:
    return type(organisation).objects.select_for_update().get(pk=organisation.pk)


def deletion_request_create(
    *, organisation: Organisation, by: User, reason: str = ""
) -> DeletionRequest:
    """Ask ministry staff to erase the organisation's data. One pending request at a time:
    asking again while one waits (a double click, a second member) is refused."""
    with transaction.atomic():
        current = _locked(organisation)
        if current.anonymised_at is not None:
            raise ValidationError(
                _("This organisation has already been anonymised."), code="anonymised"
            )
        if _requests_of(current).filter(status=DeletionStatus.PENDING).exists():
            raise ValidationError(
                _("A deletion request for this organisation is already waiting for staff."),
                code="pending_exists",
            )
        request = DeletionRequest(requested_by=by, reason=reason.strip())
        if isinstance(current, Supplier):
            request.supplier = current
        else:
            request.manufacturer = current
        request.full_clean()
        request.save()
    return request


def _decide(
    *, deletion_request: DeletionRequest, by: User, status: str, note: str
) -> DeletionRequest:
    if not by.is_staff:
        raise PermissionDenied
    current = DeletionRequest.objects.select_for_update().get(pk=deletion_request.pk)
    if current.status != DeletionStatus.PENDING:
        raise ValidationError(
            _("This request was already decided: %(status)s."),
            code="already_decided",
            params={"status": current.get_status_display()},
        )
    current.status = status
    current.decided_by = by
    current.decided_at = timezone.now()
    current.decision_note = note.strip()
    current.full_clean()
    current.save(
        update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"]
    )
    return current


def deletion_request_refuse(
    *, deletion_request: DeletionRequest, by: User, note: str
) -> DeletionRequest:
    """Staff refuse a deletion request; the note (required) tells the organisation why."""
    if not note.strip():
        raise ValidationError(
            {"decision_note": _("Say why the request is refused; the organisation sees it.")}
        )
    with transaction.atomic():
        return _decide(
            deletion_request=deletion_request, by=by, status=DeletionStatus.REFUSED, note=note
        )


def deletion_request_confirm(
    *, deletion_request: DeletionRequest, by: User, note: str = ""
) -> DeletionRequest:
    """Staff confirm a deletion request: the organisation is anonymised in the same
    transaction and the request records who decided and when."""
    with transaction.atomic():
        decided = _decide(
            deletion_request=deletion_request, by=by, status=DeletionStatus.CONFIRMED, note=note
        )
        organisation_anonymise(organisation=deletion_request_organisation(decided))
    return decided


# --- anonymisation --------------------------------------------------------------------------


class Replacements:
    """Old strings (names, phones, e-mails…) and what replaces them in kept free text:
    whole words only, case-insensitive, longest first; strings under 4 characters are
    ignored so that short names cannot wreck unrelated words."""

    MIN_LENGTH = 4

    def __init__(self, mapping: Mapping[str, str]) -> None:
        self.mapping = {
            old.strip().lower(): new
            for old, new in mapping.items()
            if old and len(old.strip()) >= self.MIN_LENGTH
        }
        alternatives = sorted(self.mapping, key=len, reverse=True)
        self.pattern = (
            re.compile(
                "|".join(rf"(?<!\w){re.escape(old)}(?!\w)" for old in alternatives),
                re.IGNORECASE,
            )
            if alternatives
            else None
        )

    def __bool__(self) -> bool:
        return self.pattern is not None

    def apply(self, text: str) -> str:
        if not text or self.pattern is None:
            return text
        return self.pattern.sub(lambda m: self.mapping.get(m.group(0).lower(), m.group(0)), text)

    def apply_json(self, value: Any) -> Any:
        """The same replacements inside the strings of a JSON value."""
        if isinstance(value, str):
            return self.apply(value)
        if isinstance(value, list):
            return [self.apply_json(item) for item in value]
        if isinstance(value, dict):
            return {key: self.apply_json(item) for key, item in value.items()}
        return value


def anonymised_label(organisation: Organisation) -> str:
    """The name an anonymised organisation keeps, in the site's default language."""
    with translation.override(settings.LANGUAGE_CODE):
        if isinstance(organisation, Supplier):
            return gettext("Anonymised IKM #%(id)s") % {"id": organisation.pk}
        return gettext("Anonymised manufacturer #%(id)s") % {"id": organisation.pk}


def placeholder_nib(supplier: Supplier) -> str:
    """A 13-digit NIB no real business holds here: a leading 9 then the zero-padded id
    (8, 7 … if that is taken by another IKM)."""
    for lead in "987654321":
        candidate = f"{lead}{supplier.pk:012d}"
        if not Supplier.objects.filter(nib=candidate).exclude(pk=supplier.pk).exists():
            return candidate
    raise ValidationError(_("No placeholder NIB is free for this IKM."), code="nib_taken")


def erased_text() -> str:
    """What replaces a personal string in kept notes, in the site's default language."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(ERASED)


def _personal_strings(organisation: Organisation, users: Iterable[User]) -> list[str]:
    strings = [
        organisation.contact_person,
        organisation.contact_phone,
        organisation.contact_email,
    ]
    if isinstance(organisation, Supplier):
        strings += [organisation.address, organisation.nib]
    else:
        strings += [organisation.nib or "", organisation.website]
    for user in users:
        if not user.is_staff:
            strings += [user.get_full_name(), user.first_name, user.last_name, user.email]
    return [s for s in strings if s]


def _user_erase(user: User) -> None:
    user.username = f"anonymised-{user.pk}"
    user.first_name = user.last_name = user.email = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    SupplierDraft.objects.filter(owner=user).delete()
    Notification.objects.filter(user=user).delete()
    NotificationSetting.objects.filter(user=user).delete()


def _other_live_organisations(user: User, organisation: Organisation) -> bool:
    suppliers = Supplier.objects.filter(owner=user, anonymised_at__isnull=True)
    manufacturers = Manufacturer.objects.filter(members=user, anonymised_at__isnull=True)
    if isinstance(organisation, Supplier):
        suppliers = suppliers.exclude(pk=organisation.pk)
    else:
        manufacturers = manufacturers.exclude(pk=organisation.pk)
    return suppliers.exists() or manufacturers.exists()


def _delete_files_on_commit(names: list[str]) -> None:
    def delete() -> None:
        for name in names:
            private_storage.delete(name)

    if names:
        transaction.on_commit(delete)


def _scrub_notifications(old_name: str, new_name: str, keys: Iterable[str]) -> None:
    """Other users' notifications name the organisation in their parameters."""
    condition = Q()
    for key in keys:
        condition |= Q(**{f"params__{key}": old_name})
    for notification in Notification.objects.filter(condition):
        notification.params = {
            key: new_name if value == old_name else value
            for key, value in notification.params.items()
        }
        notification.save(update_fields=["params", "updated_at"])


def _scrub_admin_history(organisation: Organisation, label: str, users: Iterable[User]) -> None:
    """The admin's history names each edited object as it was called then."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(organisation),
        object_id=str(organisation.pk),
    ).update(object_repr=label[:200])
    user_type = ContentType.objects.get_for_model(User)
    for user in users:
        LogEntry.objects.filter(content_type=user_type, object_id=str(user.pk)).update(
            object_repr=user.username
        )


def _anonymise_supplier(supplier: Supplier, label: str) -> list[str]:
    supplier.legal_name = label
    supplier.nib = placeholder_nib(supplier)
    supplier.address = ""
    # a pin may mark a home workshop: back to the centre of the regency
    supplier.latitude, supplier.longitude = supplier.regency.latitude, supplier.regency.longitude
    files = []
    for held in SupplierCertification.objects.filter(supplier=supplier).select_for_update():
        if held.document:
            files.append(held.document.name)
        held.document = ""
        held.number = f"anonymised-{held.pk}"
        held.save(update_fields=["document", "number", "updated_at"])
    return files


def _anonymise_manufacturer(manufacturer: Manufacturer, label: str) -> list[str]:
    manufacturer.name = label
    manufacturer.nib = None
    manufacturer.website = ""
    Plant.objects.filter(manufacturer=manufacturer).update(address="", updated_at=timezone.now())
    files = []
    for demand in Demand.objects.filter(manufacturer=manufacturer).select_for_update():
        fields = []
        if demand.drawing:
            files.append(demand.drawing.name)
            demand.drawing = ""
            fields.append("drawing")
        if demand.status in (DemandStatus.DRAFT, DemandStatus.OPEN):
            demand.status = DemandStatus.CANCELLED
            fields.append("status")
        if fields:
            demand.save(update_fields=[*fields, "updated_at"])
            events.demand_changed.send(demand_id=demand.pk)
    return files


def organisation_anonymise(*, organisation: Organisation) -> Organisation:
    """Erase an organisation's personal data, keeping its rows for history.

    Names become "Anonymised IKM #<id>" / "Anonymised manufacturer #<id>", contact fields
    and addresses are cleared, the NIB is replaced (an IKM needs one: a 13-digit
    placeholder) or removed, uploaded documents are emptied (the files are deleted once the
    transaction commits), the owner's or members' accounts are deactivated with their names
    and e-mails erased (a person who still belongs to another organisation only loses the
    link), and the organisation is suspended and inactive, so it is no longer matched (a
    rescore is announced). Partnerships, their events and the matches stay, pointing at the
    anonymised organisation; the registered anonymisers scrub old names from their notes."""
    with transaction.atomic():
        current = _locked(organisation)
        if current.anonymised_at is not None:
            return current
        users = organisation_users(current)
        label = anonymised_label(current)
        old_name = str(current)
        erased = erased_text()
        replacements = Replacements(
            {old_name: label, **dict.fromkeys(_personal_strings(current, users), erased)}
        )
        current.contact_person = current.contact_phone = current.contact_email = ""
        # Staff's free-text verification note may name people: it goes too.
        current.verification_note = ""
        current.verification_status = VerificationStatus.SUSPENDED
        current.verified_at = None
        current.is_active = False
        current.anonymised_at = timezone.now()
        if isinstance(current, Supplier):
            files = _anonymise_supplier(current, label)
            exclude = {"size_class"}
            keys = ("supplier", "party", "organisation")
        else:
            files = _anonymise_manufacturer(current, label)
            exclude = set()
            keys = ("manufacturer", "party", "organisation")
        current.full_clean(exclude=exclude)
        current.save()
        erased_users: list[User] = []
        for user in users:
            if user.is_staff:
                continue  # a staff account is never erased through an organisation
            if _other_live_organisations(user, current):
                if isinstance(current, Supplier):
                    Supplier.objects.filter(pk=current.pk).update(owner=None)
                else:
                    current.members.remove(user)
                continue
            _user_erase(user)
            erased_users.append(user)
        _scrub_notifications(old_name, label, keys)
        _scrub_admin_history(current, label, erased_users)
        for _key, anonymiser in anonymisers.items():
            anonymiser(organisation=current, replacements=replacements)
        _delete_files_on_commit(files)
        if isinstance(current, Supplier):
            events.supplier_changed.send(supplier_id=current.pk)
    organisation.refresh_from_db()
    return current
