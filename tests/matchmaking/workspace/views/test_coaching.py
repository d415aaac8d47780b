"""The coaching view: current near misses grouped by what they lack and by sentra, with the
demands each lack keeps them from; filters, export, staff only, bounded queries."""

from __future__ import annotations

import csv
import io

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from matchmaking.choices import MatchKind, PartnershipStage
from matchmaking.engine import rescoring
from matchmaking.engine.policies import policy_active
from matchmaking.models import Match
from matchmaking.scoring.config import ALGORITHM_VERSION
from partners.choices import DemandStatus
from partners.models import Supplier
from tests.components.factories import ProvinceFactory, RegencyFactory
from tests.matchmaking import factories as f
from tests.matchmaking.workspace.views.test_directory import many_suppliers

pytestmark = pytest.mark.django_db

PAGE = "/staff/coaching/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def cat():
    return f.catalogue()


def in_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture(autouse=True)
def english_reading():
    """Lazy texts and numbers from the context are read in English, as the pages asked for
    by ``in_english`` are rendered."""
    with translation.override("en"):
        yield


def lacking(code: str, **params) -> list[dict]:
    return [{"code": code, "params": params}]


def near_miss(supplier, demand, failed: list[dict], **fields) -> Match:
    return f.MatchFactory(
        supplier=supplier,
        demand=demand,
        kind=MatchKind.NEAR_MISS,
        rank=None,
        failed_constraints=failed,
        **fields,
    )


def groups(response) -> dict[str, tuple[int, int]]:
    """Lack key → (IKM, demands) as the page shows them."""
    return {g.lack.key: (g.ikm_count, g.demand_count) for g in response.context["result"].by_lack}


# --- urls and access ---------------------------------------------------------------------------


def test_coaching_urls():
    assert reverse("workspace:coaching") == PAGE
    assert reverse("workspace:coaching_export", args=["xlsx"]) == "/staff/coaching/export.xlsx"


@pytest.mark.parametrize("url", [PAGE, "/staff/coaching/export.csv"])
def test_anonymous_visitor_is_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url", [PAGE, "/staff/coaching/export.csv"])
def test_signed_in_non_staff_user_is_refused(manufacturer_client, url):
    assert manufacturer_client.get(url).status_code == 403


# --- grouping ----------------------------------------------------------------------------------


def test_three_ikm_lacking_iso_9001_for_two_demands_form_one_group(staff_client, cat):
    """Scored by the real engine: the stored near misses are what the page groups."""
    first = f.brake_block_demand(cat, quantity=2000, title="Blok rem KAI")
    second = f.brake_block_demand(cat, quantity=1500, title="Blok rem INKA")
    for name in ("UD Tanpa ISO 1", "UD Tanpa ISO 2", "UD Tanpa ISO 3"):
        f.supplier(cat, name=name, certified=False)
    f.supplier(cat, name="CV Bersertifikat")  # qualifies: no lack

    rescoring.rescore_demand(demand_id=first.pk)
    rescoring.rescore_demand(demand_id=second.pk)
    response = in_english(staff_client).get(PAGE)

    assert groups(response) == {f"certification:{cat.iso_9001.pk}": (3, 2)}
    (group,) = response.context["result"].by_lack
    assert group.lack.label == "Certification: ISO 9001"
    assert group.volume == "3,500 pcs"
    assert sorted(s.name for s in group.supplier_list()) == [
        "UD Tanpa ISO 1",
        "UD Tanpa ISO 2",
        "UD Tanpa ISO 3",
    ]
    assert all(
        sorted(d.title for d in s.demands) == ["Blok rem INKA", "Blok rem KAI"]
        for s in group.supplier_list()
    )
    html = response.content.decode()
    assert "Certification: ISO 9001" in html
    assert 'data-ikm="3" data-demands="2"' in html


def test_each_kind_of_lack_is_its_own_group(staff_client, cat):
    demand = f.brake_block_demand(cat)
    other = f.brake_block_demand(cat)
    expired_holder = f.supplier(cat, name="Expired ISO", certified=False)
    near_miss(
        expired_holder,
        demand,
        lacking("expired_certification", certification_ids=[cat.iso_9001.pk]),
    )
    near_miss(
        f.supplier(cat, name="No casting", certified=False),
        demand,
        lacking("missing_process", process_ids=[cat.casting.pk]),
    )
    near_miss(
        f.supplier(cat, name="Aluminium only"),
        other,
        lacking("material_mismatch", material_id=cat.grey_iron.pk),
    )

    response = in_english(staff_client).get(PAGE)

    labels = {g.lack.key: g.lack.label for g in response.context["result"].by_lack}
    assert labels == {
        f"renewal:{cat.iso_9001.pk}": "Renew certification: ISO 9001",
        f"process:{cat.casting.pk}": "Process: Casting",
        f"material:{cat.grey_iron.pk}": "Material: Grey cast iron",
    }


