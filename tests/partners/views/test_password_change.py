"""Every signed-in person changes their own password (issue #10), and new passwords meet
the validators: at least 10 characters, not common, not like the person's details, not
only digits, with the reasons in Indonesian."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from partners.models import User

pytestmark = pytest.mark.django_db

URL = reverse("partners:password_change")
OLD = "jembatan-test-password"  # UserFactory's
NEW = "Rem-Komposit-2026"


def change(client: Client, old: str = OLD, new: str = NEW, again: str | None = None):
    return client.post(
        URL, {"old_password": old, "new_password1": new, "new_password2": again or new}
    )


@pytest.mark.parametrize("role", ["staff_user", "ikm_user", "manufacturer_user"])
def test_every_role_changes_its_password_and_stays_signed_in(request, client, role):
    user = request.getfixturevalue(role)
    client.force_login(user)

    page = client.get(URL)
    response = change(client)

    assert page.status_code == 200
    assert 'id="password-change-form"' in page.content.decode()
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert SESSION_KEY in client.session  # still signed in here
    landed = client.get(response.url)
    assert "Kata sandi Anda telah diubah." in landed.content.decode()


def test_the_navbar_links_to_the_password_page_for_every_signed_in_person(ikm_client):
    html = ikm_client.get(reverse("home"), follow=True).content.decode()

    assert f'href="{URL}"' in html


def test_a_wrong_current_password_is_a_field_error_and_changes_nothing(ikm_client, ikm_user):
    response = change(ikm_client, old="bukan-sandi-lama")

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["old_password"]
    ikm_user.refresh_from_db()
    assert ikm_user.check_password(OLD)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Ceper-123", "Kata sandi terlalu pendek. Harus mengandung setidaknya 10 karakter."),
        ("password123", "Kata sandi ini terlalu umum."),
        ("8172635490172", "Kata sandi ini seluruhnya terdiri dari angka."),
        ("ikm-owner-2026", "Kata sandi terlalu mirip dengan"),
    ],
)
def test_weak_new_passwords_are_refused_with_the_reason_in_indonesian(
    ikm_client, ikm_user, password, reason
):
    response = change(ikm_client, new=password)

    assert response.status_code == 200
    errors = [str(error) for error in response.context["form"].errors["new_password2"]]
    assert any(error.startswith(reason) for error in errors), errors
    ikm_user.refresh_from_db()
    assert ikm_user.check_password(OLD)


def test_a_nine_character_password_is_refused_at_sign_up(client):
    response = client.post(
        reverse("partners:signup"),
        {
            "account_type": "ikm_owner",
            "name": "Sri Wahyuni",
            "email": "sri@logamceper.id",
            "username": "sri.ceper",
            "password": "Rem-2026!",
            "password_confirm": "Rem-2026!",
            "privacy_accepted": "on",
        },
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["password"]
    assert not User.objects.filter(username="sri.ceper").exists()
