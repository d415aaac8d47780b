"""Demand pages: the list, a demand's page (breakdown bars, reasons, consortium, near misses,
review controls over HTMX), the comparison and the suggestions export."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from components.choices import Unit
from matchmaking.choices import MatchKind, MatchStatus
from matchmaking.engine import rescoring
from matchmaking.models import ConsortiumSuggestion, Match, Partnership
from matchmaking.partnerships.review import match_decide
from partners.choices import DemandStatus, SizeClass, VerificationStatus
from partners.models import Supplier, SupplierCapability, SupplierCertification
from tests.matchmaking import factories as f
from tests.partners.factories import DemandFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


# --- shared scenarios (also used by the review queue and API tests) ---------------------------


def scored_demand(cat, **fields):
    """An open brake-block demand scored against two matches and a near miss (no ISO)."""
    demand = f.brake_block_demand(cat, **fields)
    f.supplier(cat, name="CV Ceper Presisi")
    f.supplier(cat, name="CV Logam Jaya", capacity=900, regency=f.far_regency())
    f.supplier(cat, name="UD Tanpa ISO", certified=False)
    rescoring.rescore_demand(demand_id=demand.pk)
    return demand


def large_registry(cat, *, suppliers: int = 1000, demands: int = 3):
    """``suppliers`` verified foundries able to cast the brake block (every other one
    without ISO 9001, so a near miss), and ``demands`` open demands scored against them:
    each keeps its top-K matches and as many near misses."""
    regency = f.far_regency()
    rows = Supplier.objects.bulk_create(
        Supplier(
            legal_name=f"CV Cor Logam {i:04d}",
            nib=f"{7_100_000_000_000 + i:013d}",
            legal_form="cv",
            workers=12,
            investment_idr=450_000_000,
            size_class=SizeClass.SMALL,
            regency=regency,
            sentra="Sentra Logam Tegal",
            latitude=regency.latitude,
            longitude=regency.longitude,
            verification_status=VerificationStatus.VERIFIED,
        )
        for i in range(suppliers)
    )
    capabilities = SupplierCapability.objects.bulk_create(
        SupplierCapability(
            supplier=supplier,
            component_type=cat.brake_block,
            monthly_capacity=Decimal(300 + i),
            capacity_unit=Unit.PIECE,
            lead_time_days=20 + i % 40,
        )
        for i, supplier in enumerate(rows)
    )
    SupplierCapability.materials.through.objects.bulk_create(
        SupplierCapability.materials.through(
            suppliercapability_id=c.pk, material_id=cat.grey_iron.pk
        )
        for c in capabilities
    )
    SupplierCapability.processes.through.objects.bulk_create(
        SupplierCapability.processes.through(suppliercapability_id=c.pk, process_id=cat.casting.pk)
        for c in capabilities
    )
    SupplierCertification.objects.bulk_create(
        SupplierCertification(supplier=s, certification=cat.iso_9001, number=f"QMS/{s.pk}")
        for s in rows[::2]
    )
    created = [f.brake_block_demand(cat, quantity=400 + 100 * i) for i in range(demands)]
    for demand in created:
        rescoring.rescore_demand(demand_id=demand.pk)
    return created


def bar_widths(html: str, dom_id: str) -> list[float]:
    """The widths (%) of the breakdown bar's segments in one match row."""
    row = re.search(rf'<article[^>]*id="{dom_id}".*?</article>', html, re.S)
    assert row, f"no row {dom_id}"
    return [
        float(w)
        for w in re.findall(r'class="ws-seg[^"]*"[^>]*?data-width="([0-9.]+)"', row.group(0))
    ]


@pytest.fixture
def cat():
    return f.catalogue()


@pytest.fixture
def other_officer(db):
    return UserFactory(username="budi", first_name="Budi", last_name="Santoso", is_staff=True)


def match_of(demand, name: str) -> Match:
    return Match.objects.get(demand=demand, supplier__legal_name=name)


