"""Reading the staff verification queue: organisations waiting for (or past) a decision,
a page of them with what the queue shows, and one organisation with everything it
submitted."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import CharField, Count, Prefetch, Q, QuerySet, Value

from components.models import Province

from ..choices import DemandStatus, OrganisationKind, VerificationStatus
from ..models import (
    Manufacturer,
    Plant,
    Supplier,
    User,
)
from .suppliers import supplier_profile_prefetches

Organisation = Supplier | Manufacturer


def verification_queue(
    *,
    kind: str | None = None,
    status: str | None = VerificationStatus.PENDING,
    province: Province | str | None = None,
    q: str | None = None,
) -> QuerySet:
    """Submitted organisations waiting for (or, with another ``status``, past) a decision,
    oldest first, as light rows ``{"kind", "pk", "created_at"}`` of both models in one
    paginable query. Anonymised organisations are left out. ``status=None`` means any;
    ``province`` is a supplier's province or a province where a manufacturer has a plant.
    Load a page's organisations with ``verification_items``."""
    querysets = []
    if kind in (None, OrganisationKind.IKM):
        suppliers = Supplier.objects.filter(anonymised_at__isnull=True)
        if status:
            suppliers = suppliers.filter(verification_status=status)
        if province:
            suppliers = suppliers.filter(regency__province=province)
        if q:
            suppliers = suppliers.filter(Q(legal_name__icontains=q) | Q(nib__startswith=q))
        querysets.append(_light(suppliers, OrganisationKind.IKM))
    if kind in (None, OrganisationKind.MANUFACTURER):
        manufacturers = Manufacturer.objects.filter(anonymised_at__isnull=True)
        if status:
            manufacturers = manufacturers.filter(verification_status=status)
        if province:
            manufacturers = manufacturers.filter(
                pk__in=Plant.objects.filter(regency__province=province).values("manufacturer_id")
            )
        if q:
            manufacturers = manufacturers.filter(Q(name__icontains=q) | Q(nib__startswith=q))
        querysets.append(_light(manufacturers, OrganisationKind.MANUFACTURER))
    if not querysets:
        return Supplier.objects.none().values("pk")
    first, *others = querysets
    combined = first.union(*others, all=True) if others else first
    return combined.order_by("created_at", "kind", "pk")


def _light(queryset: QuerySet, kind: OrganisationKind) -> QuerySet:
    return (
        queryset.order_by()
        .annotate(kind=Value(kind.value, output_field=CharField()))
        .values("kind", "pk", "created_at")
    )


@dataclass(frozen=True)
class VerificationItem:
    kind: OrganisationKind
    organisation: Organisation

    @property
    def name(self) -> str:
        return self.organisation.display_name

    @property
    def dom_id(self) -> str:
        return f"verification-{self.kind}-{self.organisation.pk}"


def verification_items(rows: Iterable[dict[str, Any]]) -> list[VerificationItem]:
    """The organisations of a page of ``verification_queue`` rows, in the same order,
    with what the queue shows about them (a fixed number of queries per page)."""
    rows = list(rows)
    supplier_ids = [row["pk"] for row in rows if row["kind"] == OrganisationKind.IKM]
    manufacturer_ids = [row["pk"] for row in rows if row["kind"] == OrganisationKind.MANUFACTURER]
    suppliers = (
        {
            s.pk: s
            for s in Supplier.objects.filter(pk__in=supplier_ids)
            .select_related("regency__province", "owner")
            .annotate(
                capability_count=Count("capabilities", distinct=True),
                certificate_count=Count("certifications", distinct=True),
                document_count=Count(
                    "certifications", filter=~Q(certifications__document=""), distinct=True
                ),
            )
        }
        if supplier_ids
        else {}
    )
    manufacturers = (
        {
            m.pk: m
            for m in Manufacturer.objects.filter(pk__in=manufacturer_ids)
            .annotate(
                plant_count=Count("plants", distinct=True),
                demand_count=Count("demands", distinct=True),
            )
            .prefetch_related(
                Prefetch("members", queryset=User.objects.order_by("pk")),
                Prefetch("plants", queryset=Plant.objects.select_related("regency__province")),
            )
        }
        if manufacturer_ids
        else {}
    )
    items = []
    for row in rows:
        found = (suppliers if row["kind"] == OrganisationKind.IKM else manufacturers).get(row["pk"])
        if found is not None:
            items.append(VerificationItem(kind=OrganisationKind(row["kind"]), organisation=found))
    return items


def organisation_for_verification(*, kind: str, pk: int) -> Organisation:
    """One organisation with everything it submitted, for the staff's detail page. Raises
    the model's ``DoesNotExist`` when there is none."""
    if kind == OrganisationKind.IKM:
        return (
            Supplier.objects.select_related("regency__province", "owner", "verification_decided_by")
            .prefetch_related(*supplier_profile_prefetches())
            .get(pk=pk)
        )
    if kind == OrganisationKind.MANUFACTURER:
        return (
            Manufacturer.objects.select_related("verification_decided_by")
            .annotate(
                draft_demand_count=Count("demands", filter=Q(demands__status=DemandStatus.DRAFT)),
                open_demand_count=Count("demands", filter=Q(demands__status=DemandStatus.OPEN)),
            )
            .prefetch_related(
                "sectors",
                Prefetch("members", queryset=User.objects.order_by("pk")),
                Prefetch("plants", queryset=Plant.objects.select_related("regency__province")),
            )
            .get(pk=pk)
        )
    raise Supplier.DoesNotExist
