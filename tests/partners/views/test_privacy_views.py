"""The privacy pages: an owner's overview, download and deletion request; the staff list
of requests and the decision (confirm anonymises, refuse needs a note)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from partners.choices import DeletionStatus, VerificationStatus
from partners.models import DeletionRequest, Supplier
from partners.privacy import deletion
from tests.partners.factories import (
    ManufacturerFactory,
    SupplierCertificationFactory,
    SupplierFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English (``client`` is also the staff_client of a test); lazy messages in
    the context are read in English too."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield client


def an_ikm(username: str = "owner-a", **fields) -> Supplier:
    owner = UserFactory(username=username, account_type="ikm_owner")
    return SupplierFactory(
        owner=owner,
        contact_person=f"Contact of {username}",
        contact_phone="0272 321 456",
        contact_email=f"{username}@contact.example.id",
        verification_status=VerificationStatus.VERIFIED,
        **fields,
    )


def logged_in(user) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def delete_url(kind: str, pk: int) -> str:
    return reverse("partners:privacy_delete_request", kwargs={"kind": kind, "pk": pk})


def export_url(kind: str, pk: int, fmt: str = "zip") -> str:
    return reverse("partners:privacy_export", kwargs={"kind": kind, "pk": pk, "fmt": fmt})


# --- urls and access ------------------------------------------------------------------------


def test_privacy_urls():
    assert reverse("partners:privacy") == "/privacy/"
    assert export_url("ikm", 7) == "/privacy/ikm/7/export.zip"
    assert export_url("manufacturer", 7, "json") == "/privacy/manufacturer/7/export.json"
    assert delete_url("ikm", 7) == "/privacy/ikm/7/delete/"
    assert reverse("workspace:privacy_requests") == "/staff/privacy-requests/"
    assert reverse("workspace:privacy_request_detail", args=[3]) == "/staff/privacy-requests/3/"
    assert (
        reverse("workspace:privacy_request_decide", args=[3]) == "/staff/privacy-requests/3/decide/"
    )


def test_anonymous_visitors_are_sent_to_login(client):
    supplier = an_ikm()
    for url in (
        reverse("partners:privacy"),
        export_url("ikm", supplier.pk),
        delete_url("ikm", supplier.pk),
        reverse("workspace:privacy_requests"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_staff_have_no_privacy_page_of_their_own_and_parties_no_staff_list(staff_client):
    owner = an_ikm().owner

    assert staff_client.get(reverse("partners:privacy")).status_code == 403
    assert logged_in(owner).get(reverse("workspace:privacy_requests")).status_code == 403


# --- the owner's page -----------------------------------------------------------------------


def test_owner_sees_their_stored_data_and_the_download_and_deletion_actions():
    supplier = an_ikm(legal_name="CV Ceper Makmur")
    SupplierCertificationFactory(supplier=supplier)
    an_ikm("owner-b", legal_name="CV Somebody Else")

    response = logged_in(supplier.owner).get(reverse("partners:privacy"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "CV Ceper Makmur" in html
    assert "Contact of owner-a" in html and "owner-a@contact.example.id" in html
    assert f'id="privacy-ikm-{supplier.pk}"' in html
    assert export_url("ikm", supplier.pk, "zip") in html
    assert export_url("ikm", supplier.pk, "json") in html
    assert delete_url("ikm", supplier.pk) in html
    assert "CV Somebody Else" not in html and "owner-b" not in html


def test_manufacturer_member_sees_the_company_on_the_privacy_page():
    manufacturer = ManufacturerFactory(name="PT Rem Nusantara", contact_person="Pak Adi")
    member = UserFactory(account_type="manufacturer")
    manufacturer.members.add(member)

    html = logged_in(member).get(reverse("partners:privacy")).content.decode()

    assert "PT Rem Nusantara" in html and "Pak Adi" in html
    assert export_url("manufacturer", manufacturer.pk) in html


def test_a_signed_up_owner_without_an_ikm_yet_is_told_nothing_is_stored():
    user = UserFactory(account_type="ikm_owner")

    response = logged_in(user).get(reverse("partners:privacy"))

    assert response.status_code == 200
    assert 'id="privacy-no-organisation"' in response.content.decode()


def test_owner_downloads_a_zip_with_the_data_and_the_certificate(media):
    supplier = an_ikm()
    held = SupplierCertificationFactory(supplier=supplier)
    held.document.save("iso.pdf", ContentFile(PDF), save=True)

    response = logged_in(supplier.owner).get(export_url("ikm", supplier.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store, private"
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        data = json.loads(archive.read("data.json"))
        assert archive.read(data["certifications"][0]["document"]["path_in_zip"]) == PDF
    assert data["organisation"]["contact_email"] == "owner-a@contact.example.id"


def test_owner_downloads_the_json_alone():
    supplier = an_ikm()

    response = logged_in(supplier.owner).get(export_url("ikm", supplier.pk, "json"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content)["organisation"]["id"] == supplier.pk


def test_another_owner_gets_404_on_an_export_and_a_deletion_request_not_theirs():
    supplier = an_ikm()
    intruder = an_ikm("owner-b").owner
    client = logged_in(intruder)

    for url in (
        export_url("ikm", supplier.pk),
        export_url("ikm", supplier.pk, "json"),
        delete_url("ikm", supplier.pk),
    ):
        assert client.get(url).status_code == 404
    assert client.post(delete_url("ikm", supplier.pk), {"understood": "on"}).status_code == 404
    assert not DeletionRequest.objects.exists()


def test_staff_may_download_any_export(staff_client):
    supplier = an_ikm()

    response = staff_client.get(export_url("ikm", supplier.pk, "json"))

    assert response.status_code == 200
    assert json.loads(response.content)["organisation"]["legal_name"] == supplier.legal_name


# --- the deletion request -------------------------------------------------------------------


def test_deletion_request_page_explains_what_happens():
    supplier = an_ikm()

    response = logged_in(supplier.owner).get(delete_url("ikm", supplier.pk))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="deletion-request-form"' in html
    assert "you will no longer be able to log in" in html


def test_a_request_without_the_confirmation_box_is_shown_again_with_the_reason_kept():
    supplier = an_ikm()

    response = logged_in(supplier.owner).post(
        delete_url("ikm", supplier.pk), {"reason": "We stopped casting"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "understood": ["Tick this box to confirm that you want the deletion."]
    }
    html = response.content.decode()
    assert "We stopped casting</textarea>" in html
    assert "is-invalid" in html
    assert not DeletionRequest.objects.exists()


def test_a_request_is_recorded_once_even_when_sent_twice():
    supplier = an_ikm()
    client = logged_in(supplier.owner)
    data = {"reason": "We stopped casting", "understood": "on"}

    first = client.post(delete_url("ikm", supplier.pk), data)
    second = client.post(delete_url("ikm", supplier.pk), data)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == reverse("partners:privacy")
    request = DeletionRequest.objects.get()
    assert request.supplier == supplier and request.requested_by == supplier.owner
    assert request.reason == "We stopped casting"
    page = client.get(reverse("partners:privacy")).content.decode()
    assert f'id="privacy-pending-ikm-{supplier.pk}"' in page
    assert delete_url("ikm", supplier.pk) not in page


def test_a_manufacturer_member_asks_for_the_company(client):
    manufacturer = ManufacturerFactory()
    member = UserFactory(account_type="manufacturer")
    manufacturer.members.add(member)

    response = logged_in(member).post(
        delete_url("manufacturer", manufacturer.pk), {"understood": "on"}
    )

    assert response.status_code == 302
    assert DeletionRequest.objects.get().manufacturer == manufacturer


def test_the_owner_reads_the_staff_note_of_a_refused_request(staff_user):
    supplier = an_ikm()
    request = deletion.deletion_request_create(organisation=supplier, by=supplier.owner)
    deletion.deletion_request_refuse(
        deletion_request=request, by=staff_user, note="Your contract with KAI is still running"
    )

    html = logged_in(supplier.owner).get(reverse("partners:privacy")).content.decode()

    assert f'id="privacy-refused-ikm-{supplier.pk}"' in html
    assert "Your contract with KAI is still running" in html
    assert delete_url("ikm", supplier.pk) in html


# --- staff ----------------------------------------------------------------------------------


def test_staff_list_shows_pending_requests_by_default(staff_client, staff_user):
    pending = an_ikm(legal_name="CV Pending Ceper")
    deletion.deletion_request_create(organisation=pending, by=pending.owner, reason="Closing")
    refused = an_ikm("owner-b", legal_name="CV Refused Ceper")
    request = deletion.deletion_request_create(organisation=refused, by=refused.owner)
    deletion.deletion_request_refuse(deletion_request=request, by=staff_user, note="No")

    html = staff_client.get(reverse("workspace:privacy_requests")).content.decode()

    assert "CV Pending Ceper" in html and "Closing" in html
    assert "CV Refused Ceper" not in html
    everything = staff_client.get(reverse("workspace:privacy_requests"), {"status": ""})
    assert "CV Refused Ceper" in everything.content.decode()


def test_staff_list_filter_answers_htmx_with_the_results_fragment(staff_client, staff_user):
    supplier = an_ikm(legal_name="CV Ceper Refused")
    request = deletion.deletion_request_create(organisation=supplier, by=supplier.owner)
    deletion.deletion_request_refuse(deletion_request=request, by=staff_user, note="No")

    response = staff_client.get(
        reverse("workspace:privacy_requests"), {"status": "refused"}, **HTMX
    )

    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == (
        "partners/partials/_privacy_requests_results.html"
    )
    assert "CV Ceper Refused" in response.content.decode()


def test_staff_list_queries_stay_bounded(staff_client, django_assert_max_num_queries):
    for index in range(30):
        supplier = an_ikm(f"owner-{index}")
        deletion.deletion_request_create(organisation=supplier, by=supplier.owner)
    manufacturer = ManufacturerFactory()
    deletion.deletion_request_create(organisation=manufacturer, by=UserFactory())

    with django_assert_max_num_queries(8):
        response = staff_client.get(reverse("workspace:privacy_requests"))

    assert response.status_code == 200


def test_staff_confirm_anonymises_and_redirects_to_the_decided_request(staff_client, staff_user):
    supplier = an_ikm(legal_name="CV Ceper Gone")
    request = deletion.deletion_request_create(organisation=supplier, by=supplier.owner)
    detail = reverse("workspace:privacy_request_detail", args=[request.pk])
    assert "CV Ceper Gone" in staff_client.get(detail).content.decode()

    response = staff_client.post(
        reverse("workspace:privacy_request_decide", args=[request.pk]),
        {"decision": "confirm", "note": "Checked by phone"},
    )

    assert response.status_code == 302 and response["Location"] == detail
    request.refresh_from_db()
    supplier.refresh_from_db()
    assert request.status == DeletionStatus.CONFIRMED and request.decided_by == staff_user
    assert supplier.anonymised_at is not None and supplier.contact_person == ""
    page = staff_client.get(detail).content.decode()
    assert 'id="privacy-decision-outcome"' in page and "CV Ceper Gone" not in page
    assert logged_in(supplier.owner).get(reverse("partners:privacy")).status_code == 302


def test_staff_refuse_without_a_note_keeps_the_form_and_decides_nothing(staff_client):
    supplier = an_ikm()
    request = deletion.deletion_request_create(organisation=supplier, by=supplier.owner)
    url = reverse("workspace:privacy_request_decide", args=[request.pk])

    full = staff_client.post(url, {"decision": "refuse", "note": ""})
    fragment = staff_client.post(url, {"decision": "refuse", "note": " "}, **HTMX)
    no_choice = staff_client.post(url, {"note": "something"}, **HTMX)

    assert full.status_code == 200
    assert "note" in full.context["form"].errors
    assert fragment.status_code == 400
    assert [t.name for t in fragment.templates][0] == "partners/partials/_privacy_decision.html"
    assert 'value="refuse" checked' in fragment.content.decode()
    assert no_choice.status_code == 400
    assert "Choose to confirm or to refuse." in no_choice.content.decode()
    request.refresh_from_db()
    assert request.status == DeletionStatus.PENDING


def test_staff_htmx_decision_reloads_the_page(staff_client):
    supplier = an_ikm()
    request = deletion.deletion_request_create(organisation=supplier, by=supplier.owner)

    response = staff_client.post(
        reverse("workspace:privacy_request_decide", args=[request.pk]),
        {"decision": "refuse", "note": "Contract running"},
        **HTMX,
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("workspace:privacy_request_detail", args=[request.pk])
    request.refresh_from_db()
    assert request.status == DeletionStatus.REFUSED
    assert request.decision_note == "Contract running"


def test_a_second_decision_on_a_decided_request_is_refused_with_a_message(staff_client):
    supplier = an_ikm()
    request = deletion.deletion_request_create(organisation=supplier, by=supplier.owner)
    url = reverse("workspace:privacy_request_decide", args=[request.pk])
    staff_client.post(url, {"decision": "refuse", "note": "No"})

    response = staff_client.post(url, {"decision": "confirm"}, **HTMX)

    assert response.status_code == 409
    assert "already decided" in response.content.decode()
    supplier.refresh_from_db()
    assert supplier.anonymised_at is None


def test_non_staff_cannot_decide(client):
    supplier = an_ikm()
    request = deletion.deletion_request_create(organisation=supplier, by=supplier.owner)
    client = logged_in(supplier.owner)

    response = client.post(
        reverse("workspace:privacy_request_decide", args=[request.pk]), {"decision": "confirm"}
    )

    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == DeletionStatus.PENDING


def test_unknown_request_is_404(staff_client):
    assert (
        staff_client.get(reverse("workspace:privacy_request_detail", args=[999])).status_code == 404
    )
