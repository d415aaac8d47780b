"""Writing partners: every change to suppliers, manufacturers and demand goes through here.

Each service takes keyword arguments, validates with ``full_clean()`` plus the business
rules that span more than one model, saves in one transaction and announces the change on
``partners.events`` (see that module for how the matching engine listens). Invalid input
raises ``ValidationError`` keyed by field and leaves the database untouched.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Collection, Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from components.models import Certification, ComponentType, KbliCode, Material, Process, Sector

from . import events
from .choices import DemandStatus, VerificationStatus
from .models import (
    Demand,
    Manufacturer,
    Plant,
    Supplier,
    SupplierCapability,
    SupplierCertification,
    User,
)
from .uploads import private_storage

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
MANUFACTURER_FIELDS = frozenset(
    {"name", "nib", "website", "contact_person", "contact_phone", "contact_email", "is_active"}
)
PLANT_FIELDS = frozenset({"name", "regency", "address", "latitude", "longitude"})
DEMAND_FIELDS = frozenset(
    {
        "plant",
        "component_type",
        "title",
        "specification",
        "material",
        "quantity_per_month",
        "unit",
        "duration_months",
        "unit_price_idr",
        "needed_by",
        "drawing",
    }
)
#: What suppliers in a partnership care about: a change to one of these on an open demand
#: is announced on ``events.demand_specification_changed``. The title and the target price
#: are the manufacturer's own wording and commercial terms, not the specification.
DEMAND_SPECIFICATION_FIELDS = frozenset(
    {
        "plant",
        "component_type",
        "specification",
        "material",
        "quantity_per_month",
        "unit",
        "duration_months",
        "needed_by",
        "drawing",
        "required_processes",
        "mandatory_certifications",
        "preferred_certifications",
    }
)

# A rule runs after full_clean() unless its field already has an error; it returns the
# error for that field, or None.
Rule = Callable[[], ValidationError | None]


def _assign(instance: models.Model, data: Mapping[str, Any], allowed: Collection[str]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise TypeError(
            f"{type(instance).__name__} fields not accepted here: {', '.join(sorted(unknown))}"
        )
    for name, value in data.items():
        setattr(instance, name, value)


def _validate(
    instance: models.Model,
    *,
    rules: Mapping[str, Rule] | None = None,
    exclude: Collection[str] | None = None,
) -> None:
    errors: dict[str, list[ValidationError]] = {}
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        errors = {field: list(field_errors) for field, field_errors in exc.error_dict.items()}
    for field, rule in (rules or {}).items():
        if field in errors:
            continue
        error = rule()
        if error is not None:
            errors[field] = [error]
    if errors:
        raise ValidationError(errors)


# --- Suppliers ----------------------------------------------------------------------------


def _validate_supplier(supplier: Supplier) -> None:
    # size_class is derived in Supplier.clean(); leaving it out of full_clean() keeps its
    # check constraint from reporting a second, non-field error when workers or investment
    # are invalid. The database constraint still guards it.
    _validate(supplier, exclude={"size_class"})


def supplier_create(
    *,
    owner: User | None = None,
    data: Mapping[str, Any],
    kbli_codes: Iterable[KbliCode] = (),
) -> Supplier:
    """Register an IKM. Its size class is computed and its location defaults to the centre
    of its regency; a business too large for an IKM is refused."""
    supplier = Supplier(owner=owner)
    _assign(supplier, data, SUPPLIER_FIELDS)
    _validate_supplier(supplier)
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
    only the old regency's centre, unless new coordinates are given."""
    if (
        "regency" in data
        and "latitude" not in data
        and "longitude" not in data
        and supplier.regency_id
        and (supplier.latitude, supplier.longitude)
        == (supplier.regency.latitude, supplier.regency.longitude)
    ):
        supplier.latitude = supplier.longitude = None
    _assign(supplier, data, SUPPLIER_FIELDS)
    _validate_supplier(supplier)
    with transaction.atomic():
        supplier.save()
        if kbli_codes is not None:
            supplier.kbli_codes.set(kbli_codes)
        events.supplier_changed.send(supplier_id=supplier.pk)
    return supplier


