"""Reading IKM suppliers: the staff's list with its filters, the owner's own IKM with what
its pages show (capabilities, certificates), and the lookups of the registration forms
(KBLI codes, sentra names)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from components.models import KbliCode

from ..choices import VerificationStatus
from ..models import Supplier, SupplierCapability, SupplierCertification, User

SUPPLIER_FILTERS = frozenset(
    {"q", "verification_status", "size_class", "province", "regency", "component_type"}
)


def check_filters(filters: Mapping[str, Any], known: frozenset[str]) -> None:
    unknown = set(filters) - known
    if unknown:
        raise TypeError(f"unknown filters: {', '.join(sorted(unknown))}")


def supplier_list(*, filters: Mapping[str, Any] | None = None) -> QuerySet[Supplier]:
    """Active suppliers with their region, capabilities and certifications.

    Filters: ``q`` (legal name, NIB or sentra), ``verification_status``, ``size_class``,
    ``province`` and ``regency`` (codes or instances), ``component_type`` (one they can make).
    """
    filters = {key: value for key, value in (filters or {}).items() if value not in (None, "")}
    check_filters(filters, SUPPLIER_FILTERS)
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


def supplier_profile_prefetches() -> list[Any]:
    """What an IKM's profile shows besides its own row: KBLI codes, capabilities (with
    category, materials and processes) and certificates."""
    return [
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
    ]


def my_supplier(*, owner: User) -> Supplier | None:
    """The owner's IKM with what its page shows (the first one if an admin gave them
    several)."""
    return (
        Supplier.objects.filter(owner=owner)
        .select_related("regency__province")
        .prefetch_related(*supplier_profile_prefetches())
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
