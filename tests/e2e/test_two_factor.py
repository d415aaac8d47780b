"""Two-factor for staff in the browser (issue #10), in the *required* mode of production:
the demo officer logs in, is sent to enrolment, scans (here: reads the secret of) the QR
code, confirms with a code computed by the test from the device's secret, keeps the backup
codes and lands on the dashboard; the next login asks for the code after the password. On a
375 px phone a second officer enrols, and the first logs in with a backup code."""

from __future__ import annotations

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.e2e.conftest import (
    DEMO_PASSWORD,
    PHONE,
    language_problems,
    log_in,
    log_out,
    page_overflow,
    screenshot,
)
from tests.partners.factories import UserFactory

pytestmark = pytest.mark.e2e


def app_code(username: str, *, confirmed: bool, ahead: int = 0) -> str:
    """What the authenticator app shows now (``ahead`` steps later: a code not used yet)."""
    device = TOTPDevice.objects.get(user__username=username, confirmed=confirmed)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, drift=device.drift + ahead):06d}"


def enrol(page, username: str, prefix: str) -> list[str]:
    """From the enrolment page to the dashboard; returns the backup codes shown."""
    page.wait_for_url(re.compile(r".*/accounts/two-factor/setup/"))
    assert page.locator("#two-factor-qr svg").is_visible()
    secret = page.locator("#two-factor-secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert language_problems(page, "id") == []
    assert page_overflow(page) <= page.viewport_size["width"]
    screenshot(page, f"{prefix}-01-enrol")

    page.fill(
        "input[name=code]",
        "000000" if app_code(username, confirmed=False) != "000000" else "111111",
    )
    page.click("#two-factor-setup-form button[type=submit]")
    page.locator(".invalid-feedback").first.wait_for()  # the answer may take a while
    assert page.locator(".invalid-feedback").first.is_visible()
    assert "Kode itu tidak benar" in page.locator(".invalid-feedback").first.inner_text()

    page.fill("input[name=code]", app_code(username, confirmed=False))
    page.click("#two-factor-setup-form button[type=submit]")
    page.locator("#backup-codes li").first.wait_for()
    codes = page.locator("#backup-codes li").all_inner_texts()
    assert len(codes) == 10
    assert page_overflow(page) <= page.viewport_size["width"]
    screenshot(page, f"{prefix}-02-backup-codes")
    page.click("#two-factor-continue")
    page.wait_for_url("**/staff/")
    assert page.locator("#dashboard-figures").is_visible()
    return codes


def test_staff_enrol_then_every_login_asks_for_the_code(page, open_page, settings):
    settings.STAFF_2FA = "required"

    # Desktop: the demo officer enrols at the first login...
    log_in(page, "staff")
    backup_codes = enrol(page, "staff", "two-factor-desktop")
    screenshot(page, "two-factor-desktop-03-dashboard")
    log_out(page)

    # ... and the next login asks for the code after the password.
    log_in(page, "staff")
    page.wait_for_url(re.compile(r".*/accounts/two-factor/\?next="))
    page.goto("/staff/demands/")  # no way around the second step
    page.wait_for_url(re.compile(r".*/accounts/two-factor/\?next="))
    page.goto("/admin/")
    page.wait_for_url(re.compile(r".*/accounts/two-factor/\?next="))
    assert language_problems(page, "id") == []
    screenshot(page, "two-factor-desktop-04-code")
    page.fill("input[name=code]", app_code("staff", confirmed=True, ahead=1))
    page.click("#two-factor-verify-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/$"))
    page.goto("/staff/")
    assert page.locator("#dashboard-figures").is_visible()
    assert page.js_errors == []

    # A phone: another officer enrols at 375 px.
    UserFactory(username="pembina-hp", is_staff=True, password=DEMO_PASSWORD)
    phone = open_page(viewport=PHONE)
    log_in(phone, "pembina-hp")
    enrol(phone, "pembina-hp", "two-factor-phone")

    # The demo officer on a phone, with a backup code (phone left at home).
    other = open_page(viewport=PHONE)
    log_in(other, "staff")
    other.wait_for_url(re.compile(r".*/accounts/two-factor/\?next="))
    assert page_overflow(other) <= PHONE["width"]
    screenshot(other, "two-factor-phone-03-code")
    other.fill("input[name=code]", backup_codes[0])
    other.click("#two-factor-verify-form button[type=submit]")
    other.wait_for_url("**/staff/")
    assert phone.js_errors == [] and other.js_errors == []
