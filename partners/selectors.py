"""Reading partners: querysets with the joins and prefetches their pages need."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from .models import Demand, Supplier, SupplierCapability, SupplierCertification

SUPPLIER_FILTERS = frozenset(
    {"q", "verification_status", "size_class", "province", "regency", "component_type"}
)
DEMAND_FILTERS = frozenset({"q", "status", "manufacturer", "component_type", "category"})


def _check_filters(filters: Mapping[str, Any], known: frozenset[str]) -> None:
    unknown = set(filters) - known
    if unknown:
        raise TypeError(f"unknown filters: {', '.join(sorted(unknown))}")


def supplier_list(*, filters: Mapping[str, Any] | None = None) -> QuerySet[Supplier]:
    """Active suppliers with their region, capabilities and certifications.

    Filters: ``q`` (legal name, NIB or sentra), ``verification_status``, ``size_class``,
    ``province`` and ``regency`` (codes or instances), ``component_type`` (one they can make).
    """
    filters = {key: value for key, value in (filters or {}).items() if value not in (None, "")}
    _check_filters(filters, SUPPLIER_FILTERS)
    queryset = Supplier.objects.filter(is_active=True)
    if "q" in filters:
        q = filters["q"]
        queryset = queryset.filter(
            Q(legal_name__icontains=q) | Q(nib__startswith=q) | Q(sentra__icontains=q)
        )
    if "verification_status" in filters:
        queryset = queryset.filter(verification_status=filters["verification_status"])
    if "size_class" in filters:
        queryset = queryset.filter(size_class=filters["size_class"])
    if "province" in filters:
        queryset = queryset.filter(regency__province=filters["province"])
    if "regency" in filters:
        queryset = queryset.filter(regency=filters["regency"])
    if "component_type" in filters:
        queryset = queryset.filter(capabilities__component_type=filters["component_type"])
    return queryset.select_related("regency__province", "owner").prefetch_related(
        "kbli_codes",
        Prefetch(
            "capabilities",
            queryset=SupplierCapability.objects.select_related("component_type").prefetch_related(
                "materials", "processes"
            ),
        ),
        Prefetch(
            "certifications",
            queryset=SupplierCertification.objects.select_related("certification"),
        ),
    )


def demand_list(*, filters: Mapping[str, Any] | None = None) -> QuerySet[Demand]:
    """Demands, newest first, with manufacturer, plant, component and requirements.

    Filters: ``q`` (title or manufacturer name), ``status``, ``manufacturer``,
    ``component_type``, ``category`` (component category).
    """
    filters = {key: value for key, value in (filters or {}).items() if value not in (None, "")}
    _check_filters(filters, DEMAND_FILTERS)
    queryset = Demand.objects.all()
    if "q" in filters:
        q = filters["q"]
        queryset = queryset.filter(Q(title__icontains=q) | Q(manufacturer__name__icontains=q))
    if "status" in filters:
        queryset = queryset.filter(status=filters["status"])
    if "manufacturer" in filters:
        queryset = queryset.filter(manufacturer=filters["manufacturer"])
    if "component_type" in filters:
        queryset = queryset.filter(component_type=filters["component_type"])
    if "category" in filters:
        queryset = queryset.filter(component_type__category=filters["category"])
    return queryset.select_related(
        "manufacturer", "plant__regency", "component_type__category", "material"
    ).prefetch_related("required_processes", "mandatory_certifications", "preferred_certifications")