def _verification_set(organisation: Supplier | Manufacturer, status: str) -> bool:
    """Set the verification status; ``verified_at`` records when it last became verified.
    Returns whether anything changed."""
    if organisation.verification_status == status:
        return False
    organisation.verification_status = status
    organisation.verified_at = timezone.now() if status == VerificationStatus.VERIFIED else None
    _validate(organisation, exclude={"size_class"})
    organisation.save(update_fields=["verification_status", "verified_at", "updated_at"])
    return True


def supplier_verification_set(*, supplier: Supplier, status: str) -> Supplier:
    """Record the staff's verification decision on an IKM (verified, rejected, suspended)."""
    with transaction.atomic():
        if _verification_set(supplier, status):
            events.supplier_changed.send(supplier_id=supplier.pk)
    return supplier


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
        _validate(capability)
        capability.save()
        capability.materials.set(materials)
        capability.processes.set(processes)
        events.supplier_changed.send(supplier_id=supplier.pk)
    return capability


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
    _validate(
        held,
        rules={
            "valid_until": lambda: (
                ValidationError(_("This certificate has already expired."), code="expired")
                if held.valid_until is not None and held.valid_until < timezone.localdate()
                else None
            )
        },
    )
    with transaction.atomic():
        held.save()
        events.supplier_changed.send(supplier_id=supplier.pk)
    return held


# --- Manufacturers ------------------------------------------------------------------------


def manufacturer_create(
    *,
    data: Mapping[str, Any],
    sectors: Iterable[Sector] = (),
    members: Iterable[User] = (),
) -> Manufacturer:
    """Register a large manufacturer (industri besar) with the users acting for it."""
    manufacturer = Manufacturer()
    _assign(manufacturer, data, MANUFACTURER_FIELDS)
    _validate(manufacturer)
    with transaction.atomic():
        manufacturer.save()
        manufacturer.sectors.set(sectors)
        manufacturer.members.set(members)
    return manufacturer


def manufacturer_register(
    *, user: User, data: Mapping[str, Any], sectors: Iterable[Sector] = ()
) -> Manufacturer:
    """A manufacturer representative registers their company, pending verification by
    ministry staff, and becomes its first member. A user who already belongs to a
    manufacturer is refused (a second submission of the same form creates nothing)."""
    with transaction.atomic():
        # Serialise registrations by the same user, so two submissions at once make one.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if Manufacturer.objects.filter(members=user).exists():
            raise ValidationError(
                _("You already belong to a registered company."), code="already_member"
            )
        return manufacturer_create(data=data, sectors=sectors, members=[user])


def manufacturer_update(
    *,
    manufacturer: Manufacturer,
    data: Mapping[str, Any],
    sectors: Iterable[Sector] | None = None,
) -> Manufacturer:
    """Edit a manufacturer's profile (name, NIB, website, contact, sectors). Its
    verification status is the staff's to change, not the member's."""
    _assign(manufacturer, data, MANUFACTURER_FIELDS - {"is_active"})
    _validate(manufacturer)
    with transaction.atomic():
        manufacturer.save()
        if sectors is not None:
            manufacturer.sectors.set(sectors)
    return manufacturer


def manufacturer_verification_set(*, manufacturer: Manufacturer, status: str) -> Manufacturer:
    """Record the staff's verification decision on a manufacturer."""
    _verification_set(manufacturer, status)
    return manufacturer


def plant_create(*, manufacturer: Manufacturer, data: Mapping[str, Any]) -> Plant:
    """Add a delivery plant; its location defaults to the centre of its regency."""
    plant = Plant(manufacturer=manufacturer)
    _assign(plant, data, PLANT_FIELDS)
    _validate(plant)
    plant.save()
    return plant


def plant_update(*, plant: Plant, data: Mapping[str, Any]) -> Plant:
    """Edit a plant. Moving it to another regency also moves coordinates that were only
    the old regency's centre, unless new coordinates are given. When the plant's place
    changes, its open demands are rescored and announced as changed in their delivery
    plant (suppliers' distances change)."""
    before = (plant.regency_id, plant.latitude, plant.longitude)
    if (
        "regency" in data
        and "latitude" not in data
        and "longitude" not in data
        and plant.regency_id
        and (plant.latitude, plant.longitude) == (plant.regency.latitude, plant.regency.longitude)
    ):
        plant.latitude = plant.longitude = None
    _assign(plant, data, PLANT_FIELDS)
    _validate(plant)
    with transaction.atomic():
        plant.save()
        if (plant.regency_id, plant.latitude, plant.longitude) != before:
            for demand_id in plant.demands.filter(status=DemandStatus.OPEN).values_list(
                "pk", flat=True
            ):
                events.demand_changed.send(demand_id=demand_id)
                events.demand_specification_changed.send(demand_id=demand_id, fields=["plant"])
    return plant


