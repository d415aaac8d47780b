"""The small HTMX lookups of the IKM forms (/ikm/lookup/…): size class, KBLI codes, regencies
of a province, sentra names."""

from __future__ import annotations

import pytest

from partners.choices import VerificationStatus
from tests.components.factories import (
    KbliCodeFactory,
)
from tests.partners.factories import (
    SupplierFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_size_class_preview_follows_workers_and_investment(owner_client):
    small = owner_client.get("/ikm/lookup/size-class/?workers=12&investment_idr=450.000.000")
    medium = owner_client.get("/ikm/lookup/size-class/?workers=40&investment_idr=2000000000")
    large = owner_client.get("/ikm/lookup/size-class/?workers=40&investment_idr=16000000000")
    empty_ = owner_client.get("/ikm/lookup/size-class/?workers=&investment_idr=")

    assert 'data-size-class="kecil"' in small.content.decode()
    assert 'data-size-class="menengah"' in medium.content.decode()
    assert 'data-size-class="besar"' in large.content.decode()
    assert 'data-size-class=""' in empty_.content.decode()


def test_kbli_search_finds_five_digit_codes_by_code_or_words(owner_client, cat):
    KbliCodeFactory(code="243", title="Industri Pengecoran Logam")
    KbliCodeFactory(code="25910", title="Industri Penempaan, Pengepresan, Pencetakan")

    by_code = owner_client.get("/ikm/lookup/kbli/?kbli_q=2431").content.decode()
    by_words = owner_client.get("/ikm/lookup/kbli/?kbli_q=pengecoran besi").content.decode()
    nothing = owner_client.get("/ikm/lookup/kbli/?kbli_q=rotan").content.decode()

    assert 'data-kbli-add="24310"' in by_code and 'data-kbli-add="243"' not in by_code
    assert 'data-kbli-add="24310"' in by_words and "25910" not in by_words
    assert "data-kbli-add" not in nothing


def test_regency_options_list_the_regencies_of_the_province_with_their_centre(owner_client, cat):
    html = owner_client.get("/ikm/lookup/regencies/?province=33").content.decode()

    assert 'value="33.10"' in html and 'value="33.28"' in html
    assert 'value="35.77"' not in html
    assert 'data-lat="-7.683330"' in html


def test_sentra_suggestions_come_from_verified_ikm_only(owner_client, cat):
    SupplierFactory(sentra="Sentra Logam Ceper", verification_status=VerificationStatus.VERIFIED)
    SupplierFactory(sentra="Sentra Rahasia", verification_status=VerificationStatus.PENDING)

    html = owner_client.get("/ikm/lookup/sentra/?regency=33.10").content.decode()

    assert "Sentra Logam Ceper" in html
    assert "Sentra Rahasia" not in html


def test_size_class_preview_reads_rupiah_with_zero_cents(owner_client):
    response = owner_client.get(
        "/ikm/lookup/size-class/", {"workers": "25", "investment_idr": "Rp 450.000.000,00"}
    )

    assert 'data-size-class="menengah"' in response.content.decode()
