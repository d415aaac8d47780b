"""The supplier directory, its map and export, and the supplier profile: every filter of the
shared SupplierFilterSet, free capacity computed in SQL, staff-only access and a bounded
number of queries with 1,000 suppliers."""

from __future__ import annotations

import csv
import datetime
import gzip
import io
import json
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from components.choices import Unit
from matchmaking.choices import MatchKind, PartnershipStage
from matchmaking.engine.loading import load_candidates, load_vocabularies
from matchmaking.workspace.selectors.capacity import (
    capabilities_with_capacity,
    free_capacity_between,
)
from partners.choices import SizeClass, VerificationStatus
from partners.models import Supplier, SupplierCapability, SupplierCertification
from tests.components.factories import (
    ComponentTypeFactory,
    ProvinceFactory,
    RegencyFactory,
    SectorFactory,
)
from tests.matchmaking import factories as f
from tests.partners.factories import SupplierCertificationFactory, SupplierFactory

pytestmark = pytest.mark.django_db

LIST = "/staff/suppliers/"
MAP = "/staff/suppliers/map/"
MAP_DATA = "/staff/suppliers/map.json"
HTMX = {"HTTP_HX_REQUEST": "true"}
CATALOGUE_TABLES = (
    "components_sector",
    "components_process",
    "components_material",
    "components_certification",
    "components_componenttype",
    "components_province",
    "components_regency",
)


@pytest.fixture
def cat():
    return f.catalogue()


