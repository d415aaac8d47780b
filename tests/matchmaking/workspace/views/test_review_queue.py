"""The review queue: what it lists by default, its filters (MatchFilterSet), bulk actions
with a per-row summary, HTMX fragments and its query count on a large registry."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from components.models import Province
from matchmaking.choices import MatchKind, MatchStatus
from matchmaking.engine import rescoring
from matchmaking.models import Match, MatchDecision, Partnership
from matchmaking.partnerships.review import match_decide
from partners.choices import DemandStatus
from tests.components.factories import ProvinceFactory, RegencyFactory
from tests.matchmaking import factories as f
from tests.matchmaking.workspace.views.test_demands import large_registry, scored_demand
from tests.partners.factories import SupplierFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
URL = "/staff/review/"


@pytest.fixture
def cat():
    return f.catalogue()


@pytest.fixture
def demand(cat):
    return scored_demand(cat, title="Blok rem metalik gerbong barang")


@pytest.fixture
def other_officer(db):
    return UserFactory(username="budi", first_name="Budi", last_name="Santoso", is_staff=True)


def match_of(demand, name: str) -> Match:
    return Match.objects.get(demand=demand, supplier__legal_name=name)


def listed(response) -> list[str]:
    return [row.match.supplier.legal_name for row in response.context["rows"]]


def pair(match: Match) -> str:
    return f"{match.demand_id}:{match.supplier_id}"


def test_review_queue_url_is_under_staff():
    assert reverse("workspace:review_queue") == URL


def test_review_queue_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_review_queue_refuses_signed_in_users_who_are_not_staff(ikm_client, demand):
    first = match_of(demand, "CV Ceper Presisi")

    assert ikm_client.get(URL).status_code == 403
    assert ikm_client.post(URL, {"pair": pair(first), "to_status": "approved"}).status_code == 403
    assert not MatchDecision.objects.exists()


def test_review_queue_lists_current_matches_awaiting_a_decision_on_open_demands(
    staff_client, cat, demand, staff_user
):
    approved = match_of(demand, "CV Logam Jaya")
    match_decide(
        demand_id=demand.pk,
        supplier_id=approved.supplier_id,
        to_status=MatchStatus.APPROVED,
        by=staff_user,
        expected_status=MatchStatus.SUGGESTED,
    )
    closed = scored_demand(cat, title="Closed demand")
    closed.status = DemandStatus.CLOSED
    closed.save(update_fields=["status"])

    response = staff_client.get(URL)

    assert response.status_code == 200
    assert "<html" in response.content.decode()
    rows = response.context["rows"]
    assert [(r.match.demand_id, r.match.supplier.legal_name) for r in rows] == [
        (demand.pk, "CV Ceper Presisi")
    ]
    assert rows[0].match.kind == MatchKind.MATCH


def test_review_queue_lists_near_misses_when_asked(staff_client, demand):
    both = staff_client.get(URL, {"kind": ""})
    near = staff_client.get(URL, {"kind": "near_miss"})

    assert set(listed(both)) == {"CV Ceper Presisi", "CV Logam Jaya", "UD Tanpa ISO"}
    assert listed(near) == ["UD Tanpa ISO"]
    assert any("ISO 9001" in text for text in near.context["rows"][0].lacks)
    assert "ISO 9001" in near.content.decode()


def test_review_queue_filters_by_status_province_score_search_and_demand(
    staff_client, cat, demand, staff_user
):
    shortlisted = match_of(demand, "CV Ceper Presisi")
    match_decide(
        demand_id=demand.pk,
        supplier_id=shortlisted.supplier_id,
        to_status=MatchStatus.SHORTLISTED,
        by=staff_user,
        expected_status=MatchStatus.SUGGESTED,
    )
    other = scored_demand(cat, title="Another demand")
    far = match_of(demand, "CV Logam Jaya")
    low_score = min(far.score, shortlisted.score)
    high_score = max(far.score, shortlisted.score)
    best = "CV Ceper Presisi" if shortlisted.score >= far.score else "CV Logam Jaya"

    assert listed(staff_client.get(URL, {"status": "shortlisted"})) == ["CV Ceper Presisi"]
    province = Province.objects.get(regencies__suppliers=far.supplier)
    in_province = staff_client.get(URL, {"province": province.pk, "demand": demand.pk})
    assert all(
        r.match.supplier.regency.province_id == province.pk for r in in_province.context["rows"]
    )
    assert "CV Logam Jaya" in listed(in_province)
    assert listed(
        staff_client.get(URL, {"min_score": f"{high_score:.6f}", "demand": demand.pk})
    ) == [best]
    assert (
        len(listed(staff_client.get(URL, {"min_score": f"{low_score:.6f}", "demand": demand.pk})))
        == 2
    )
    assert listed(staff_client.get(URL, {"q": far.supplier.nib, "demand": demand.pk})) == [
        "CV Logam Jaya"
    ]
    assert {
        r.match.demand_id for r in staff_client.get(URL, {"demand": other.pk}).context["rows"]
    } == {other.pk}


def test_review_queue_filter_by_province_leaves_out_other_provinces(staff_client, cat):
    demand = f.brake_block_demand(cat)
    f.supplier(cat, name="CV Jateng")  # default regency: Klaten, Jawa Tengah
    east = RegencyFactory(
        code="35.19", name="Kab. Madiun", province=ProvinceFactory(code="35", name="Jawa Timur")
    )
    f.supplier(cat, name="CV Jatim", regency=east)
    rescoring.rescore_demand(demand_id=demand.pk)

    response = staff_client.get(URL, {"province": "35"})

    assert listed(response) == ["CV Jatim"]


def test_invalid_filter_is_reported_and_left_out(staff_client, demand):
    response = staff_client.get(URL, {"min_score": "lots"})
    fragment = staff_client.get(URL, {"min_score": "2"}, **HTMX)

    assert response.status_code == 200
    assert "min_score" in response.context["filter"].errors
    assert len(listed(response)) == 2
    assert fragment.status_code == 400


def test_htmx_filtering_returns_the_results_fragment(staff_client, demand):
    response = staff_client.get(URL, {"kind": "near_miss"}, **HTMX)

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert body.lstrip().startswith('<section id="review-results"')
    assert "UD Tanpa ISO" in body


# --- bulk actions ---------------------------------------------------------------------------


def test_bulk_approve_reports_done_and_conflict_per_row(
    staff_client, demand, other_officer, staff_user
):
    first = match_of(demand, "CV Ceper Presisi")
    second = match_of(demand, "CV Logam Jaya")
    # the officer's page showed both as suggested; meanwhile Budi approved the second
    match_decide(
        demand_id=demand.pk,
        supplier_id=second.supplier_id,
        to_status=MatchStatus.APPROVED,
        by=other_officer,
        expected_status=MatchStatus.SUGGESTED,
    )

    response = staff_client.post(
        URL,
        {
            "pair": [pair(first), pair(second)],
            "seen": [f"{pair(first)}:suggested", f"{pair(second)}:suggested"],
            "to_status": "approved",
            "note": "Both met the buyer",
        },
    )

    assert response.status_code == 200
    summary = {line["supplier"].legal_name: line["item"] for line in response.context["summary"]}
    assert summary["CV Ceper Presisi"].outcome == "done"
    assert summary["CV Logam Jaya"].outcome == "conflict"
    assert "Budi Santoso" in summary["CV Logam Jaya"].message
    body = response.content.decode()
    assert 'id="bulk-summary"' in body
    assert 'data-outcome="done"' in body and 'data-outcome="conflict"' in body
    assert Partnership.objects.filter(officer=staff_user).count() == 1
    assert Match.objects.get(pk=first.pk).status == MatchStatus.APPROVED
    assert listed(response) == []  # nothing left awaiting a decision
    # the pair that failed stays ticked, so the officer can act on it again
    assert response.context["ticked"] == {pair(second)}


def test_bulk_reject_without_a_note_keeps_the_ticks_and_saves_nothing(staff_client, demand):
    first = match_of(demand, "CV Ceper Presisi")
    staff_client.cookies["django_language"] = "en"

    response = staff_client.post(
        URL, {"pair": [pair(first)], "seen": [f"{pair(first)}:suggested"], "to_status": "rejected"}
    )

    assert response.status_code == 200
    with translation.override("en"):
        assert response.context["bulk_form"].errors["note"] == [
            "Give a reason for rejecting this match."
        ]
    assert response.context["ticked"] == {pair(first)}
    body = response.content.decode()
    assert re.search(rf'name="pair" value="{pair(first)}"[^>]*checked', body)
    assert not MatchDecision.objects.exists()
    assert response.context["summary"] is None


def test_bulk_without_ticks_asks_for_one_and_htmx_gets_400(staff_client, demand):
    response = staff_client.post(URL, {"to_status": "shortlisted"}, **HTMX)

    assert response.status_code == 400
    assert 'data-error="pair"' in response.content.decode()
    assert not MatchDecision.objects.exists()


def test_bulk_shortlist_over_htmx_returns_the_refreshed_results(staff_client, demand):
    first = match_of(demand, "CV Ceper Presisi")

    response = staff_client.post(
        URL + "?kind=",
        {"pair": [pair(first)], "seen": [f"{pair(first)}:suggested"], "to_status": "shortlisted"},
        **HTMX,
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert 'data-outcome="done"' in body
    assert Match.objects.get(pk=first.pk).status == MatchStatus.SHORTLISTED
    shortlisted_row = next(r for r in response.context["rows"] if r.match.pk == first.pk)
    assert shortlisted_row.match.status == MatchStatus.SHORTLISTED


def test_bulk_pair_of_another_supplier_is_reported_not_decided(staff_client, demand):
    stranger = SupplierFactory()

    response = staff_client.post(
        URL, {"pair": [f"{demand.pk}:{stranger.pk}"], "to_status": "shortlisted"}
    )

    (line,) = response.context["summary"]
    assert line["item"].outcome == "invalid"
    assert not MatchDecision.objects.exists()


# --- query count --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["match", ""])
def test_review_queue_query_count_does_not_grow_with_the_registry(
    staff_client, cat, kind, django_assert_max_num_queries
):
    large_registry(cat, suppliers=1000, demands=4)

    with django_assert_max_num_queries(12):
        response = staff_client.get(URL, {"kind": kind})

    page = response.context["page_obj"]
    assert page.paginator.count == (80 if kind else 160)
    assert len(response.context["rows"]) == 50
