"""GET /api/v1/suppliers/: staff only, the directory's FilterSet, region, coordinates,
capabilities with free capacity and valid certificates, bounded queries."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from components.choices import Unit
from matchmaking.choices import PartnershipStage
from tests.matchmaking import factories as f
from tests.matchmaking.workspace.views.test_directory import many_suppliers
from tests.partners.factories import SupplierCertificationFactory, SupplierFactory, UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/suppliers/"


@pytest.fixture
def cat():
    return f.catalogue()


@pytest.fixture
def staff_api(api_client, staff_user):
    api_client.force_authenticate(staff_user)
    return api_client


def test_anonymous_caller_is_refused(api_client):
    assert api_client.get(API).status_code in (401, 403)


def test_signed_in_non_staff_user_is_refused(api_client):
    api_client.force_authenticate(UserFactory(username="pemilik-ikm"))

    assert api_client.get(API).status_code == 403


def test_api_and_directory_page_return_the_same_suppliers_for_the_same_query(
    staff_api, staff_client, cat
):
    f.supplier(cat, name="CV Ceper Cor A")
    f.supplier(cat, name="CV Ceper Cor B", certified=False)
    f.supplier(cat, name="CV Jati", component_type=cat.chair)
    f.supplier(cat, name="CV Tegal Cor", regency=f.far_regency())
    busy = f.supplier(cat, name="CV Ceper Sibuk", capacity=1000)
    f.PartnershipFactory(
        match__supplier=busy,
        match__capability=busy.capabilities.get(),
        stage=PartnershipStage.ACTIVE_SUPPLY,
        committed_monthly_volume=1000,
        committed_unit=Unit.PIECE,
    )
    queries = [
        "",
        f"regency=33.10&process={cat.casting.pk}",
        f"certification={cat.iso_9001.pk}",
        "q=ceper&capacity_min=1",
        f"province=33&sector={cat.chair.category.sector_id}",
    ]
    results = set()
    for query in queries:
        page = staff_client.get(f"/staff/suppliers/?{query}")
        api = staff_api.get(f"{API}?{query}")
        assert api.status_code == 200, api.content
        on_page = [row.supplier.pk for row in page.context["rows"]]
        assert [item["id"] for item in api.json()["results"]] == on_page, query
        results.add(tuple(on_page))
    assert len(results) == len(queries)  # each query selects a different set


def test_supplier_item_carries_region_coordinates_capabilities_and_valid_certificates(
    staff_api, cat
):
    ikm = f.supplier(cat, name="CV Ceper Cor", capacity=5000)
    SupplierCertificationFactory(
        supplier=ikm,
        certification=f.CertificationFactory(code="sni-old", name="SNI lama"),
        valid_until=timezone.localdate() - datetime.timedelta(days=1),
    )
    f.PartnershipFactory(
        match__supplier=ikm,
        match__capability=ikm.capabilities.get(),
        committed_monthly_volume=2000,
        committed_unit=Unit.PIECE,
    )

    (item,) = staff_api.get(API, HTTP_ACCEPT_LANGUAGE="id").json()["results"]

    assert item["legal_name"] == "CV Ceper Cor"
    assert item["nib"] == ikm.nib
    assert item["region"] == {
        "regency": {"code": "33.10", "name": "Klaten"},
        "province": {"code": "33", "name": "Jawa Tengah"},
    }
    assert item["coordinates"] == {"latitude": -7.68333, "longitude": 110.61667}
    (capability,) = item["capabilities"]
    assert capability["component_type"]["code"] == "blok-rem-metalik"
    assert [p["code"] for p in capability["processes"]] == ["pengecoran"]
    assert [m["code"] for m in capability["materials"]] == ["fc"]
    assert capability["capacity_unit"] == "pcs"
    assert capability["committed_monthly_volume"] == 2000
    assert capability["free_monthly_capacity"] == 3000
    assert [c["code"] for c in item["certifications"]] == ["iso-9001"]


def test_invalid_filter_is_a_400_with_the_field(staff_api):
    response = staff_api.get(f"{API}?capacity_min=10&capacity_max=1")

    assert response.status_code == 400
    assert "capacity_max" in response.json()


def test_retrieve_one_supplier(staff_api):
    ikm = SupplierFactory(legal_name="CV Satu")

    response = staff_api.get(f"{API}{ikm.pk}/")

    assert response.status_code == 200
    assert response.json()["legal_name"] == "CV Satu"


def test_api_list_queries_stay_bounded_with_1000_suppliers(
    staff_api, cat, django_assert_max_num_queries
):
    many_suppliers(cat)

    with django_assert_max_num_queries(8):
        response = staff_api.get(f"{API}?process={cat.casting.pk}&capacity_min=1&page=3")

    body = response.json()
    assert body["count"] == 1000
    assert len(body["results"]) == 50
