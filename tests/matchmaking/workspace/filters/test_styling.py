"""One helper gives the filter widgets their Bootstrap classes
(matchmaking.workspace.filters.styling)."""

from __future__ import annotations

import pytest
from django import forms

from matchmaking.workspace.filters.styling import filter_class, styled


@pytest.mark.parametrize(
    ("widget", "small", "expected"),
    [
        (forms.Select(), True, "form-select form-select-sm"),
        (forms.Select(), False, "form-select"),
        (forms.TextInput(), True, "form-control form-control-sm"),
        (forms.NumberInput(), False, "form-control"),
        (forms.CheckboxSelectMultiple(), True, "form-check-input"),
        (forms.HiddenInput(), True, None),
    ],
)
def test_filter_class_by_widget_and_size(widget, small, expected):
    assert filter_class(widget, small=small) == expected


def test_styled_keeps_the_other_attributes_and_a_class_already_given():
    number = styled(forms.NumberInput(attrs={"min": 0, "step": "any"}))
    chosen = styled(forms.Select(attrs={"class": "my-select"}))

    assert number.attrs == {"min": 0, "step": "any", "class": "form-control form-control-sm"}
    assert chosen.attrs == {"class": "my-select"}


@pytest.mark.django_db
def test_the_filter_bars_render_the_same_classes_as_before():
    from matchmaking.workspace.filters.demands import DemandFilterSet
    from matchmaking.workspace.filters.partnerships import PartnershipFilterSet
    from matchmaking.workspace.filters.suppliers import SupplierFilterSet

    demands = DemandFilterSet({}).form
    pipeline = PartnershipFilterSet(None).form
    suppliers = SupplierFilterSet({}).form

    assert demands.fields["q"].widget.attrs["class"] == "form-control form-control-sm"
    assert demands.fields["sector"].widget.attrs["class"] == "form-select form-select-sm"
    assert pipeline.fields["q"].widget.attrs["class"] == "form-control"
    assert pipeline.fields["officer"].widget.attrs["class"] == "form-select"
    assert "class" not in pipeline.fields["stage"].widget.attrs
    assert suppliers.fields["capacity_min"].widget.attrs["class"] == "form-control form-control-sm"
    assert suppliers.fields["province"].widget.attrs["class"] == "form-select form-select-sm"
