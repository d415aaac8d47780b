"""Writing manufacturers' component demands: create as a draft, edit, publish, close,
cancel.

Every write announces ``events.demand_changed`` (the engine rescores the demand); a change
of what suppliers in a partnership care about on an open demand is also announced on
``events.demand_specification_changed`` with the names of the changed fields. A technical
drawing is checked before it is stored; a replaced or removed one is deleted once the change
commits.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.files import delete_files_on_commit
from components.models import Certification, Process

from .. import events
from ..choices import DemandStatus
from ..models import Demand, Manufacturer
from ..uploads import private_storage
from .validation import Rule, assign, validate

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

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
    assign(demand, data, DEMAND_FIELDS)
    validate(
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
        # _committed: False until the upload is stored (private to Django, not in the stubs)
        if demand.drawing.name and demand.drawing._committed:  # type: ignore[attr-defined]
            private_storage.delete(demand.drawing.name)
        raise
    return demand


def _attname(name: str) -> str:
    """The attribute holding the value of the demand's field ``name`` (``plant_id``)."""
    field = Demand._meta.get_field(name)
    assert isinstance(field, models.Field)  # a concrete field, not a reverse relation
    return field.attname


def _pks(objects: Iterable[models.Model]) -> set[Any]:
    return {obj.pk for obj in objects}


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
    previous = {name: getattr(demand, _attname(name)) for name in DEMAND_FIELDS - {"drawing"}}
    assign(demand, data, DEMAND_FIELDS)
    rules = {"preferred_certifications": _certifications_disjoint(mandatory, preferred)}
    if "needed_by" in data and data["needed_by"] != previous_needed_by:
        rules["needed_by"] = _needed_by_in_future(demand)
    validate(demand, rules=rules)

    changed = {name for name, value in previous.items() if getattr(demand, _attname(name)) != value}
    # A new upload is an uncommitted file; an empty value removes the drawing.
    drawing_replaced = "drawing" in data and (
        (bool(demand.drawing) and not demand.drawing._committed)  # type: ignore[attr-defined]
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
            delete_files_on_commit(private_storage, [previous_drawing])
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
    refusal: StrOrPromise,
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
