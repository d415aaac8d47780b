"""The demand list's filters (page /staff/demands/)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from components.models import ComponentType, Sector
from partners.choices import DemandStatus
from partners.models import Demand, Manufacturer

from .styling import StyledFilterSet


class DemandFilterSet(StyledFilterSet):
    """Search and filter component demands; open demands unless another status is chosen
    (an empty status means every status)."""

    defaults = {"status": DemandStatus.OPEN}

    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        widget=forms.TextInput(attrs={"placeholder": _("Title, manufacturer or component")}),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=DemandStatus.choices, empty_label=_("All statuses")
    )
    sector = django_filters.ModelChoiceFilter(
        label=_("Sector"),
        field_name="component_type__category__sector",
        queryset=Sector.objects.all(),
        empty_label=_("All sectors"),
    )
    manufacturer = django_filters.ModelChoiceFilter(
        label=_("Manufacturer"),
        queryset=Manufacturer.objects.filter(demands__isnull=False).distinct(),
        empty_label=_("All manufacturers"),
    )
    component_type = django_filters.ModelChoiceFilter(
        label=_("Component type"),
        queryset=ComponentType.objects.filter(demands__isnull=False).distinct(),
        empty_label=_("All component types"),
    )

    class Meta:
        model = Demand
        fields = ["q", "status", "sector", "manufacturer", "component_type"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(manufacturer__name__icontains=value)
            | Q(component_type__name_id__icontains=value)
            | Q(component_type__name_en__icontains=value)
        )
