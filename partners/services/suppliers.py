"""Writing IKM suppliers: their profile, what they can make (capabilities) and the
certificates they hold, with their scans.

Every write announces ``events.supplier_changed``, which the matching engine answers with
a rescore of the IKM. A scan is checked (size, PDF/PNG/JPEG by content) before anything is
stored; a refused or rolled-back change leaves no file behind, and a replaced or removed
scan is deleted once the change commits.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.files import delete_files_on_commit
from components.models import Certification, ComponentType, KbliCode, Material, Process

from .. import events
from ..models import Supplier, SupplierCapability, SupplierCertification, User
from ..uploads import checked_extension, private_storage, removed_on_error
from .validation import assign, validate
from .verification import identity_changes, identity_snapshot, reverification_apply

SUPPLIER_FIELDS = frozenset(
    {
        "legal_name",
        "nib",
        "legal_form",
        "workers",
        "investment_idr",
        "regency",
        "address",
        "sentra",
        "latitude",
        "longitude",
        "contact_person",
        "contact_phone",
        "contact_email",
        "is_active",
    }
)


# --- Profile ------------------------------------------------------------------------------


def validate_supplier(supplier: Supplier) -> None:
    """``full_clean()`` of an IKM. Its size_class is derived in ``Supplier.clean()``;
    leaving it out keeps its check constraint from reporting a second, non-field error when
    workers or investment are invalid. The database constraint still guards it."""
    validate(supplier, exclude={"size_class"})


def supplier_create(
    *,
    owner: User | None = None,
    data: Mapping[str, Any],
    kbli_codes: Iterable[KbliCode] = (),
) -> Supplier:
    """Register an IKM. Its size class is computed and its location defaults to the centre
    of its regency; a business too large for an IKM is refused."""
    supplier = Supplier(owner=owner)
    assign(supplier, data, SUPPLIER_FIELDS)
    validate_supplier(supplier)
    with transaction.atomic():
        supplier.save()
        supplier.kbli_codes.set(kbli_codes)
        events.supplier_changed.send(supplier_id=supplier.pk)
    return supplier


def supplier_update(
    *,
    supplier: Supplier,
    data: Mapping[str, Any],
    kbli_codes: Iterable[KbliCode] | None = None,
) -> Supplier:
    """Edit an IKM's profile. Moving it to another regency also moves coordinates that were
    only the old regency's centre, unless new coordinates are given. A verified IKM whose
    NIB or legal name changes goes back to verification (``reverification_apply``)."""
    if (
        "regency" in data
        and "latitude" not in data
        and "longitude" not in data
        and supplier.regency_id
        and (supplier.latitude, supplier.longitude)
        == (supplier.regency.latitude, supplier.regency.longitude)
    ):
        supplier.latitude = supplier.longitude = None
    before = identity_snapshot(supplier)
    assign(supplier, data, SUPPLIER_FIELDS)
    validate_supplier(supplier)
    with transaction.atomic():
        reverification_apply(supplier, identity_changes(supplier, before))
        supplier.save()
        if kbli_codes is not None:
            supplier.kbli_codes.set(kbli_codes)
        events.supplier_changed.send(supplier_id=supplier.pk)
    return supplier


# --- Capabilities -------------------------------------------------------------------------


def capability_set(
    *,
    supplier: Supplier,
    component_type: ComponentType,
    materials: Iterable[Material],
    processes: Iterable[Process],
    monthly_capacity: Decimal | int,
    capacity_unit: str,
    lead_time_days: int,
    minimum_order: Decimal | int | None = None,
) -> SupplierCapability:
    """Record what an IKM can make of one component type: creates the capability or
    replaces the existing one for that component type."""
    with transaction.atomic():
        capability = (
            SupplierCapability.objects.select_for_update()
            .filter(supplier=supplier, component_type=component_type)
            .first()
        ) or SupplierCapability(supplier=supplier, component_type=component_type)
        capability.monthly_capacity = monthly_capacity
        capability.capacity_unit = capacity_unit
        capability.lead_time_days = lead_time_days
        capability.minimum_order = minimum_order
        validate(capability)
        capability.save()
        capability.materials.set(materials)
        capability.processes.set(processes)
        events.supplier_changed.send(supplier_id=supplier.pk)
    return capability


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


# --- Certificates -------------------------------------------------------------------------


def certificate_expired(held: SupplierCertification) -> ValidationError | None:
    """The one expired-certificate rule: a certificate past its ``valid_until`` date is
    refused (when added, changed or submitted with a registration)."""
    if held.valid_until is not None and held.valid_until < timezone.localdate():
        return ValidationError(_("This certificate has already expired."), code="expired")
    return None


def _validate_certificate(held: SupplierCertification, **kwargs: Any) -> None:
    validate(held, rules={"valid_until": lambda: certificate_expired(held)}, **kwargs)


def certification_add(
    *,
    supplier: Supplier,
    certification: Certification,
    number: str,
    valid_until: datetime.date | None = None,
    issued_on: datetime.date | None = None,
) -> SupplierCertification:
    """Record a certificate an IKM holds. An already expired certificate is refused."""
    held = SupplierCertification(
        supplier=supplier,
        certification=certification,
        number=number,
        valid_until=valid_until,
        issued_on=issued_on,
    )
    _validate_certificate(held)
    with transaction.atomic():
        held.save()
        events.supplier_changed.send(supplier_id=supplier.pk)
    return held


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
        checked_extension(document)
    with removed_on_error() as stored, transaction.atomic():
        held = certification_add(
            supplier=supplier,
            certification=certification,
            number=number,
            valid_until=valid_until,
            issued_on=issued_on,
        )
        if document is not None:
            held.document.save(document.name or "certificate", document, save=False)
            assert held.document.name is not None  # save() gave it the stored name
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
        checked_extension(document)
    with removed_on_error() as stored, transaction.atomic():
        held = (
            SupplierCertification.objects.select_for_update()
            .select_related("supplier")
            .get(pk=held.pk)
        )
        held.certification = certification
        held.number = number
        held.valid_until = valid_until
        held.issued_on = issued_on
        _validate_certificate(held, exclude={"document"})
        previous = held.document.name
        if document is not None:
            held.document.save(document.name or "certificate", document, save=False)
            assert held.document.name is not None  # save() gave it the stored name
            stored.append(held.document.name)
            delete_files_on_commit(private_storage, [previous])
        held.save()
        events.supplier_changed.send(supplier_id=held.supplier_id)
    return held


def certificate_remove(*, held: SupplierCertification) -> None:
    """Remove a certificate and, after commit, its scan."""
    with transaction.atomic():
        name = held.document.name
        SupplierCertification.objects.filter(pk=held.pk).delete()
        delete_files_on_commit(private_storage, [name])
        events.supplier_changed.send(supplier_id=held.supplier_id)
