"""The shared form helpers: rupiah and decimal fields, Bootstrap classes, service errors."""

from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation

from common.forms import (
    BootstrapFormMixin,
    LocalDecimalField,
    RupiahField,
    add_service_errors,
)


@pytest.mark.parametrize(
    "typed, amount",
    [
        ("Rp 450.000.000,00", 450_000_000),  # issue #9, bug 1: the cents were read as digits
        ("Rp450.000.000", 450_000_000),
        ("rp. 450.000.000,-".removesuffix(",-"), 450_000_000),
        ("450,000,000.00", 450_000_000),
        ("450,000,000", 450_000_000),
        ("450 000 000", 450_000_000),
        ("450\u00a0000\u00a0000", 450_000_000),
        ("450000000", 450_000_000),
        ("  Rp 1.500.000,0 ", 1_500_000),
        ("0", 0),
    ],
)
def test_rupiah_field_reads_amounts_as_people_write_them(typed, amount):
    assert RupiahField().clean(typed) == amount


@pytest.mark.parametrize(
    "typed",
    ["450.000.000,50", "4.50.000", "Rp", "empat ratus juta", "450.000.000,000", "1e9", "-5"],
)
def test_rupiah_field_refuses_what_it_would_have_to_guess(typed):
    with pytest.raises(ValidationError) as raised:
        RupiahField().clean(typed)
    assert raised.value.code == "invalid"


def test_rupiah_field_error_gives_an_example_in_the_readers_format():
    with translation.override("id"), pytest.raises(ValidationError) as raised:
        RupiahField().clean("banyak")
    assert "450.000.000" in raised.value.messages[0]


def test_rupiah_field_keeps_its_limits():
    field = RupiahField(min_value=0, max_value=1_000)
    with pytest.raises(ValidationError):
        field.clean("Rp 1.500")
    assert field.clean("Rp 999") == 999


def test_rupiah_field_empty_is_none_when_optional():
    assert RupiahField(required=False).clean("") is None


def test_rupiah_input_shows_an_initial_amount_grouped_the_readers_way():
    class Form(forms.Form):
        amount = RupiahField()

    with translation.override("id"):
        assert 'value="450.000.000"' in str(Form(initial={"amount": 450_000_000})["amount"])
    with translation.override("en"):
        assert 'value="450,000,000"' in str(Form(initial={"amount": 450_000_000})["amount"])


@pytest.mark.parametrize(
    "language, typed, value",
    [("id", "1.250,5", Decimal("1250.5")), ("en", "1,250.5", Decimal("1250.5"))],
)
def test_local_decimal_field_reads_the_readers_separators(language, typed, value):
    with translation.override(language):
        assert LocalDecimalField().clean(typed) == value


class _Form(BootstrapFormMixin, forms.Form):
    name = forms.CharField()
    kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")])
    agree = forms.BooleanField(required=False)
    token = forms.CharField(widget=forms.HiddenInput, required=False)


def test_bootstrap_mixin_gives_each_widget_its_class():
    form = _Form()
    assert form.fields["name"].widget.attrs["class"] == "form-control"
    assert form.fields["kind"].widget.attrs["class"] == "form-select"
    assert form.fields["agree"].widget.attrs["class"] == "form-check-input"
    assert "class" not in form.fields["token"].widget.attrs


def test_bootstrap_mixin_marks_invalid_fields_found_by_the_form_or_a_service():
    form = _Form(data={"name": "", "kind": "a"})
    assert not form.is_valid()
    assert "is-invalid" in form.fields["name"].widget.attrs["class"]
    assert form.fields["name"].widget.attrs["aria-invalid"] == "true"
    assert "is-invalid" not in form.fields["kind"].widget.attrs["class"]
    form.add_error("kind", "Not this one.")
    assert "is-invalid" in form.fields["kind"].widget.attrs["class"]


def test_add_service_errors_puts_each_message_next_to_its_field():
    form = _Form(data={"name": "x", "kind": "a"})
    assert form.is_valid()
    add_service_errors(
        form, ValidationError({"name": "Taken.", "nib": "Unknown NIB.", "__all__": "Closed."})
    )
    assert form.errors["name"] == ["Taken."]
    assert form.non_field_errors() == ["Unknown NIB.", "Closed."]


def test_add_service_errors_renames_fields_and_finds_the_form_that_has_them():
    first, second = _Form(data={"name": "x", "kind": "a"}), _Form(data={"name": "y", "kind": "b"})

    class Other(forms.Form):
        plant = forms.CharField()

    other = Other(data={"plant": "p"})
    for form in (first, second, other):
        form.is_valid()
    add_service_errors(
        [first, other],
        ValidationError({"delivery_plant": "Closed plant."}),
        rename={"delivery_plant": "plant"},
    )
    assert other.errors["plant"] == ["Closed plant."]
    assert not first.errors


def test_add_service_errors_does_not_repeat_what_the_form_already_says():
    form = _Form(data={"name": "", "kind": "a"})
    form.is_valid()
    required = form.errors["name"][0]
    add_service_errors(form, ValidationError({"name": [required, "Too short."]}))
    assert form.errors["name"] == [required, "Too short."]


def test_add_service_errors_without_fields_goes_to_the_top():
    form = _Form(data={"name": "x", "kind": "a"})
    form.is_valid()
    add_service_errors(form, ValidationError("The demand is closed."))
    assert form.non_field_errors() == ["The demand is closed."]