# --- access -----------------------------------------------------------------------------------


def page_urls(demand) -> list[str]:
    return [
        reverse("workspace:demand_list"),
        reverse("workspace:demand_detail", args=[demand.pk]),
        reverse("workspace:demand_compare", args=[demand.pk]),
        reverse("workspace:demand_export", args=[demand.pk, "csv"]),
    ]


def test_demand_pages_send_anonymous_visitors_to_the_login_page(client, cat):
    demand = scored_demand(cat)

    for url in page_urls(demand):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_demand_pages_refuse_signed_in_users_who_are_not_staff(ikm_client, cat):
    demand = scored_demand(cat)

    for url in page_urls(demand):
        assert ikm_client.get(url).status_code == 403, url


def test_decision_endpoint_refuses_non_staff_and_changes_nothing(ikm_client, cat):
    demand = scored_demand(cat)
    match = match_of(demand, "CV Ceper Presisi")

    response = ikm_client.post(
        reverse("workspace:match_decide", args=[demand.pk, match.supplier_id]),
        {"to_status": "approved", "expected_status": "suggested"},
    )

    assert response.status_code == 403
    assert not Partnership.objects.exists()


# --- demand list ------------------------------------------------------------------------------


def test_demand_list_shows_open_demands_with_their_match_counts(staff_client, cat, staff_user):
    demand = scored_demand(cat, title="Blok rem metalik gerbong barang")
    match_decide(
        demand_id=demand.pk,
        supplier_id=match_of(demand, "CV Ceper Presisi").supplier_id,
        to_status=MatchStatus.APPROVED,
        by=staff_user,
        expected_status=MatchStatus.SUGGESTED,
    )
    DemandFactory(title="Draft demand", status=DemandStatus.DRAFT)

    response = staff_client.get(reverse("workspace:demand_list"))

    assert response.status_code == 200
    assert "<html" in response.content.decode()
    listed = list(response.context["page_obj"].object_list)
    assert [d.title for d in listed] == ["Blok rem metalik gerbong barang"]
    row = listed[0]
    assert (row.match_count, row.near_miss_count, row.waiting_count, row.approved_count) == (
        2,
        1,
        1,
        1,
    )


def test_demand_list_with_an_empty_status_lists_every_status(staff_client, cat):
    scored_demand(cat, title="Open one")
    DemandFactory(title="Draft one", status=DemandStatus.DRAFT)

    response = staff_client.get(reverse("workspace:demand_list"), {"status": ""})

    assert {d.title for d in response.context["page_obj"].object_list} == {"Open one", "Draft one"}


def test_demand_list_filters_by_manufacturer_and_search(staff_client, cat):
    wanted = scored_demand(cat, title="Blok rem INKA")
    f.brake_block_demand(cat, title="Blok rem lain")

    by_manufacturer = staff_client.get(
        reverse("workspace:demand_list"), {"manufacturer": wanted.manufacturer_id}
    )
    by_search = staff_client.get(reverse("workspace:demand_list"), {"q": "inka"})

    for response in (by_manufacturer, by_search):
        assert [d.pk for d in response.context["page_obj"].object_list] == [wanted.pk]


def test_demand_list_htmx_request_gets_the_results_fragment(staff_client, cat):
    scored_demand(cat, title="Blok rem metalik")

    response = staff_client.get(reverse("workspace:demand_list"), **HTMX)

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'id="demand-results"' in body
    assert "Blok rem metalik" in body


def test_demand_list_invalid_filter_is_reported_and_left_out(staff_client, cat):
    scored_demand(cat, title="Blok rem metalik")

    full = staff_client.get(reverse("workspace:demand_list"), {"manufacturer": "999999"})
    fragment = staff_client.get(
        reverse("workspace:demand_list"), {"manufacturer": "999999"}, **HTMX
    )

    assert full.status_code == 200
    assert "manufacturer" in full.context["filter"].errors
    assert [d.title for d in full.context["page_obj"].object_list] == ["Blok rem metalik"]
    assert fragment.status_code == 400


