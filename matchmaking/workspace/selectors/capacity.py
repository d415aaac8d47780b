"""Free capacity in SQL, for the supplier directory's filters, rows and exports.

A capability's monthly capacity minus the volume its partnerships in a capacity-committing
stage (trial order, contract, active supply) have reserved, converted into the capability's
unit the way the matching engine converts it (``matchmaking.engine.loading._committed_volume``
/ ``scoring.units.conversion``): same unit as is, kilograms and tonnes into each other,
pieces or sets to mass through the component type's unit weight; a volume that cannot be
converted is left out, as the engine does. Also: the certificates valid on a day."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import (
    Case,
    Exists,
    F,
    FloatField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest
from django.utils import timezone

from components.choices import COUNT_UNITS, Unit
from matchmaking.choices import CAPACITY_COMMITTING_STAGES
from matchmaking.models import Partnership
from partners.models import SupplierCapability, SupplierCertification

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


def _unit_factor() -> Case:
    """Factor from a partnership's committed unit into its capability's unit (NULL when
    the units cannot be compared), over the aliases set in :func:`committed_volume`."""
    weighted = Q(weight__gt=0, item_unit__in=list(COUNT_UNITS))
    return Case(
        When(Q(source="") | Q(source=F("target")), then=Value(1.0)),
        When(Q(source=Unit.KILOGRAM, target=Unit.TONNE), then=Value(0.001)),
        When(Q(source=Unit.TONNE, target=Unit.KILOGRAM), then=Value(1000.0)),
        When(weighted & Q(source=F("item_unit"), target=Unit.KILOGRAM), then=F("weight")),
        When(
            weighted & Q(source=F("item_unit"), target=Unit.TONNE),
            then=F("weight") / Value(1000.0),
        ),
        When(
            weighted & Q(target=F("item_unit"), source=Unit.KILOGRAM),
            then=Value(1.0) / F("weight"),
        ),
        When(
            weighted & Q(target=F("item_unit"), source=Unit.TONNE),
            then=Value(1000.0) / F("weight"),
        ),
        default=None,
        output_field=FloatField(),
    )


def _commitments() -> QuerySet[Partnership]:
    """Partnerships reserving volume on a capability, with the aliases of
    :func:`_unit_factor`."""
    return (
        Partnership.objects.filter(
            stage__in=CAPACITY_COMMITTING_STAGES,
            committed_monthly_volume__gt=0,
            match__capability__isnull=False,
        )
        .alias(
            source=F("committed_unit"),
            target=F("match__capability__capacity_unit"),
            item_unit=F("match__capability__component_type__unit"),
            weight=Cast("match__capability__component_type__unit_weight_kg", FloatField()),
        )
        .order_by()
    )


def _committed_sum() -> Coalesce:
    return Coalesce(
        Sum(Cast("committed_monthly_volume", FloatField()) * _unit_factor()),
        Value(0.0),
        output_field=FloatField(),
    )


class CapabilityRef(TypedDict):
    match__capability_id: int


class CapacityAnnotations(TypedDict):
    """What :func:`capabilities_with_capacity` annotates a capability with."""

    committed: float
    free: float


if TYPE_CHECKING:  # WithAnnotations takes one argument at run time
    CapabilityWithCapacity = WithAnnotations[SupplierCapability, CapacityAnnotations]


def committing_capabilities() -> QuerySet[Partnership, CapabilityRef]:
    """Ids of the capabilities some partnership reserves volume on (a small set)."""
    return _commitments().values("match__capability_id")


def committed_volume() -> Subquery:
    """Monthly volume committed on the capability ``OuterRef("pk")``, in its own unit."""
    return Subquery(
        _commitments()
        .filter(match__capability_id=OuterRef("pk"))
        .values("match__capability_id")
        .annotate(total=_committed_sum())
        .values("total"),
        output_field=FloatField(),
    )


def capabilities_with_capacity(
    queryset: QuerySet[SupplierCapability] | None = None,
) -> QuerySet[CapabilityWithCapacity]:
    """Capabilities annotated with ``committed`` and ``free`` (never below zero), both per
    month in the capability's own unit. The per-capability sum runs only for the few
    capabilities in the (hashed, uncorrelated) set of committed ones. For display: to
    filter many rows use :func:`free_capacity_between`."""
    queryset = SupplierCapability.objects.all() if queryset is None else queryset
    return queryset.annotate(
        committed=Case(
            When(pk__in=committing_capabilities(), then=committed_volume()),
            default=Value(0.0),
            output_field=FloatField(),
        )
    ).annotate(
        free=Greatest(
            Cast("monthly_capacity", FloatField()) - F("committed"),
            Value(0.0),
            output_field=FloatField(),
        )
    )


def free_capacity_between(low: float | None = None, high: float | None = None) -> Q:
    """Capabilities whose free monthly capacity lies in ``[low, high]`` (either open).

    Written without a correlated subquery: a capability nobody has committed volume on
    qualifies by its capacity; one that has, by its entry in one grouped, uncorrelated
    subquery over the (few) committing partnerships. On PostgreSQL this keeps the plan's
    cost low, so a filter over 100,000 capabilities stays a single cheap pass."""
    capacity = Q()
    free = Q()
    if low is not None:
        capacity &= Q(monthly_capacity__gte=Decimal(str(low)))
        free &= Q(free__gte=float(low))
    if high is not None:
        capacity &= Q(monthly_capacity__lte=Decimal(str(high)))
        free &= Q(free__lte=float(high))
    committed_in_range = (
        _commitments()
        .values("match__capability_id")
        .annotate(
            free=Greatest(
                Max(Cast("match__capability__monthly_capacity", FloatField())) - _committed_sum(),
                Value(0.0),
                output_field=FloatField(),
            )
        )
        .filter(free)
        .values("match__capability_id")
    )
    return (capacity & ~Q(pk__in=committing_capabilities())) | Q(pk__in=committed_in_range)


def valid_certifications(on: Any = None) -> QuerySet[SupplierCertification]:
    """Certificates valid on ``on`` (today by default): no expiry, or not expired yet."""
    on = on or timezone.localdate()
    return SupplierCertification.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=on)
    )


def holds_valid_certification(certification_id: Any) -> Exists:
    return Exists(
        valid_certifications().filter(supplier=OuterRef("pk"), certification_id=certification_id)
    )
