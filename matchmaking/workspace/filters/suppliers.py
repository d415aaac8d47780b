"""Filters of the supplier directory (page, map, export and API alike) and of the coaching
view.

Catalogue choices are read once per request and only when needed: each select's options
are a lazy, cached list, so validating a value and drawing the select share one query and
an API call that filters on nothing reads no catalogue at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import gettext_lazy as _

from components.choices import Unit
from components.models import (
    Certification,
    ComponentType,
    Material,
    Process,
    Province,
    Regency,
    Sector,
)
from matchmaking.engine.explanations import language
from matchmaking.models import Match
from partners.choices import SizeClass, VerificationStatus
from partners.models import Supplier, SupplierCapability

from ..selectors.capacity import free_capacity_between, holds_valid_certification
from ..selectors.coaching import coaching_base
from ..selectors.directory import directory_base
from .styling import styled

Choices = list[tuple[int | str, str]]
"""(value, label) pairs: catalogue ids, or codes and names."""


class CachedChoices(BaseChoiceIterator):
    """Choices loaded on first use and kept for the life of one filter form."""

    def __init__(self, load: Callable[[], Iterable[tuple[Any, str]]]) -> None:
        self._load = load
        self._choices: list[tuple[str, str]] | None = None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        if self._choices is None:
            self._choices = [(str(value), label) for value, label in self._load()]
        return iter(self._choices)

    def __len__(self) -> int:
        return len(list(iter(self)))

    def __deepcopy__(self, memo: dict) -> CachedChoices:
        # Django copies a form field deeply but its widget's choices shallowly: sharing the
        # one instance keeps validation and rendering on the same cached list.
        return self


def bilingual_choices(model) -> Callable[[], Choices]:
    """Catalogue entries by id, named and sorted in the reader's language."""

    def load() -> Choices:
        english = language() == "en"
        rows = [
            (pk, (name_en if english and name_en else name_id))
            for pk, name_id, name_en in model.objects.values_list("pk", "name_id", "name_en")
        ]
        return sorted(rows, key=lambda row: row[1].casefold())

    return load


def certification_choices() -> Choices:
    return list(Certification.objects.order_by("name").values_list("pk", "name"))


def province_choices() -> Choices:
    return [
        (code, f"{name} ({code})")
        for code, name in Province.objects.order_by("name").values_list("code", "name")
    ]


def regency_choices(province: str | None) -> Callable[[], Choices]:
    def load() -> Choices:
        regencies = Regency.objects.order_by("name", "code")
        if province:
            regencies = regencies.filter(province_id=province)
        return [(code, f"{name} ({code})") for code, name in regencies.values_list("code", "name")]

    return load


def sentra_choices() -> Choices:
    names = (
        Supplier.objects.filter(is_active=True)
        .exclude(sentra="")
        .order_by("sentra")
        .values_list("sentra", flat=True)
        .distinct()
    )
    return [(name, name) for name in names]


SIZE_CLASSES = [(value, label) for value, label in SizeClass.choices if value != SizeClass.LARGE]
CAPABILITY_FILTERS = (
    "sector",
    "component_type",
    "process",
    "material",
    "capacity_min",
    "capacity_max",
    "capacity_unit",
)
"""Filters on capabilities: together they must hold on one and the same capability."""


class SupplierFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        low, high = data.get("capacity_min"), data.get("capacity_max")
        if low is not None and high is not None and low > high:
            self.add_error(
                "capacity_max",
                _("The largest free capacity cannot be below the smallest one."),
            )
        return data


def _choice(label, **kwargs) -> django_filters.ChoiceFilter:
    return django_filters.ChoiceFilter(
        label=label, empty_label=_("All"), widget=styled(forms.Select()), **kwargs
    )


