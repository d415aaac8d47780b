"""Reading manufacturers as their members see them: the companies a user belongs to, a
company's profile and plants, and the choice lists of the company forms (regions,
component types).

Every read here is scoped by the signed-in user's memberships: a plant of a company the
user does not belong to simply does not exist for them (the views answer 404).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import get_language

from components.models import ComponentType, Province, Regency

from ..models import Manufacturer, Plant, User

Choices = list[tuple[Any, Any]]


# --- Companies ------------------------------------------------------------------------------


def member_companies(*, user: User) -> QuerySet[Manufacturer]:
    """The manufacturers the user is a member of, by name."""
    return Manufacturer.objects.filter(members=user).order_by("name", "pk")


def company_detail(*, company: Manufacturer) -> Manufacturer:
    """The company with its sectors, for its profile page."""
    return Manufacturer.objects.prefetch_related("sectors").get(pk=company.pk)


# --- Plants --------------------------------------------------------------------------------


def company_plants(*, company: Manufacturer) -> QuerySet[Plant]:
    """The company's plants with their region and how many demands each receives."""
    return (
        Plant.objects.filter(manufacturer=company)
        .select_related("regency__province")
        .annotate(demand_count=Count("demands"))
        .order_by("name", "pk")
    )


def member_plant(*, user: User, pk: int) -> Plant:
    """A plant of one of the user's companies; ``Plant.DoesNotExist`` otherwise."""
    return Plant.objects.select_related("manufacturer", "regency__province").get(
        pk=pk, manufacturer__members=user
    )


def province_choices() -> Choices:
    return [
        (code, f"{name} ({code})")
        for code, name in Province.objects.order_by("name").values_list("code", "name")
    ]


def regency_choices(*, province: str | None) -> Choices:
    """Regencies and cities of one province, or of all grouped by province."""
    regencies = Regency.objects.order_by("name", "code")
    if province:
        return [
            (code, f"{name} ({code})")
            for code, name in regencies.filter(province_id=province).values_list("code", "name")
        ]
    groups: dict[str, Choices] = {}
    for code, name, province_name in regencies.values_list("code", "name", "province__name"):
        groups.setdefault(province_name, []).append((code, f"{name} ({code})"))
    return [(name, groups[name]) for name in sorted(groups)]


# --- Catalogue -----------------------------------------------------------------------------


def component_type_choices(*, q: str = "") -> Choices:
    """Component types grouped by category, named and sorted in the reader's language;
    ``q`` keeps those whose name (either language), code or category matches."""
    english = (get_language() or "id").startswith("en")
    types = ComponentType.objects.all()
    q = q.strip()
    if q:
        types = types.filter(
            Q(name_id__icontains=q)
            | Q(name_en__icontains=q)
            | Q(code__icontains=q)
            | Q(category__name_id__icontains=q)
            | Q(category__name_en__icontains=q)
        )
    groups: dict[str, Choices] = {}
    for pk, name_id, name_en, category_id, category_en in types.values_list(
        "pk", "name_id", "name_en", "category__name_id", "category__name_en"
    ):
        category = category_en if english and category_en else category_id
        name = name_en if english and name_en else name_id
        groups.setdefault(category, []).append((pk, name))
    return [
        (category, sorted(groups[category], key=lambda choice: choice[1].casefold()))
        for category in sorted(groups, key=str.casefold)
    ]
