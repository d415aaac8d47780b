"""The staff dashboard page: who may open it, the figures it shows, the chart data handed to
the browser, the attention list and what the page costs in queries."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from matchmaking.choices import MatchKind, MatchStatus, PartnershipStage
from matchmaking.models import Partnership
from partners.choices import DemandStatus, LegalForm, SizeClass, VerificationStatus
from partners.models import Supplier, SupplierCapability
from tests.components.factories import (
    ComponentCategoryFactory,
    ComponentTypeFactory,
    RegencyFactory,
    SectorFactory,
)
from tests.matchmaking.factories import MatchFactory, PartnershipFactory
from tests.partners.factories import DemandFactory, SupplierCapabilityFactory, SupplierFactory

pytestmark = pytest.mark.django_db

URL = "/staff/"
ISSUE = {
    "qualification_issue": "Tidak memiliki sertifikat wajib ISO 9001",
    "qualification_issue_en": "Lacks the mandatory certificate ISO 9001",
}


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def chart_data(response) -> dict:
    """The json_script payload the page hands to static/js/ws-dashboard.js."""
    found = re.search(
        r'<script id="dashboard-charts" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert found, "no dashboard-charts json_script on the page"
    return json.loads(found.group(1))


def stat(response, name: str) -> str:
    found = re.search(rf'data-stat="{name}">(.*?)</p>', response.content.decode(), re.S)
    assert found, name
    return found.group(1).strip()


@pytest.fixture
def registry():
    """A small known registry: railway and furniture sectors, IKM, demands, matches,
    partnerships with outcomes, and one row for each attention section."""
    now = timezone.now()
    railway = SectorFactory(name_id="Perkeretaapian", name_en="Railway")
    brakes = ComponentTypeFactory(
        name_id="Blok rem", name_en="Brake block", category=ComponentCategoryFactory(sector=railway)
    )
    suppliers = [
        SupplierFactory(legal_name=f"CV Ceper {i}", verification_status=VerificationStatus.VERIFIED)
        for i in range(3)
    ]
    SupplierFactory(verification_status=VerificationStatus.PENDING)
    for ikm in suppliers:
        SupplierCapabilityFactory(supplier=ikm, component_type=brakes)
    demand = DemandFactory(title="Blok rem INKA", component_type=brakes, status=DemandStatus.OPEN)
    lonely = DemandFactory(
        title="Center plate tanpa pemasok", component_type=brakes, status=DemandStatus.OPEN
    )
    MatchFactory(demand=lonely, supplier=suppliers[2], kind=MatchKind.NEAR_MISS, rank=None)
    MatchFactory(demand=demand, supplier=suppliers[2], status=MatchStatus.SUGGESTED)
    contract = PartnershipFactory(
        match__demand=demand,
        match__supplier=suppliers[0],
        stage=PartnershipStage.CONTRACT,
        contract_value_idr=1_250_000_000,
        jobs_created=14,
        stage_changed_at=now - datetime.timedelta(days=settings.PARTNERSHIP_STALE_DAYS + 5),
        **ISSUE,
        flagged_at=now,
    )
    shortlisted = MatchFactory(
        demand=demand,
        supplier=SupplierFactory(
            legal_name="UD Logam Retak", verification_status=VerificationStatus.VERIFIED
        ),
        status=MatchStatus.SHORTLISTED,
        **ISSUE,
        flagged_at=now,
    )
    return {
        "demand": demand,
        "lonely": lonely,
        "contract": contract,
        "shortlisted": shortlisted,
        "suppliers": suppliers,
    }


# --- access -------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "next=/staff/" in response["Location"]


def test_signed_in_non_staff_gets_403(ikm_user, manufacturer_user):
    for user in (ikm_user, manufacturer_user):
        client = Client()
        client.force_login(user)
        assert client.get(URL).status_code == 403


def test_attention_list_page_is_staff_only(ikm_client):
    url = reverse("workspace:dashboard_attention", args=["unmatched-demands"])

    assert Client().get(url)["Location"].startswith(reverse("login"))
    assert ikm_client.get(url).status_code == 403


# --- figures ------------------------------------------------------------------------------


def test_dashboard_is_the_workspace_root():
    assert reverse("workspace:dashboard") == URL


def test_headline_figures_show_the_registry(staff_client, registry):
    response = staff_client.get(URL)

    assert response.status_code == 200
    # three verified IKM of the registry and one pending, plus the flagged match's IKM
    assert stat(response, "registered-suppliers") == "5"
    assert stat(response, "verified-suppliers") == "4"
    assert stat(response, "open-demands") == "2"
    # the suggested and the shortlisted match of the open demand
    assert stat(response, "matches-to-review") == "2"
    assert stat(response, "jobs-created") == "14"
    html = response.content.decode()
    assert 'data-stage="contract"' in html


def test_headline_figures_lead_to_the_lists_behind_them(staff_client):
    html = staff_client.get(URL).content.decode()

    assert f'href="{reverse("workspace:supplier_list")}"' in html
    assert f'href="{reverse("workspace:demand_list")}?status=open"' in html
    assert f'href="{reverse("workspace:review_queue")}"' in html
    assert f'href="{reverse("workspace:partnership_list")}?stage=trial_order"' in html


def test_contract_value_is_in_rupiah_with_the_readers_thousands_separator(staff_client, registry):
    assert stat(staff_client.get(URL), "contract-value") == "Rp&nbsp;1.250.000.000"
    assert stat(english(staff_client).get(URL), "contract-value") == "Rp&nbsp;1,250,000,000"


def test_chart_payload_carries_sector_province_and_stage_series(staff_client, registry):
    payload = chart_data(english(staff_client).get(URL))

    sector = payload["sector"]
    assert sector["labels"] == ["Railway"]
    assert {d["key"]: d["data"] for d in sector["datasets"]} == {
        "suppliers": [3],
        "open_demands": [2],
        "partnerships": [1],
    }
    assert [d["label"] for d in sector["datasets"]] == [
        "Capable IKM",
        "Open demands",
        "Partnerships",
    ]
    province = payload["province"]
    assert province["labels"] == ["Jawa Tengah"]
    assert {d["key"]: d["data"] for d in province["datasets"]} == {
        "suppliers": [5],
        "partnerships": [1],
    }
    stages = payload["stages"]
    assert stages["stacked"] is True
    assert len(stages["labels"]) == 12
    assert stages["labels"][-1] == timezone.localdate().strftime("%b %Y")
    by_stage = {d["key"]: d["data"] for d in stages["datasets"]}
    assert list(by_stage) == list(PartnershipStage.values)
    # the contract partnership, without a timeline, counts in its stage this month
    assert by_stage["contract"][-1] == 1
    assert sum(series[-1] for series in by_stage.values()) == 1
    labels = {d["key"]: d["label"] for d in stages["datasets"]}
    assert labels["trial_order"] == "Sample / trial order"


def test_chart_labels_and_catalogue_names_follow_indonesian_by_default(staff_client, registry):
    payload = chart_data(staff_client.get(URL))

    assert payload["sector"]["labels"] == ["Perkeretaapian"]
    labels = {d["key"]: d["label"] for d in payload["stages"]["datasets"]}
    assert labels["trial_order"] == "Sampel / pesanan uji coba"
    months = payload["stages"]["labels"]
    assert months[-1].endswith(str(timezone.localdate().year))


def test_every_chart_has_a_data_table_readable_without_javascript(staff_client, registry):
    html = english(staff_client).get(URL).content.decode()

    for chart in ("sector", "province", "stages"):
        assert f'data-chart="{chart}"' in html
        assert f'data-chart-table="{chart}"' in html
    table = html[html.index('data-chart-table="sector"') :]
    table = table[: table.index("</table>")]
    assert "Railway" in table
    assert re.search(r">\s*3\s*</td>", table)


# --- attention ----------------------------------------------------------------------------


def attention_section(html: str, key: str) -> str:
    start = html.index(f'data-attention="{key}"')
    end = html.find('class="attention-section"', start)
    return html[start : end if end != -1 else None]


def test_attention_lists_the_demand_without_a_qualified_supplier_and_its_near_misses(
    staff_client, registry
):
    html = english(staff_client).get(URL).content.decode()

    section = attention_section(html, "unmatched-demands")
    assert 'data-total="1"' in section
    assert "Center plate tanpa pemasok" in section
    assert reverse("workspace:demand_detail", args=[registry["lonely"].pk]) in section
    assert 'data-near-misses="1"' in section
    assert "1 near miss" in section
    assert "Blok rem INKA" not in section


def test_attention_lists_the_partnership_stuck_in_its_stage(staff_client, registry):
    html = english(staff_client).get(URL).content.decode()

    section = attention_section(html, "stale-partnerships")
    contract = registry["contract"]
    assert reverse("workspace:partnership_detail", args=[contract.pk]) in section
    assert f'data-days-in-stage="{settings.PARTNERSHIP_STALE_DAYS + 5}"' in section


def test_attention_shows_the_specification_change_in_the_readers_language(staff_client, registry):
    indonesian = staff_client.get(URL).content.decode()
    broken = attention_section(indonesian, "flagged-partnerships")
    assert ISSUE["qualification_issue"] in broken
    assert reverse("workspace:partnership_detail", args=[registry["contract"].pk]) in broken

    html = english(staff_client).get(URL).content.decode()
    broken = attention_section(html, "flagged-partnerships")
    assert ISSUE["qualification_issue_en"] in broken
    assert ISSUE["qualification_issue"] not in broken
    matches = attention_section(html, "flagged-matches")
    assert "UD Logam Retak" in matches
    assert ISSUE["qualification_issue_en"] in matches
    shortlisted = registry["shortlisted"]
    assert reverse("workspace:supplier_detail", args=[shortlisted.supplier_id]) in matches


def test_a_long_attention_section_links_to_its_paginated_list(staff_client, settings):
    settings.WORKSPACE_PAGE_SIZE = 4
    for i in range(9):
        DemandFactory(title=f"Permintaan {i:02d}", status=DemandStatus.OPEN)

    html = staff_client.get(URL).content.decode()
    list_url = reverse("workspace:dashboard_attention", args=["unmatched-demands"])
    assert f'href="{list_url}"' in html

    page = staff_client.get(list_url)
    assert page.status_code == 200
    assert page.context["page_obj"].paginator.count == 9
    assert len(page.context["rows"]) == 4
    last = staff_client.get(list_url + "?page=3")
    assert len(last.context["rows"]) == 1


def test_stale_partnership_list_shows_days_in_stage(staff_client, registry):
    url = reverse("workspace:dashboard_attention", args=["stale-partnerships"])

    response = staff_client.get(url)

    assert response.status_code == 200
    assert [p.days_in_stage for p in response.context["rows"]] == [
        settings.PARTNERSHIP_STALE_DAYS + 5
    ]


def test_unknown_attention_section_is_404(staff_client):
    url = reverse("workspace:dashboard_attention", args=["everything"])

    assert staff_client.get(url).status_code == 404


# --- cost ---------------------------------------------------------------------------------

MAX_QUERIES = 20
ATTENTION_KEYS = (
    "unmatched-demands",
    "stale-partnerships",
    "flagged-partnerships",
    "flagged-matches",
)


def bulk_registry(n: int) -> None:
    """``n`` verified IKM with a capability each, created in bulk, plus demands, matches
    and partnerships enough to fill every attention section past its first rows."""
    regency = RegencyFactory()
    brakes = ComponentTypeFactory(category=ComponentCategoryFactory(sector=SectorFactory()))
    suppliers = Supplier.objects.bulk_create(
        Supplier(
            legal_name=f"IKM Massal {i:04d}",
            nib=f"{7100000000000 + i:013d}",
            legal_form=LegalForm.CV,
            workers=10,
            investment_idr=300_000_000,
            size_class=SizeClass.SMALL,
            regency=regency,
            latitude=regency.latitude,
            longitude=regency.longitude,
            verification_status=VerificationStatus.VERIFIED,
        )
        for i in range(n)
    )
    SupplierCapability.objects.bulk_create(
        SupplierCapability(
            supplier=s,
            component_type=brakes,
            monthly_capacity=1000,
            capacity_unit="pcs",
            lead_time_days=30,
        )
        for s in suppliers
    )
    old = timezone.now() - datetime.timedelta(days=400)
    for i in range(12):
        demand = DemandFactory(component_type=brakes, status=DemandStatus.OPEN)
        MatchFactory(demand=demand, supplier=suppliers[i], kind=MatchKind.NEAR_MISS, rank=None)
        MatchFactory(
            demand=demand,
            supplier=suppliers[100 + i],
            status=MatchStatus.SHORTLISTED,
            **ISSUE,
            flagged_at=timezone.now(),
        )
        PartnershipFactory(
            match__demand=demand,
            match__supplier=suppliers[200 + i],
            stage=PartnershipStage.INTRODUCED,
            stage_changed_at=old,
            **ISSUE,
            flagged_at=timezone.now(),
        )
    Partnership.objects.update(created_at=old)


def test_dashboard_queries_stay_bounded_with_a_thousand_suppliers(
    staff_client, django_assert_max_num_queries
):
    bulk_registry(1000)
    assert Supplier.objects.count() == 1000

    with django_assert_max_num_queries(MAX_QUERIES):
        response = staff_client.get(URL)

    assert response.status_code == 200
    assert stat(response, "registered-suppliers") == "1.000"
    html = response.content.decode()
    for key in ("stale-partnerships", "flagged-partnerships", "flagged-matches"):
        assert 'data-total="12"' in attention_section(html, key)


def test_attention_list_queries_stay_bounded(staff_client, django_assert_max_num_queries):
    bulk_registry(300)

    for section in ATTENTION_KEYS:
        url = reverse("workspace:dashboard_attention", args=[section])
        with django_assert_max_num_queries(8):
            assert staff_client.get(url).status_code == 200
