"""/api/v1/partnerships/: staff only, read only, filtered exactly like the pipeline page."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from components.models import Province
from matchmaking.choices import PartnershipStage
from matchmaking.models import Partnership, PartnershipEvent
from tests.matchmaking.factories import PartnershipFactory
from tests.matchmaking.workspace.views.test_pipeline_views import bulk_pipeline

pytestmark = pytest.mark.django_db

S = PartnershipStage
API = "/api/v1/partnerships/"


@pytest.fixture(autouse=True)
def stale_days(settings):
    settings.PARTNERSHIP_STALE_DAYS = 30


@pytest.fixture
def staff_api(api_client, staff_user):
    api_client.force_authenticate(staff_user)
    return api_client


def days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def test_anonymous_and_non_staff_users_are_refused(api_client, ikm_user):
    PartnershipFactory()

    assert api_client.get(API).status_code in (401, 403)
    api_client.force_authenticate(ikm_user)
    assert api_client.get(API).status_code == 403


def test_the_api_is_read_only(staff_api):
    p = PartnershipFactory(stage=S.INTRODUCED)

    assert staff_api.post(API, {"stage": S.CONTRACT}).status_code == 405
    assert staff_api.patch(f"{API}{p.pk}/", {"stage": S.CONTRACT}).status_code == 405
    assert staff_api.delete(f"{API}{p.pk}/").status_code == 405
    p.refresh_from_db()
    assert p.stage == S.INTRODUCED


def test_list_row_carries_parties_stage_age_and_outcomes(staff_api):
    p = PartnershipFactory(
        stage=S.CONTRACT,
        stage_changed_at=days_ago(31),
        contract_value_idr=1_500_000,
        match__supplier__legal_name="CV Sinar Cor Batur",
    )

    response = staff_api.get(API)

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["id"] == p.pk
    assert (row["stage"], row["days_in_stage"], row["stuck"]) == (S.CONTRACT, 31, True)
    assert row["supplier"]["legal_name"] == "CV Sinar Cor Batur"
    assert row["supplier"]["nib"] == p.supplier.nib
    assert row["supplier"]["province"]["code"] == p.supplier.regency.province.code
    assert row["demand"]["manufacturer"]["name"] == p.demand.manufacturer.name
    assert row["contract_value_idr"] == 1_500_000
    assert "events" not in row


def test_retrieve_adds_the_timeline(staff_api, staff_user):
    p = PartnershipFactory(stage=S.INTRODUCED)
    PartnershipEvent.objects.create(partnership=p, to_stage=S.APPROVED, by=staff_user)
    PartnershipEvent.objects.create(partnership=p, note="Telepon ke pabrik", by=staff_user)

    response = staff_api.get(f"{API}{p.pk}/")

    assert response.status_code == 200
    events = response.json()["events"]
    assert [(e["to_stage"], e["note"]) for e in events] == [
        (S.APPROVED, ""),
        ("", "Telepon ke pabrik"),
    ]
    assert events[0]["by"]["username"] == staff_user.get_username()


def test_invalid_filter_is_a_400(staff_api):
    assert staff_api.get(API, {"stage": "signed"}).status_code == 400


QUERIES = [
    {},
    {"stage": [S.INTRODUCED, S.CONTRACT]},
    {"stuck": "true"},
    {"stuck": "false", "sort": "changed"},
    {"flagged": "true"},
    {"q": "massal 00"},
    {"sort": "-changed", "stage": S.DECLINED},
    {"sort": "supplier"},
]


@pytest.mark.parametrize("params", QUERIES)
def test_api_filters_give_the_same_partnerships_in_the_same_order_as_the_page(
    staff_api, staff_client, params, settings
):
    settings.WORKSPACE_PAGE_SIZE = 50  # the API's page size
    bulk_pipeline(suppliers=150, partnerships=120)

    page = staff_client.get(reverse("workspace:partnership_list"), {"view": "table", **params})
    api = staff_api.get(API, params)

    page_ids = [p.pk for p in page.context["page_obj"].object_list]
    assert api.status_code == 200
    assert [row["id"] for row in api.json()["results"]] == page_ids
    assert api.json()["count"] == page.context["page_obj"].paginator.count


def test_api_filters_by_province_officer_and_manufacturer_like_the_page(staff_api, staff_client):
    rows = bulk_pipeline(suppliers=60, partnerships=40)
    some: Partnership = rows[5]
    params = {
        "province": Province.objects.get(code="35").pk,
        "officer": some.officer_id,
        "manufacturer": some.demand.manufacturer_id,
    }

    page = staff_client.get(reverse("workspace:partnership_list"), {"view": "table", **params})
    api = staff_api.get(API, params)

    expected = [p.pk for p in page.context["page_obj"].object_list]
    assert some.pk in expected
    assert [row["id"] for row in api.json()["results"]] == expected


def test_list_runs_a_bounded_number_of_queries_on_a_large_registry(
    staff_api, django_assert_max_num_queries
):
    bulk_pipeline()

    # count and page; the detail adds the events and their authors
    with django_assert_max_num_queries(3):
        response = staff_api.get(API, {"stuck": "false"})
    with django_assert_max_num_queries(3):
        detail = staff_api.get(f"{API}{Partnership.objects.order_by('pk').first().pk}/")

    assert response.status_code == detail.status_code == 200
    assert len(response.json()["results"]) == 50
