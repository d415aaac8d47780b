"""Forms of the IKM self-service: the registration steps and the "my IKM" edit pages.

Every step form turns its cleaned data into plain JSON for the registration draft
(``to_draft()``) and takes that JSON back as ``initial``; the same forms edit a registered
IKM. Catalogue choices (component types, processes, materials, certifications) are read
once per page through :class:`CatalogueChoices` and shared by every row of a formset.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.forms import BaseFormSet, formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.forms import BootstrapFormMixin, RupiahField
from components.choices import Unit
from components.models import (
    Certification,
    ComponentType,
    KbliCode,
    Material,
    Process,
    Province,
    Regency,
)

from ..choices import LegalForm, SizeClass
from ..models import Supplier
from ..sizing import size_class
from ..uploads import DocumentValidator
from ..validators import nib_validator, phone_validator

Choices = list[tuple[Any, Any]]

LARGE_INDUSTRY_MESSAGE = _(
    "With 20 or more workers and an investment above Rp15 billion this business is a large "
    "industry, not an IKM. Register it as a manufacturer instead."
)


def _pk_list(values: Iterable[Any]) -> list[Any]:
    return [value.pk for value in values]


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _by_label(entries: Iterable[Any]) -> Choices:
    """(pk, name) pairs sorted by the name shown in the active language."""
    return sorted(((entry.pk, entry.name) for entry in entries), key=lambda c: c[1].casefold())


class CatalogueChoices:
    """The catalogue lists a page needs, read once, labelled in the active language."""

    def __init__(self) -> None:
        self._cache: dict[str, Choices] = {}

    def _get(self, key: str, load) -> Choices:
        if key not in self._cache:
            self._cache[key] = load()
        return self._cache[key]

    @property
    def component_types(self) -> Choices:
        return self._get("component_types", lambda: component_type_choices())

    @property
    def processes(self) -> Choices:
        return self._get("processes", lambda: _by_label(Process.objects.all()))

    @property
    def materials(self) -> Choices:
        return self._get("materials", lambda: _by_label(Material.objects.all()))

    @property
    def certifications(self) -> Choices:
        return self._get(
            "certifications",
            lambda: (
                [("", "---------")]
                + [(c.pk, c.name) for c in Certification.objects.only("pk", "name")]
            ),
        )


def component_type_choices(*, q: str = "", keep: Iterable[str] = ()) -> Choices:
    """Component types grouped by category, optionally those whose name, code or category
    contains ``q`` (plus the ``keep`` ids, so a chosen value never disappears)."""
    queryset = ComponentType.objects.select_related("category")
    groups: dict[str, list[tuple[int, str]]] = {}
    needle = q.strip().casefold()
    keep = {str(pk) for pk in keep}
    for component in queryset:
        haystack = " ".join(
            [
                component.name_id,
                component.name_en,
                component.code,
                component.category.name_id,
                component.category.name_en,
            ]
        ).casefold()
        if needle and needle not in haystack and str(component.pk) not in keep:
            continue
        groups.setdefault(component.category.name, []).append((component.pk, component.name))
    return [("", "---------")] + [
        (category, sorted(options, key=lambda option: option[1].casefold()))
        for category, options in sorted(groups.items(), key=lambda item: item[0].casefold())
    ]


# --- Step 1: identity -----------------------------------------------------------------------


class IdentityForm(BootstrapFormMixin, forms.Form):
    legal_name = forms.CharField(
        label=_("Legal name"),
        max_length=200,
        help_text=_("As written on your NIB, e.g. CV Logam Jaya."),
    )
    nib = forms.CharField(
        label=_("NIB"),
        help_text=_("Nomor Induk Berusaha: the 13 digits on your OSS business licence."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    legal_form = forms.ChoiceField(label=_("Legal form"), choices=LegalForm.choices)
    kbli_codes = forms.ModelMultipleChoiceField(
        label=_("KBLI codes"),
        queryset=KbliCode.objects.filter(code__regex=r"^[0-9]{5}$"),
        to_field_name="code",
        help_text=_("The five-digit business activity codes on your NIB; search by code or words."),
        error_messages={
            "required": _("Choose at least one KBLI code (they are listed on your NIB)."),
            "invalid_choice": _("%(value)s is not a five-digit manufacturing KBLI code."),
        },
        widget=forms.MultipleHiddenInput,
    )
    workers = forms.IntegerField(
        label=_("Number of workers"),
        min_value=1,
        max_value=1_000_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    investment_idr = RupiahField(
        label=_("Investment (Rp)"),
        min_value=0,
        max_value=10**15,
        help_text=_("Machines and equipment, excluding land and buildings, e.g. 450.000.000."),
    )

    def __init__(self, *args: Any, supplier: Supplier | None = None, **kwargs: Any) -> None:
        self.supplier = supplier
        super().__init__(*args, **kwargs)

    def clean_nib(self) -> str:
        # Spaces and dashes people type to group the digits are dropped.
        nib = re.sub(r"[\s-]", "", self.cleaned_data["nib"])
        nib_validator(nib)
        taken = Supplier.objects.filter(nib=nib)
        if self.supplier is not None:
            taken = taken.exclude(pk=self.supplier.pk)
        if taken.exists():
            raise ValidationError(
                _(
                    "An IKM with this NIB is already registered. If it is your business, "
                    "contact the ministry staff (Ditjen IKMA) to have it linked to your account."
                ),
                code="nib_taken",
            )
        return nib

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        workers, investment = cleaned.get("workers"), cleaned.get("investment_idr")
        if workers is not None and investment is not None:
            cleaned["size_class"] = size_class(workers=workers, investment_idr=investment)
            if cleaned["size_class"] == SizeClass.LARGE:
                self.add_error("investment_idr", ValidationError(LARGE_INDUSTRY_MESSAGE))
        return cleaned

    def selected_kbli(self) -> list[KbliCode]:
        """The KBLI codes to show as chosen: what was posted, else the initial value."""
        if self.is_bound:
            codes = (
                self.data.getlist(self.add_prefix("kbli_codes"))
                if hasattr(self.data, "getlist")
                else self.data.get(self.add_prefix("kbli_codes"), [])
            )
        else:
            codes = self.initial.get("kbli_codes") or []
        codes = [str(code.code if isinstance(code, KbliCode) else code) for code in codes]
        found = KbliCode.objects.in_bulk([c for c in codes if c.isdigit()])
        return [found[code] for code in dict.fromkeys(codes) if code in found]

    def to_draft(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "legal_name": data["legal_name"],
            "nib": data["nib"],
            "legal_form": data["legal_form"],
            "kbli_codes": [code.code for code in data["kbli_codes"]],
            "workers": data["workers"],
            "investment_idr": data["investment_idr"],
        }


# --- Step 2: location -----------------------------------------------------------------------


class LocationForm(BootstrapFormMixin, forms.Form):
    province = forms.ModelChoiceField(
        label=_("Province"),
        queryset=Province.objects.all(),
        empty_label=_("Choose a province"),
    )
    regency = forms.ModelChoiceField(
        label=_("Regency/city"),
        queryset=Regency.objects.select_related("province"),
        error_messages={"invalid_choice": _("Choose a regency or city from the list.")},
    )
    sentra = forms.CharField(
        label=_("Sentra (cluster)"),
        max_length=120,
        required=False,
        help_text=_("The IKM cluster you belong to, if any, e.g. Sentra Pengecoran Logam Ceper."),
        widget=forms.TextInput(attrs={"list": "sentra-options", "autocomplete": "off"}),
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    latitude = forms.FloatField(
        label=_("Latitude"),
        required=False,
        validators=[MinValueValidator(-11.5), MaxValueValidator(6.5)],
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    longitude = forms.FloatField(
        label=_("Longitude"),
        required=False,
        validators=[MinValueValidator(94.5), MaxValueValidator(141.5)],
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = [("", _("Choose a province"))] + [
            (p.pk, p.name) for p in Province.objects.all()
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        province, regency = cleaned.get("province"), cleaned.get("regency")
        if province and regency and regency.province_id != province.pk:
            self.add_error(
                "regency",
                ValidationError(_("This regency or city is not in the chosen province.")),
            )
        latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
        if (
            "latitude" not in self.errors
            and "longitude" not in self.errors
            and (latitude is None) != (longitude is None)
        ):
            self.add_error(
                "longitude" if longitude is None else "latitude",
                ValidationError(_("Give both latitude and longitude, or neither.")),
            )
        return cleaned

    def _value(self, name: str) -> str:
        value = self[name].value()
        return "" if value is None else str(value)

    def chosen_province(self) -> str:
        return self._value("province")

    def chosen_regency(self) -> str:
        return self._value("regency")

    def regency_options(self) -> list[Regency]:
        """The regencies of the chosen province, for the dependent select."""
        province = self.chosen_province()
        if not province:
            return []
        return list(Regency.objects.filter(province_id=province))

    def to_draft(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "province": data["province"].pk,
            "regency": data["regency"].pk,
            "sentra": data["sentra"],
            "address": data["address"],
            "latitude": data["latitude"],
            "longitude": data["longitude"],
        }


# --- Step 3: capabilities -------------------------------------------------------------------


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
        self.fields["component_type"].choices = catalogue.component_types
        self.fields["processes"].choices = catalogue.processes
        self.fields["materials"].choices = catalogue.materials

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
        cleaned = super().clean()
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


class KeptRowsMixin:
    """Rows to keep: every row that was shown filled in and every new row typed into,
    except those marked for removal."""

    def kept_forms(self) -> list[forms.Form]:
        return [
            form
            for index, form in enumerate(self.forms)
            if (index < self.initial_form_count() or form.has_changed())
            and not self._should_delete_form(form)
            and getattr(form, "cleaned_data", None)
        ]


class BaseCapabilityFormSet(KeptRowsMixin, BaseFormSet):
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


# --- Step 4: certifications -----------------------------------------------------------------


def _upload_help() -> str:
    return _("PDF, PNG or JPEG, at most %(limit)s MB.") % {
        "limit": settings.UPLOAD_MAX_BYTES // 1_048_576
    }


class CertificationForm(BootstrapFormMixin, forms.Form):
    """A certificate held, with its scan. The scan is required unless one is already
    stored (``has_document``, or a draft upload named in ``existing_document`` that is one of
    ``draft_documents``, the owner's own uploads)."""

    certification = forms.ModelChoiceField(
        label=_("Certificate"),
        queryset=Certification.objects.all(),
        error_messages={"required": _("Choose the kind of certificate.")},
    )
    number = forms.CharField(label=_("Certificate number"), max_length=100)
    issued_on = forms.DateField(
        label=_("Issued on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        help_text=_("Leave empty if it does not expire."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    document = forms.FileField(
        label=_("Scan or photo of the certificate"),
        required=False,
        validators=[DocumentValidator()],
        widget=forms.FileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/*"}),
    )
    existing_document = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        catalogue: CatalogueChoices | None = None,
        draft_documents: Mapping[str, str] | None = None,
        has_document: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.draft_documents = dict(draft_documents or {})
        self.has_document = has_document
        self.fields["certification"].choices = (catalogue or CatalogueChoices()).certifications
        self.fields["document"].help_text = _upload_help()

    def clean_existing_document(self) -> str:
        name = self.cleaned_data.get("existing_document") or ""
        if name and name not in self.draft_documents:
            # Not one of this owner's uploads: ignore it rather than trust it.
            return ""
        return name

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        today = timezone.localdate()
        issued, valid_until = cleaned.get("issued_on"), cleaned.get("valid_until")
        if issued and issued > today:
            self.add_error(
                "issued_on", ValidationError(_("The issue date cannot be in the future."))
            )
        if issued and valid_until and valid_until < issued:
            self.add_error(
                "valid_until", ValidationError(_("Expiry date cannot be before the issue date."))
            )
        elif valid_until and valid_until < today:
            self.add_error(
                "valid_until", ValidationError(_("This certificate has already expired."))
            )
        if (
            "document" not in self.errors
            and not cleaned.get("document")
            and not cleaned.get("existing_document")
            and not self.has_document
        ):
            self.add_error(
                "document",
                ValidationError(
                    _("Upload a scan or photo of the certificate (PDF, PNG or JPEG)."),
                    code="document_required",
                ),
            )
        return cleaned

    def current_document_name(self) -> str:
        """The original file name of the draft upload this row keeps, if any."""
        name = self["existing_document"].value() or ""
        return self.draft_documents.get(name, "")

    def current_document_key(self) -> str:
        name = self["existing_document"].value() or ""
        return name.rsplit("/", 1)[-1] if name in self.draft_documents else ""

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "certification": data["certification"],
            "number": data["number"],
            "issued_on": data["issued_on"],
            "valid_until": data["valid_until"],
        }


class BaseCertificationFormSet(KeptRowsMixin, BaseFormSet):
    default_error_messages = {
        **BaseFormSet.default_error_messages,
        "too_many_forms": _("At most %(num)d certificates can be listed here."),
    }

    def clean(self) -> None:
        if any(self.errors):
            return
        seen: set[tuple[int, str]] = set()
        for form in self.kept_forms():
            key = (form.cleaned_data["certification"].pk, form.cleaned_data["number"].strip())
            if key in seen:
                form.add_error(
                    "number", ValidationError(_("This certificate is already in another row."))
                )
            seen.add(key)


CertificationFormSet = formset_factory(
    CertificationForm,
    formset=BaseCertificationFormSet,
    extra=0,
    max_num=20,
    validate_max=True,
    can_delete=True,
)


# --- Step 5: contact ------------------------------------------------------------------------


class ContactForm(BootstrapFormMixin, forms.Form):
    contact_person = forms.CharField(label=_("Contact person"), max_length=120)
    contact_phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        validators=[phone_validator],
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    contact_email = forms.EmailField(
        label=_("E-mail"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def to_draft(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields}
