"""The workspace's forms (matchmaking.workspace.forms): the outcome form reads amounts the
way people type them through the shared fields, and keeps its Bootstrap classes and ids."""

from __future__ import annotations

from django.utils import translation

from matchmaking.workspace.forms import MoveForm, OutcomeForm


def test_outcome_form_reads_rupiah_with_zero_cents_and_local_decimals():
    with translation.override("id"):
        form = OutcomeForm(
            {
                "contract_value_idr": "Rp 450.000.000,00",
                "committed_monthly_volume": "1.250,5",
                "committed_unit": "",
                "tkdn_percent": "40,5",
                "delivered_on_time": "unknown",
            }
        )
        assert form.is_valid(), form.errors
    assert form.cleaned_data["contract_value_idr"] == 450_000_000
    assert str(form.cleaned_data["committed_monthly_volume"]) == "1250.5"
    assert str(form.cleaned_data["tkdn_percent"]) == "40.5"
    assert form.cleaned_data["delivered_on_time"] is None


def test_outcome_form_widgets_keep_their_bootstrap_classes_and_ids():
    with translation.override("en"):
        form = OutcomeForm()
        html = {name: str(form[name]) for name in form.fields}

    assert 'class="form-control"' in html["contract_value_idr"]
    assert 'placeholder="1,500,000"' in html["contract_value_idr"]
    assert 'class="form-select"' in html["committed_unit"]
    assert 'class="form-select"' in html["delivered_on_time"]
    assert 'class="form-control"' in html["jobs_created"]
    for name in form.fields:
        assert f'id="outcome-{name}"' in html[name]


def test_outcome_form_marks_the_fields_with_errors_invalid():
    form = OutcomeForm({"contract_value_idr": "satu juta", "tkdn_percent": "120"})

    assert not form.is_valid()
    assert "is-invalid" in form.fields["contract_value_idr"].widget.attrs["class"]
    assert form.fields["tkdn_percent"].widget.attrs["aria-invalid"] == "true"
    assert "is-invalid" not in form.fields["jobs_created"].widget.attrs["class"]


def test_move_form_knows_when_it_closes_the_partnership():
    assert MoveForm({"to_stage": "declined"}).closing
    assert MoveForm({"to_stage": "ended"}).closing
    assert not MoveForm({"to_stage": "introduced"}).closing
