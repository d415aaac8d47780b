"""Writing manufacturers (industri besar): their registration and profile, the members
acting for them, and their delivery plants.

A manufacturer registers pending verification by ministry staff; its verification status is
the staff's to change (``partners.services.verification``), never the members'. A change of a
plant's place is announced for every open demand delivered there (suppliers' distances
change).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from components.models import Sector

from .. import events
from ..choices import DemandStatus
from ..models import Manufacturer, Plant, User
from .validation import assign, validate
from .verification import identity_changes, identity_snapshot, reverification_apply

MANUFACTURER_FIELDS = frozenset(
    {"name", "nib", "website", "contact_person", "contact_phone", "contact_email", "is_active"}
)
PLANT_FIELDS = frozenset({"name", "regency", "address", "latitude", "longitude"})


def manufacturer_create(
    *,
    data: Mapping[str, Any],
    sectors: Iterable[Sector] = (),
    members: Iterable[User] = (),
) -> Manufacturer:
    """Register a large manufacturer (industri besar) with the users acting for it."""
    manufacturer = Manufacturer()
    assign(manufacturer, data, MANUFACTURER_FIELDS)
    validate(manufacturer)
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
    verification status is the staff's to change, not the member's; a change of name or
    NIB of a verified company sends it back to verification (``reverification_apply``)."""
    before = identity_snapshot(manufacturer)
    assign(manufacturer, data, MANUFACTURER_FIELDS - {"is_active"})
    validate(manufacturer)
    with transaction.atomic():
        reverification_apply(manufacturer, identity_changes(manufacturer, before))
        manufacturer.save()
        if sectors is not None:
            manufacturer.sectors.set(sectors)
    return manufacturer


def plant_create(*, manufacturer: Manufacturer, data: Mapping[str, Any]) -> Plant:
    """Add a delivery plant; its location defaults to the centre of its regency."""
    plant = Plant(manufacturer=manufacturer)
    assign(plant, data, PLANT_FIELDS)
    validate(plant)
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
    assign(plant, data, PLANT_FIELDS)
    validate(plant)
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
