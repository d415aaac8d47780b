"""Form helpers every app's forms share: Bootstrap classes, a service's errors shown next
to their fields, and number fields that read amounts the way people type them."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import formats
from django.utils.translation import gettext_lazy as _

# --- Rendering ------------------------------------------------------------------------------


def bootstrap_widget_class(widget: forms.Widget) -> str | None:
    """The Bootstrap 5 class a widget takes (``None`` for hidden inputs)."""
    if isinstance(widget, forms.HiddenInput | forms.MultipleHiddenInput):
        return None
    if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


def mark_invalid_fields(form: forms.BaseForm) -> None:
    """``is-invalid`` and ``aria-invalid`` on the widgets of fields with errors, and off
    the others (call again after errors are added or cleared)."""
    errors = form.errors if form.is_bound else {}
    for name, field in form.fields.items():
        attrs = field.widget.attrs
        classes = attrs.get("class", "").split()
        if name in errors:
            if "is-invalid" not in classes:
                classes.append("is-invalid")
            attrs["aria-invalid"] = "true"
        else:
            classes = [css for css in classes if css != "is-invalid"]
            attrs.pop("aria-invalid", None)
        if classes:
            attrs["class"] = " ".join(classes)
        else:
            attrs.pop("class", None)  # no empty class="" on hidden inputs


class BootstrapFormMixin:
    """Bootstrap 5 classes on every widget, and ``is-invalid``/``aria-invalid`` on fields
    with errors, whether the form found them or a service did (``add_error``)."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = bootstrap_widget_class(field.widget)
            if css is None:
                continue
            classes = field.widget.attrs.get("class", "").split()
            if css not in classes:
                classes.append(css)
            field.widget.attrs["class"] = " ".join(classes)

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        mark_invalid_fields(self)  # type: ignore[arg-type]

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)  # type: ignore[misc]
        mark_invalid_fields(self)  # type: ignore[arg-type]


# --- Fields of a form -----------------------------------------------------------------------

_FieldT = TypeVar("_FieldT", bound=forms.Field)


def form_field(form: forms.BaseForm, name: str, kind: type[_FieldT]) -> _FieldT:
    """``form.fields[name]``, checked to be a ``kind`` so its own attributes (``choices``,
    ``queryset``, ...) can be set in ``__init__`` with their types known."""
    field = form.fields[name]
    if not isinstance(field, kind):
        raise TypeError(f"{name!r} is a {type(field).__name__}, not a {kind.__name__}")
    return field


# --- Errors from services -------------------------------------------------------------------


def add_service_errors(
    forms_: forms.BaseForm | Sequence[forms.BaseForm],
    error: ValidationError,
    *,
    rename: Mapping[str, str] | None = None,
) -> None:
    """Put a service's ``ValidationError`` on the form(s) the user filled in.

    Each field's messages go next to that field on the first form that has it (``rename``
    maps the service's field names to the form's); messages of fields no form shows, and
    errors about the whole object, go to the top of the first form. A message the field
    already shows (the form found it too) is not repeated."""
    targets = [forms_] if isinstance(forms_, forms.BaseForm) else list(forms_)
    first = targets[0]
    error_dict = getattr(error, "error_dict", None) or {NON_FIELD_ERRORS: error.error_list}
    for service_field, errors in error_dict.items():
        field = (rename or {}).get(service_field, service_field)
        form = next((f for f in targets if field in f.fields), None)
        if form is None or field == NON_FIELD_ERRORS:
            first.add_error(None, errors)
            continue
        shown = set(form.errors.get(field, [])) if form.is_bound else set()
        fresh = [e for e in errors if not set(ValidationError(e).messages) <= shown]
        if fresh:
            form.add_error(field, fresh)


# --- Numbers as people type them ------------------------------------------------------------


def _clean_spaces(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ").strip()


class RupiahInput(forms.TextInput):
    """Shows a whole rupiah amount grouped the reader's way (450.000.000 / 450,000,000)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"inputmode": "numeric", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, int) and not isinstance(value, bool):
            return formats.number_format(value, force_grouping=True)
        return super().format_value(value)


class RupiahField(forms.IntegerField):
    """Whole rupiah, typed as people write it: with or without ``Rp``, grouped with dots,
    commas or spaces (one kind of separator), and with or without zero cents (``Rp 450.000.000,00``,
    ``450,000,000.00``, ``450000000`` are all 450 million). Anything else — real cents,
    letters, a misplaced separator — is refused with an example rather than guessed."""

    AMOUNT = re.compile(r"(\d{1,3}(?:([.,\s])\d{3})(?:\2\d{3})*|\d+)(?:[.,]0{1,2})?")
    widget = RupiahInput
    default_error_messages = {
        "invalid": _("Enter the amount in whole rupiah, for example %(example)s."),
    }

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = _clean_spaces(str(value))
        text = re.sub(r"^rp\.?\s*", "", text, flags=re.IGNORECASE)
        match = self.AMOUNT.fullmatch(text) if len(text) <= 40 else None
        if match is None:
            raise ValidationError(
                self.error_messages["invalid"],
                code="invalid",
                params={"example": formats.number_format(450_000_000, force_grouping=True)},
            )
        return int(re.sub(r"\D", "", match.group(1)))


class LocalDecimalField(forms.DecimalField):
    """A decimal typed the way the reader writes numbers: ``1.250,5`` in Indonesian,
    ``1,250.5`` in English (grouping separators are ignored)."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    # Django's DecimalField subclasses IntegerField and returns a Decimal from it; the stubs
    # silence the same override on DecimalField itself.
    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if isinstance(value, str):
            value = _clean_spaces(value).replace(" ", "")
            value = value.replace(formats.get_format("THOUSAND_SEPARATOR"), "")
            value = value.replace(formats.get_format("DECIMAL_SEPARATOR"), ".")
        return super().to_python(value)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.pop("step", None)
        return attrs
