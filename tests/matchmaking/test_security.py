"""Staff two-factor, staff idle timeout and ``Cache-Control: private, no-store`` (issue #10).

Two-factor is tested mostly in the *required* mode of production (``STAFF_2FA``); the
optional mode of local/test only asks the code of staff who enrolled. Codes are computed
here from the device's secret with ``django_otp.oath.totp``, as an authenticator app would.
"""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from matchmaking.security import LAST_SEEN_SESSION_KEY
from partners.services import two_factor
from tests.partners.factories import UserFactory

PASSWORD = "jembatan-test-password"
DASHBOARD = "/staff/"
SETUP = "/accounts/two-factor/setup/"
VERIFY = "/accounts/two-factor/"


@pytest.fixture
def required(settings):
    settings.STAFF_2FA = "required"


@pytest.fixture
def officer(db):
    return UserFactory(username="officer", is_staff=True)


def code_for(device: TOTPDevice, *, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def enrolled(user) -> TOTPDevice:
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    two_factor.new_backup_codes(user)
    return device


def password_login(user, *, language: str | None = None) -> Client:
    client = Client()
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


def location(response) -> str:
    assert response.status_code == 302, response.status_code
    return response["Location"]


# --- 1. two-factor: enrolment -------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("required")
@pytest.mark.parametrize("url", [DASHBOARD, "/staff/demands/", "/admin/", "/admin/partners/user/"])
def test_required_mode_sends_staff_without_a_device_to_enrolment_first(officer, url):
    client = password_login(officer)

    assert location(client.get(url)).startswith(SETUP + "?next=")


@pytest.mark.django_db
@pytest.mark.usefixtures("required")
def test_the_password_step_leads_to_enrolment_then_the_dashboard(officer):
    client = password_login(officer)
    response = client.get(reverse("after_login"), follow=True)
    assert response.redirect_chain[-1][0].startswith(SETUP)

    page = response.content.decode()
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    assert "<svg" in page and 'id="two-factor-qr"' in page
    assert two_factor.totp_secret_text(device) in page  # the secret as text, too
    assert "Siapkan autentikasi dua faktor" in page  # Indonesian by default

    wrong = client.post(SETUP, {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert "Kode itu tidak benar" in wrong.content.decode()  # field error, Indonesian
    assert 'aria-invalid="true"' in wrong.content.decode() or "is-invalid" in wrong.content.decode()
    assert client.get(DASHBOARD).status_code == 302

    done = client.post(SETUP, {"code": code_for(device), "next": DASHBOARD})
    assert done.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    codes = StaticToken.objects.filter(device__user=officer).values_list("token", flat=True)
    assert len(codes) == two_factor.BACKUP_CODE_COUNT
    assert all(code in done.content.decode() for code in codes)
    assert client.get(DASHBOARD).status_code == 200
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_a_password_alone_cannot_replace_an_enrolled_device(officer):
    device = enrolled(officer)
    client = password_login(officer)

    assert location(client.get(SETUP)).startswith(VERIFY)
    assert location(client.post(SETUP, {"code": "123456"})).startswith(VERIFY)
    assert list(TOTPDevice.objects.filter(user=officer)) == [device]


# --- 1. two-factor: every login asks the code ---------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["required", "optional"])
@pytest.mark.parametrize(
    "url", [DASHBOARD, "/staff/demands/", "/admin/", "/admin/partners/user/", "/ikm/"]
)
def test_staff_with_a_device_reach_nothing_without_the_code(settings, officer, mode, url):
    settings.STAFF_2FA = mode
    enrolled(officer)
    client = password_login(officer)

    assert location(client.get(url)).startswith(VERIFY + "?next=")
    assert client.post(url, {}).status_code == 302


@pytest.mark.django_db
@pytest.mark.usefixtures("required")
def test_the_second_step_accepts_the_app_code_and_goes_on(officer):
    device = enrolled(officer)
    client = password_login(officer)
    assert location(client.get(reverse("after_login"))).startswith(VERIFY + "?next=")
    assert location(client.get(DASHBOARD)) == f"{VERIFY}?next=%2Fstaff%2F"

    page = client.get(f"{VERIFY}?next=/staff/")
    assert page.status_code == 200
    assert "Kode dua faktor" in page.content.decode()

    wrong = client.post(VERIFY, {"code": "12345x", "next": DASHBOARD})
    assert wrong.status_code == 200 and "Kode itu tidak benar" in wrong.content.decode()

    right = client.post(VERIFY, {"code": code_for(device), "next": DASHBOARD})
    assert location(right) == DASHBOARD
    assert client.get(DASHBOARD).status_code == 200
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
@pytest.mark.usefixtures("required")
def test_a_backup_code_works_once(officer):
    enrolled(officer)
    code = StaticToken.objects.filter(device__user=officer).first().token

    first = password_login(officer)
    assert location(first.post(VERIFY, {"code": code, "next": DASHBOARD})) == DASHBOARD
    assert first.get(DASHBOARD).status_code == 200

    second = password_login(officer)
    assert second.post(VERIFY, {"code": code}).status_code == 200  # refused, page again
    assert location(second.get(DASHBOARD)).startswith(VERIFY)


@pytest.mark.django_db
@pytest.mark.usefixtures("required")
def test_wrong_codes_are_throttled(officer):
    device = enrolled(officer)
    client = password_login(officer)
    for _ in range(3):
        client.post(VERIFY, {"code": "999999" if code_for(device) != "999999" else "888888"})

    refused = client.post(VERIFY, {"code": code_for(device)})

    assert refused.status_code == 200
    assert "Terlalu banyak kode yang salah" in refused.content.decode()
    assert location(client.get(DASHBOARD)).startswith(VERIFY)


@pytest.mark.django_db
@pytest.mark.usefixtures("required")
def test_an_offsite_next_is_not_followed(officer):
    device = enrolled(officer)
    client = password_login(officer)

    answer = client.post(VERIFY, {"code": code_for(device), "next": "https://evil.example/"})

    assert location(answer) == reverse("after_login")


@pytest.mark.django_db
def test_optional_mode_lets_staff_without_a_device_in(officer):
    assert settings.STAFF_2FA == "optional"  # the test settings, like local
    client = password_login(officer)

    assert client.get(DASHBOARD).status_code == 200


@pytest.mark.django_db
@pytest.mark.usefixtures("required")
def test_the_admin_itself_refuses_an_unverified_staff_session(settings, officer):
    """Even with the middleware gone, the wrapped admin site wants the second factor."""
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "matchmaking.security.StaffTwoFactorMiddleware"
    ]
    enrolled(officer)
    client = password_login(officer)

    assert location(client.get("/admin/")).startswith(reverse("admin:login"))


@pytest.mark.django_db
@pytest.mark.usefixtures("required")
def test_non_staff_are_not_asked_for_a_code(ikm_user):
    client = password_login(ikm_user)

    assert client.get("/ikm/").status_code == 200
    assert client.get(VERIFY).status_code == 403
    assert client.get(SETUP).status_code == 403


@pytest.mark.django_db
@pytest.mark.usefixtures("required")
def test_verified_staff_can_draw_new_backup_codes(officer):
    device = enrolled(officer)
    old = set(StaticToken.objects.filter(device__user=officer).values_list("token", flat=True))
    client = password_login(officer)
    client.post(VERIFY, {"code": code_for(device)})

    assert client.get(SETUP).status_code == 200
    page = client.post(SETUP, {"action": "backup-codes"}).content.decode()

    new = set(StaticToken.objects.filter(device__user=officer).values_list("token", flat=True))
    assert new and not new & old
    assert all(code in page for code in new)


# --- 1. superusers reset devices in the admin ---------------------------------------------


def _reset_action(client: Client, user) -> None:
    client.post(
        reverse("admin:partners_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [user.pk]},
    )


@pytest.mark.django_db
def test_a_superuser_resets_a_users_devices_in_the_admin(officer):
    enrolled(officer)
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin_user)

    _reset_action(client, officer)

    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert not StaticDevice.objects.filter(user=officer).exists()


@pytest.mark.django_db
def test_staff_who_may_change_users_still_cannot_reset_devices(officer):
    from django.contrib.auth.models import Permission

    enrolled(officer)
    other = UserFactory(username="other-officer", is_staff=True)
    other.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user"])
    )
    client = Client()
    client.force_login(other)

    _reset_action(client, officer)

    assert TOTPDevice.objects.filter(user=officer, confirmed=True).exists()


# --- 2. staff idle timeout -------------------------------------------------------------------


def _idle(client: Client, seconds: int) -> None:
    session = client.session
    session[LAST_SEEN_SESSION_KEY] = int(time.time()) - seconds
    session.save()


@pytest.mark.django_db
def test_staff_idle_for_longer_than_the_limit_are_logged_out(settings, staff_client):
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 30
    assert staff_client.get(DASHBOARD).status_code == 200

    _idle(staff_client, 31 * 60)
    response = staff_client.get(DASHBOARD)

    assert location(response).startswith(reverse("login") + "?next=")
    page = staff_client.get(response["Location"])
    assert "setelah 30 menit tanpa aktivitas" in page.content.decode()
    assert location(staff_client.get(DASHBOARD)).startswith(reverse("login"))


@pytest.mark.django_db
def test_staff_active_within_the_limit_stay_signed_in(settings, staff_client):
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 30
    staff_client.get(DASHBOARD)
    _idle(staff_client, 29 * 60)

    assert staff_client.get(DASHBOARD).status_code == 200
    assert int(time.time()) - staff_client.session[LAST_SEEN_SESSION_KEY] < 60


@pytest.mark.django_db
def test_the_clock_starts_at_login(officer):
    client = password_login(officer)

    assert int(time.time()) - client.session[LAST_SEEN_SESSION_KEY] < 60


@pytest.mark.django_db
def test_the_idle_timeout_applies_to_staff_only(settings, ikm_client):
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 30
    _idle(ikm_client, 5 * 3600)

    assert ikm_client.get("/ikm/").status_code == 200


# --- 3. Cache-Control: private, no-store -----------------------------------------------------


def _no_store(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives and "public" not in directives


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "urls"),
    [
        ("staff_client", [DASHBOARD, "/staff/demands/", "/admin/", "/api/v1/suppliers/", "/"]),
        ("ikm_client", ["/ikm/", "/notifications/", "/privacy/", "/"]),
        ("manufacturer_client", ["/company/", "/company/demands/", "/notifications/", "/"]),
    ],
)
def test_every_answer_to_a_signed_in_user_is_private_and_not_stored(request, role, urls):
    client = request.getfixturevalue(role)
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 302), (url, response.status_code)
        assert _no_store(response), (url, response.get("Cache-Control"))


