"""Document downloads under /documents/: certificate scans for the IKM's owner and staff,
technical drawings for the manufacturer's members and staff, draft scans for the draft's
owner; everyone else 404, anonymous visitors to the login page; the content type from the
file's own bytes with ``nosniff``."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from partners.models import SupplierDraft
from partners.uploads import private_storage
from tests.partners.factories import (
    DemandFactory,
    ManufacturerFactory,
    SupplierCertificationFactory,
    SupplierFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def client_for(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def certificate(media):
    owner = UserFactory(username="owner-of-the-scan")
    held = SupplierCertificationFactory(
        supplier=SupplierFactory(owner=owner), number="QMS/0042/2025"
    )
    held.document.save("scan.pdf", ContentFile(PDF))
    return held


@pytest.fixture
def drawing(media):
    member = UserFactory(username="buyer")
    manufacturer = ManufacturerFactory()
    manufacturer.members.add(member)
    demand = DemandFactory(manufacturer=manufacturer, title="Blok rem komposit")
    demand.drawing.save("drawing.png", ContentFile(PNG))
    return demand


def certificate_url(held) -> str:
    return reverse("partners:certificate_document", args=[held.pk])


def drawing_url(demand) -> str:
    return reverse("partners:drawing_document", args=[demand.pk])


# --- Certificates ----------------------------------------------------------------------------


def test_owner_opens_the_certificate_scan_inline_as_pdf_with_nosniff(client, certificate):
    response = client_for(client, certificate.supplier.owner).get(certificate_url(certificate))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline;")
    assert "qms-0042-2025" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == PDF


def test_download_parameter_asks_the_browser_to_save_the_file(client, certificate):
    response = client_for(client, certificate.supplier.owner).get(
        certificate_url(certificate) + "?download=1"
    )

    assert response["Content-Disposition"].startswith("attachment;")


def test_staff_open_any_certificate_scan(staff_client, certificate):
    assert staff_client.get(certificate_url(certificate)).status_code == 200


@pytest.mark.parametrize("who", ["ikm_user", "manufacturer_user"])
def test_another_owner_or_a_manufacturer_gets_404_for_a_certificate_scan(
    client, request, who, certificate
):
    response = client_for(client, request.getfixturevalue(who)).get(certificate_url(certificate))

    assert response.status_code == 404
    assert PDF not in response.content


def test_anonymous_visitor_is_sent_to_login_for_a_certificate_scan(client, certificate):
    response = client.get(certificate_url(certificate))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_certificate_without_a_scan_or_with_a_vanished_file_answers_404(client, certificate, media):
    owner = certificate.supplier.owner
    without = SupplierCertificationFactory(supplier=certificate.supplier, number="SNI-1")
    (media / certificate.document.name).unlink()
    client = client_for(client, owner)

    assert client.get(certificate_url(without)).status_code == 404
    assert client.get(certificate_url(certificate)).status_code == 404
    assert client.get(reverse("partners:certificate_document", args=[999999])).status_code == 404


def test_content_type_comes_from_the_bytes_not_the_file_name(client, certificate, media):
    # A JPEG stored under a .pdf name is still served as a JPEG.
    (media / certificate.document.name).write_bytes(JPEG)

    response = client_for(client, certificate.supplier.owner).get(certificate_url(certificate))

    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline;")
    assert ".jpg" in response["Content-Disposition"]


def test_a_stored_file_that_is_no_accepted_type_is_only_offered_as_a_download(
    client, certificate, media
):
    (media / certificate.document.name).write_bytes(b"<script>alert(1)</script>")

    response = client_for(client, certificate.supplier.owner).get(certificate_url(certificate))

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


# --- Drawings --------------------------------------------------------------------------------


def test_member_of_the_manufacturer_opens_the_drawing_as_png(client, drawing):
    member = drawing.manufacturer.members.get()

    response = client_for(client, member).get(drawing_url(drawing))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG


def test_staff_open_any_drawing(staff_client, drawing):
    assert staff_client.get(drawing_url(drawing)).status_code == 200


@pytest.mark.parametrize("who", ["manufacturer_user", "ikm_user"])
def test_another_manufacturer_or_an_ikm_owner_gets_404_for_a_drawing(client, request, who, drawing):
    response = client_for(client, request.getfixturevalue(who)).get(drawing_url(drawing))

    assert response.status_code == 404


def test_anonymous_visitor_is_sent_to_login_for_a_drawing(client, drawing):
    response = client.get(drawing_url(drawing))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_demand_without_a_drawing_answers_404_to_its_member(client, media):
    member = UserFactory(username="buyer-2")
    demand = DemandFactory()
    demand.manufacturer.members.add(member)

    assert client_for(client, member).get(drawing_url(demand)).status_code == 404


# --- Draft scans -----------------------------------------------------------------------------


def test_draft_scan_is_served_to_the_draft_owner_only(client, media):
    owner = UserFactory(username="drafting-owner")
    name = private_storage.save(f"drafts/{owner.pk}/abc123.pdf", ContentFile(PDF))
    SupplierDraft.objects.create(
        owner=owner,
        step=5,
        data={"certifications": [{"document": name, "document_name": "iso 9001.pdf"}]},
    )
    # A file in the owner's folder that the draft does not list is not served either.
    stray = private_storage.save(f"drafts/{owner.pk}/stray.pdf", ContentFile(PDF))
    url = reverse("partners:draft_document", args=["abc123.pdf"])
    other = UserFactory(username="someone-else")

    mine = client_for(client, owner).get(url)
    not_listed = client.get(reverse("partners:draft_document", args=[stray.rsplit("/", 1)[-1]]))
    client.logout()
    anonymous = client.get(url)
    theirs = client_for(client, other).get(url)

    assert mine.status_code == 200 and mine["Content-Type"] == "application/pdf"
    assert "iso" in mine["Content-Disposition"]
    assert not_listed.status_code == 404
    assert anonymous.status_code == 302
    assert theirs.status_code == 404
