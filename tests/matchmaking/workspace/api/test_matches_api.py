"""GET /api/v1/matches/: staff only, filtered by the review queue's MatchFilterSet (same
rows, same order as the page), breakdown and what a near miss lacks, bounded queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from matchmaking.choices import MatchStatus
from matchmaking.engine import rescoring
from matchmaking.models import Match
from matchmaking.partnerships.review import match_decide
from tests.matchmaking import factories as f
from tests.matchmaking.workspace.views.test_demands import large_registry, scored_demand
from tests.partners.factories import UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/matches/"


@pytest.fixture
def cat():
    return f.catalogue()


@pytest.fixture
def demand(cat):
    return scored_demand(cat, title="Blok rem metalik gerbong barang")


@pytest.fixture
def staff_api(api_client, staff_user):
    api_client.force_authenticate(staff_user)
    return api_client


def second_demand(cat):
    """Another open demand (another buyer) scored against the same suppliers."""
    other = f.brake_block_demand(cat, title="Blok rem lain")
    rescoring.rescore_demand(demand_id=other.pk)
    return other


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["results"]]


def test_anonymous_caller_is_refused(api_client):
    assert api_client.get(API).status_code in (401, 403)


def test_signed_in_non_staff_user_is_refused(api_client, demand):
    api_client.force_authenticate(UserFactory(username="pemilik-ikm"))

    assert api_client.get(API).status_code == 403
    match = Match.objects.filter(demand=demand).first()
    assert api_client.get(f"{API}{match.pk}/").status_code == 403


def test_list_gives_matches_awaiting_review_with_their_breakdown(staff_api, demand):
    response = staff_api.get(API)

    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["supplier_name"] for r in results] == ["CV Ceper Presisi", "CV Logam Jaya"]
    first = results[0]
    match = Match.objects.get(pk=first["id"])
    assert first["demand"] == demand.pk
    assert first["status"] == "suggested"
    assert first["kind"] == "match"
    assert first["rank"] == 1
    assert first["supplier_nib"] == match.supplier.nib
    assert sum(first["contributions"].values()) == pytest.approx(match.score, abs=1e-6)
    assert first["contributions"]["component_fit"] == pytest.approx(0.2)
    assert first["lacks"] == []


def test_near_misses_say_what_they_lack_in_the_callers_language(staff_api, demand):
    staff_api.cookies["django_language"] = "en"

    english = staff_api.get(API, {"kind": "near_miss"})

    (near,) = english.json()["results"]
    assert near["supplier_name"] == "UD Tanpa ISO"
    assert near["lacks"] == ["Does not hold the certification ISO 9001"]


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"kind": ""},
        {"kind": "near_miss"},
        {"status": ["shortlisted", "approved"]},
        {"status": "approved", "kind": ""},
        {"min_score": "0.5"},
        {"q": "ceper"},
        {"province": "33"},
    ],
)
def test_api_lists_the_same_matches_in_the_same_order_as_the_review_queue(
    staff_api, staff_client, cat, demand, staff_user, query
):
    other = second_demand(cat)
    for target, status in ((demand, MatchStatus.APPROVED), (other, MatchStatus.SHORTLISTED)):
        match = Match.objects.get(demand=target, supplier__legal_name="CV Ceper Presisi")
        match_decide(
            demand_id=target.pk,
            supplier_id=match.supplier_id,
            to_status=status,
            by=staff_user,
            expected_status=MatchStatus.SUGGESTED,
        )

    page = staff_client.get(reverse("workspace:review_queue"), query)
    api = staff_api.get(API, query)

    assert api.status_code == 200
    assert ids(api) == [row.match.pk for row in page.context["rows"]]


def test_filter_by_demand_and_manufacturer_match_the_page(staff_api, staff_client, cat, demand):
    other = second_demand(cat)

    for query in ({"demand": other.pk}, {"manufacturer": demand.manufacturer_id, "kind": ""}):
        page = staff_client.get(reverse("workspace:review_queue"), query)
        api = staff_api.get(API, query)
        assert ids(api) == [row.match.pk for row in page.context["rows"]]
        assert ids(api)


def test_invalid_filter_is_a_400_with_the_field(staff_api, demand):
    response = staff_api.get(API, {"min_score": "high"})

    assert response.status_code == 400
    assert "min_score" in response.json()


def test_retrieve_finds_a_match_whatever_its_status(staff_api, demand, staff_user):
    match = Match.objects.get(demand=demand, supplier__legal_name="CV Logam Jaya")
    match_decide(
        demand_id=demand.pk,
        supplier_id=match.supplier_id,
        to_status=MatchStatus.REJECTED,
        by=staff_user,
        note="Too far",
        expected_status=MatchStatus.SUGGESTED,
    )

    response = staff_api.get(f"{API}{match.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["review_note"], body["reviewed_by"]) == (
        "rejected",
        "Too far",
        staff_user.username,
    )


def test_api_is_read_only(staff_api, demand):
    match = Match.objects.filter(demand=demand).first()

    assert staff_api.post(API, {}).status_code == 405
    assert staff_api.patch(f"{API}{match.pk}/", {"status": "approved"}).status_code == 405
    assert staff_api.delete(f"{API}{match.pk}/").status_code == 405


def test_list_query_count_does_not_grow_with_the_registry(
    staff_api, cat, django_assert_max_num_queries
):
    large_registry(cat, suppliers=1000, demands=4)

    with django_assert_max_num_queries(10):
        response = staff_api.get(API, {"kind": ""})

    assert response.json()["count"] == 160
    assert len(response.json()["results"]) == 50
