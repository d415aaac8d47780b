"""The rows of the registration formsets (capabilities, certificates) that are kept."""

from __future__ import annotations

from typing import Generic, TypeVar

from django import forms
from django.forms import BaseFormSet

_F = TypeVar("_F", bound=forms.BaseForm)


class KeptRowsMixin(BaseFormSet, Generic[_F]):
    """Rows to keep: every row that was shown filled in and every new row typed into,
    except those marked for removal. (``BaseFormSet`` is not subscriptable at run time,
    hence ``Generic`` for the type of its rows.)"""

    def kept_forms(self) -> list[_F]:
        return [
            form
            for index, form in enumerate(self.forms)
            if (index < self.initial_form_count() or form.has_changed())
            # Django's own test for a row marked for removal; private, so not in the stubs
            and not self._should_delete_form(form)  # type: ignore[attr-defined]
            and getattr(form, "cleaned_data", None)
        ]
