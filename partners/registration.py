"""IKM self-service: the registration draft, its submission, and the owner's edits of a
registered IKM (capabilities and certificates with their scans).

The registration is five steps (identity, location, capabilities, certifications, contact)
saved one by one into the owner's :class:`~partners.models.SupplierDraft` as plain JSON,
so an owner can stop after any step and resume later on another device. A certificate scan
is checked (size and content) *before* anything is stored, then stored right away in the
private storage under ``drafts/<user id>/`` and only its name is kept in the draft; on
submission it moves under ``certificates/<supplier id>/`` and the draft files are deleted.

Submission is one transaction through the partner services (``supplier_create``,
``capability_set``, ``certification_add``): the IKM is created pending verification, so it
is not matched until staff verify it; the draft is deleted in the same transaction, so a
second submission finds nothing to submit.

Every write sends ``events.supplier_changed`` (through the services, or here for the edits
the services do not cover), which the matching engine answers with a rescore of the IKM.
"""

from __future__ import annotations

import contextlib
import datetime
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from components.choices import Unit
from components.models import Certification, ComponentType, KbliCode, Material, Process, Regency

from . import events
from .choices import LegalForm, VerificationStatus
from .models import (
    Supplier,
    SupplierCapability,
    SupplierCertification,
    SupplierDraft,
    User,
)
from .services import capability_set, certification_add, supplier_create
from .sizing import size_class
from .uploads import DocumentValidator, private_storage, sniff_extension

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


class DraftMissing(Exception):
    """There is no registration draft to submit (never started, or already submitted)."""


