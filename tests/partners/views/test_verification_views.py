"""The staff verification queue and decision page through the web: who may open them,
what they list and show, the decisions, and bounded queries."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from matchmaking.choices import MatchKind
from matchmaking.models import Match
from partners import notices
from partners.choices import VerificationStatus
from partners.models import Notification
from tests.components.factories import ProvinceFactory, RegencyFactory
from tests.matchmaking import factories as f
from tests.partners.factories import (
    ManufacturerFactory,
    PlantFactory,
    SupplierCapabilityFactory,
    SupplierCertificationFactory,
    SupplierFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

QUEUE = reverse("workspace:verification_queue")
PENDING, VERIFIED = VerificationStatus.PENDING, VerificationStatus.VERIFIED


@pytest.fixture(autouse=True)
def _tasks_in_process(eager_tasks):
    """Enqueued tasks run in-process here even when a Redis broker is configured."""


def detail_url(kind: str, pk: int) -> str:
    return reverse("workspace:verification_detail", args=[kind, pk])


def listed(response) -> list[tuple[str, int]]:
    return [(str(item.kind), item.organisation.pk) for item in response.context["items"]]


# --- access -----------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_login(client):
    ikm = SupplierFactory()

    for url in (QUEUE, detail_url("ikm", ikm.pk)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", ["ikm_client", "manufacturer_client"])
def test_ikm_owners_and_manufacturer_members_get_403_and_change_nothing(role, request):
    client = request.getfixturevalue(role)
    ikm = SupplierFactory(owner=UserFactory(username="lain"))

    assert client.get(QUEUE).status_code == 403
    assert client.get(detail_url("ikm", ikm.pk)).status_code == 403
    response = client.post(detail_url("ikm", ikm.pk), {"decision": "verify"})
    assert response.status_code == 403
    ikm.refresh_from_db()
    assert ikm.verification_status == PENDING
    assert not Notification.objects.exists()


def test_an_ikm_owner_cannot_verify_their_own_ikm(ikm_client, ikm_user):
    own = ikm_user.suppliers.get()

    response = ikm_client.post(detail_url("ikm", own.pk), {"decision": "verify"})

    assert response.status_code == 403
    own.refresh_from_db()
    assert own.verification_status == PENDING


@pytest.mark.parametrize(
    "url", ["/staff/verification/company/1/", "/staff/verification/ikm/999999/"]
)
def test_unknown_kinds_and_organisations_are_404(staff_client, url):
    assert staff_client.get(url).status_code == 404


# --- the queue --------------------------------------------------------------------------------


def test_queue_lists_pending_ikm_and_manufacturers_oldest_first_and_nothing_decided(staff_client):
    first = SupplierFactory(legal_name="CV Pertama")
    company = ManufacturerFactory(name="PT Pabrik Menunggu")
    last = SupplierFactory(legal_name="CV Terakhir")
    SupplierFactory(verification_status=VERIFIED)
    ManufacturerFactory(verification_status=VerificationStatus.REJECTED)
    SupplierFactory(anonymised_at=timezone.now())

    response = staff_client.get(QUEUE)

    assert response.status_code == 200
    assert listed(response) == [
        ("ikm", first.pk),
        ("manufacturer", company.pk),
        ("ikm", last.pk),
    ]
    html = response.content.decode()
    assert detail_url("manufacturer", company.pk) in html
    assert "CV Pertama" in html and "PT Pabrik Menunggu" in html


def test_queue_filters_by_kind_status_and_name(staff_client):
    ikm = SupplierFactory(legal_name="CV Logam Ceper")
    company = ManufacturerFactory(name="PT Kereta")
    verified = SupplierFactory(legal_name="CV Sudah", verification_status=VERIFIED)

    assert listed(staff_client.get(QUEUE, {"kind": "ikm"})) == [("ikm", ikm.pk)]
    assert listed(staff_client.get(QUEUE, {"kind": "manufacturer"})) == [
        ("manufacturer", company.pk)
    ]
    assert listed(staff_client.get(QUEUE, {"status": "verified"})) == [("ikm", verified.pk)]
    assert len(listed(staff_client.get(QUEUE, {"status": "all"}))) == 3
    assert listed(staff_client.get(QUEUE, {"q": "ceper"})) == [("ikm", ikm.pk)]
    assert listed(staff_client.get(QUEUE, {"q": ikm.nib[:6]})) == [("ikm", ikm.pk)]


def test_queue_filters_by_province_of_the_ikm_or_of_a_manufacturer_plant(staff_client):
    jatim = ProvinceFactory(code="35", name="Jawa Timur")
    madiun = RegencyFactory(code="35.77", name="Kota Madiun", province=jatim)
    in_jateng = SupplierFactory()  # Klaten, Jawa Tengah
    in_jatim = SupplierFactory(regency=madiun)
    plant_in_jatim = PlantFactory(regency=madiun).manufacturer  # pending by default
    PlantFactory(manufacturer=plant_in_jatim, name="Kedua", regency=madiun)  # two plants, one row
    ManufacturerFactory()  # no plant

    response = staff_client.get(QUEUE, {"province": "35"})

    assert listed(response) == [("ikm", in_jatim.pk), ("manufacturer", plant_in_jatim.pk)]
    assert ("ikm", in_jateng.pk) in listed(staff_client.get(QUEUE, {"province": "33"}))


def test_invalid_filter_is_reported_and_left_out(staff_client):
    SupplierFactory()

    response = staff_client.get(QUEUE, {"kind": "bank", "province": "99"})

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"kind", "province"}
    assert len(listed(response)) == 1
    assert "alert-warning" in response.content.decode()


def test_htmx_filtering_returns_only_the_results(staff_client):
    SupplierFactory(legal_name="CV Dicari")

    response = staff_client.get(QUEUE, {"q": "dicari"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="verification-results"' in html
    assert "<html" not in html
    assert "CV Dicari" in html


def test_queue_pages_through_a_long_list(staff_client, settings):
    settings.WORKSPACE_PAGE_SIZE = 2
    suppliers = [SupplierFactory() for _ in range(5)]

    page3 = staff_client.get(QUEUE, {"page": 3, "kind": "ikm"})

    assert listed(page3) == [("ikm", suppliers[4].pk)]
    assert page3.context["page_obj"].paginator.count == 5
    assert "kind=ikm&amp;page=2" in page3.content.decode()


def make_registry(n: int) -> None:
    """``n`` pending IKM with capabilities and certificates, and ``n`` pending manufacturers
    with plants and members."""
    for i in range(n):
        ikm = SupplierFactory(owner=UserFactory(username=f"pemilik-{i}"))
        SupplierCapabilityFactory(supplier=ikm)
        SupplierCertificationFactory(supplier=ikm, document=f"certificates/{i}.pdf")
        company = PlantFactory().manufacturer
        company.members.add(UserFactory(username=f"pembeli-{i}"))


def test_queue_query_count_does_not_grow_with_the_list(staff_client, django_assert_max_num_queries):
    make_registry(2)
    staff_client.get(QUEUE)  # warm caches (session, content types)
    with django_assert_max_num_queries(12) as small:
        staff_client.get(QUEUE)
    make_registry(20)

    with django_assert_max_num_queries(len(small.captured_queries)):
        response = staff_client.get(QUEUE)

    assert len(response.context["items"]) == 22 * 2


# --- the detail page --------------------------------------------------------------------------


def test_detail_shows_the_submitted_ikm_data_and_links_its_documents(staff_client, cat):
    owner = UserFactory(username="pemilik", email="pemilik@cv.id", first_name="Pak Harjo")
    ikm = f.supplier(cat, name="CV Dokumen Lengkap", verified=False)
    ikm.owner, ikm.contact_phone = owner, "081234567890"
    ikm.save(update_fields=["owner", "contact_phone"])
    scan = SupplierCertificationFactory(supplier=ikm, document="certificates/scan.pdf")
    SupplierCertificationFactory(supplier=ikm, number="TANPA-DOKUMEN")

    response = staff_client.get(detail_url("ikm", ikm.pk))

    html = response.content.decode()
    assert response.status_code == 200
    assert ikm.nib in html
    assert "Blok rem metalik" in html  # capability, catalogue name in Indonesian
    assert "081234567890" in html and "pemilik@cv.id" in html and "Pak Harjo" in html
    assert reverse("partners:certificate_document", args=[scan.pk]) in html
    assert "TANPA-DOKUMEN" in html
    buttons = [str(d) for d in response.context["decisions"]]
    assert buttons == ["verify", "reject"]
    assert 'data-decision="verify"' in html


def test_detail_shows_a_manufacturer_with_its_plants_and_members(staff_client):
    company = PlantFactory(name="Pabrik Madiun").manufacturer
    company.members.add(UserFactory(username="pembeli", email="pembeli@pt.id"))

    response = staff_client.get(detail_url("manufacturer", company.pk))

    html = response.content.decode()
    assert "Pabrik Madiun" in html and "pembeli@pt.id" in html
    assert company.name in html


def test_detail_query_count_does_not_grow_with_capabilities_and_certificates(
    staff_client, django_assert_max_num_queries
):
    ikm = SupplierFactory(owner=UserFactory())
    SupplierCapabilityFactory(supplier=ikm)
    staff_client.get(detail_url("ikm", ikm.pk))
    with django_assert_max_num_queries(20) as small:
        staff_client.get(detail_url("ikm", ikm.pk))
    for _ in range(10):
        SupplierCapabilityFactory(supplier=ikm)
        SupplierCertificationFactory(supplier=ikm)

    with django_assert_max_num_queries(len(small.captured_queries)):
        staff_client.get(detail_url("ikm", ikm.pk))


# --- decisions --------------------------------------------------------------------------------


@pytest.fixture
def cat():
    return f.catalogue()


def test_verify_makes_the_ikm_verified_notifies_its_owner_and_matches_it(
    staff_client, cat, django_capture_on_commit_callbacks
):
    demand = f.brake_block_demand(cat)
    ikm = f.supplier(cat, name="CV Baru Daftar", verified=False)
    ikm.owner = UserFactory(username="pemilik-baru", email="baru@cv.id")
    ikm.save(update_fields=["owner"])

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(detail_url("ikm", ikm.pk), {"decision": "verify"})

    assert response.status_code == 302
    assert response.url == QUEUE
    ikm.refresh_from_db()
    assert ikm.verification_status == VERIFIED
    assert Notification.objects.get(user=ikm.owner).kind == notices.ORGANISATION_VERIFIED
    assert [m.to for m in mail.outbox] == [["baru@cv.id"]]
    assert Match.objects.filter(demand=demand, supplier=ikm, kind=MatchKind.MATCH).exists()
    followed = staff_client.get(response.url)
    assert "CV Baru Daftar" in " ".join(str(m) for m in followed.context["messages"])
    assert ("ikm", ikm.pk) not in listed(followed)


def test_reject_without_a_reason_shows_the_error_and_changes_nothing(staff_client):
    ikm = SupplierFactory(owner=UserFactory())

    response = staff_client.post(detail_url("ikm", ikm.pk), {"decision": "reject", "reason": ""})

    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert 'id="verification-decision"' in response.content.decode()
    ikm.refresh_from_db()
    assert ikm.verification_status == PENDING
    assert mail.outbox == []


def test_htmx_reject_without_a_reason_returns_the_panel_with_400(staff_client):
    ikm = SupplierFactory()

    response = staff_client.post(
        detail_url("ikm", ikm.pk), {"decision": "reject"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card mb-3" id="verification-decision"')
    assert "is-invalid" in html


def test_reject_with_a_reason_mails_it_and_keeps_the_ikm_unmatched(
    staff_client, django_capture_on_commit_callbacks
):
    ikm = SupplierFactory(owner=UserFactory(email="pemilik@cv.id"))

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            detail_url("ikm", ikm.pk),
            {"decision": "reject", "reason": "Sertifikat ISO tidak terbaca."},
            headers={"HX-Request": "true"},
        )

    assert response.status_code == 200  # HX-Redirect (common.htmx.redirect_page)
    assert response["HX-Redirect"] == QUEUE
    ikm.refresh_from_db()
    assert ikm.verification_status == VerificationStatus.REJECTED
    assert "Sertifikat ISO tidak terbaca." in mail.outbox[0].body
    assert mail.outbox[0].to == ["pemilik@cv.id"]


def test_a_decision_already_taken_is_refused_with_the_reason_typed_kept(staff_client):
    ikm = SupplierFactory(verification_status=VERIFIED)

    response = staff_client.post(
        detail_url("ikm", ikm.pk), {"decision": "reject", "reason": "Terlambat."}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["decision"]
    assert "Terlambat." in response.content.decode()
    ikm.refresh_from_db()
    assert ikm.verification_status == VERIFIED


def test_suspend_a_verified_manufacturer_mails_its_members(
    staff_client, django_capture_on_commit_callbacks
):
    company = ManufacturerFactory(verification_status=VERIFIED, verified_at=timezone.now())
    company.members.add(UserFactory(email="a@pt.id"), UserFactory(email="b@pt.id"))

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            detail_url("manufacturer", company.pk),
            {"decision": "suspend", "reason": "Perusahaan tidak aktif lagi."},
        )

    company.refresh_from_db()
    assert company.verification_status == VerificationStatus.SUSPENDED
    assert sorted(mail.outbox[0].to) == ["a@pt.id", "b@pt.id"]


def test_unknown_decision_is_refused(staff_client):
    ikm = SupplierFactory()

    response = staff_client.post(detail_url("ikm", ikm.pk), {"decision": "approve"})

    assert response.context["form"].errors["decision"]
    ikm.refresh_from_db()
    assert ikm.verification_status == PENDING
