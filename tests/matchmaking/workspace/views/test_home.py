"""The home page: headline counts, Indonesian by default, English after the switch."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from partners.choices import DemandStatus, VerificationStatus
from tests.partners.factories import (
    DemandFactory,
    ManufacturerFactory,
    SupplierFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SHELL_FILES = [
    "vendor/bootstrap/bootstrap.min.css",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "vendor/htmx/htmx.min.js",
]
VENDOR_FILES = [
    *SHELL_FILES,
    "vendor/chartjs/chart.umd.min.js",
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet-markercluster/leaflet.markercluster.js",
]


def test_home_counts_verified_suppliers_open_demands_and_active_manufacturers(client):
    SupplierFactory.create_batch(2, verification_status=VerificationStatus.VERIFIED)
    SupplierFactory(verification_status=VerificationStatus.PENDING)
    SupplierFactory(verification_status=VerificationStatus.VERIFIED, is_active=False)
    DemandFactory(status=DemandStatus.OPEN)
    DemandFactory(status=DemandStatus.DRAFT)
    ManufacturerFactory(is_active=False)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    counts = response.context["counts"]
    assert counts.verified_suppliers == 2
    assert counts.open_demands == 1
    assert counts.manufacturers == 2  # the two behind the demands; the inactive one is left out
    assert b'data-stat="verified-suppliers">2<' in response.content


def test_home_renders_in_indonesian_by_default(client):
    response = client.get(reverse("home"))

    assert response["Content-Language"] == "id"
    assert b'<html lang="id">' in response.content
    assert "Masuk" in response.content.decode()  # "Log in"


def test_home_renders_in_english_after_switching_language(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    response = client.get(reverse("home"))

    assert response["Content-Language"] == "en"
    assert b'<html lang="en">' in response.content
    assert "Log in" in response.content.decode()


def test_home_loads_vendored_bootstrap_and_htmx_with_csrf_header(client):
    content = client.get(reverse("home")).content.decode()

    for path in SHELL_FILES:
        assert f"/static/{path}" in content
    assert 'hx-headers=\'{"X-CSRFToken": "' in content


@pytest.mark.parametrize("path", VENDOR_FILES)
def test_vendored_static_file_exists(path):
    found = finders.find(path)

    assert found is not None, path
    assert Path(found).stat().st_size > 10_000


def test_only_staff_see_the_admin_link(client, ikm_user, staff_user):
    client.force_login(ikm_user)
    assert reverse("admin:index") not in client.get(reverse("home")).content.decode()

    client.force_login(staff_user)
    assert reverse("admin:index") in client.get(reverse("home")).content.decode()


def test_login_sends_staff_to_their_dashboard(client, staff_user):
    response = client.post(
        reverse("login"), {"username": staff_user.username, "password": "jembatan-test-password"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("after_login")
    landing = client.get(response["Location"])
    assert landing.status_code == 302
    assert landing["Location"] == reverse("workspace:dashboard")


def test_login_sends_an_ikm_owner_to_their_ikm(client, ikm_user):
    client.post(
        reverse("login"), {"username": ikm_user.username, "password": "jembatan-test-password"}
    )

    landing = client.get(reverse("after_login"))

    assert landing["Location"] == reverse("partners:my_ikm")


def test_login_sends_a_manufacturer_member_to_the_company_page(client, manufacturer_user):
    client.force_login(manufacturer_user)

    assert client.get(reverse("after_login"))["Location"] == reverse("partners:company")


def test_login_sends_a_user_without_a_role_home(client):
    client.force_login(UserFactory(username="tamu"))

    landing = client.get(reverse("after_login"))

    assert landing["Location"] == reverse("home")
    assert "tamu" in client.get(reverse("home")).content.decode()


def test_login_honours_next(client, staff_user):
    response = client.post(
        reverse("login") + "?next=/staff/partnerships/",
        {"username": staff_user.username, "password": "jembatan-test-password"},
    )

    assert response["Location"] == "/staff/partnerships/"


def test_logout_is_a_post_and_returns_home(staff_client):
    response = staff_client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert "_auth_user_id" not in staff_client.session


def test_home_offers_sign_up_to_visitors_and_the_start_page_to_users(client, staff_user):
    visitor = client.get(reverse("home")).content.decode()
    assert reverse("partners:signup") in visitor

    client.force_login(staff_user)
    signed_in = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("after_login")}" id="home-start"' in signed_in
    assert reverse("partners:signup") not in signed_in