@pytest.mark.django_db
def test_anonymous_pages_stay_cacheable(client):
    response = client.get("/")

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


# --- settings: required in production, optional locally --------------------------------------


def _settings_of(**env: str) -> str:
    import subprocess
    import sys

    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.STAFF_2FA, s.STAFF_IDLE_TIMEOUT_MINUTES)"
    )
    clean = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "matchmaking.settings"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return (result.stdout + result.stderr).strip()


def test_production_requires_two_factor_for_staff_by_default():
    assert _settings_of(SECRET_KEY="x" * 50) == "required 30"


def test_local_makes_two_factor_optional_and_both_are_configurable():
    assert _settings_of(JEMBATAN_ENV="local") == "optional 30"
    assert (
        _settings_of(
            JEMBATAN_ENV="local", JEMBATAN_STAFF_2FA="required", JEMBATAN_STAFF_IDLE_MINUTES="10"
        )
        == "required 10"
    )
    assert "JEMBATAN_STAFF_2FA must be" in _settings_of(
        JEMBATAN_ENV="local", JEMBATAN_STAFF_2FA="yes"
    )


@pytest.mark.django_db
def test_the_admin_shows_no_ones_totp_secret():
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    enrolled(UserFactory(username="someone", is_staff=True))
    client = Client()
    client.force_login(root)

    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404
    assert "otp_totp" not in client.get("/admin/").content.decode()