# --- demand page ------------------------------------------------------------------------------


def test_demand_page_shows_details_ranked_matches_and_near_misses_apart(staff_client, cat):
    demand = scored_demand(cat, title="Blok rem metalik gerbong barang")

    response = staff_client.get(reverse("workspace:demand_detail", args=[demand.pk]))

    assert response.status_code == 200
    suggestions = response.context["suggestions"]
    assert [r.match.supplier.legal_name for r in suggestions.matches] == [
        "CV Ceper Presisi",
        "CV Logam Jaya",
    ]
    assert [r.match.rank for r in suggestions.matches] == [1, 2]
    assert [r.match.supplier.legal_name for r in suggestions.near_misses] == ["UD Tanpa ISO"]
    assert any("ISO 9001" in text for text in suggestions.near_misses[0].lacks)
    body = response.content.decode()
    assert "Blok rem metalik gerbong barang" in body
    assert "ISO 9001" in body
    assert 'id="near-misses"' in body
    assert body.count("data-match-row") == 3


def test_breakdown_bar_has_a_segment_per_contributing_factor_adding_up_to_100(staff_client, cat):
    demand = scored_demand(cat)
    match = match_of(demand, "CV Ceper Presisi")

    body = staff_client.get(reverse("workspace:demand_detail", args=[demand.pk])).content.decode()

    widths = bar_widths(body, f"match-{demand.pk}-{match.supplier_id}")
    contributing = [c for c in match.breakdown["c"] if c > 0]
    assert len(widths) == len(contributing)
    assert sum(widths) == pytest.approx(100, abs=0.01)
    # each segment's share is its contribution's share of the score
    assert widths[0] == pytest.approx(100 * contributing[0] / sum(contributing), abs=0.001)
    row = re.search(rf'id="match-{demand.pk}-{match.supplier_id}".*?</article>', body, re.S).group(
        0
    )
    assert 'role="img"' in row
    assert re.search(r'aria-label="[^"]*Kesesuaian komponen 0,2000', row)
    assert 'id="breakdown-legend"' in body


def test_demand_page_in_english_shows_reasons_in_english(staff_client, cat):
    demand = scored_demand(cat)
    staff_client.cookies["django_language"] = "en"

    response = staff_client.get(reverse("workspace:demand_detail", args=[demand.pk]))

    first = response.context["suggestions"].matches[0]
    assert "Exact component type" in first.reasons
    assert first.breakdown[0]["label"] == "Component fit"
    assert "Exact component type" in response.content.decode()


def test_demand_page_shows_consortium_members_with_quantities_and_shares(staff_client, cat):
    demand = f.brake_block_demand(cat, quantity=3000)
    first = f.supplier(cat, name="CV Satu", capacity=2000)
    second = f.supplier(cat, name="CV Dua", capacity=1500)
    rescoring.rescore_demand(demand_id=demand.pk)
    assert ConsortiumSuggestion.objects.filter(demand=demand).exists()

    response = staff_client.get(reverse("workspace:demand_detail", args=[demand.pk]))

    consortium = response.context["suggestions"].consortium
    assert {m.supplier_id for m in consortium.members} == {first.pk, second.pk}
    assert {m.name for m in consortium.members} == {"CV Satu", "CV Dua"}
    body = response.content.decode()
    assert f'data-consortium-member="{first.pk}"' in body
    assert consortium.reasons[0] in body