def plant_delete(*, plant: Plant) -> None:
    """Remove a plant no demand delivers to; one with demands (even closed ones, which keep
    their history) is refused."""
    with transaction.atomic():
        if plant.demands.exists():
            raise ValidationError(
                _("Demands are delivered to this plant, so it cannot be removed."),
                code="plant_in_use",
            )
        plant.delete()


# --- Demand -------------------------------------------------------------------------------


def demand_needed_by_validate(*, needed_by: datetime.date | None) -> None:
    """Refuse a needed-by date in the past (for new demands, new dates and publishing)."""
    if needed_by is not None and needed_by < timezone.localdate():
        raise ValidationError(_("The needed-by date cannot be in the past."), code="needed_by_past")


def _needed_by_in_future(demand: Demand) -> Rule:
    def rule() -> ValidationError | None:
        try:
            demand_needed_by_validate(needed_by=demand.needed_by)
        except ValidationError as error:
            return error
        return None

    return rule


def _certifications_disjoint(
    mandatory: Iterable[Certification], preferred: Iterable[Certification]
) -> Rule:
    def rule() -> ValidationError | None:
        both = {c.pk for c in mandatory} & {c.pk for c in preferred}
        if both:
            return ValidationError(
                _("A certification cannot be both mandatory and preferred."),
                code="certification_overlap",
            )
        return None

    return rule


def demand_create(
    *,
    manufacturer: Manufacturer,
    data: Mapping[str, Any],
    required_processes: Iterable[Process] = (),
    mandatory_certifications: Iterable[Certification] = (),
    preferred_certifications: Iterable[Certification] = (),
) -> Demand:
    """Post a manufacturer's component demand as a draft, to be published later.
    ``data["drawing"]`` may carry the technical drawing (an upload, checked for size and
    type before anything is stored)."""
    mandatory, preferred = list(mandatory_certifications), list(preferred_certifications)
    demand = Demand(manufacturer=manufacturer, status=DemandStatus.DRAFT)
    _assign(demand, data, DEMAND_FIELDS)
    _validate(
        demand,
        rules={
            "needed_by": _needed_by_in_future(demand),
            "preferred_certifications": _certifications_disjoint(mandatory, preferred),
        },
    )
    try:
        with transaction.atomic():
            demand.save()
            demand.required_processes.set(required_processes)
            demand.mandatory_certifications.set(mandatory)
            demand.preferred_certifications.set(preferred)
            events.demand_changed.send(demand_id=demand.pk)
    except Exception:
        # The row was rolled back: do not keep its drawing either.
        if demand.drawing.name and demand.drawing._committed:
            private_storage.delete(demand.drawing.name)
        raise
    return demand


def _pks(objects: Iterable[models.Model]) -> set[Any]:
    return {obj.pk for obj in objects}


def _discard_file_on_commit(name: str) -> None:
    """Delete a replaced or removed upload once the change is committed."""
    if name:
        transaction.on_commit(lambda: private_storage.delete(name))


