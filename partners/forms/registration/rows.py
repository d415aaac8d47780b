"""The rows of the registration formsets (capabilities, certificates) that are kept."""

from __future__ import annotations

from django import forms


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
