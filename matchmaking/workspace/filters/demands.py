"""The demand list's filters (page /staff/demands/)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from components.models import ComponentType, Sector
from partners.choices import DemandStatus
from partners.models import Demand, Manufacturer


class StyledFilterSet(django_filters.FilterSet):
    """A FilterSet whose form fields carry Bootstrap classes, and whose defaults apply
    when a parameter is absent from the query (``defaults``: name → value or list)."""

    defaults: dict[str, str | list[str]] = {}

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        data = data.copy() if data is not None else QueryDict(mutable=True)
        for name, value in self.defaults.items():
            if name not in data:
                if isinstance(value, list):
                    data.setlist(name, value)
                else:
                    data[name] = value
        super().__init__(data, queryset, request=request, prefix=prefix)

    @property
    def form(self) -> forms.Form:
        form = super().form
        if not getattr(form, "styled", False):
            for field in form.fields.values():
                widget = field.widget
                if isinstance(widget, forms.CheckboxSelectMultiple):
                    widget.attrs.setdefault("class", "form-check-input")
                elif isinstance(widget, forms.Select):
                    widget.attrs.setdefault("class", "form-select form-select-sm")
                else:
                    widget.attrs.setdefault("class", "form-control form-control-sm")
            form.styled = True
        return form


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