def test_reviewed_match_that_fell_out_of_the_ranking_is_listed_apart_with_its_issue(
    staff_client, cat, staff_user
):
    demand = scored_demand(cat)
    dropped = match_of(demand, "CV Logam Jaya")
    match_decide(
        demand_id=demand.pk,
        supplier_id=dropped.supplier_id,
        to_status=MatchStatus.SHORTLISTED,
        by=staff_user,
        expected_status=MatchStatus.SUGGESTED,
    )
    SupplierCertification.objects.filter(supplier_id=dropped.supplier_id).delete()
    SupplierCapability.objects.filter(supplier_id=dropped.supplier_id).delete()
    rescoring.rescore_demand(demand_id=demand.pk)

    response = staff_client.get(reverse("workspace:demand_detail", args=[demand.pk]))

    fallen = response.context["suggestions"].fallen_out
    assert [r.match.supplier.legal_name for r in fallen] == ["CV Logam Jaya"]
    assert fallen[0].issue
    assert 'id="fallen-out"' in response.content.decode()
    assert "CV Logam Jaya" not in [
        r.match.supplier.legal_name for r in response.context["suggestions"].matches
    ]


def test_unknown_demand_is_a_404(staff_client):
    assert staff_client.get(reverse("workspace:demand_detail", args=[999999])).status_code == 404


# --- review controls on the demand page --------------------------------------------------------


def decide_url(match: Match) -> str:
    return reverse("workspace:match_decide", args=[match.demand_id, match.supplier_id])