def in_english(client):
    """The client as a user who chose English with the language switch."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def listed(client, query: str = "") -> list[str]:
    """Legal names on the directory page (all of them: the test data fit one page)."""
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    page = response.context["page_obj"]
    assert page is not None, response.context["filterset"].errors
    assert page.paginator.num_pages == 1
    return [row.supplier.legal_name for row in response.context["rows"]]


def tegal():
    return f.far_regency()


def commit(ikm: Supplier, volume, unit: str, stage=PartnershipStage.CONTRACT, capability=None):
    """A partnership of ``ikm`` on its (only) capability, committing ``volume`` a month."""
    cat_capability = capability or ikm.capabilities.get()
    return f.PartnershipFactory(
        match__supplier=ikm,
        match__capability=cat_capability,
        match__demand__component_type=cat_capability.component_type,
        stage=stage,
        committed_monthly_volume=volume,
        committed_unit=unit,
    )


# --- urls and access ---------------------------------------------------------------------------


def test_directory_urls():
    assert reverse("workspace:supplier_list") == LIST
    assert reverse("workspace:supplier_map") == MAP
    assert reverse("workspace:supplier_map_data") == MAP_DATA
    assert reverse("workspace:supplier_export", args=["csv"]) == "/staff/suppliers/export.csv"
    assert reverse("workspace:supplier_detail", args=[7]) == "/staff/suppliers/7/"


def _urls() -> list[str]:
    return [
        LIST,
        MAP,
        MAP_DATA,
        "/staff/suppliers/export.csv",
        "/staff/suppliers/export.xlsx",
        "/staff/suppliers/regencies/?province=33",
        "/staff/suppliers/{pk}/",
    ]


@pytest.mark.parametrize("url", _urls())
def test_anonymous_visitor_is_sent_to_the_login_page(client, url):
    ikm = SupplierFactory()
    response = client.get(url.format(pk=ikm.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url", _urls())
def test_signed_in_non_staff_user_is_refused(ikm_client, url):
    ikm = Supplier.objects.get()
    assert ikm_client.get(url.format(pk=ikm.pk)).status_code == 403


def test_unknown_supplier_profile_is_not_found(staff_client):
    assert staff_client.get("/staff/suppliers/999999/").status_code == 404


# --- the filters -------------------------------------------------------------------------------


def test_klaten_foundries_are_the_casting_suppliers_in_regency_33_10(staff_client, cat):
    f.supplier(cat, name="CV Ceper Cor")  # Klaten, casting
    f.supplier(cat, name="CV Jati Klaten", component_type=cat.chair)  # Klaten, woodworking
    f.supplier(cat, name="CV Tegal Cor", regency=tegal())  # casting, not Klaten

    names = listed(staff_client, f"regency=33.10&process={cat.casting.pk}")

    assert names == ["CV Ceper Cor"]


def test_search_finds_by_name_nib_prefix_and_sentra(staff_client):
    SupplierFactory(legal_name="CV Logam Jaya", nib="9120000000111", sentra="")
    SupplierFactory(legal_name="UD Rotan Indah", nib="8120000000222", sentra="Sentra Rotan")
    SupplierFactory(legal_name="PT Kayu Sejahtera", nib="7120000000333", sentra="")

    assert listed(staff_client, "q=logam+jaya") == ["CV Logam Jaya"]
    assert listed(staff_client, "q=812") == ["UD Rotan Indah"]
    assert listed(staff_client, "q=sentra+rotan") == ["UD Rotan Indah"]
    assert listed(staff_client, "q=000333") == []  # the NIB matches from its start only


def test_sector_keeps_suppliers_with_a_capability_whose_type_belongs_to_it(staff_client, cat):
    f.supplier(cat, name="Brakes")
    f.supplier(cat, name="Chairs", component_type=cat.chair)
    railway = cat.brake_block.category.sector

    assert listed(staff_client, f"sector={railway.pk}") == ["Brakes"]
    assert listed(staff_client, f"sector={cat.chair.category.sector_id}") == ["Chairs"]


def test_province_and_regency_filter_by_kemendagri_code(staff_client):
    SupplierFactory(legal_name="Klaten IKM")
    SupplierFactory(legal_name="Tegal IKM", regency=tegal())
    madiun = RegencyFactory(
        code="35.77", name="Kota Madiun", province=ProvinceFactory(code="35", name="Jawa Timur")
    )
    SupplierFactory(legal_name="Madiun IKM", regency=madiun)

    assert listed(staff_client, "province=33") == ["Klaten IKM", "Tegal IKM"]
    assert listed(staff_client, "province=35") == ["Madiun IKM"]
    assert listed(staff_client, "regency=33.28") == ["Tegal IKM"]


def test_regency_options_follow_the_chosen_province(staff_client):
    RegencyFactory()  # 33.10 Klaten
    RegencyFactory(
        code="35.77", name="Kota Madiun", province=ProvinceFactory(code="35", name="Jawa Timur")
    )

    html = staff_client.get("/staff/suppliers/regencies/?province=35").content.decode()
    everything = staff_client.get("/staff/suppliers/regencies/?province=").content.decode()

    assert 'value="35.77"' in html and 'value="33.10"' not in html
    assert 'value="35.77"' in everything and 'value="33.10"' in everything


def test_sentra_filter_keeps_that_cluster(staff_client):
    SupplierFactory(legal_name="In Ceper", sentra="Sentra Pengecoran Logam Ceper")
    SupplierFactory(legal_name="In Tegal", sentra="Sentra Logam Tegal")

    assert listed(staff_client, "sentra=Sentra+Logam+Tegal") == ["In Tegal"]


def test_material_and_component_type_filters(staff_client, cat):
    f.supplier(cat, name="Grey iron blocks")
    f.supplier(cat, name="Aluminium blocks", material=cat.aluminium)
    f.supplier(cat, name="Block heads", component_type=cat.brake_block_head)

    assert listed(staff_client, f"material={cat.aluminium.pk}") == ["Aluminium blocks"]
    assert listed(staff_client, f"component_type={cat.brake_block_head.pk}") == ["Block heads"]


def test_capability_filters_must_hold_on_the_same_capability(staff_client, cat):
    both = f.supplier(cat, name="Casts blocks, carves chairs")
    f.capability_set(
        both, cat.chair, material=cat.teak, process=cat.woodworking, capacity=100, unit=Unit.PIECE
    )
    f.supplier(cat, name="Casts blocks")

    assert listed(staff_client, f"process={cat.casting.pk}&component_type={cat.chair.pk}") == []
    assert listed(staff_client, f"process={cat.woodworking.pk}&component_type={cat.chair.pk}") == [
        "Casts blocks, carves chairs"
    ]


def test_certification_filter_keeps_holders_of_a_certificate_valid_today(staff_client, cat):
    today = timezone.localdate()
    f.supplier(cat, name="Valid ISO")
    expired = f.supplier(cat, name="Expired ISO", certified=False)
    SupplierCertificationFactory(
        supplier=expired, certification=cat.iso_9001, valid_until=today - datetime.timedelta(1)
    )
    forever = f.supplier(cat, name="ISO without expiry", certified=False)
    SupplierCertificationFactory(supplier=forever, certification=cat.iso_9001, valid_until=None)
    last_day = f.supplier(cat, name="ISO expiring today", certified=False)
    SupplierCertificationFactory(supplier=last_day, certification=cat.iso_9001, valid_until=today)
    f.supplier(cat, name="No ISO", certified=False)

    assert listed(staff_client, f"certification={cat.iso_9001.pk}") == [
        "ISO expiring today",
        "ISO without expiry",
        "Valid ISO",
    ]


def test_size_class_and_verification_status_filters(staff_client):
    SupplierFactory(legal_name="Small verified", verification_status=VerificationStatus.VERIFIED)
    SupplierFactory(
        legal_name="Medium pending",
        workers=40,
        investment_idr=2_000_000_000,
        verification_status=VerificationStatus.PENDING,
    )

    assert listed(staff_client, f"size_class={SizeClass.MEDIUM}") == ["Medium pending"]
    assert listed(staff_client, f"verification_status={VerificationStatus.VERIFIED}") == [
        "Small verified"
    ]


def test_inactive_suppliers_are_not_in_the_directory(staff_client):
    SupplierFactory(legal_name="Active")
    SupplierFactory(legal_name="Closed down", is_active=False)

    assert listed(staff_client) == ["Active"]


def test_free_capacity_range_subtracts_volume_committed_to_live_contracts(staff_client, cat):
    busy = f.supplier(cat, name="Busy", capacity=5000)
    commit(busy, 4000, Unit.PIECE)  # contract: 1,000 pcs free
    idle = f.supplier(cat, name="Only introduced", capacity=5000)
    commit(idle, 4000, Unit.PIECE, stage=PartnershipStage.INTRODUCED)  # reserves nothing
    ended = f.supplier(cat, name="Ended", capacity=5000)
    commit(ended, 4000, Unit.PIECE, stage=PartnershipStage.ENDED)

    assert listed(staff_client, "capacity_min=2000") == ["Ended", "Only introduced"]
    assert listed(staff_client, "capacity_max=1500") == ["Busy"]
    assert listed(staff_client, "capacity_min=1000&capacity_max=1000") == ["Busy"]


def test_free_capacity_converts_committed_volume_into_the_capability_unit(staff_client, cat):
    # 11,000 kg of 11-kg brake blocks are 1,000 blocks: 5,000 - 1,000 = 4,000 free
    by_weight = f.supplier(cat, name="Committed in kg", capacity=5000)
    commit(by_weight, 11000, Unit.KILOGRAM)
    # 2 t committed on a 3-t capacity leaves 1,000 kg
    in_tonnes = f.supplier(cat, name="Tonnes", capacity=3, unit=Unit.TONNE)
    commit(in_tonnes, 2000, Unit.KILOGRAM)

    assert listed(staff_client, "capacity_min=3999&capacity_max=4001&capacity_unit=pcs") == [
        "Committed in kg"
    ]
    assert listed(staff_client, "capacity_min=0.9&capacity_max=1.1&capacity_unit=ton") == ["Tonnes"]


def test_free_capacity_in_sql_agrees_with_the_matching_engine(cat):
    cases = [
        (5000, Unit.PIECE, 4000, Unit.PIECE),
        (5000, Unit.PIECE, 11000, Unit.KILOGRAM),
        (5000, Unit.PIECE, 22, Unit.TONNE),
        (3, Unit.TONNE, 2000, Unit.KILOGRAM),
        (3000, Unit.KILOGRAM, 1, Unit.TONNE),
        (300, Unit.KILOGRAM, 10, Unit.PIECE),  # 10 blocks of 11 kg
        (5000, Unit.PIECE, 7, Unit.CUBIC_METRE),  # incomparable: ignored by both
        (5000, Unit.PIECE, 9000, Unit.PIECE),  # over-committed: no free capacity
        (5000, Unit.PIECE, 100, ""),  # no unit given: the capability's
    ]
    for index, (capacity, unit, volume, committed_unit) in enumerate(cases):
        ikm = f.supplier(cat, name=f"Case {index}", capacity=capacity, unit=unit)
        commit(ikm, volume, committed_unit)

    engine = load_candidates(load_vocabularies())
    expected = dict(zip(engine.capability_id.tolist(), engine.free_capacity.tolist(), strict=True))
    computed = dict(capabilities_with_capacity().values_list("pk", "free"))

    assert computed.keys() == expected.keys()
    for pk, free in expected.items():
        assert computed[pk] == pytest.approx(free), pk
        # the range filter (written without a correlated subquery) agrees too
        around = SupplierCapability.objects.filter(free_capacity_between(free - 1e-6, free + 1e-6))
        above = SupplierCapability.objects.filter(free_capacity_between(free + 1e-3, None))
        below = SupplierCapability.objects.filter(free_capacity_between(None, free - 1e-3))
        assert around.filter(pk=pk).exists(), pk
        assert not above.filter(pk=pk).exists(), pk
        assert not below.filter(pk=pk).exists(), pk


def test_smallest_capacity_above_largest_is_a_field_error_and_keeps_the_input(staff_client):
    SupplierFactory()

    response = staff_client.get(f"{LIST}?capacity_min=500&capacity_max=100&q=ceper")

    assert response.status_code == 200
    assert response.context["page_obj"] is None
    form = response.context["filterset"].form
    assert "capacity_max" in form.errors
    html = response.content.decode()
    assert 'value="500"' in html and 'value="100"' in html and 'value="ceper"' in html


def test_htmx_filter_request_gets_the_fragment_and_400_on_bad_input(staff_client):
    SupplierFactory(legal_name="CV Fragment")

    ok = staff_client.get(f"{LIST}?q=fragment", **HTMX)
    bad = staff_client.get(f"{LIST}?capacity_min=-5", **HTMX)

    assert ok.status_code == 200
    assert b"<html" not in ok.content and b"CV Fragment" in ok.content
    assert bad.status_code == 400
    assert b"<html" not in bad.content and b"invalid-feedback" in bad.content


def test_suppliers_matching_through_several_rows_are_listed_once(staff_client, cat):
    ikm = f.supplier(cat, name="Two capabilities, two certificates")
    f.capability_set(
        ikm, cat.brake_block_head, material=cat.grey_iron, process=cat.casting, capacity=900
    )
    SupplierCertificationFactory(supplier=ikm, certification=cat.iso_9001)

    query = (
        f"process={cat.casting.pk}&material={cat.grey_iron.pk}&certification={cat.iso_9001.pk}"
        f"&sector={cat.brake_block.category.sector_id}&capacity_min=1"
    )
    response = staff_client.get(f"{LIST}?{query}")

    assert response.context["page_obj"].paginator.count == 1
    assert [row.supplier.pk for row in response.context["rows"]] == [ikm.pk]


def test_directory_row_shows_processes_certificates_and_free_capacity(staff_client, cat):
    in_english(staff_client)
    ikm = f.supplier(cat, name="CV Ceper Cor", capacity=5000)
    commit(ikm, 1500, Unit.PIECE)

    response = staff_client.get(LIST)
    html = response.content.decode()

    (row,) = response.context["rows"]
    assert row.processes == ["Casting"]
    assert row.certifications == ["ISO 9001"]
    assert [(c.free, c.capacity, c.unit) for c in row.capacities] == [("3,500", "5,000", "pcs")]
    assert f'href="/staff/suppliers/{ikm.pk}/"' in html
    assert ikm.nib in html


def test_directory_pages_with_the_page_size(staff_client, settings):
    settings.WORKSPACE_PAGE_SIZE = 2
    for index in range(5):
        SupplierFactory(legal_name=f"IKM {index}")

    response = staff_client.get(f"{LIST}?q=IKM&page=3")

    assert [row.supplier.legal_name for row in response.context["rows"]] == ["IKM 4"]
    assert "q=IKM&amp;page=2" in response.content.decode()


# --- the map -----------------------------------------------------------------------------------


def test_map_json_is_a_feature_collection_of_the_filtered_suppliers(staff_client, cat):
    ceper = f.supplier(cat, name="CV Ceper Cor")
    Supplier.objects.filter(pk=ceper.pk).update(latitude=-7.7123456, longitude=110.6654321)
    no_location = SupplierFactory(legal_name="At the regency centre", sentra="")
    Supplier.objects.filter(pk=no_location.pk).update(latitude=None, longitude=None)
    f.supplier(cat, name="Chairs", component_type=cat.chair)

    data = staff_client.get(f"{MAP_DATA}?regency=33.10&sector={cat.brake_block.category.sector_id}")
    everyone = staff_client.get(f"{MAP_DATA}?regency=33.10").json()

    assert data.status_code == 200
    body = data.json()
    assert body["type"] == "FeatureCollection"
    assert body["count"] == 1
    assert body["detail_url"] == "/staff/suppliers/{id}/"
    assert body["features"] == [
        {
            "type": "Feature",
            "id": ceper.pk,
            "geometry": {"type": "Point", "coordinates": [110.66543, -7.71235]},
            "properties": {"name": "CV Ceper Cor", "sentra": "Sentra Pengecoran Logam Ceper"},
        }
    ]
    fallback = next(x for x in everyone["features"] if x["id"] == no_location.pk)
    assert fallback["geometry"]["coordinates"] == [110.61667, -7.68333]  # Klaten's centre
    assert everyone["count"] == 3


def test_map_json_is_gzipped_for_clients_that_accept_it(staff_client):
    for index in range(30):
        SupplierFactory(legal_name=f"CV Titik {index}")

    plain = staff_client.get(MAP_DATA)
    packed = staff_client.get(MAP_DATA, HTTP_ACCEPT_ENCODING="gzip, deflate")

    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert json.loads(gzip.decompress(packed.content)) == plain.json()
    assert plain.json()["count"] == 30


def test_map_json_rejects_invalid_filters_with_the_errors(staff_client):
    response = staff_client.get(f"{MAP_DATA}?capacity_min=abc")

    assert response.status_code == 400
    assert "capacity_min" in response.json()["errors"]


def test_map_page_passes_the_filters_and_the_tile_settings(staff_client, settings):
    settings.MAP_TILE_URL = ""
    RegencyFactory()

    page = staff_client.get(f"{MAP}?regency=33.10").content.decode()

    assert 'data-url="/staff/suppliers/map.json?regency=33.10"' in page
    assert 'id="supplier-map-no-tiles"' in page
    assert "vendor/leaflet/leaflet.js" in page
    assert "vendor/leaflet-markercluster/leaflet.markercluster.js" in page
    assert 'id="supplier-map-provinces"' in page

    settings.MAP_TILE_URL = "https://tiles.example.go.id/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "© Example"
    tiled = staff_client.get(MAP).content.decode()
    assert 'data-tile-url="https://tiles.example.go.id/{z}/{x}/{y}.png"' in tiled
    assert 'data-tile-attribution="© Example"' in tiled
    assert 'id="supplier-map-no-tiles"' not in tiled


# --- the profile -------------------------------------------------------------------------------


def test_profile_shows_identity_capacity_certificates_matches_near_misses_and_partnerships(
    staff_client, cat
):
    in_english(staff_client)
    ikm = f.supplier(cat, name="CV Ceper Cor", capacity=5000)
    Supplier.objects.filter(pk=ikm.pk).update(investment_idr=1_250_000_000)
    SupplierCertificationFactory(
        supplier=ikm,
        certification=f.CertificationFactory(name="SNI 0123"),
        number="SNI/OLD/1",
        valid_until=timezone.localdate() - datetime.timedelta(days=3),
    )
    partnership = commit(ikm, 1200, Unit.PIECE)
    suggested = f.MatchFactory(supplier=ikm, demand__title="Blok rem gerbong barang", score=0.8)
    near = f.MatchFactory(
        supplier=ikm,
        kind=MatchKind.NEAR_MISS,
        rank=None,
        demand__title="Brake block head for KAI",
        failed_constraints=[
            {"code": "missing_process", "params": {"process_ids": [cat.woodworking.pk]}}
        ],
    )
    stale = f.MatchFactory(supplier=ikm, is_current=False, demand__title="Old unreviewed list")

    response = staff_client.get(f"/staff/suppliers/{ikm.pk}/")
    html = response.content.decode()

    assert response.status_code == 200
    assert ikm.nib in html
    assert "Rp1,250,000,000" in html
    assert "Klaten" in html and "Sentra Pengecoran Logam Ceper" in html
    capability = response.context["profile"].capabilities[0][1]
    assert (capability.capacity, capability.committed, capability.free) == (
        "5,000",
        "1,200",
        "3,800",
    )
    assert 'data-certification="iso-9001" data-valid="true"' in html
    assert "SNI/OLD/1" in html and "expired" in html
    assert f'data-match-id="{suggested.pk}"' in html
    assert f'data-match-id="{stale.pk}"' not in html
    assert f'data-match-id="{near.pk}"' in html and "Process: Woodworking" in html
    assert f'data-partnership-id="{partnership.pk}"' in html
    assert "purchase order / contract" in html


def test_profile_in_indonesian_groups_thousands_with_dots(staff_client):
    ikm = SupplierFactory(investment_idr=450_000_000)

    html = staff_client.get(f"/staff/suppliers/{ikm.pk}/").content.decode()

    assert "Rp450.000.000" in html


# --- the export --------------------------------------------------------------------------------


def test_csv_export_holds_the_filtered_directory_with_formulas_escaped(staff_client, cat):
    in_english(staff_client)
    f.supplier(cat, name="=cmd|' /C calc'!A0")
    f.supplier(cat, name="CV Tegal Cor", regency=tegal())

    response = staff_client.get("/staff/suppliers/export.csv?regency=33.10")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="ikm-directory-' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, *body = rows
    assert header[:3] == ["legal name", "NIB", "legal form"]
    assert len(body) == 1
    assert body[0][0] == "'=cmd|' /C calc'!A0"
    assert body[0][header.index("regency/city code")] == "33.10"
    assert body[0][header.index("processes")] == "Casting"
    assert body[0][header.index("certifications valid today")] == "ISO 9001"


def test_xlsx_export_opens_with_the_same_rows(staff_client, cat):
    f.supplier(cat, name="@SUM(1+1)")
    f.supplier(cat, name="CV Biasa")

    response = staff_client.get("/staff/suppliers/export.xlsx")

    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["'@SUM(1+1)", "CV Biasa"]
    investment = sheet.cell(row=2, column=6).value
    assert investment == 450_000_000


def test_unknown_export_format_is_not_found(staff_client):
    assert staff_client.get("/staff/suppliers/export.pdf").status_code == 404


# --- 1,000 suppliers ---------------------------------------------------------------------------


def many_suppliers(cat, count: int = 1000) -> list[Supplier]:
    """``count`` verified Klaten foundries with a capability, a certificate and (for some) a
    committed partnership, written in bulk."""
    regency = RegencyFactory()
    suppliers = Supplier.objects.bulk_create(
        Supplier(
            legal_name=f"CV Massal {index:04d}",
            nib=f"{5_000_000_000_000 + index:013d}",
            legal_form="cv",
            workers=10,
            investment_idr=300_000_000,
            size_class=SizeClass.SMALL,
            regency=regency,
            sentra=f"Sentra {index % 7}",
            latitude=-7.7 + index / 100_000,
            longitude=110.6,
            verification_status=VerificationStatus.VERIFIED,
        )
        for index in range(count)
    )
    capabilities = SupplierCapability.objects.bulk_create(
        SupplierCapability(
            supplier=ikm,
            component_type=cat.brake_block,
            monthly_capacity=Decimal(1000 + index),
            capacity_unit=Unit.PIECE,
            lead_time_days=30,
        )
        for index, ikm in enumerate(suppliers)
    )
    SupplierCapability.processes.through.objects.bulk_create(
        SupplierCapability.processes.through(suppliercapability=c, process=cat.casting)
        for c in capabilities
    )
    SupplierCapability.materials.through.objects.bulk_create(
        SupplierCapability.materials.through(suppliercapability=c, material=cat.grey_iron)
        for c in capabilities
    )
    SupplierCertification.objects.bulk_create(
        SupplierCertification(supplier=ikm, certification=cat.iso_9001, number=f"Q/{ikm.pk}")
        for ikm in suppliers
    )
    for capability in capabilities[:5]:
        commit(capability.supplier, 100, Unit.PIECE, capability=capability)
    return suppliers


def test_directory_page_queries_stay_bounded_with_1000_suppliers(
    staff_client, cat, django_assert_max_num_queries
):
    many_suppliers(cat)
    query = (
        f"regency=33.10&process={cat.casting.pk}&certification={cat.iso_9001.pk}"
        f"&sector={cat.brake_block.category.sector_id}&capacity_min=1&page=2"
    )

    with django_assert_max_num_queries(20):
        response = staff_client.get(f"{LIST}?{query}")

    assert response.context["page_obj"].paginator.count == 1000
    assert len(response.context["rows"]) == settings.WORKSPACE_PAGE_SIZE


def test_map_json_queries_stay_bounded_with_1000_suppliers(
    staff_client, cat, django_assert_max_num_queries
):
    many_suppliers(cat)

    with django_assert_max_num_queries(8):
        response = staff_client.get(f"{MAP_DATA}?process={cat.casting.pk}&capacity_min=1")

    assert response.json()["count"] == 1000


def test_export_queries_stay_bounded_with_1000_suppliers(
    staff_client, cat, django_assert_max_num_queries
):
    many_suppliers(cat)

    with django_assert_max_num_queries(10):
        response = staff_client.get("/staff/suppliers/export.csv")

    assert len(response.content.decode("utf-8-sig").splitlines()) == 1001


def test_each_catalogue_is_read_once_for_validating_and_drawing_its_select(staff_client, cat):
    SectorFactory()
    ComponentTypeFactory()
    f.supplier(cat, name="CV Satu")
    query = (
        f"sector={cat.brake_block.category.sector_id}&process={cat.casting.pk}"
        f"&material={cat.grey_iron.pk}&certification={cat.iso_9001.pk}"
        f"&component_type={cat.brake_block.pk}&province=33&regency=33.10"
        "&sentra=Sentra+Pengecoran+Logam+Ceper"
    )

    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get(f"{LIST}?{query}")

    assert [row.supplier.legal_name for row in response.context["rows"]] == ["CV Satu"]
    catalogue_only = [q["sql"] for q in queries.captured_queries if '"partners_' not in q["sql"]]
    for table in CATALOGUE_TABLES:
        reads = [sql for sql in catalogue_only if f'FROM "{table}"' in sql]
        assert len(reads) == 1, (table, reads)
