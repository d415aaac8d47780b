"""Steps 1, 2 and 5 of the IKM registration (identity, location, contact), also the my-IKM
edit page's three parts."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from common.forms import BootstrapFormMixin, RupiahField, form_field
from components.models import KbliCode, Province, Regency

from ...choices import LegalForm, SizeClass
from ...models import Supplier
from ...sizing import size_class
from ...validators import nib_validator, phone_validator

LARGE_INDUSTRY_MESSAGE = _(
    "With 20 or more workers and an investment above Rp15 billion this business is a large "
    "industry, not an IKM. Register it as a manufacturer instead."
)


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
        super().clean()  # a Form's clean() gives back its cleaned_data
        cleaned = self.cleaned_data
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
        form_field(self, "province", forms.ChoiceField).choices = [("", _("Choose a province"))] + [
            (p.pk, p.name) for p in Province.objects.all()
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()  # a Form's clean() gives back its cleaned_data
        cleaned = self.cleaned_data
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
