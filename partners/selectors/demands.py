"""Reading component demands: the staff's list with its filters, and a member's demands
(only those of their own companies: any other does not exist for them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Q, QuerySet

from ..choices import DemandStatus
from ..models import Demand, Manufacturer, User
from .suppliers import check_filters

DEMAND_FILTERS = frozenset({"q", "status", "manufacturer", "component_type", "category"})


def demand_list(*, filters: Mapping[str, Any] | None = None) -> QuerySet[Demand]:
    """Demands, newest first, with manufacturer, plant, component and requirements.

    Filters: ``q`` (title or manufacturer name), ``status``, ``manufacturer``,
    ``component_type``, ``category`` (component category).
    """
    filters = {key: value for key, value in (filters or {}).items() if value not in (None, "")}
    check_filters(filters, DEMAND_FILTERS)
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


def member_demands(*, user: User) -> QuerySet[Demand]:
    """Demands of the user's companies (and of no other)."""
    return Demand.objects.filter(manufacturer__members=user)


def member_demand(*, user: User, pk: int) -> Demand:
    """One demand of the user's companies, with everything its page shows;
    ``Demand.DoesNotExist`` for any other."""
    return (
        member_demands(user=user)
        .select_related(
            "manufacturer",
            "plant__regency__province",
            "component_type__category__sector",
            "material",
        )
        .prefetch_related(
            "required_processes", "mandatory_certifications", "preferred_certifications"
        )
        .get(pk=pk)
    )


def company_demand_list(*, company: Manufacturer, status: str | None = None) -> QuerySet[Demand]:
    """The company's demands, newest first, optionally of one status."""
    demands = Demand.objects.filter(manufacturer=company)
    if status:
        demands = demands.filter(status=status)
    return demands.select_related("plant", "component_type", "material").order_by(
        "-created_at", "-pk"
    )


def company_demand_counts(*, company: Manufacturer) -> dict[str, int]:
    """How many demands the company has in each status, and ``all`` (one query)."""
    counts = Demand.objects.filter(manufacturer=company).aggregate(
        all=Count("pk"),
        **{status: Count("pk", filter=Q(status=status)) for status in DemandStatus.values},
    )
    return counts