def test_htmx_approve_rerenders_the_row_in_place_and_creates_the_partnership(staff_client, cat):
    demand = scored_demand(cat)
    match = match_of(demand, "CV Ceper Presisi")

    response = staff_client.post(
        decide_url(match),
        {"to_status": "approved", "expected_status": "suggested", "note": "Trial order first"},
        **HTMX,
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith("<article")
    assert f'id="match-{demand.pk}-{match.supplier_id}"' in body
    assert 'data-status="approved"' in body
    assert "data-notice" in body
    assert "Trial order first" in body
    assert Partnership.objects.get().match_id == match.pk


def test_htmx_reject_without_reason_returns_400_with_the_error_and_saves_nothing(staff_client, cat):
    demand = scored_demand(cat)
    match = match_of(demand, "CV Ceper Presisi")
    staff_client.cookies["django_language"] = "en"

    response = staff_client.post(
        decide_url(match), {"to_status": "rejected", "expected_status": "suggested"}, **HTMX
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "is-invalid" in body
    assert "Give a reason for rejecting this match." in body
    assert 'data-status="suggested"' in body
    assert Match.objects.get(pk=match.pk).status == MatchStatus.SUGGESTED


def test_htmx_refused_decision_keeps_the_note_typed(staff_client, cat):
    demand = scored_demand(cat)
    demand.status = DemandStatus.CLOSED
    demand.save(update_fields=["status"])
    match = match_of(demand, "CV Ceper Presisi")

    response = staff_client.post(
        decide_url(match),
        {"to_status": "approved", "expected_status": "suggested", "note": "Sudah cek pabrik"},
        **HTMX,
    )

    assert response.status_code == 400
    assert "Sudah cek pabrik</textarea>" in response.content.decode()
    assert not Partnership.objects.exists()


def test_htmx_conflict_tells_who_decided_first_and_shows_the_current_state(
    staff_client, cat, other_officer
):
    demand = scored_demand(cat)
    match = match_of(demand, "CV Ceper Presisi")
    match_decide(
        demand_id=demand.pk,
        supplier_id=match.supplier_id,
        to_status=MatchStatus.APPROVED,
        by=other_officer,
        expected_status=MatchStatus.SUGGESTED,
    )

    response = staff_client.post(
        decide_url(match),
        {"to_status": "approved", "expected_status": "suggested", "note": "Me too"},
        **HTMX,
    )

    assert response.status_code == 409
    body = response.content.decode()
    assert "data-conflict" in body
    assert "Budi Santoso" in body
    assert 'data-status="approved"' in body
    assert 'data-action="approved"' not in body  # approved is final: no buttons left
    assert Partnership.objects.count() == 1


def test_decision_without_htmx_redirects_back_to_the_row(staff_client, cat):
    demand = scored_demand(cat)
    match = match_of(demand, "CV Ceper Presisi")

    response = staff_client.post(
        decide_url(match), {"to_status": "shortlisted", "expected_status": "suggested"}
    )

    assert response.status_code == 302
    assert response["Location"] == (
        reverse("workspace:demand_detail", args=[demand.pk])
        + f"#match-{demand.pk}-{match.supplier_id}"
    )
    assert Match.objects.get(pk=match.pk).status == MatchStatus.SHORTLISTED


def test_refused_decision_without_htmx_renders_the_page_with_the_error(staff_client, cat):
    demand = scored_demand(cat)
    match = match_of(demand, "CV Ceper Presisi")

    response = staff_client.post(
        decide_url(match), {"to_status": "rejected", "expected_status": "suggested"}
    )

    assert response.status_code == 200
    assert "<html" in response.content.decode()
    row = response.context["suggestions"].matches[0]
    assert row.errors["note"]


def test_conflict_without_htmx_renders_the_page_saying_who_decided_first(
    staff_client, cat, other_officer
):
    demand = scored_demand(cat)
    match = match_of(demand, "CV Ceper Presisi")
    match_decide(
        demand_id=demand.pk,
        supplier_id=match.supplier_id,
        to_status=MatchStatus.REJECTED,
        by=other_officer,
        note="Foundry closed",
        expected_status=MatchStatus.SUGGESTED,
    )

    response = staff_client.post(
        decide_url(match), {"to_status": "approved", "expected_status": "suggested"}
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "Budi Santoso" in body
    assert "data-conflict" in body
    assert Match.objects.get(pk=match.pk).status == MatchStatus.REJECTED
    assert not Partnership.objects.exists()


def test_decision_on_a_pair_that_is_gone_says_so(staff_client, cat):
    demand = scored_demand(cat)
    outsider = f.supplier(cat, name="CV Kursi", component_type=cat.chair)

    response = staff_client.post(
        reverse("workspace:match_decide", args=[demand.pk, outsider.pk]),
        {"to_status": "shortlisted", "expected_status": "suggested"},
        **HTMX,
    )

    assert response.status_code == 409
    assert "data-gone" in response.content.decode()


def test_decision_endpoint_answers_only_post(staff_client, cat):
    demand = scored_demand(cat)
    match = match_of(demand, "CV Ceper Presisi")

    assert staff_client.get(decide_url(match)).status_code == 405


# --- compare --------------------------------------------------------------------------------


def test_compare_shows_the_ticked_suppliers_side_by_side(staff_client, cat):
    demand = scored_demand(cat)
    first = match_of(demand, "CV Ceper Presisi")
    near = match_of(demand, "UD Tanpa ISO")

    response = staff_client.get(
        reverse("workspace:demand_compare", args=[demand.pk]),
        {"supplier": [near.supplier_id, first.supplier_id]},
    )

    assert response.status_code == 200
    columns = response.context["comparison"].columns
    assert [c.view.match.supplier.legal_name for c in columns] == [
        "UD Tanpa ISO",
        "CV Ceper Presisi",
    ]
    assert columns[1].certifications and "ISO 9001" in columns[1].certifications[0]
    assert columns[0].certifications == []
    assert columns[1].distance.endswith("km")
    assert columns[1].lead_time == "30"
    assert len(response.context["comparison"].factor_rows) == 10
    body = response.content.decode()
    assert 'id="compare-table"' in body
    assert "UD Tanpa ISO" in body and "CV Ceper Presisi" in body


@pytest.mark.parametrize("count", [1, 4])
def test_compare_asks_for_two_or_three_suppliers(staff_client, cat, count):
    demand = scored_demand(cat)
    extra = [f.supplier(cat, name=f"CV Extra {i}") for i in range(2)]
    rescoring.rescore_demand(demand_id=demand.pk)
    ids = list(Match.objects.filter(demand=demand).values_list("supplier_id", flat=True))[:count]
    assert len(ids) == count and extra

    response = staff_client.get(
        reverse("workspace:demand_compare", args=[demand.pk]), {"supplier": ids}
    )

    assert response.status_code == 200
    assert response.context["comparison"] is None
    assert response.context["form"].errors["supplier"]
    assert 'id="compare-errors"' in response.content.decode()


def test_compare_refuses_a_supplier_not_scored_for_the_demand(staff_client, cat):
    demand = scored_demand(cat)
    outsider = f.supplier(cat, name="CV Kursi", component_type=cat.chair)
    first = match_of(demand, "CV Ceper Presisi")

    response = staff_client.get(
        reverse("workspace:demand_compare", args=[demand.pk]),
        {"supplier": [first.supplier_id, outsider.pk]},
    )

    assert response.context["comparison"] is None
    assert response.context["form"].errors["supplier"]


# --- export ---------------------------------------------------------------------------------


def test_csv_export_lists_matches_then_near_misses_with_contributions_and_escapes_formulas(
    staff_client, cat
):
    demand = scored_demand(cat)
    Supplier.objects.filter(legal_name="CV Logam Jaya").update(legal_name="=cmd|' /C calc'!A0")
    staff_client.cookies["django_language"] = "en"

    response = staff_client.get(reverse("workspace:demand_export", args=[demand.pk, "csv"]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"demand-{demand.pk}-suggestions" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:7] == ["Rank", "Kind", "IKM supplier", "NIB", "Regency/city", "Sentra", "Score"]
    assert header[7] == "Component fit"
    assert [r[2] for r in body] == ["CV Ceper Presisi", "'=cmd|' /C calc'!A0", "UD Tanpa ISO"]
    assert [r[1] for r in body] == ["match", "match", "near miss"]
    first = match_of(demand, "CV Ceper Presisi")
    assert float(body[0][6]) == pytest.approx(first.score)
    assert sum(float(v) for v in body[0][7:17]) == pytest.approx(first.score, abs=1e-6)
    assert "ISO 9001" in body[2][header.index("What it lacks")]
    assert body[0][header.index("Status")] == "suggested"


def test_xlsx_export_holds_the_same_rows_typed(staff_client, cat):
    demand = scored_demand(cat)
    Supplier.objects.filter(legal_name="CV Logam Jaya").update(legal_name="=cmd")

    response = staff_client.get(reverse("workspace:demand_export", args=[demand.pk, "xlsx"]))

    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[1][0] == 1
    assert values[2][2] == "'=cmd"
    assert isinstance(values[1][6], float)
    assert len(values) == 4


def test_export_in_another_format_is_a_404(staff_client, cat):
    demand = scored_demand(cat)

    assert staff_client.get(f"/staff/demands/{demand.pk}/export.pdf").status_code == 404


# --- query counts on a large registry -----------------------------------------------------------


def test_demand_list_query_count_does_not_grow_with_the_registry(
    staff_client, cat, django_assert_max_num_queries
):
    large_registry(cat, suppliers=1000, demands=12)

    with django_assert_max_num_queries(10):
        response = staff_client.get(reverse("workspace:demand_list"))

    assert len(response.context["page_obj"].object_list) == 12
    assert all(d.match_count == 20 for d in response.context["page_obj"].object_list)


def test_demand_page_query_count_does_not_grow_with_its_suggestions(
    staff_client, cat, staff_user, django_assert_max_num_queries
):
    (demand,) = large_registry(cat, suppliers=1000, demands=1)
    for match in Match.objects.filter(demand=demand, kind=MatchKind.MATCH)[:5]:
        match_decide(
            demand_id=demand.pk,
            supplier_id=match.supplier_id,
            to_status=MatchStatus.SHORTLISTED,
            by=staff_user,
            note="Visit",
            expected_status=MatchStatus.SUGGESTED,
        )

    with django_assert_max_num_queries(16):
        response = staff_client.get(reverse("workspace:demand_detail", args=[demand.pk]))

    suggestions = response.context["suggestions"]
    assert len(suggestions.matches) == 20
    assert len(suggestions.near_misses) == 20
    assert response.content.decode().count("data-breakdown-bar") == 40
