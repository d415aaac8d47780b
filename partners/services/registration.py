"""The IKM registration: the owner's draft, saved step by step, and its submission.

Each step's data is saved into the owner's :class:`~partners.models.SupplierDraft` as plain
JSON (the steps are in ``partners.selectors.registration``). A certificate scan is checked
(size and content) *before* anything is stored, then stored right away in the private
storage under ``drafts/<user id>/`` and only its name is kept in the draft; on submission it
moves under ``certificates/<supplier id>/`` and the draft files are deleted.

Submission is one transaction through the supplier services (``supplier_create``,
``capability_set``, ``certification_add``): the IKM is created pending verification, so it
is not matched until staff verify it; the draft is deleted in the same transaction, so a
second submission finds nothing to submit.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.files import delete_files_on_commit
from components.models import Certification, ComponentType, KbliCode, Material, Process, Regency

from ..models import Supplier, SupplierCapability, SupplierCertification, SupplierDraft, User
from ..selectors.registration import (
    CONTACT_FIELDS,
    FIELD_STEP,
    IDENTITY_FIELDS,
    LOCATION_FIELDS,
    STEP_BY_NUMBER,
    draft_date,
    draft_documents,
    draft_get,
    draft_missing_steps,
)
from ..uploads import checked_extension, private_storage, removed_on_error
from .suppliers import capability_set, certification_add, supplier_create


class DraftMissing(Exception):
    """There is no registration draft to submit (never started, or already submitted)."""


class RegistrationRefused(Exception):
    """The draft cannot be submitted as it is; ``step`` is where to correct it."""

    def __init__(self, step: int, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.step = step
        self.messages = messages


# --- Drafts -------------------------------------------------------------------------------


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
        delete_files_on_commit(private_storage, before - set(draft_documents(draft)))
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
            checked_extension(row.upload)
    with removed_on_error() as stored:
        rows = []
        for row in certificates:
            if row.upload is not None:
                extension = checked_extension(row.upload)
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
    with removed_on_error() as stored, transaction.atomic():
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
                    issued_on=draft_date(row.get("issued_on")),
                    valid_until=draft_date(row.get("valid_until")),
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
                assert held.document.name is not None  # save() gave it the stored name
                stored.append(held.document.name)
                held.save(update_fields=["document", "updated_at"])
                drafts_to_delete.append(row["document"])

        draft.delete()
        delete_files_on_commit(private_storage, drafts_to_delete)
    return supplier
