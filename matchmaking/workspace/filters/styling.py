"""How the workspace's filter forms look: Bootstrap classes on their widgets, in one place
(``common.forms.bootstrap_widget_class`` decides the class; the compact filter bars of the
lists use Bootstrap's small size)."""

from __future__ import annotations

from typing import TypeVar

import django_filters
from django import forms
from django.http import QueryDict

from common.forms import bootstrap_widget_class

CHECK = "form-check-input"
W = TypeVar("W", bound=forms.Widget)


def filter_class(widget: forms.Widget, *, small: bool = True) -> str | None:
    """The Bootstrap class of a filter widget (``form-select form-select-sm`` …)."""
    css = bootstrap_widget_class(widget)
    if css is None or css == CHECK or not small:
        return css
    return f"{css} {css}-sm"


def styled(widget: W, *, small: bool = True) -> W:
    """``widget`` with its Bootstrap class (a class already given is kept)."""
    css = filter_class(widget, small=small)
    if css is not None:
        widget.attrs.setdefault("class", css)
    return widget


class StyledFilterSet(django_filters.FilterSet):
    """A FilterSet whose form fields carry Bootstrap classes (small), and whose defaults
    apply when a parameter is absent from the query (``defaults``: name → value or list)."""

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
                styled(field.widget)
            form.styled = True
        return form
