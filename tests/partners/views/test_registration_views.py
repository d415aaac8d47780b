"""The IKM registration pages (/ikm/register/…) through the web: each step's validation with
typed values kept, the draft surviving a logout, going back, uploads refused before anything
is stored, submission (once), and what one owner can reach of another's draft."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from matchmaking.models import Match
from partners.choices import AccountType, DemandStatus, SizeClass, VerificationStatus
from partners.models import (
    Supplier,
    SupplierCapability,
    SupplierCertification,
    SupplierDraft,
)
from partners.services.verification import supplier_verification_set
from partners.sizing import size_class
from tests.components.factories import (
    ComponentTypeFactory,
)
from tests.matchmaking import factories as mf
from tests.partners.factories import (
    SupplierFactory,
    UserFactory,
)
from tests.partners.views.ikm_helpers import (
    MY_IKM,
    PASSWORD,
    PDF,
    PNG,
    REVIEW,
    SUBMIT,
    capabilities,
    certifications,
    contact,
    draft_of,
    english_client,
    fill_all_steps,
    identity,
    location,
    pdf,
    step_url,
    stored_files,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


# --- Access ------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_login_from_every_registration_page(client, cat):
    for url in [MY_IKM, "/ikm/register/", step_url(1), REVIEW, "/ikm/edit/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("who", ["manufacturer_client", "staff_client"])
def test_manufacturer_and_staff_cannot_open_the_ikm_registration(request, who, cat):
    client = request.getfixturevalue(who)
    for url in [MY_IKM, step_url(1), "/ikm/lookup/kbli/?q=24"]:
        assert client.get(url).status_code == 403


def test_owner_with_a_registered_ikm_is_sent_from_the_registration_to_my_ikm(ikm_client):
    response = ikm_client.get(step_url(1))
    assert response.status_code == 302
    assert response.url == MY_IKM


def test_owner_without_ikm_sees_how_to_start(owner_client):
    response = owner_client.get(MY_IKM)
    assert response.status_code == 200
    assert 'id="register-start"' in response.content.decode()


# --- Step 1: identity -----------------------------------------------------------------------


def test_step_one_with_missing_fields_shows_an_error_next_to_each_and_saves_nothing(
    owner_client, owner, cat
):
    response = owner_client.post(step_url(1), {"action": "next", "legal_name": "CV Baru"})

    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"nib", "legal_form", "kbli_codes", "workers", "investment_idr"}
    assert 'value="CV Baru"' in response.content.decode()
    assert not SupplierDraft.objects.filter(owner=owner).exists()


def test_bad_nib_is_refused_with_typed_values_kept_then_corrected_and_saved(
    owner_client, owner, cat
):
    response = owner_client.post(step_url(1), identity(cat, nib="9120-0000-099"))

    assert response.status_code == 200
    assert response.context["form"].errors["nib"] == [
        "NIB must be exactly 13 digits (Nomor Induk Berusaha from OSS)."
    ]
    html = response.content.decode()
    assert 'value="CV Logam Jaya"' in html
    assert 'value="9120-0000-099"' in html
    assert 'name="kbli_codes" value="24310"' in html
    assert not SupplierDraft.objects.filter(owner=owner).exists()

    response = owner_client.post(step_url(1), identity(cat, nib="9120 0000 0099 9"))

    assert response.status_code == 302
    assert response.url == step_url(2)
    draft = draft_of(owner)
    assert draft.step == 2
    assert draft.data["identity"] == {
        "legal_name": "CV Logam Jaya",
        "nib": "9120000000999",
        "legal_form": "cv",
        "kbli_codes": ["24310"],
        "workers": 12,
        "investment_idr": 450_000_000,
    }


def test_errors_are_in_indonesian_by_default(owner_client, cat, settings):
    del owner_client.cookies[settings.LANGUAGE_COOKIE_NAME]

    response = owner_client.post(step_url(1), identity(cat, nib="123"))

    assert "NIB harus tepat 13 digit (Nomor Induk Berusaha dari OSS)." in response.text


def test_nib_of_an_already_registered_ikm_is_refused_with_a_clear_message(owner_client, owner, cat):
    SupplierFactory(nib="9120000000999")

    response = owner_client.post(step_url(1), identity(cat))

    assert response.status_code == 200
    assert "already registered" in response.context["form"].errors["nib"][0]
    assert not SupplierDraft.objects.filter(owner=owner).exists()


def test_large_industry_is_refused_and_the_draft_does_not_advance(owner_client, owner, cat):
    owner_client.post(step_url(1), identity(cat))

    response = owner_client.post(
        step_url(1), identity(cat, workers="250", investment_idr="Rp 16.000.000.000")
    )

    assert response.status_code == 200
    assert "large industry" in response.context["form"].errors["investment_idr"][0]
    draft = draft_of(owner)
    assert draft.step == 2
    assert draft.data["identity"]["workers"] == 12


# --- Step 2: location ---------------------------------------------------------------------


def test_location_refuses_a_regency_outside_the_province_and_half_coordinates(
    owner_client, owner, cat
):
    owner_client.post(step_url(1), identity(cat))

    response = owner_client.post(
        step_url(2), location(cat, province="35", regency="33.10", latitude="-7.7")
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "not in the chosen province" in errors["regency"][0]
    assert errors["longitude"] == ["Give both latitude and longitude, or neither."]
    assert draft_of(owner).step == 2


# --- Step 3: capabilities -------------------------------------------------------------------


def test_capabilities_need_at_least_one_row_and_valid_numbers(owner_client, owner, cat):
    owner_client.post(step_url(1), identity(cat))
    owner_client.post(step_url(2), location(cat))

    none = owner_client.post(step_url(3), capabilities(cat, rows=[]))
    bad = owner_client.post(
        step_url(3),
        capabilities(
            cat, rows=[{"monthly_capacity": "0", "minimum_order": "", "lead_time_days": ""}]
        ),
    )
    too_big_minimum = owner_client.post(
        step_url(3), capabilities(cat, rows=[{"monthly_capacity": "50", "minimum_order": "80"}])
    )
    twice = owner_client.post(step_url(3), capabilities(cat, rows=[{}, {}]))

    assert none.context["form"].non_form_errors() == ["Add at least one component you can make."]
    row = bad.context["form"].forms[0]
    assert row.errors["monthly_capacity"] == ["Capacity must be greater than zero."]
    assert "lead_time_days" in row.errors
    assert too_big_minimum.context["form"].forms[0].errors["minimum_order"] == [
        "Minimum order cannot exceed the monthly capacity."
    ]
    assert "already in another row" in twice.context["form"].forms[1].errors["component_type"][0]
    assert draft_of(owner).step == 3


def test_component_search_keeps_the_chosen_type_and_filters_the_others(owner_client, cat):
    chair = ComponentTypeFactory(name_id="Kursi jati", name_en="Teak chair")

    html = owner_client.get(
        "/ikm/lookup/components/",
        {
            "capabilities-0-component_q": "kursi",
            "capabilities-0-component_type": cat["component"].pk,
        },
    ).content.decode()

    assert f'value="{chair.pk}"' in html
    assert f'value="{cat["component"].pk}" selected' in html


# --- Step 4: certifications and uploads ------------------------------------------------------


@pytest.fixture
def at_step_four(owner_client, cat, media):
    owner_client.post(step_url(1), identity(cat))
    owner_client.post(step_url(2), location(cat))
    owner_client.post(step_url(3), capabilities(cat))
    return owner_client


def test_too_large_upload_is_refused_and_nothing_is_stored(
    at_step_four, owner, cat, media, settings
):
    settings.UPLOAD_MAX_BYTES = 1_048_576

    response = at_step_four.post(
        step_url(4), certifications(cat, [{"document": pdf(content=PDF + b"0" * 1_200_000)}])
    )

    assert response.status_code == 200
    assert response.context["form"].forms[0].errors["document"] == [
        "The file is 1.1 MB; at most 1 MB is accepted."
    ]
    assert stored_files(media) == []
    assert draft_of(owner).step == 4
    assert 'value="QMS/0042/2025"' in response.content.decode()


def test_a_pdf_that_is_really_text_is_refused_and_nothing_is_stored(
    at_step_four, owner, cat, media
):
    response = at_step_four.post(
        step_url(4),
        certifications(cat, [{"document": pdf(name="iso.pdf", content=b"this is only text")}]),
    )

    assert response.status_code == 200
    assert response.context["form"].forms[0].errors["document"] == [
        "Only PDF, PNG or JPEG files are accepted."
    ]
    assert stored_files(media) == []
    assert "certifications" not in draft_of(owner).data


def test_certificate_without_a_scan_or_already_expired_is_refused(at_step_four, owner, cat, media):
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()

    response = at_step_four.post(
        step_url(4),
        certifications(
            cat,
            [{}, {"number": "SNI/1", "valid_until": yesterday, "document": pdf()}],
        ),
    )

    first, second = response.context["form"].forms
    assert "Upload a scan" in first.errors["document"][0]
    assert second.errors["valid_until"] == ["This certificate has already expired."]
    assert stored_files(media) == []


def test_good_scan_is_stored_under_the_drafts_folder_and_shown_back(
    at_step_four, owner, cat, media
):
    response = at_step_four.post(step_url(4), certifications(cat, [{"document": pdf()}]))

    assert response.status_code == 302
    row = draft_of(owner).data["certifications"][0]
    assert row["document"].startswith(f"drafts/{owner.pk}/") and row["document"].endswith(".pdf")
    assert row["document_name"] == "sertifikat-iso.pdf"
    assert stored_files(media) == [media / row["document"]]
    html = at_step_four.get(step_url(4)).content.decode()
    assert "sertifikat-iso.pdf" in html
    assert f'value="{row["document"]}"' in html


def test_resaving_step_four_keeps_the_scan_and_a_replacement_deletes_the_old_file(
    at_step_four, owner, cat, media, django_capture_on_commit_callbacks
):
    at_step_four.post(step_url(4), certifications(cat, [{"document": pdf()}]))
    first = draft_of(owner).data["certifications"][0]["document"]

    kept = certifications(cat, [{"existing_document": first}], initial=1)
    assert at_step_four.post(step_url(4), kept).status_code == 302
    assert draft_of(owner).data["certifications"][0]["document"] == first

    with django_capture_on_commit_callbacks(execute=True):
        at_step_four.post(
            step_url(4),
            certifications(
                cat,
                [{"existing_document": first, "document": pdf(name="baru.png", content=PNG)}],
                initial=1,
            ),
        )

    second = draft_of(owner).data["certifications"][0]["document"]
    assert second != first and second.endswith(".png")
    assert stored_files(media) == [media / second]


def test_step_four_may_be_left_empty(at_step_four, owner, cat):
    response = at_step_four.post(step_url(4), certifications(cat, []))

    assert response.status_code == 302
    assert draft_of(owner).data["certifications"] == []


# --- Steps 5, review, resume, back -------------------------------------------------------------


def test_contact_step_is_prefilled_from_the_account_and_checks_the_phone(
    owner_client, owner, cat, media
):
    fill_all_steps(owner_client, cat)

    html = owner_client.get(step_url(5)).content.decode()
    response = owner_client.post(step_url(5), contact(contact_phone="call me"))

    assert 'value="Budi Santoso"' in html
    assert "0272 321 456" in response.context["form"].errors["contact_phone"][0]


def test_draft_resumes_at_the_step_reached_after_logout_on_another_device(owner, cat):
    first = english_client()
    first.login(username=owner.username, password=PASSWORD)
    first.post(step_url(1), identity(cat))
    first.post(step_url(2), location(cat))
    first.post(reverse("logout"))
    assert first.get(step_url(1)).status_code == 302  # logged out

    second = english_client()
    assert second.login(username=owner.username, password=PASSWORD)
    resumed = second.get("/ikm/register/")
    again = second.get(step_url(2)).content.decode()
    start = second.get(MY_IKM).content.decode()

    assert resumed.url == step_url(3)
    assert 'value="Sentra Pengecoran Logam Ceper"' in again
    assert '<option value="33.10" data-lat' in again and "selected>Klaten" in again
    assert 'id="register-resume"' in start


def test_steps_ahead_of_the_one_reached_cannot_be_skipped_to(owner_client, cat):
    owner_client.post(step_url(1), identity(cat))

    response = owner_client.get(step_url(4))

    assert response.status_code == 302
    assert response.url == step_url(2)
    assert owner_client.get(reverse("partners:register_step", args=[9])).status_code == 404


def test_going_back_saves_the_step_and_keeps_earlier_values(owner_client, owner, cat):
    owner_client.post(step_url(1), identity(cat))
    owner_client.post(step_url(2), location(cat))

    response = owner_client.post(step_url(3), capabilities(cat, action="back"))
    step_two = owner_client.get(step_url(2)).content.decode()
    step_one = owner_client.get(step_url(1)).content.decode()
    step_three = owner_client.get(step_url(3)).content.decode()

    assert response.url == step_url(2)
    assert draft_of(owner).step == 4
    assert "Jl. Raya Ceper 12, Klaten" in step_two
    assert 'value="9120000000999"' in step_one and 'value="CV Logam Jaya"' in step_one
    assert 'value="5000"' in step_three and 'value="100"' in step_three


def test_save_and_finish_later_goes_to_my_ikm(owner_client, owner, cat):
    response = owner_client.post(step_url(1), identity(cat, action="stop"))

    assert response.url == MY_IKM
    assert draft_of(owner).step == 2


def test_review_lists_everything_and_submit_is_disabled_until_every_step_is_saved(
    owner_client, cat, media
):
    owner_client.post(step_url(1), identity(cat))
    owner_client.post(step_url(2), location(cat))
    partial = owner_client.get(REVIEW).content.decode()
    assert 'id="register-missing"' in partial and 'id="register-submit" disabled' in partial

    fill_all_steps(owner_client, cat)
    html = owner_client.get(REVIEW).content.decode()

    assert 'id="register-missing"' not in html
    for text in [
        "CV Logam Jaya",
        "9120000000999",
        "Klaten",
        "Metallic brake block",
        "QMS/0042/2025",
        "sertifikat-iso.pdf",
        "0272 321 456",
    ]:
        assert text in html


# --- Submission ----------------------------------------------------------------------------


def test_submit_creates_the_ikm_pending_with_capabilities_and_certificates_and_deletes_the_draft(
    owner_client, owner, cat, media, django_capture_on_commit_callbacks
):
    fill_all_steps(owner_client, cat)
    draft_file = draft_of(owner).data["certifications"][0]["document"]

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(SUBMIT)

    assert response.status_code == 302 and response.url == MY_IKM
    supplier = Supplier.objects.get(owner=owner)
    assert supplier.verification_status == VerificationStatus.PENDING
    assert supplier.legal_name == "CV Logam Jaya" and supplier.regency_id == "33.10"
    assert supplier.size_class == "kecil"
    assert (supplier.latitude, supplier.longitude) == (-7.68333, 110.61667)
    assert list(supplier.kbli_codes.values_list("code", flat=True)) == ["24310"]
    capability = SupplierCapability.objects.get(supplier=supplier)
    assert capability.monthly_capacity == 5000 and capability.minimum_order == 100
    assert list(capability.processes.all()) == [cat["process"]]
    held = SupplierCertification.objects.get(supplier=supplier)
    assert held.number == "QMS/0042/2025"
    assert held.document.name.startswith(f"certificates/{supplier.pk}/")
    assert (media / held.document.name).read_bytes() == PDF
    assert not SupplierDraft.objects.filter(owner=owner).exists()
    assert not (media / draft_file).exists()
    assert stored_files(media) == [media / held.document.name]


def test_submitted_ikm_is_not_matched_until_staff_verify_it(
    owner_client, owner, cat, media, django_capture_on_commit_callbacks
):
    fitting = mf.brake_block_demand(
        mf.Catalogue(
            brake_block=cat["component"],
            brake_block_head=cat["component"],
            chair=cat["component"],
            grey_iron=cat["material"],
            aluminium=cat["material"],
            teak=cat["material"],
            casting=cat["process"],
            woodworking=cat["process"],
            iso_9001=cat["certification"],
        )
    )
    fitting.manufacturer.verification_status = VerificationStatus.VERIFIED
    fitting.manufacturer.save()
    assert fitting.status == DemandStatus.OPEN
    fill_all_steps(owner_client, cat)

    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(SUBMIT)
    supplier = Supplier.objects.get(owner=owner)
    assert not Match.objects.filter(supplier=supplier).exists()

    with django_capture_on_commit_callbacks(execute=True):
        supplier_verification_set(supplier=supplier, status=VerificationStatus.VERIFIED)

    assert Match.objects.filter(supplier=supplier, demand=fitting).exists()


def test_submitting_twice_creates_one_ikm_and_the_second_lands_on_my_ikm(
    owner_client, owner, cat, media
):
    fill_all_steps(owner_client, cat)

    first = owner_client.post(SUBMIT)
    second = owner_client.post(SUBMIT)

    assert first.url == MY_IKM and second.url == MY_IKM
    assert Supplier.objects.filter(owner=owner).count() == 1
    assert SupplierCapability.objects.filter(supplier__owner=owner).count() == 1
    assert SupplierCertification.objects.filter(supplier__owner=owner).count() == 1


def test_submit_is_refused_with_the_step_to_correct_when_the_nib_was_taken_meanwhile(
    owner_client, owner, cat, media
):
    fill_all_steps(owner_client, cat)
    SupplierFactory(nib="9120000000999")

    response = owner_client.post(SUBMIT)

    assert response.status_code == 200
    assert response.context["refusal"].step == 1
    assert response.context["refusal_url"] == step_url(1)
    assert 'id="register-refusal"' in response.content.decode()
    assert not Supplier.objects.filter(owner=owner).exists()
    assert SupplierDraft.objects.filter(owner=owner).exists()
    assert [p.parent.name for p in stored_files(media)] == [str(owner.pk)]  # draft scan only


def test_submit_without_a_draft_goes_back_to_the_registration(owner_client):
    response = owner_client.post(SUBMIT)

    assert response.status_code == 302
    assert response.url == "/ikm/register/"


# --- One owner, another's draft ------------------------------------------------------------


def test_owner_a_sees_only_their_own_draft_and_cannot_use_owner_b_s_scan(cat, media):
    owner_b = UserFactory(username="owner-b", account_type=AccountType.IKM_OWNER)
    client_b = english_client()
    client_b.force_login(owner_b)
    client_b.post(step_url(1), identity(cat, legal_name="UD Rahasia B", nib="9120000000777"))
    client_b.post(step_url(2), location(cat))
    client_b.post(step_url(3), capabilities(cat))
    client_b.post(step_url(4), certifications(cat, [{"document": pdf(name="b-secret.pdf")}]))
    b_file = draft_of(owner_b).data["certifications"][0]["document"]
    b_key = b_file.rsplit("/", 1)[-1]

    owner_a = UserFactory(username="owner-a", account_type=AccountType.IKM_OWNER)
    client_a = english_client()
    client_a.force_login(owner_a)
    step_one = client_a.get(step_url(1)).content.decode()
    b_document = client_a.get(reverse("partners:draft_document", args=[b_key]))
    client_a.post(step_url(1), identity(cat))
    client_a.post(step_url(2), location(cat))
    client_a.post(step_url(3), capabilities(cat))
    stolen = client_a.post(
        step_url(4), certifications(cat, [{"existing_document": b_file}], initial=1)
    )

    assert "UD Rahasia B" not in step_one
    assert b_document.status_code == 404
    assert "Upload a scan" in stolen.context["form"].forms[0].errors["document"][0]
    assert "certifications" not in draft_of(owner_a).data
    assert client_b.get(reverse("partners:draft_document", args=[b_key])).status_code == 200


# --- Step 1: identity (bug 1 of issue #9) -----------------------------------------------


def test_identity_step_reads_rupiah_with_zero_cents_and_accepts_a_medium_ikm(
    owner_client, owner, cat
):
    """Bug 1 of issue #9: ``Rp 450.000.000,00`` was read as 45 billion, so an IKM with 20+
    workers was refused as large industry."""
    response = owner_client.post(
        step_url(1), identity(cat, workers="25", investment_idr="Rp 450.000.000,00")
    )

    assert response.status_code == 302
    assert response["Location"] == step_url(2)
    stored = draft_of(owner).data["identity"]
    assert stored["investment_idr"] == 450_000_000
    assert stored["workers"] == 25
    assert size_class(workers=25, investment_idr=stored["investment_idr"]) == SizeClass.MEDIUM