class SupplierFilterSet(django_filters.FilterSet):
    """Active suppliers: search, region, sentra, what they make and how, certificates valid
    today, size, verification and free monthly capacity. Results are distinct by
    construction (every related condition is an EXISTS, never a join)."""

    q = django_filters.CharFilter(
        method="filter_q",
        label=_("Search"),
        help_text=_("Legal name, sentra, or the first digits of the NIB."),
        widget=styled(
            forms.TextInput(attrs={"type": "search", "placeholder": _("Name, NIB or sentra")})
        ),
    )
    sector = _choice(_("Sector"), method="filter_capabilities")
    province = _choice(_("Province"), field_name="regency__province_id")
    regency = _choice(_("Regency/city"), field_name="regency_id")
    sentra = _choice(_("Sentra"), field_name="sentra")
    component_type = _choice(_("Component type"), method="filter_capabilities")
    process = _choice(_("Process"), method="filter_capabilities")
    material = _choice(_("Material"), method="filter_capabilities")
    certification = _choice(
        _("Certification"),
        method="filter_certification",
        help_text=_("Held and valid today."),
    )
    size_class = _choice(_("Size class"), choices=SIZE_CLASSES)
    verification_status = _choice(
        _("Verification"), field_name="verification_status", choices=VerificationStatus.choices
    )
    capacity_min = django_filters.NumberFilter(
        method="filter_capabilities",
        label=_("Free capacity from"),
        min_value=0,
        widget=styled(forms.NumberInput(attrs={"min": 0, "step": "any"})),
        help_text=_(
            "Free monthly capacity of a capability: its monthly capacity minus the volume "
            "committed to partnerships in trial order, contract or active supply. Counted in "
            "each capability's own unit (pieces, sets, kg, tonnes, m³): choose a unit to "
            "compare like with like."
        ),
    )
    capacity_max = django_filters.NumberFilter(
        method="filter_capabilities",
        label=_("Free capacity up to"),
        min_value=0,
        widget=styled(forms.NumberInput(attrs={"min": 0, "step": "any"})),
        help_text=_("Per month, in the capability's unit."),
    )
    capacity_unit = _choice(_("Capacity unit"), method="filter_capabilities", choices=Unit.choices)

    class Meta:
        model = Supplier
        fields: list[str] = []
        form = SupplierFilterForm

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None) -> None:
        super().__init__(
            data, directory_base() if queryset is None else queryset, request=request, prefix=prefix
        )
        province = (self.data.get("province") or "").strip()
        lazy = {
            "sector": bilingual_choices(Sector),
            "province": province_choices,
            "regency": regency_choices(province if province.isdigit() else None),
            "sentra": sentra_choices,
            "component_type": bilingual_choices(ComponentType),
            "process": bilingual_choices(Process),
            "material": bilingual_choices(Material),
            "certification": certification_choices,
        }
        for name, load in lazy.items():
            self.filters[name].extra["choices"] = CachedChoices(load)

    def filter_q(self, queryset: QuerySet[Supplier], name: str, value: str) -> QuerySet[Supplier]:
        value = value.strip()
        if not value:
            return queryset
        condition = Q(legal_name__icontains=value) | Q(sentra__icontains=value)
        digits = value.replace(" ", "").replace(".", "")
        if digits.isdigit():
            condition |= Q(nib__startswith=digits)
        return queryset.filter(condition)

    def filter_certification(
        self, queryset: QuerySet[Supplier], name: str, value: str
    ) -> QuerySet[Supplier]:
        return queryset.filter(holds_valid_certification(value))

    def filter_capabilities(
        self, queryset: QuerySet[Supplier], name: str, value: Any
    ) -> QuerySet[Supplier]:
        """Applied once for all capability filters, in :meth:`filter_queryset`."""
        return queryset

    def filter_queryset(self, queryset: QuerySet[Supplier]) -> QuerySet[Supplier]:
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        wanted = {
            name: data.get(name) for name in CAPABILITY_FILTERS if data.get(name) not in (None, "")
        }
        if not wanted:
            return queryset
        capabilities = capability_conditions(**wanted)
        return queryset.filter(Exists(capabilities.filter(supplier=OuterRef("pk"))))


def capability_conditions(
    *,
    sector: str | None = None,
    component_type: str | None = None,
    process: str | None = None,
    material: str | None = None,
    capacity_min: Any = None,
    capacity_max: Any = None,
    capacity_unit: str | None = None,
) -> QuerySet:
    """Capabilities meeting every given condition (free capacity computed in SQL)."""
    conditions: dict[str, Any] = {}
    if sector:
        conditions["component_type__category__sector_id"] = sector
    if component_type:
        conditions["component_type_id"] = component_type
    if process:
        conditions["processes"] = process
    if material:
        conditions["materials"] = material
    if capacity_unit:
        conditions["capacity_unit"] = capacity_unit
    capabilities = SupplierCapability.objects.filter(**conditions)
    if capacity_min is not None or capacity_max is not None:
        capabilities = capabilities.filter(
            free_capacity_between(
                None if capacity_min is None else float(capacity_min),
                None if capacity_max is None else float(capacity_max),
            )
        )
    return capabilities


class CoachingFilterSet(django_filters.FilterSet):
    """Current near misses: by the demand's sector, the IKM's province and sentra."""

    sector = _choice(_("Sector"), field_name="demand__component_type__category__sector_id")
    province = _choice(_("Province"), field_name="supplier__regency__province_id")
    sentra = _choice(_("Sentra"), field_name="supplier__sentra")

    class Meta:
        model = Match
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None) -> None:
        super().__init__(
            data, coaching_base() if queryset is None else queryset, request=request, prefix=prefix
        )
        lazy = {
            "sector": bilingual_choices(Sector),
            "province": province_choices,
            "sentra": sentra_choices,
        }
        for name, load in lazy.items():
            self.filters[name].extra["choices"] = CachedChoices(load)
