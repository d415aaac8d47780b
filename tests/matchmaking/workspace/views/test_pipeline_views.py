"""The partnership pipeline pages: who may open them, the board and the table with their
filters, a partnership's page with its HTMX moves, notes and outcomes (and the plain-POST
fallback), the export, and bounded queries on a large registry."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from components.models import Province
from matchmaking.choices import (
    LIVE_PARTNERSHIP_STAGES,
    MatchKind,
    MatchStatus,
    PartnershipStage,
)
from matchmaking.engine.policies import policy_active
from matchmaking.models import Match, Partnership, PartnershipEvent
from matchmaking.scoring.config import ALGORITHM_VERSION
from partners.choices import DemandStatus, LegalForm
from partners.models import Supplier
from partners.sizing import size_class
from tests.components.factories import ProvinceFactory, RegencyFactory, SectorFactory
from tests.matchmaking.factories import PartnershipFactory
from tests.partners.factories import DemandFactory, ManufacturerFactory, UserFactory

pytestmark = pytest.mark.django_db

S = PartnershipStage
HTMX = {"HTTP_HX_REQUEST": "true"}
LIST = reverse("workspace:partnership_list")


@pytest.fixture(autouse=True)
def stale_days(settings):
    settings.PARTNERSHIP_STALE_DAYS = 30


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def officer(db):
    return UserFactory(username="rina", first_name="Rina", last_name="Pembina", is_staff=True)


def days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def partnership(stage=S.APPROVED, **fields) -> Partnership:
    return PartnershipFactory(stage=stage, **fields)


def ids(response) -> list[int]:
    return [p.pk for p in response.context["page_obj"].object_list]


def detail(p: Partnership) -> str:
    return reverse("workspace:partnership_detail", args=[p.pk])


def move_url(p: Partnership) -> str:
    return reverse("workspace:partnership_move", args=[p.pk])


def note_url(p: Partnership) -> str:
    return reverse("workspace:partnership_note", args=[p.pk])


def outcome_url(p: Partnership) -> str:
    return reverse("workspace:partnership_outcome", args=[p.pk])


# --- access ---------------------------------------------------------------------------------


def all_urls(p: Partnership) -> list[tuple[str, str]]:
    return [
        ("get", LIST),
        ("get", LIST + "?view=table"),
        ("get", detail(p)),
        ("get", reverse("workspace:partnership_export", args=["csv"])),
        ("post", move_url(p)),
        ("post", note_url(p)),
        ("post", outcome_url(p)),
    ]


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    p = partnership()
    for method, url in all_urls(p):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login") + "?next=")


def test_signed_in_users_who_are_not_staff_get_403(ikm_client):
    p = partnership()
    for method, url in all_urls(p):
        assert getattr(ikm_client, method)(url, {"note": "x"}).status_code == 403, url
    assert not PartnershipEvent.objects.exists()


def test_unknown_partnership_is_404(staff_client):
    assert staff_client.get(reverse("workspace:partnership_detail", args=[999])).status_code == 404


# --- board ----------------------------------------------------------------------------------


def test_board_shows_a_column_per_live_stage_with_counts_and_badges(staff_client):
    stuck = partnership(
        S.INTRODUCED, stage_changed_at=days_ago(31), match__supplier__legal_name="CV Lama Sekali"
    )
    flagged = partnership(
        S.CONTRACT,
        flagged_at=timezone.now(),
        qualification_issue="Tidak memiliki ISO 9001",
        match__supplier__legal_name="CV Spesifikasi Berubah",
    )
    partnership(S.INTRODUCED, stage_changed_at=days_ago(2))
    partnership(S.COMPLETED)

    response = staff_client.get(LIST)

    assert response.status_code == 200
    board = response.context["board"]
    assert [(c.stage, c.count) for c in board.columns] == [
        (S.APPROVED, 0),
        (S.INTRODUCED, 2),
        (S.MEETING_HELD, 0),
        (S.TRIAL_ORDER, 0),
        (S.CONTRACT, 1),
        (S.ACTIVE_SUPPLY, 0),
    ]
    assert {c.stage: c.count for c in board.closed}[S.COMPLETED] == 1
    html = response.content.decode()
    assert 'id="pipeline-board"' in html
    card = html[html.index(f'data-partnership="{stuck.pk}"') :]
    card = card[: card.index("</article>")]
    assert "CV Lama Sekali" in card and 'data-badge="stuck"' in card
    assert 'data-days="31"' in card
    card = html[html.index(f'data-partnership="{flagged.pk}"') :]
    card = card[: card.index("</article>")]
    assert 'data-badge="flagged"' in card and 'data-badge="stuck"' not in card
    assert html.count('data-badge="stuck"') == 1


def test_board_respects_the_filters(staff_client):
    partnership(S.INTRODUCED, match__supplier__legal_name="CV Cor Klaten")
    partnership(S.INTRODUCED, match__supplier__legal_name="UD Rotan Cirebon")

    response = staff_client.get(LIST, {"q": "rotan"})

    columns = {c.stage: c for c in response.context["board"].columns}
    assert columns[S.INTRODUCED].count == 1
    assert [c.supplier.legal_name for c in columns[S.INTRODUCED].cards] == ["UD Rotan Cirebon"]


def test_htmx_filter_request_gets_only_the_results_fragment(staff_client):
    partnership(S.INTRODUCED)

    response = staff_client.get(LIST, {"stuck": "true"}, **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="pipeline-results"')
    assert "stuck=true" in html  # export links carry the filters


# --- table ----------------------------------------------------------------------------------


def test_table_is_paginated(staff_client, settings):
    settings.WORKSPACE_PAGE_SIZE = 2
    for days in range(5):
        partnership(S.INTRODUCED, stage_changed_at=days_ago(days))

    response = staff_client.get(LIST, {"view": "table", "page": 3})

    assert response.status_code == 200
    assert response.context["page_obj"].paginator.num_pages == 3
    assert len(ids(response)) == 1
    assert 'id="pipeline-table"' in response.content.decode()


def test_table_sorts_by_days_in_stage_both_ways(staff_client):
    fresh = partnership(S.INTRODUCED, stage_changed_at=days_ago(1))
    old = partnership(S.CONTRACT, stage_changed_at=days_ago(50))
    middle = partnership(S.APPROVED, stage_changed_at=days_ago(10))

    longest_first = staff_client.get(LIST, {"view": "table", "sort": "changed"})
    shortest_first = staff_client.get(LIST, {"view": "table", "sort": "-changed"})

    assert ids(longest_first) == [old.pk, middle.pk, fresh.pk]
    assert ids(shortest_first) == [fresh.pk, middle.pk, old.pk]
    assert [p.days_in_stage for p in longest_first.context["page_obj"].object_list] == [50, 10, 1]
    assert "sort=-changed" in longest_first.context["sort_days_query"]


def test_table_filters_by_each_field(staff_client, officer):
    east = ProvinceFactory(code="35", name="Jawa Timur")
    madiun = RegencyFactory(code="35.77", name="Kota Madiun", province=east)
    sector = SectorFactory(name_en="Railway")
    buyer = ManufacturerFactory(name="PT INKA (Persero)")
    a = partnership(
        S.INTRODUCED,
        match__supplier__legal_name="CV Cor Batur",
        match__supplier__nib="9120000099999",
        stage_changed_at=days_ago(40),
        officer=officer,
    )
    b = partnership(
        S.CONTRACT,
        match__supplier__regency=madiun,
        flagged_at=timezone.now(),
        match__demand=DemandFactory(
            manufacturer=buyer,
            title="Kampas rem kereta khusus",
            component_type__category__sector=sector,
            status=DemandStatus.OPEN,
        ),
    )
    c = partnership(S.DECLINED, stage_changed_at=days_ago(60))

    def table(**params):
        return set(ids(staff_client.get(LIST, {"view": "table", **params})))

    assert table() == {a.pk, b.pk, c.pk}
    assert table(q="batur") == {a.pk}
    assert table(q="9120000099999") == {a.pk}
    assert table(q="inka") == {b.pk}
    assert table(q="khusus") == {b.pk}
    assert table(stage=[S.INTRODUCED, S.DECLINED]) == {a.pk, c.pk}
    assert table(stuck="true") == {a.pk}  # the declined one is closed, not stuck
    assert table(stuck="false") == {b.pk, c.pk}
    assert table(flagged="true") == {b.pk}
    assert table(flagged="false") == {a.pk, c.pk}
    assert table(province=east.pk) == {b.pk}
    assert table(manufacturer=buyer.pk) == {b.pk}
    assert table(sector=sector.pk) == {b.pk}
    assert table(officer=officer.pk) == {a.pk}


def test_invalid_filter_values_are_reported_and_ignored(staff_client):
    p = partnership()

    response = staff_client.get(LIST, {"view": "table", "stage": "signed", "province": "x"})

    assert response.status_code == 200
    assert ids(response) == [p.pk]
    assert set(response.context["filterset"].form.errors) == {"stage", "province"}


# --- partnership page -----------------------------------------------------------------------


def test_partnership_page_shows_parties_stage_moves_and_timeline(staff_client, officer, english):
    p = partnership(
        S.INTRODUCED,
        officer=officer,
        match__supplier__legal_name="CV Sinar Cor Batur",
        match__demand__title="Blok rem metalik untuk gerbong",
        contract_value_idr=1_500_000,
    )
    PartnershipEvent.objects.create(partnership=p, to_stage=S.APPROVED, by=officer, note="OK")
    PartnershipEvent.objects.create(
        partnership=p, from_stage=S.APPROVED, to_stage=S.INTRODUCED, by=officer
    )

    response = english.get(detail(p))

    assert response.status_code == 200
    html = response.content.decode()
    assert "CV Sinar Cor Batur" in html and "Blok rem metalik untuk gerbong" in html
    assert p.supplier.nib in html
    assert 'id="partnership-move-form"' in html and 'id="partnership-close-form"' in html
    assert f'data-move="{S.MEETING_HELD}"' in html  # next stage
    assert f'data-move="{S.CONTRACT}"' in html  # a skip
    assert f'data-move="{S.APPROVED}"' in html  # one step back
    assert f'data-move="{S.COMPLETED}"' not in html
    assert 'value="introduced"' in html  # expected_stage
    assert html.count("data-event=") == 2
    assert "Rina Pembina" in html
    assert 'value="1,500,000"' in html  # contract value with thousands separators
    assert 'aria-current="step"' in html


def test_partnership_page_queries_do_not_grow_with_the_timeline(
    staff_client, django_assert_max_num_queries
):
    p = partnership(S.CONTRACT, officer=UserFactory(username="petugas", is_staff=True))
    authors = [UserFactory(username=f"author{i}", is_staff=True) for i in range(5)]
    PartnershipEvent.objects.bulk_create(
        PartnershipEvent(partnership=p, note=f"Catatan {i}", by=authors[i % 5]) for i in range(40)
    )

    # session, user, the partnership with its parties, the events with their authors
    with django_assert_max_num_queries(6):
        response = staff_client.get(detail(p))

    assert response.content.decode().count("data-event=") == 40


def test_partnership_page_shows_the_parties_answers_to_the_introduction(staff_client):
    p = partnership(
        S.INTRODUCED,
        supplier_answer="interested",
        manufacturer_answer="not_interested",
        manufacturer_answer_reason="Kapasitas terlalu kecil",
    )

    html = staff_client.get(detail(p)).content.decode()

    assert 'data-answer="supplier"' in html and 'data-answer="manufacturer"' in html
    assert "Kapasitas terlalu kecil" in html


def test_closed_partnership_page_has_no_move_form_and_shows_the_reason(staff_client):
    p = partnership(S.DECLINED, end_reason="Harga tidak cocok")

    html = staff_client.get(detail(p)).content.decode()

    assert 'id="partnership-move-form"' not in html
    assert 'id="partnership-closed"' in html and "Harga tidak cocok" in html


def test_flagged_partnership_shows_the_qualification_issue_in_the_readers_language(
    client, staff_user
):
    client.force_login(staff_user)
    p = partnership(
        S.CONTRACT,
        flagged_at=timezone.now(),
        qualification_issue="Tidak memiliki sertifikat ISO 9001",
        qualification_issue_en="Lacks a valid ISO 9001 certificate",
    )

    indonesian = client.get(detail(p)).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(detail(p)).content.decode()

    assert 'id="partnership-flag"' in indonesian
    assert "Tidak memiliki sertifikat ISO 9001" in indonesian
    assert "Lacks a valid ISO 9001 certificate" in english


# --- moves ----------------------------------------------------------------------------------


def test_htmx_move_returns_the_new_stage_and_the_timeline_out_of_band(staff_client, staff_user):
    p = partnership(S.APPROVED)

    response = staff_client.post(
        move_url(p),
        {"to_stage": S.INTRODUCED, "expected_stage": S.APPROVED, "note": "Dikenalkan via Zoom"},
        **HTMX,
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card mb-3" id="partnership-stage"')
    assert 'data-stage="introduced"' in html
    assert 'id="partnership-timeline"' in html and 'hx-swap-oob="true"' in html
    assert "Dikenalkan via Zoom" in html
    p.refresh_from_db()
    assert p.stage == S.INTRODUCED
    event = PartnershipEvent.objects.get(partnership=p)
    assert (event.from_stage, event.to_stage, event.by) == (S.APPROVED, S.INTRODUCED, staff_user)


def test_plain_post_move_redirects_to_the_partnership_page(staff_client):
    p = partnership(S.APPROVED)

    response = staff_client.post(
        move_url(p), {"to_stage": S.MEETING_HELD, "expected_stage": S.APPROVED}
    )

    assert response.status_code == 302
    assert response.url == detail(p)
    p.refresh_from_db()
    assert p.stage == S.MEETING_HELD


def test_declining_without_a_reason_shows_the_field_error_and_saves_nothing(english):
    english.force_login(UserFactory(username="staf", is_staff=True))
    p = partnership(S.MEETING_HELD)

    response = english.post(
        move_url(p), {"to_stage": S.DECLINED, "expected_stage": S.MEETING_HELD, "note": ""}, **HTMX
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="close-reason-error"' in html
    assert "Give the reason why the partnership was declined or ended." in html
    assert "<details" in html and " open>" in html  # the close form stays open
    p.refresh_from_db()
    assert p.stage == S.MEETING_HELD
    assert not PartnershipEvent.objects.exists()


def test_forbidden_move_keeps_the_typed_note(english):
    english.force_login(UserFactory(username="staf", is_staff=True))
    p = partnership(S.INTRODUCED)

    response = english.post(
        move_url(p),
        {"to_stage": S.COMPLETED, "expected_stage": S.INTRODUCED, "note": "Catatan panjang saya"},
        **HTMX,
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Only a partnership in active supply can be completed." in html
    assert "Catatan panjang saya</textarea>" in html
    assert not PartnershipEvent.objects.exists()


def test_plain_post_with_errors_renders_the_whole_page_with_them(english):
    english.force_login(UserFactory(username="staf", is_staff=True))
    p = partnership(S.INTRODUCED)

    response = english.post(
        move_url(p), {"to_stage": S.ENDED, "expected_stage": S.INTRODUCED, "note": " "}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and 'id="close-reason-error"' in html
    p.refresh_from_db()
    assert p.stage == S.INTRODUCED


def test_move_on_a_stage_someone_else_changed_is_a_409_conflict_naming_them(english, officer):
    english.force_login(UserFactory(username="budi", is_staff=True))
    p = partnership(S.APPROVED)
    english_officer_move = {"to_stage": S.INTRODUCED, "expected_stage": S.APPROVED}
    from matchmaking.partnerships import stages

    stages.partnership_move(partnership_id=p.pk, by=officer, **english_officer_move)

    response = english.post(
        move_url(p),
        {"to_stage": S.MEETING_HELD, "expected_stage": S.APPROVED, "note": "Sudah bertemu"},
        **HTMX,
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert 'id="move-conflict"' in html
    assert "Rina Pembina moved this partnership to “introduced”" in html
    assert "Sudah bertemu</textarea>" in html  # nothing typed is lost
    assert 'name="expected_stage" value="introduced"' in html  # the retry is against now
    p.refresh_from_db()
    assert p.stage == S.INTRODUCED
    assert PartnershipEvent.objects.filter(partnership=p).count() == 1


def test_conflict_on_a_plain_post_shows_the_page_with_the_conflict(staff_client, officer):
    from matchmaking.partnerships import stages

    p = partnership(S.APPROVED)
    stages.partnership_move(
        partnership_id=p.pk, to_stage=S.INTRODUCED, by=officer, expected_stage=S.APPROVED
    )

    response = staff_client.post(
        move_url(p), {"to_stage": S.INTRODUCED, "expected_stage": S.APPROVED}
    )

    assert response.status_code == 200
    assert 'id="move-conflict"' in response.content.decode()


# --- notes and outcomes ---------------------------------------------------------------------


def test_htmx_note_re_renders_the_timeline_with_it(staff_client):
    p = partnership(S.CONTRACT)

    response = staff_client.post(note_url(p), {"note": "PO No. 123 diterima"}, **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="partnership-timeline"' in html and "PO No. 123 diterima" in html
    assert PartnershipEvent.objects.get(partnership=p).note == "PO No. 123 diterima"


def test_empty_note_is_a_400_with_the_error(english):
    english.force_login(UserFactory(username="staf", is_staff=True))
    p = partnership(S.CONTRACT)

    response = english.post(note_url(p), {"note": "   "}, **HTMX)

    assert response.status_code == 400
    assert "Write a note first." in response.content.decode()
    assert not PartnershipEvent.objects.exists()


def test_outcome_in_indonesian_number_format_is_saved(staff_client):
    p = partnership(S.CONTRACT)

    response = staff_client.post(
        outcome_url(p),
        {
            "contract_value_idr": "Rp 1.500.000.000",
            "committed_monthly_volume": "1.250,5",
            "committed_unit": "kg",
            "jobs_created": "12",
            "tkdn_percent": "45,5",
            "delivered_on_time": "unknown",
        },
        **HTMX,
    )

    assert response.status_code == 200
    assert 'id="outcome-saved"' in response.content.decode()
    p.refresh_from_db()
    assert p.contract_value_idr == 1_500_000_000
    assert p.committed_monthly_volume == Decimal("1250.5")
    assert (p.committed_unit, p.jobs_created, p.tkdn_percent) == ("kg", 12, Decimal("45.5"))
    assert p.delivered_on_time is None
    assert PartnershipEvent.objects.filter(partnership=p).count() == 1


def test_outcome_in_english_number_format_is_saved(english):
    english.force_login(UserFactory(username="staf", is_staff=True))
    p = partnership(S.ACTIVE_SUPPLY)

    response = english.post(
        outcome_url(p),
        {
            "contract_value_idr": "2,750,000",
            "committed_monthly_volume": "1,250.5",
            "committed_unit": "kg",
            "tkdn_percent": "40.25",
            "delivered_on_time": "true",
        },
    )

    assert response.status_code == 302
    p.refresh_from_db()
    assert p.contract_value_idr == 2_750_000
    assert p.committed_monthly_volume == Decimal("1250.5")
    assert (p.tkdn_percent, p.delivered_on_time) == (Decimal("40.25"), True)


def test_invalid_outcome_shows_field_errors_keeps_the_input_and_saves_nothing(english):
    english.force_login(UserFactory(username="staf", is_staff=True))
    p = partnership(S.CONTRACT, jobs_created=2)

    response = english.post(
        outcome_url(p),
        {
            "contract_value_idr": "satu juta",
            "committed_monthly_volume": "300",
            "committed_unit": "",
            "jobs_created": "5",
            "tkdn_percent": "120",
        },
        **HTMX,
    )

    assert response.status_code == 400
    form = response.context["outcome_form"]
    assert set(form.errors) == {"contract_value_idr", "tkdn_percent"}
    html = response.content.decode()
    assert 'value="satu juta"' in html and 'value="120"' in html and 'value="5"' in html
    # the one rupiah field (common.forms.RupiahField) gives its own example amount
    assert "Enter the amount in whole rupiah, for example 450,000,000." in html
    p.refresh_from_db()
    assert p.jobs_created == 2
    assert not PartnershipEvent.objects.exists()


def test_volume_without_unit_is_refused_by_the_service_on_the_unit_field(english):
    english.force_login(UserFactory(username="staf", is_staff=True))
    p = partnership(S.CONTRACT)

    response = english.post(
        outcome_url(p), {"committed_monthly_volume": "300", "committed_unit": ""}, **HTMX
    )

    assert response.status_code == 400
    assert list(response.context["outcome_form"].errors) == ["committed_unit"]
    assert "Give the unit of the monthly volume." in response.content.decode()
    p.refresh_from_db()
    assert p.committed_monthly_volume is None


# --- export ---------------------------------------------------------------------------------


def test_csv_export_lists_the_filtered_pipeline_with_formula_cells_escaped(english):
    english.force_login(UserFactory(username="staf", is_staff=True))
    risky = partnership(
        S.CONTRACT,
        match__supplier__legal_name="=cmd|' /C calc'!A0",
        contract_value_idr=1_500_000,
        committed_monthly_volume=Decimal("200"),
        committed_unit="pcs",
        jobs_created=7,
        tkdn_percent=Decimal("40"),
        stage_changed_at=days_ago(12),
    )
    partnership(S.DECLINED)

    response = english.get(
        reverse("workspace:partnership_export", args=["csv"]), {"stage": S.CONTRACT}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="partnerships-' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, *body = rows
    assert len(body) == 1
    row = dict(zip(header, body[0], strict=True))
    assert row["IKM supplier"] == "'=cmd|' /C calc'!A0"
    assert row["NIB"] == risky.supplier.nib
    assert row["Stage"] == "purchase order / contract"
    assert row["Days in stage"] == "12"
    assert row["Contract value (Rp)"] == "1500000"
    assert (row["Committed volume per month"], row["Unit"]) == ("200.000", "pieces")
    assert (row["Jobs created"], row["TKDN (%)"]) == ("7", "40.00")
    assert row["Specification changed"] == "False"


def test_xlsx_export_has_typed_cells(staff_client):
    from openpyxl import load_workbook

    partnership(S.CONTRACT, contract_value_idr=2_000_000_000, jobs_created=3)

    response = staff_client.get(reverse("workspace:partnership_export", args=["xlsx"]))

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    header, row = [[cell.value for cell in r] for r in sheet.iter_rows(max_row=2)]
    assert len(header) == len(row)
    assert 2_000_000_000 in row and 3 in row


def test_unknown_export_format_is_404(staff_client):
    assert (
        staff_client.get(reverse("workspace:partnership_export", args=["pdf"])).status_code == 404
    )


# --- a large registry -----------------------------------------------------------------------


def bulk_pipeline(*, suppliers: int = 1000, partnerships: int = 300) -> list[Partnership]:
    """``suppliers`` IKM and ``partnerships`` partnerships over every stage, officers,
    flags and ages, written in bulk."""
    regencies = [
        RegencyFactory(),
        RegencyFactory(
            code="35.77", name="Kota Madiun", province=ProvinceFactory(code="35", name="Jatim")
        ),
    ]
    size = size_class(workers=10, investment_idr=200_000_000)
    rows = Supplier.objects.bulk_create(
        Supplier(
            legal_name=f"CV Massal {i:04d}",
            nib=f"{7100000000000 + i:013d}",
            legal_form=LegalForm.CV,
            workers=10,
            investment_idr=200_000_000,
            size_class=size,
            regency=regencies[i % 2],
        )
        for i in range(suppliers)
    )
    demands = [
        DemandFactory(manufacturer=ManufacturerFactory(), status=DemandStatus.OPEN)
        for _ in range(8)
    ]
    officers = [UserFactory(username=f"officer{i}", is_staff=True) for i in range(3)]
    policy = policy_active()
    now = timezone.now()
    matches = Match.objects.bulk_create(
        Match(
            demand=demands[i % len(demands)],
            supplier=rows[i],
            kind=MatchKind.MATCH,
            status=MatchStatus.APPROVED,
            score=0.5,
            rank=1,
            algorithm_version=ALGORITHM_VERSION,
            policy=policy,
            scored_at=now,
        )
        for i in range(partnerships)
    )
    stages = list(S)
    return Partnership.objects.bulk_create(
        Partnership(
            match=match,
            supplier_id=match.supplier_id,
            demand_id=match.demand_id,
            stage=stages[i % len(stages)],
            stage_changed_at=now - datetime.timedelta(days=i % 60),
            officer=officers[i % 3] if i % 4 else None,
            flagged_at=now if i % 7 == 0 else None,
        )
        for i, match in enumerate(matches)
    )


def test_pipeline_pages_run_a_bounded_number_of_queries_on_a_large_registry(
    staff_client, django_assert_max_num_queries
):
    bulk_pipeline()
    province = Province.objects.get(code="35")

    # session, user, the four filter menus, the counts and the cards
    with django_assert_max_num_queries(10):
        board = staff_client.get(LIST)
    with django_assert_max_num_queries(10):
        filtered_board = staff_client.get(LIST, {"province": province.pk, "stuck": "false"})
    # session, user, the four filter menus, count and page
    with django_assert_max_num_queries(10):
        table = staff_client.get(LIST, {"view": "table", "sort": "changed"})
    with django_assert_max_num_queries(6):
        fragment = staff_client.get(LIST, {"view": "table", "page": 2}, **HTMX)
    with django_assert_max_num_queries(6):
        export = staff_client.get(reverse("workspace:partnership_export", args=["csv"]))

    assert board.status_code == filtered_board.status_code == table.status_code == 200
    live = sum(1 for i in range(300) if list(S)[i % 9] in LIVE_PARTNERSHIP_STAGES)
    assert sum(c.count for c in board.context["board"].columns) == live
    assert any(c.cards for c in filtered_board.context["board"].columns)
    assert len(table.context["page_obj"].object_list) == settings.WORKSPACE_PAGE_SIZE
    assert fragment.status_code == 200
    assert export.content.decode("utf-8-sig").count("\n") == 301
