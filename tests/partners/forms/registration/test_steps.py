"""The IKM registration's step forms read amounts the way people type them (bug 1 of
issue #9: ``Rp 450.000.000,00`` was read as 45 billion rupiah)."""

from __future__ import annotations

import pytest
from django.utils import translation

from partners.choices import SizeClass
from partners.forms.registration.steps import IdentityForm
from tests.components.factories import KbliCodeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def identity(**overrides) -> dict:
    KbliCodeFactory(code="24310", title="Industri Pengecoran Besi dan Baja")
    return {
        "legal_name": "CV Logam Jaya",
        "nib": "9120000000999",
        "legal_form": "cv",
        "kbli_codes": ["24310"],
        "workers": "25",
        "investment_idr": "Rp 450.000.000,00",
        **overrides,
    }


@pytest.mark.parametrize(
    "typed", ["Rp 450.000.000,00", "Rp450.000.000", "450,000,000.00", "450000000", "450 000 000"]
)
def test_identity_form_reads_the_investment_as_people_write_it(typed):
    form = IdentityForm(identity(investment_idr=typed))

    assert form.is_valid(), form.errors
    assert form.cleaned_data["investment_idr"] == 450_000_000


def test_an_ikm_with_25_workers_and_rp_450_million_with_cents_is_medium_not_large():
    form = IdentityForm(identity(workers="25", investment_idr="Rp 450.000.000,00"))

    assert form.is_valid(), form.errors
    assert form.cleaned_data["size_class"] == SizeClass.MEDIUM
    assert form.to_draft()["investment_idr"] == 450_000_000


def test_real_cents_are_refused_rather_than_guessed():
    form = IdentityForm(identity(investment_idr="Rp 450.000.000,50"))

    assert not form.is_valid()
    assert "investment_idr" in form.errors
