"""Step 3 of the IKM registration (and the my-IKM capability pages): what the IKM can make,
one row per component type."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseFormSet, formset_factory
from django.utils.translation import gettext_lazy as _

from common.forms import BootstrapFormMixin, form_field
from components.choices import Unit
from components.models import ComponentType, Material, Process

from ...models import Supplier
from .catalogue import CatalogueChoices
from .rows import KeptRowsMixin


def _pk_list(values: Iterable[Any]) -> list[Any]:
    return [value.pk for value in values]


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


class CapabilityForm(BootstrapFormMixin, forms.Form):
    component_type = forms.ModelChoiceField(
        label=_("Component type"),
        queryset=ComponentType.objects.all(),
        error_messages={"required": _("Choose the component you make.")},
    )
    processes = forms.ModelMultipleChoiceField(
        label=_("Processes"),
        queryset=Process.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    materials = forms.ModelMultipleChoiceField(
        label=_("Materials"),
        queryset=Material.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    monthly_capacity = forms.DecimalField(
        label=_("Capacity per month"),
        max_digits=14,
        decimal_places=3,
        min_value=Decimal("0.001"),
        error_messages={"min_value": _("Capacity must be greater than zero.")},
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    # The initial unit makes a new row left untouched count as empty (not as changed).
    capacity_unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices, initial=Unit.PIECE)
    minimum_order = forms.DecimalField(
        label=_("Minimum order"),
        max_digits=14,
        decimal_places=3,
        min_value=0,
        required=False,
        help_text=_("In the same unit; leave empty if there is none."),
        error_messages={"min_value": _("Minimum order cannot be negative.")},
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    lead_time_days = forms.IntegerField(
        label=_("Lead time (days)"),
        min_value=1,
        max_value=730,
        help_text=_("Days from purchase order to first delivery."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(
        self,
        *args: Any,
        catalogue: CatalogueChoices | None = None,
        supplier: Supplier | None = None,
        capability_pk: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.supplier, self.capability_pk = supplier, capability_pk
        catalogue = catalogue or CatalogueChoices()
        form_field(self, "component_type", forms.ChoiceField).choices = catalogue.component_types
        form_field(self, "processes", forms.ChoiceField).choices = catalogue.processes
        form_field(self, "materials", forms.ChoiceField).choices = catalogue.materials

    def clean_component_type(self) -> ComponentType:
        component_type = self.cleaned_data["component_type"]
        if self.supplier is not None:
            others = self.supplier.capabilities.filter(component_type=component_type)
            if self.capability_pk is not None:
                others = others.exclude(pk=self.capability_pk)
            if others.exists():
                raise ValidationError(
                    _("You already listed this component type; edit that entry instead."),
                    code="duplicate_component_type",
                )
        return component_type

    def clean(self) -> dict[str, Any]:
        super().clean()  # a Form's clean() gives back its cleaned_data
        cleaned = self.cleaned_data
        capacity, minimum = cleaned.get("monthly_capacity"), cleaned.get("minimum_order")
        if capacity is not None and minimum is not None and minimum > capacity:
            self.add_error(
                "minimum_order",
                ValidationError(_("Minimum order cannot exceed the monthly capacity.")),
            )
        return cleaned

    def to_draft(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "component_type": data["component_type"].pk,
            "processes": _pk_list(data["processes"]),
            "materials": _pk_list(data["materials"]),
            "monthly_capacity": _decimal(data["monthly_capacity"]),
            "capacity_unit": data["capacity_unit"],
            "minimum_order": _decimal(data["minimum_order"]),
            "lead_time_days": data["lead_time_days"],
        }

    def service_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of ``capability_set`` / ``capability_update``."""
        data = self.cleaned_data
        return {
            "component_type": data["component_type"],
            "processes": list(data["processes"]),
            "materials": list(data["materials"]),
            "monthly_capacity": data["monthly_capacity"],
            "capacity_unit": data["capacity_unit"],
            "minimum_order": data["minimum_order"],
            "lead_time_days": data["lead_time_days"],
        }


class BaseCapabilityFormSet(KeptRowsMixin[CapabilityForm]):
    default_error_messages = {
        **BaseFormSet.default_error_messages,
        "too_few_forms": _("Add at least one component you can make."),
        "too_many_forms": _("At most %(num)d components can be listed here."),
    }

    def clean(self) -> None:
        if any(self.errors):
            return
        seen: set[int] = set()
        for form in self.kept_forms():
            component_type = form.cleaned_data["component_type"]
            if component_type.pk in seen:
                form.add_error(
                    "component_type",
                    ValidationError(
                        _("This component type is already in another row; use one row each.")
                    ),
                )
            seen.add(component_type.pk)

    def to_draft(self) -> list[dict[str, Any]]:
        return [form.to_draft() for form in self.kept_forms()]


CapabilityFormSet = formset_factory(
    CapabilityForm,
    formset=BaseCapabilityFormSet,
    extra=0,
    min_num=1,
    validate_min=True,
    max_num=30,
    validate_max=True,
    can_delete=True,
)
