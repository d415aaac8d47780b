"""Brute force against the login (issue #10, defect 2): django-axes locks a username and,
separately, a client address after ``AXES_FAILURE_LIMIT`` failures; the right password is
refused until the cool-off ends; a forged ``X-Forwarded-For`` changes nothing; the admin
login is covered too."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from tests.partners.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
ADMIN_LOGIN = reverse("admin:login")
PASSWORD = "jembatan-test-password"  # UserFactory's
ATTACKER = "198.51.100.7"


def attempt(client: Client, username: str, password: str, url: str = LOGIN, **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


def logged_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def end_cool_off() -> None:
    """Let the cool-off pass: every recorded attempt becomes older than it."""
    for record in AccessAttempt.objects.all():
        record.attempt_time -= settings.AXES_COOLOFF_TIME + timedelta(seconds=1)
        record.save(update_fields=["attempt_time"])


def test_fifty_wrong_passwords_lock_the_account_and_the_right_one_waits_for_the_cool_off():
    UserFactory(username="ikm-owner")
    client = Client(REMOTE_ADDR=ATTACKER)

    answers = [attempt(client, "ikm-owner", f"tebakan-{n}").status_code for n in range(50)]

    limit = settings.AXES_FAILURE_LIMIT
    assert answers[: limit - 1] == [200] * (limit - 1)  # the login form with its error
    assert set(answers[limit - 1 :]) == {429}  # locked from the limit on
    # The right password is refused while locked, from this address ...
    right = attempt(client, "ikm-owner", PASSWORD)
    assert right.status_code == 429
    assert not logged_in(client)
    # ... and from any other (the username itself is locked).
    elsewhere = Client(REMOTE_ADDR="203.0.113.50")
    assert attempt(elsewhere, "ikm-owner", PASSWORD).status_code == 429
    assert not logged_in(elsewhere)

    end_cool_off()

    after = attempt(client, "ikm-owner", PASSWORD)
    assert after.status_code == 302
    assert logged_in(client)


def test_the_lockout_page_says_locked_and_for_how_long_in_the_users_language():
    UserFactory(username="ikm-owner")
    client = Client(REMOTE_ADDR=ATTACKER)
    for n in range(settings.AXES_FAILURE_LIMIT):
        response = attempt(client, "ikm-owner", f"tebakan-{n}")
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)

    assert response.status_code == 429
    assert response["Retry-After"] == str(minutes * 60)
    html = response.content.decode()
    assert 'id="lockout-message"' in html
    assert f"dikunci selama {minutes} menit" in html
    assert 'class="navbar' in html  # in the site's layout

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = attempt(client, "ikm-owner", PASSWORD).content.decode()
    assert f"locked for {minutes} minutes" in english


def test_failures_from_one_address_lock_the_address_and_a_forged_forwarded_for_does_not_help():
    UserFactory(username="pabrikan")
    attacker = Client(REMOTE_ADDR=ATTACKER)
    # Spread over many usernames, so no single username reaches the limit.
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(attacker, f"tebak{n}", "salah-salah-salah")

    forged = attempt(attacker, "pabrikan", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert forged.status_code == 429
    assert not logged_in(attacker)
    # The account is not locked: the same person from another address logs in.
    other = Client(REMOTE_ADDR="203.0.113.50")
    assert attempt(other, "pabrikan", PASSWORD).status_code == 302


def test_behind_a_trusted_proxy_the_address_it_appended_counts_not_what_the_client_wrote(
    settings,
):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="pabrikan")
    proxy = "10.0.0.2"  # our reverse proxy: REMOTE_ADDR of every request
    attacker = Client(REMOTE_ADDR=proxy)
    for n in range(settings.AXES_FAILURE_LIMIT):
        # The attacker writes a new address each time; the proxy appends the real one.
        attempt(attacker, f"tebak{n}", "salah-salah", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, {ATTACKER}")

    forged = attempt(attacker, "pabrikan", PASSWORD, HTTP_X_FORWARDED_FOR=f"9.9.9.9, {ATTACKER}")
    assert forged.status_code == 429
    # Someone else behind the same proxy is not locked out.
    colleague = Client(REMOTE_ADDR=proxy)
    ok = attempt(colleague, "pabrikan", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.50")
    assert ok.status_code == 302


def test_the_admin_login_is_locked_out_too():
    UserFactory(username="admin", is_staff=True, is_superuser=True)
    client = Client(REMOTE_ADDR=ATTACKER)

    answers = [
        attempt(client, "admin", f"tebakan-{n}", url=ADMIN_LOGIN).status_code
        for n in range(settings.AXES_FAILURE_LIMIT + 1)
    ]
    right = attempt(client, "admin", PASSWORD, url=ADMIN_LOGIN)

    assert answers[-1] == 429
    assert right.status_code == 429
    assert not logged_in(client)


def test_a_success_before_the_limit_clears_the_failures():
    UserFactory(username="ikm-owner")
    client = Client(REMOTE_ADDR=ATTACKER)
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "ikm-owner", f"salah-{n}")

    assert attempt(client, "ikm-owner", PASSWORD).status_code == 302
    client.logout()
    assert attempt(client, "ikm-owner", "salah-lagi").status_code == 200  # not locked