class RegistrationRefused(Exception):
    """The draft cannot be submitted as it is; ``step`` is where to correct it."""

    def __init__(self, step: int, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.step = step
        self.messages = messages


# --- Stored files -------------------------------------------------------------------------


@contextlib.contextmanager
def _removed_on_error() -> Iterator[list[str]]:
    """Collect names of files stored in the block; delete them if the block fails, so a
    refused or rolled-back change leaves no file behind."""
    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        for name in stored:
            private_storage.delete(name)
        raise


def _delete_on_commit(names: Iterable[str]) -> None:
    names = [name for name in names if name]
    if names:
        transaction.on_commit(lambda: [private_storage.delete(name) for name in names])


def _checked_extension(upload: UploadedFile) -> str:
    """Validate an upload (size, PDF/PNG/JPEG by content) and return its true extension."""
    DocumentValidator()(upload)
    upload.seek(0)
    extension = sniff_extension(upload.read(16)) or ""
    upload.seek(0)
    return extension


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


def draft_step_save(*, owner: User, step: int, data: Any) -> SupplierDraft:
    """Store one step's data (already validated by its form) and advance the step reached
    past it. Scans no longer referenced by the draft are deleted after commit."""
    if step not in STEP_BY_NUMBER:
        raise ValueError(f"unknown registration step {step}")
    with transaction.atomic():
        draft, _created = SupplierDraft.objects.select_for_update().get_or_create(owner=owner)
        before = set(draft_documents(draft))
        draft.data = {**draft.data, STEP_BY_NUMBER[step].key: data}
        draft.step = max(draft.step, step + 1)
        draft.full_clean()
        draft.save()
        _delete_on_commit(before - set(draft_documents(draft)))
    return draft


@dataclass
class DraftCertificate:
    """One certificate row of step 4: a new ``upload`` or the ``document`` kept from the
    draft."""

    certification: Certification
    number: str
    issued_on: datetime.date | None
    valid_until: datetime.date | None
    upload: UploadedFile | None = None
    document: str = ""


def draft_certifications_save(
    *, owner: User, certificates: Iterable[DraftCertificate]
) -> SupplierDraft:
    """Save step 4. New scans are checked, then stored under ``drafts/<user id>/``; a kept
    scan must already belong to this owner's draft."""
    certificates = list(certificates)
    current = draft_documents(draft_get(owner=owner))
    for row in certificates:
        if row.upload is None and row.document not in current:
            raise ValidationError(
                {"document": _("Upload a scan or photo of the certificate (PDF, PNG or JPEG).")}
            )
        if row.upload is not None:
            _checked_extension(row.upload)
    with _removed_on_error() as stored:
        rows = []
        for row in certificates:
            if row.upload is not None:
                extension = _checked_extension(row.upload)
                name = private_storage.save(
                    f"drafts/{owner.pk}/{uuid.uuid4().hex}{extension}", row.upload
                )
                stored.append(name)
                document, document_name = name, PurePath(row.upload.name or name).name
            else:
                document, document_name = row.document, current[row.document]
            rows.append(
                {
                    "certification": row.certification.pk,
                    "number": row.number,
                    "issued_on": row.issued_on.isoformat() if row.issued_on else None,
                    "valid_until": row.valid_until.isoformat() if row.valid_until else None,
                    "document": document,
                    "document_name": document_name[:200],
                }
            )
        return draft_step_save(owner=owner, step=4, data=rows)


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


# --- Submission ---------------------------------------------------------------------------


def _messages(error: ValidationError, model=Supplier) -> list[str]:
    """'Field: message' lines of a service's ValidationError."""
    if not hasattr(error, "error_dict"):
        return [str(message) for message in error.messages]
    lines = []
    for field, errors in error.error_dict.items():
        label = ""
        if field != NON_FIELD_ERRORS:
            try:
                label = capfirst(str(model._meta.get_field(field).verbose_name))
            except FieldDoesNotExist:
                label = field
        for message in ValidationError(errors).messages:
            lines.append(f"{label}: {message}" if label else message)
    return lines


def _step_of(error: ValidationError) -> int:
    fields = list(getattr(error, "error_dict", {}))
    steps = [FIELD_STEP[field] for field in fields if field in FIELD_STEP]
    return min(steps) if steps else 1


def _by_pk(model, pks: Iterable[Any]) -> list[Any]:
    pks = list(pks)
    found = model.objects.in_bulk(pks)
    return [found[pk] for pk in pks if pk in found]


def registration_submit(*, owner: User) -> Supplier:
    """Create the owner's IKM from their draft, pending verification, with its capabilities
    and certificates (and their scans), then delete the draft — all or nothing.

    Raises ``DraftMissing`` when there is no draft (e.g. a second submission) and
    ``RegistrationRefused`` with the step to correct when a step is missing or no longer
    valid (an NIB registered meanwhile, a certificate that expired, …)."""
    with _removed_on_error() as stored, transaction.atomic():
        draft = SupplierDraft.objects.select_for_update().filter(owner=owner).first()
        if draft is None:
            raise DraftMissing
        if Supplier.objects.filter(owner=owner).exists():
            raise RegistrationRefused(1, [gettext("You have already registered an IKM.")])
        missing = draft_missing_steps(draft)
        if missing:
            raise RegistrationRefused(
                missing[0].number,
                [
                    gettext("Step %(number)s (%(title)s) is not filled in yet.")
                    % {"number": step.number, "title": step.title}
                    for step in missing
                ],
            )
        data = draft.data
        identity, location, contact = data["identity"], data["location"], data["contact"]

        fields: dict[str, Any] = {name: identity.get(name) for name in IDENTITY_FIELDS}
        fields |= {name: location.get(name) for name in LOCATION_FIELDS}
        fields |= {name: contact.get(name) for name in CONTACT_FIELDS}
        fields["regency"] = Regency.objects.filter(pk=location.get("regency")).first()
        for name in ("sentra", "address", *CONTACT_FIELDS):
            fields[name] = fields[name] or ""
        kbli = list(KbliCode.objects.filter(code__in=identity.get("kbli_codes") or []))
        if not kbli:
            raise RegistrationRefused(1, [gettext("Choose at least one KBLI code.")])
        try:
            supplier = supplier_create(owner=owner, data=fields, kbli_codes=kbli)
        except ValidationError as error:
            raise RegistrationRefused(_step_of(error), _messages(error)) from error

        for index, row in enumerate(data["capabilities"], start=1):
            component_type = ComponentType.objects.filter(pk=row.get("component_type")).first()
            if component_type is None:
                raise RegistrationRefused(
                    3,
                    [gettext("Row %(row)s: choose a component type.") % {"row": index}],
                )
            try:
                capability_set(
                    supplier=supplier,
                    component_type=component_type,
                    materials=_by_pk(Material, row.get("materials") or []),
                    processes=_by_pk(Process, row.get("processes") or []),
                    monthly_capacity=Decimal(str(row.get("monthly_capacity"))),
                    capacity_unit=row.get("capacity_unit") or "",
                    lead_time_days=row.get("lead_time_days"),
                    minimum_order=(
                        None
                        if row.get("minimum_order") in (None, "")
                        else Decimal(str(row["minimum_order"]))
                    ),
                )
            except ValidationError as error:
                raise RegistrationRefused(
                    3,
                    [
                        f"{component_type.name}: {message}"
                        for message in _messages(error, SupplierCapability)
                    ],
                ) from error

        drafts_to_delete = []
        for row in data["certifications"]:
            certification = Certification.objects.filter(pk=row.get("certification")).first()
            if certification is None:
                raise RegistrationRefused(4, [gettext("Choose the kind of certificate.")])
            try:
                held = certification_add(
                    supplier=supplier,
                    certification=certification,
                    number=row.get("number") or "",
                    issued_on=_date(row.get("issued_on")),
                    valid_until=_date(row.get("valid_until")),
                )
            except ValidationError as error:
                raise RegistrationRefused(
                    4,
                    [
                        f"{certification.name} {row.get('number')}: {message}"
                        for message in _messages(error, SupplierCertification)
                    ],
                ) from error
            if row.get("document"):
                try:
                    with private_storage.open(row["document"], "rb") as scan:
                        held.document.save(PurePath(row["document"]).name, File(scan), save=False)
                except FileNotFoundError as error:
                    raise RegistrationRefused(
                        4,
                        [
                            gettext(
                                "The scan of %(certificate)s %(number)s is missing; upload it "
                                "again."
                            )
                            % {"certificate": certification.name, "number": row.get("number")}
                        ],
                    ) from error
                stored.append(held.document.name)
                held.save(update_fields=["document", "updated_at"])
                drafts_to_delete.append(row["document"])

        draft.delete()
        _delete_on_commit(drafts_to_delete)
    return supplier


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


# --- My IKM: reading ----------------------------------------------------------------------


def my_supplier(*, owner: User) -> Supplier | None:
    """The owner's IKM with what its page shows (the first one if an admin gave them
    several)."""
    return (
        Supplier.objects.filter(owner=owner)
        .select_related("regency__province")
        .prefetch_related(
            "kbli_codes",
            Prefetch(
                "capabilities",
                queryset=SupplierCapability.objects.select_related(
                    "component_type__category"
                ).prefetch_related("materials", "processes"),
            ),
            Prefetch(
                "certifications",
                queryset=SupplierCertification.objects.select_related("certification"),
            ),
        )
        .order_by("pk")
        .first()
    )


def owned_capability(*, owner: User, pk: int) -> SupplierCapability | None:
    return (
        SupplierCapability.objects.filter(pk=pk, supplier__owner=owner)
        .select_related("supplier", "component_type")
        .prefetch_related("materials", "processes")
        .first()
    )


def owned_certificate(*, owner: User, pk: int) -> SupplierCertification | None:
    return (
        SupplierCertification.objects.filter(pk=pk, supplier__owner=owner)
        .select_related("supplier", "certification")
        .first()
    )


def kbli_search(*, q: str, limit: int = 20) -> QuerySet[KbliCode]:
    """Five-digit manufacturing KBLI codes by code prefix or by every word of the title."""
    queryset = KbliCode.objects.filter(code__regex=r"^[0-9]{5}$")
    words = q.split()
    if not words:
        return queryset.none()
    for word in words:
        queryset = queryset.filter(
            Q(code__startswith=word) if word.isdigit() else Q(title__icontains=word)
        )
    return queryset.order_by("code")[:limit]


def sentra_names(*, regency: str | None = None, limit: int = 100) -> list[str]:
    """Names of existing sentra (of verified IKM), those of the regency first."""
    base = Supplier.objects.filter(verification_status=VerificationStatus.VERIFIED).exclude(
        sentra=""
    )
    names: list[str] = []
    if regency:
        names = list(
            base.filter(regency_id=regency)
            .order_by("sentra")
            .values_list("sentra", flat=True)
            .distinct()[:limit]
        )
    others = base.order_by("sentra").values_list("sentra", flat=True).distinct()[:limit]
    return list(dict.fromkeys([*names, *others]))[:limit]


# --- My IKM: writing ----------------------------------------------------------------------


def capability_update(
    *,
    capability: SupplierCapability,
    component_type: ComponentType,
    materials: Iterable[Material],
    processes: Iterable[Process],
    monthly_capacity: Decimal | int,
    capacity_unit: str,
    lead_time_days: int,
    minimum_order: Decimal | int | None = None,
) -> SupplierCapability:
    """Change one capability in place (its component type too, unless the IKM already
    lists that type)."""
    with transaction.atomic():
        capability = SupplierCapability.objects.select_for_update().get(pk=capability.pk)
        capability.component_type = component_type
        capability.monthly_capacity = monthly_capacity
        capability.capacity_unit = capacity_unit
        capability.lead_time_days = lead_time_days
        capability.minimum_order = minimum_order
        if (
            SupplierCapability.objects.filter(
                supplier_id=capability.supplier_id, component_type=component_type
            )
            .exclude(pk=capability.pk)
            .exists()
        ):
            raise ValidationError(
                {
                    "component_type": _(
                        "You already listed this component type; edit that entry instead."
                    )
                }
            )
        capability.full_clean()
        capability.save()
        capability.materials.set(materials)
        capability.processes.set(processes)
        events.supplier_changed.send(supplier_id=capability.supplier_id)
    return capability


def capability_remove(*, capability: SupplierCapability) -> None:
    """Remove a capability; an IKM keeps at least one."""
    with transaction.atomic():
        supplier = Supplier.objects.select_for_update().get(pk=capability.supplier_id)
        if supplier.capabilities.count() <= 1:
            raise ValidationError(
                _(
                    "An IKM needs at least one capability to be matched: add another before "
                    "removing this one."
                ),
                code="last_capability",
            )
        SupplierCapability.objects.filter(pk=capability.pk).delete()
        events.supplier_changed.send(supplier_id=supplier.pk)


def _expired_rule(held: SupplierCertification) -> None:
    if held.valid_until is not None and held.valid_until < timezone.localdate():
        raise ValidationError({"valid_until": _("This certificate has already expired.")})


def certificate_add(
    *,
    supplier: Supplier,
    certification: Certification,
    number: str,
    valid_until: datetime.date | None = None,
    issued_on: datetime.date | None = None,
    document: UploadedFile | None = None,
) -> SupplierCertification:
    """Record a certificate with its scan (checked before it is stored)."""
    if document is not None:
        _checked_extension(document)
    with _removed_on_error() as stored, transaction.atomic():
        held = certification_add(
            supplier=supplier,
            certification=certification,
            number=number,
            valid_until=valid_until,
            issued_on=issued_on,
        )
        if document is not None:
            held.document.save(document.name or "certificate", document, save=False)
            stored.append(held.document.name)
            held.save(update_fields=["document", "updated_at"])
    return held


def certificate_update(
    *,
    held: SupplierCertification,
    certification: Certification,
    number: str,
    valid_until: datetime.date | None = None,
    issued_on: datetime.date | None = None,
    document: UploadedFile | None = None,
) -> SupplierCertification:
    """Change a certificate; a new scan replaces the old one (deleted after commit)."""
    if document is not None:
        _checked_extension(document)
    with _removed_on_error() as stored, transaction.atomic():
        held = (
            SupplierCertification.objects.select_for_update()
            .select_related("supplier")
            .get(pk=held.pk)
        )
        held.certification = certification
        held.number = number
        held.valid_until = valid_until
        held.issued_on = issued_on
        held.full_clean(exclude={"document"})
        _expired_rule(held)
        previous = held.document.name
        if document is not None:
            held.document.save(document.name or "certificate", document, save=False)
            stored.append(held.document.name)
            _delete_on_commit([previous])
        held.save()
        events.supplier_changed.send(supplier_id=held.supplier_id)
    return held


def certificate_remove(*, held: SupplierCertification) -> None:
    """Remove a certificate and, after commit, its scan."""
    with transaction.atomic():
        name = held.document.name
        SupplierCertification.objects.filter(pk=held.pk).delete()
        _delete_on_commit([name])
        events.supplier_changed.send(supplier_id=held.supplier_id)


def supplier_fields(
    *,
    identity: Mapping[str, Any],
    location: Mapping[str, Any],
    contact: Mapping[str, Any],
) -> dict[str, Any]:
    """The ``supplier_update`` data of the my-IKM edit form's cleaned values."""
    fields = {name: identity[name] for name in IDENTITY_FIELDS}
    fields |= {name: location[name] for name in LOCATION_FIELDS}
    fields |= {name: contact[name] for name in CONTACT_FIELDS}
    return fields


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
        row["issued_on_date"] = _date(row.get("issued_on"))
        row["valid_until_date"] = _date(row.get("valid_until"))
        row["document_key"] = PurePath(row["document"]).name if row.get("document") else ""
    return {
        "identity": identity,
        "location": location,
        "capabilities": capabilities,
        "certifications": certificates,
        "contact": data.get("contact") or {},
    }