def demand_update(
    *,
    demand: Demand,
    data: Mapping[str, Any],
    required_processes: Iterable[Process] | None = None,
    mandatory_certifications: Iterable[Certification] | None = None,
    preferred_certifications: Iterable[Certification] | None = None,
) -> Demand:
    """Edit a draft or open demand. A new needed-by date must not be in the past; closed and
    cancelled demands are final.

    ``data["drawing"]`` replaces the technical drawing with an upload, or removes it when
    empty; the old file is deleted once the change is committed. When a field of
    ``DEMAND_SPECIFICATION_FIELDS`` changes on an open demand, the change is announced on
    ``events.demand_specification_changed`` with the names of the changed fields."""
    if demand.status not in (DemandStatus.DRAFT, DemandStatus.OPEN):
        raise ValidationError(
            _("A %(status)s demand can no longer be edited."),
            code="not_editable",
            params={"status": demand.get_status_display()},
        )
    if required_processes is not None:
        required_processes = list(required_processes)
    if mandatory_certifications is not None:
        mandatory_certifications = list(mandatory_certifications)
    if preferred_certifications is not None:
        preferred_certifications = list(preferred_certifications)
    mandatory = list(
        demand.mandatory_certifications.all()
        if mandatory_certifications is None
        else mandatory_certifications
    )
    preferred = list(
        demand.preferred_certifications.all()
        if preferred_certifications is None
        else preferred_certifications
    )
    previous_needed_by = demand.needed_by
    previous_drawing = demand.drawing.name or ""
    previous = {
        name: getattr(demand, demand._meta.get_field(name).attname)
        for name in DEMAND_FIELDS - {"drawing"}
    }
    _assign(demand, data, DEMAND_FIELDS)
    rules = {"preferred_certifications": _certifications_disjoint(mandatory, preferred)}
    if "needed_by" in data and data["needed_by"] != previous_needed_by:
        rules["needed_by"] = _needed_by_in_future(demand)
    _validate(demand, rules=rules)

    changed = {
        name
        for name, value in previous.items()
        if getattr(demand, demand._meta.get_field(name).attname) != value
    }
    # A new upload is an uncommitted file; an empty value removes the drawing.
    drawing_replaced = "drawing" in data and (
        (bool(demand.drawing) and not demand.drawing._committed)
        or (not demand.drawing and bool(previous_drawing))
    )
    if drawing_replaced:
        changed.add("drawing")
    with transaction.atomic():
        if demand.status == DemandStatus.OPEN:
            # Compare the related sets before they are replaced.
            for name, new in (
                ("required_processes", required_processes),
                ("mandatory_certifications", mandatory_certifications),
                ("preferred_certifications", preferred_certifications),
            ):
                if new is not None and _pks(new) != _pks(getattr(demand, name).all()):
                    changed.add(name)
        demand.save()
        if drawing_replaced:
            _discard_file_on_commit(previous_drawing)
        if required_processes is not None:
            demand.required_processes.set(required_processes)
        if mandatory_certifications is not None:
            demand.mandatory_certifications.set(mandatory)
        if preferred_certifications is not None:
            demand.preferred_certifications.set(preferred)
        events.demand_changed.send(demand_id=demand.pk)
        specification = sorted(changed & DEMAND_SPECIFICATION_FIELDS)
        if demand.status == DemandStatus.OPEN and specification:
            events.demand_specification_changed.send(demand_id=demand.pk, fields=specification)
    return demand


def _demand_move(
    *,
    demand: Demand,
    allowed_from: Collection[str],
    to: DemandStatus,
    refusal: str,
    rules: Mapping[str, Callable[[Demand], Rule]] | None = None,
) -> Demand:
    with transaction.atomic():
        current = Demand.objects.select_for_update().get(pk=demand.pk)
        if current.status not in allowed_from:
            raise ValidationError(
                {
                    "status": ValidationError(
                        refusal,
                        code="invalid_transition",
                        params={"status": current.get_status_display()},
                    )
                }
            )
        errors = {
            field: error
            for field, make_rule in (rules or {}).items()
            if (error := make_rule(current)())
        }
        if errors:
            raise ValidationError(errors)
        current.status = to
        current.save(update_fields=["status", "updated_at"])
        events.demand_changed.send(demand_id=current.pk)
    demand.status, demand.updated_at = current.status, current.updated_at
    return demand


def demand_publish(*, demand: Demand) -> Demand:
    """Open a draft demand to matching. Its needed-by date must not have passed."""
    return _demand_move(
        demand=demand,
        allowed_from=[DemandStatus.DRAFT],
        to=DemandStatus.OPEN,
        refusal=_("Only a draft demand can be published; this one is %(status)s."),
        rules={"needed_by": _needed_by_in_future},
    )


def demand_close(*, demand: Demand) -> Demand:
    """Close an open demand: it is filled or no longer needed, and leaves matching."""
    return _demand_move(
        demand=demand,
        allowed_from=[DemandStatus.OPEN],
        to=DemandStatus.CLOSED,
        refusal=_("Only an open demand can be closed; this one is %(status)s."),
    )


def demand_cancel(*, demand: Demand) -> Demand:
    """Withdraw a draft or open demand."""
    return _demand_move(
        demand=demand,
        allowed_from=[DemandStatus.DRAFT, DemandStatus.OPEN],
        to=DemandStatus.CANCELLED,
        refusal=_("Only a draft or open demand can be cancelled; this one is %(status)s."),
    )