def test_fully_booked_ikm_lacks_free_capacity_and_shows_what_is_left(staff_client, cat):
    demand = f.brake_block_demand(cat, quantity=2000, title="Blok rem KAI")
    booked = f.supplier(cat, name="CV Penuh", capacity=5000)
    f.PartnershipFactory(
        match__demand=f.brake_block_demand(cat),
        match__supplier=booked,
        match__capability=booked.capabilities.get(),
        stage=PartnershipStage.ACTIVE_SUPPLY,
        committed_monthly_volume=5000,
        committed_unit="pcs",
    )

    rescoring.rescore_demand(demand_id=demand.pk)
    response = in_english(staff_client).get(PAGE)

    capacity = response.context["result"].group("capacity")
    assert capacity.lack.label == "More free capacity"
    (coached,) = capacity.supplier_list()
    assert (coached.name, coached.free_capacity) == ("CV Penuh", "0 pcs")
    assert [d.quantity_text for d in coached.demands] == ["2,000 pcs"]
    assert "Free now" in response.content.decode()


def test_only_current_near_misses_of_open_demands_and_active_ikm_count(staff_client, cat):
    iso = lacking("missing_certification", certification_ids=[cat.iso_9001.pk])
    demand = f.brake_block_demand(cat)
    near_miss(f.supplier(cat, name="Counts", certified=False), demand, iso)
    near_miss(f.supplier(cat, name="Old list", certified=False), demand, iso, is_current=False)
    near_miss(
        f.supplier(cat, name="Closed demand", certified=False),
        f.brake_block_demand(cat, status=DemandStatus.CLOSED),
        iso,
    )
    gone = f.supplier(cat, name="Inactive", certified=False)
    Supplier.objects.filter(pk=gone.pk).update(is_active=False)
    near_miss(gone, demand, iso)
    f.MatchFactory(supplier=f.supplier(cat, name="A match"), demand=demand)

    response = staff_client.get(PAGE)

    (group,) = response.context["result"].by_lack
    assert [s.name for s in group.supplier_list()] == ["Counts"]
    assert response.context["result"].near_miss_count == 1


def test_by_sentra_counts_the_lacks_of_each_cluster(staff_client, cat):
    demand = f.brake_block_demand(cat)
    iso = lacking("missing_certification", certification_ids=[cat.iso_9001.pk])
    casting = lacking("missing_process", process_ids=[cat.casting.pk])
    for index in range(2):
        near_miss(f.supplier(cat, name=f"Ceper {index}", certified=False), demand, iso)
    tegal = f.supplier(cat, name="Tegal", certified=False, regency=f.far_regency())
    Supplier.objects.filter(pk=tegal.pk).update(sentra="Sentra Logam Tegal")
    near_miss(tegal, demand, casting)
    loner = f.supplier(cat, name="No sentra", certified=False)
    Supplier.objects.filter(pk=loner.pk).update(sentra="")
    near_miss(loner, demand, iso)

    response = staff_client.get(f"{PAGE}?view=sentra")

    by_sentra = {
        s.sentra: (s.ikm_count, {g.lack.key: g.ikm_count for g in s.lack_list()})
        for s in response.context["result"].by_sentra
    }
    assert by_sentra == {
        "Sentra Pengecoran Logam Ceper": (2, {f"certification:{cat.iso_9001.pk}": 2}),
        "Sentra Logam Tegal": (1, {f"process:{cat.casting.pk}": 1}),
        "": (1, {f"certification:{cat.iso_9001.pk}": 1}),
    }
    assert [s.sentra for s in response.context["result"].by_sentra][-1] == ""
    html = response.content.decode()
    assert 'data-sentra="Sentra Logam Tegal"' in html
    assert 'id="coaching-tab-sentra"' in html


def test_filters_by_sector_of_the_demand_and_province_and_sentra_of_the_ikm(staff_client, cat):
    iso = lacking("missing_certification", certification_ids=[cat.iso_9001.pk])
    brakes = f.brake_block_demand(cat)
    chairs = f.DemandFactory(component_type=cat.chair, status=DemandStatus.OPEN)
    near_miss(f.supplier(cat, name="Klaten brakes", certified=False), brakes, iso)
    near_miss(
        f.supplier(cat, name="Klaten chairs", certified=False, component_type=cat.chair),
        chairs,
        iso,
    )
    madiun = RegencyFactory(
        code="35.77", name="Kota Madiun", province=ProvinceFactory(code="35", name="Jawa Timur")
    )
    east = f.supplier(cat, name="Madiun brakes", certified=False, regency=madiun)
    Supplier.objects.filter(pk=east.pk).update(sentra="Sentra Madiun")
    near_miss(east, brakes, iso)

    def names(query: str) -> list[str]:
        response = staff_client.get(f"{PAGE}?{query}")
        assert response.status_code == 200
        return sorted(s.name for g in response.context["result"].by_lack for s in g.supplier_list())

    assert names(f"sector={cat.chair.category.sector_id}") == ["Klaten chairs"]
    assert names("province=35") == ["Madiun brakes"]
    assert names("sentra=Sentra+Madiun") == ["Madiun brakes"]
    assert names(f"sector={cat.brake_block.category.sector_id}&province=33") == ["Klaten brakes"]


