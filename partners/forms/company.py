"""Forms of the manufacturer's company pages: the company profile, its plants and its
component demands.

The forms check what a browser can get wrong (required fields, numbers, dates, file size
and type); the services in ``partners.services`` check the rules and the database, and
their field errors are put back on the form with ``common.forms.add_service_errors`` so every message
shows next to its field and the typed values stay."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.forms import BootstrapFormMixin, form_field
from components.choices import Unit
from components.models import Certification, ComponentType, Material, Process, Regency, Sector

from ..choices import DemandStatus
from ..models import Demand, Manufacturer, Plant
from ..selectors.manufacturers import component_type_choices, province_choices, regency_choices
from ..services.demands import demand_needed_by_validate
from ..uploads import DocumentValidator
from ..validators import nib_validator, phone_validator

ACCEPTED_DOCUMENTS = ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"


class NamedChoiceMixin:
    """Catalogue entries labelled by their ``name``, which follows the active language."""

    def label_from_instance(self, obj: Any) -> str:
        return obj.name


class CatalogueChoiceField(NamedChoiceMixin, forms.ModelChoiceField):
    pass


class CatalogueMultipleChoiceField(NamedChoiceMixin, forms.ModelMultipleChoiceField):
    pass


class PlantChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Plant) -> str:
        return f"{obj.name} ({obj.regency.name})"


class NibField(forms.CharField):
    """A NIB as people copy it ("9120 3012 34567"): spaces and dots are dropped."""

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        if isinstance(value, str):
            value = value.replace(" ", "").replace(".", "")
        return value or self.empty_value


def _model_field(model, name: str, **kwargs: Any) -> forms.Field:
    """The form field of a model field: same label, help text, length and choices."""
    return model._meta.get_field(name).formfield(**kwargs)


# --- Company -------------------------------------------------------------------------------


class ManufacturerForm(BootstrapFormMixin, forms.Form):
    """Register or edit a manufacturer (industri besar)."""

    name = _model_field(
        Manufacturer,
        "name",
        help_text=_("The registered name, e.g. PT Industri Kereta Api (Persero)."),
    )
    nib = _model_field(
        Manufacturer,
        "nib",
        form_class=NibField,
        validators=[nib_validator],
        help_text=_("Nomor Induk Berusaha: 13 digits from OSS. Optional."),
    )
    sectors = CatalogueMultipleChoiceField(
        queryset=Sector.objects.order_by("name_id"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Sectors"),
        help_text=_("What your company makes."),
    )
    website = _model_field(Manufacturer, "website", assume_scheme="https")
    contact_person = _model_field(Manufacturer, "contact_person")
    contact_phone = _model_field(Manufacturer, "contact_phone", validators=[phone_validator])
    contact_email = _model_field(Manufacturer, "contact_email")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["nib"].widget.attrs.update(
            {"inputmode": "numeric", "autocomplete": "off", "maxlength": 17}
        )
        self.fields["contact_phone"].widget.input_type = "tel"
        self.fields["contact_phone"].widget.attrs["autocomplete"] = "tel"
        self.fields["contact_email"].widget.attrs["autocomplete"] = "email"

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("sectors")
        return data

    @classmethod
    def initial_for(cls, company: Manufacturer) -> dict[str, Any]:
        return {
            "name": company.name,
            "nib": company.nib,
            "sectors": list(company.sectors.all()),
            "website": company.website,
            "contact_person": company.contact_person,
            "contact_phone": company.contact_phone,
            "contact_email": company.contact_email,
        }


class CompanyChoiceForm(forms.Form):
    """Which of the user's companies they act for."""

    company = forms.TypedChoiceField(coerce=int, label=_("Company"))

    def __init__(self, *args: Any, companies: list[Manufacturer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "company", forms.ChoiceField).choices = [(c.pk, c.name) for c in companies]
        self.fields["company"].widget.attrs["class"] = "form-select form-select-sm"


# --- Plants --------------------------------------------------------------------------------


class PlantForm(BootstrapFormMixin, forms.Form):
    """A delivery plant: name, province → regency (HTMX narrows the regencies), address and
    optional coordinates (the regency's centre when left empty)."""

    name = _model_field(Plant, "name", help_text=_("e.g. Pabrik Madiun."))
    province = forms.ChoiceField(label=_("Province"), required=False)
    regency = forms.ModelChoiceField(
        queryset=Regency.objects.select_related("province"), label=_("Regency/city")
    )
    address = _model_field(Plant, "address")
    latitude = forms.FloatField(
        label=_("Latitude"),
        required=False,
        min_value=-11.5,
        max_value=6.5,
        help_text=_("Optional; the centre of the regency or city when left empty."),
    )
    longitude = forms.FloatField(
        label=_("Longitude"), required=False, min_value=94.5, max_value=141.5
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        province = self.data.get("province") if self.is_bound else self.initial.get("province")
        self.fields["province"].widget.attrs.update(
            {
                "hx-get": reverse("partners:plant_regency_options"),
                "hx-target": "#id_regency",
                "hx-trigger": "change",
                "aria-controls": "id_regency",
            }
        )
        form_field(self, "province", forms.ChoiceField).choices = [
            ("", _("Choose a province"))
        ] + province_choices()
        form_field(self, "regency", forms.ChoiceField).choices = [
            ("", _("Choose a regency or city"))
        ] + regency_choices(province=province)
        for name in ("latitude", "longitude"):
            self.fields[name].widget.attrs.update({"step": "any", "inputmode": "decimal"})

    def clean(self) -> dict[str, Any]:
        super().clean()  # a Form's clean() gives back its cleaned_data
        data = self.cleaned_data
        province, regency = data.get("province"), data.get("regency")
        if province and regency and regency.province_id != province:
            self.add_error("regency", _("This regency or city is not in the chosen province."))
        if (data.get("latitude") is None) != (data.get("longitude") is None) and not (
            self.has_error("latitude") or self.has_error("longitude")
        ):
            self.add_error("longitude", _("Give both latitude and longitude, or neither."))
        return data

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("province")
        if data["latitude"] is None:
            # Left empty: the service puts the plant at its regency's centre.
            data.pop("latitude")
            data.pop("longitude")
        return data

    @classmethod
    def initial_for(cls, plant: Plant) -> dict[str, Any]:
        at_centre = (plant.latitude, plant.longitude) == (
            plant.regency.latitude,
            plant.regency.longitude,
        )
        return {
            "name": plant.name,
            "province": plant.regency.province_id,
            "regency": plant.regency_id,
            "address": plant.address,
            "latitude": None if at_centre else plant.latitude,
            "longitude": None if at_centre else plant.longitude,
        }


# --- Demands -------------------------------------------------------------------------------


def _plain_number(value: Decimal | int | None) -> str | None:
    """2000.000 → "2000", 12.500 → "12.5": how a person would type it."""
    if value is None:
        return None
    return f"{Decimal(value).normalize():f}"


class DemandForm(BootstrapFormMixin, forms.Form):
    """Post or edit a component demand. ``submission`` carries the token that lets a
    repeated POST of the same new-demand form be recognised (see partners.views.company_session)."""

    submission = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    component_type = forms.ModelChoiceField(
        queryset=ComponentType.objects.all(),
        label=_("Component type"),
        help_text=_("Type a few letters in the search box to narrow the list."),
    )
    title = _model_field(
        Demand, "title", help_text=_("A short name buyers use, e.g. Blok rem komposit K-3.")
    )
    specification = _model_field(
        Demand,
        "specification",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Dimensions, grade, standards, tolerances, packaging: what a supplier needs."),
    )
    drawing = forms.FileField(
        label=_("Technical drawing"),
        required=False,
        validators=[DocumentValidator()],
        widget=forms.FileInput(attrs={"accept": ACCEPTED_DOCUMENTS}),
    )
    remove_drawing = forms.BooleanField(label=_("Remove the current drawing"), required=False)
    material = CatalogueChoiceField(
        queryset=Material.objects.order_by("name_id"),
        required=False,
        label=_("Material"),
        empty_label=_("Any material"),
    )
    required_processes = CatalogueMultipleChoiceField(
        queryset=Process.objects.order_by("name_id"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Required processes"),
    )
    quantity_per_month = forms.DecimalField(
        label=_("Quantity per month"),
        max_digits=14,
        decimal_places=3,
        min_value=Decimal("0.001"),
    )
    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices)
    duration_months = forms.IntegerField(
        label=_("Duration (months)"),
        min_value=1,
        max_value=120,
        help_text=_("How many months the supply should run."),
    )
    mandatory_certifications = forms.ModelMultipleChoiceField(
        queryset=Certification.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Mandatory certifications"),
        help_text=_("A supplier without one of these is not proposed."),
    )
    preferred_certifications = forms.ModelMultipleChoiceField(
        queryset=Certification.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Preferred certifications"),
        help_text=_("A supplier holding these ranks higher."),
    )
    needed_by = forms.DateField(
        label=_("Needed by"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("When the first delivery is needed."),
    )
    plant = PlantChoiceField(queryset=Plant.objects.none(), label=_("Delivery plant"))
    unit_price_idr = forms.IntegerField(
        label=_("Target unit price (Rp)"),
        required=False,
        min_value=0,
        help_text=_("Optional; per unit, in rupiah."),
    )

    def __init__(self, *args: Any, company: Manufacturer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.company = company
        #: the company's plants, the choices of ``plant``
        self.plants = (
            Plant.objects.filter(manufacturer=company).select_related("regency").order_by("name")
        )
        plant = form_field(self, "plant", forms.ModelChoiceField)
        plant.queryset = self.plants
        plant.empty_label = _("Choose the delivery plant")
        if not self.is_bound and not self.initial.get("plant"):
            only = list(self.plants.values_list("pk", flat=True)[:2])
            if len(only) == 1:
                self.initial["plant"] = only[0]
        form_field(self, "component_type", forms.ChoiceField).choices = [
            ("", _("Choose a component type"))
        ] + component_type_choices()
        limit_mb = settings.UPLOAD_MAX_BYTES // 1_048_576
        self.fields["drawing"].help_text = _(
            "PDF, PNG or JPEG, at most %(limit)s MB; seen only by your company and ministry staff."
        ) % {"limit": limit_mb}
        today = timezone.localdate()
        current = self.initial.get("needed_by")
        if current is None or current >= today:
            # A date picker hint only (forms are sent with novalidate; the services decide):
            # an older demand keeps its unchanged past date.
            self.fields["needed_by"].widget.attrs["min"] = today.isoformat()
        self.fields["quantity_per_month"].widget.attrs.update(
            {"step": "any", "inputmode": "decimal"}
        )
        self.fields["unit_price_idr"].widget.attrs.update({"step": 1, "inputmode": "numeric"})
        self.fields["duration_months"].widget.attrs["inputmode"] = "numeric"

    def clean(self) -> dict[str, Any]:
        # The services decide; checking their cross-field rules here too shows every error
        # of one submission at once, instead of the next ones only after the first are fixed.
        super().clean()  # a Form's clean() gives back its cleaned_data
        data = self.cleaned_data
        needed_by = data.get("needed_by")
        if needed_by is not None and needed_by != self.initial.get("needed_by"):
            try:
                demand_needed_by_validate(needed_by=needed_by)
            except ValidationError as error:
                self.add_error("needed_by", error)
        both = set(data.get("mandatory_certifications") or ()) & set(
            data.get("preferred_certifications") or ()
        )
        if both:
            self.add_error(
                "preferred_certifications",
                _("A certification cannot be both mandatory and preferred."),
            )
        return data

    def service_kwargs(self) -> dict[str, Any]:
        """The services' arguments: ``data`` plus the related sets."""
        data = dict(self.cleaned_data)
        data.pop("submission")
        related = {
            name: data.pop(name)
            for name in (
                "required_processes",
                "mandatory_certifications",
                "preferred_certifications",
            )
        }
        drawing, remove = data.pop("drawing"), data.pop("remove_drawing")
        if drawing:
            data["drawing"] = drawing
        elif remove:
            data["drawing"] = ""
        return {"data": data, **related}

    @classmethod
    def initial_for(cls, demand: Demand) -> dict[str, Any]:
        return {
            "component_type": demand.component_type_id,
            "title": demand.title,
            "specification": demand.specification,
            "material": demand.material_id,
            "required_processes": list(demand.required_processes.all()),
            "quantity_per_month": _plain_number(demand.quantity_per_month),
            "unit": demand.unit,
            "duration_months": demand.duration_months,
            "mandatory_certifications": list(demand.mandatory_certifications.all()),
            "preferred_certifications": list(demand.preferred_certifications.all()),
            "needed_by": demand.needed_by,
            "plant": demand.plant_id,
            "unit_price_idr": demand.unit_price_idr,
        }


class DemandStatusForm(forms.Form):
    """The status tab of the company's demand list (empty: all demands)."""

    status = forms.ChoiceField(choices=[("", _("All"))] + DemandStatus.choices, required=False)