def test_one_lack_lists_all_its_ikm_paginated(staff_client, cat, settings):
    settings.WORKSPACE_PAGE_SIZE = 4
    demand = f.brake_block_demand(cat)
    iso = lacking("missing_certification", certification_ids=[cat.iso_9001.pk])
    for index in range(6):
        near_miss(f.supplier(cat, name=f"IKM {index}", certified=False), demand, iso)
    key = f"certification:{cat.iso_9001.pk}"

    overview = staff_client.get(PAGE)
    second = staff_client.get(f"{PAGE}?lack={key}&page=2")

    (group,) = overview.context["result"].by_lack
    assert len(group.preview) == 5 and group.more == 1
    assert f"lack={key.replace(':', '%3A')}" in overview.content.decode()
    assert [s.name for s in second.context["page_obj"].object_list] == ["IKM 4", "IKM 5"]


def test_unknown_lack_says_nothing_lacks_it(staff_client):
    response = staff_client.get(f"{PAGE}?lack=certification:999")

    assert response.status_code == 200
    assert response.context["group"] is None
    assert 'id="coaching-empty"' in response.content.decode()


def test_invalid_filter_is_a_field_error_400_for_htmx(staff_client):
    full = staff_client.get(f"{PAGE}?province=99")
    fragment = staff_client.get(f"{PAGE}?province=99", **HTMX)

    assert full.status_code == 200
    assert "province" in full.context["filterset"].form.errors
    assert fragment.status_code == 400
    assert b"<html" not in fragment.content and b"invalid-feedback" in fragment.content


# --- export ------------------------------------------------------------------------------------


def test_csv_export_lists_each_ikm_demand_and_lack_with_formulas_escaped(staff_client, cat):
    demand = f.brake_block_demand(cat, title="Blok rem KAI", quantity=2000)
    iso = lacking("missing_certification", certification_ids=[cat.iso_9001.pk])
    near_miss(f.supplier(cat, name='=HYPERLINK("x")', certified=False), demand, iso)
    near_miss(f.supplier(cat, name="UD Biasa", certified=False), demand, iso)

    response = in_english(staff_client).get("/staff/coaching/export.csv")

    assert response.status_code == 200
    header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header[:3] == ["what it lacks", "IKM", "NIB"]
    assert [(r[0], r[1], r[7], r[9]) for r in rows] == [
        ("Certification: ISO 9001", '\'=HYPERLINK("x")', "Blok rem KAI", "2000.000"),
        ("Certification: ISO 9001", "UD Biasa", "Blok rem KAI", "2000.000"),
    ]


def test_xlsx_export_of_one_lack(staff_client, cat):
    demand = f.brake_block_demand(cat)
    near_miss(
        f.supplier(cat, name="Needs ISO", certified=False),
        demand,
        lacking("missing_certification", certification_ids=[cat.iso_9001.pk]),
    )
    near_miss(
        f.supplier(cat, name="Needs casting", certified=False),
        demand,
        lacking("missing_process", process_ids=[cat.casting.pk]),
    )

    response = staff_client.get(f"/staff/coaching/export.xlsx?lack=process:{cat.casting.pk}")

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["Needs casting"]


# --- 1,000 near misses -------------------------------------------------------------------------


def test_coaching_page_queries_stay_bounded_with_1000_near_misses(
    staff_client, cat, django_assert_max_num_queries
):
    suppliers = many_suppliers(cat)
    demands = [f.brake_block_demand(cat) for _ in range(3)]
    lacks = [
        lacking("missing_certification", certification_ids=[cat.iso_9001.pk]),
        lacking("missing_process", process_ids=[cat.casting.pk]),
        lacking("material_mismatch", material_id=cat.grey_iron.pk),
        lacking("no_free_capacity", shortfall_pct=100),
    ]
    Match.objects.bulk_create(
        Match(
            demand=demands[index % 3],
            supplier=ikm,
            kind=MatchKind.NEAR_MISS,
            score=0.4,
            failed_constraints=lacks[index % 4],
            explanation={
                "ctx": {},
                "row": [6, 1, 0, 0.0, 0.0, 0.0, [], 1, 1, 1, 5.0, 30, 0, 0, 0, 0],
            },
            algorithm_version=ALGORITHM_VERSION,
            policy=policy_active(),
            scored_at=timezone.now(),
        )
        for index, ikm in enumerate(suppliers)
    )

    for view in ("lack", "sentra"):
        with django_assert_max_num_queries(16):
            response = staff_client.get(f"{PAGE}?view={view}&province=33")
        assert response.context["result"].near_miss_count == 1000
        assert response.context["result"].ikm_count == 1000
    assert len(response.context["result"].by_lack) == 4
