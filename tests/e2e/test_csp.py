"""The Content-Security-Policy holds on the main pages of every role (issue #10).

Each page is opened in Chromium with the policy the server sends (no inline script, no
inline style, no eval); every ``securitypolicyviolation`` event and every console message
about the policy is collected, and the test asserts there are none. Screenshots
``csp-*.png`` show the pages look as before (compared by eye when the templates moved
their inline scripts and styles to static files).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from matchmaking.models import Partnership
from matchmaking.settings import content_security_policy
from partners.models import Demand, Supplier
from tests.e2e.conftest import DEMO_PASSWORD, log_in, screenshot
from tests.e2e.test_self_service import owner_with_registration_at_step_3

pytestmark = pytest.mark.e2e

# A tile server for the maps (requests to it are refused by the test's router, but the
# policy must allow it, as it would in production).
TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.reportCspViolation([event.violatedDirective, event.blockedURI,
    event.sourceFile + ":" + event.lineNumber, (event.sample || "").slice(0, 80)].join(" | "));
});
"""


def watch_csp(page) -> list[str]:
    violations: list[str] = []
    page.expose_binding("reportCspViolation", lambda source, text: violations.append(text))
    page.add_init_script(REPORT_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            violations.append(f"console: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return violations


def visit(page, violations: list[str], path: str, name: str, ready: str | None = None) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, (path, response and response.status)
    policy = response.headers.get("content-security-policy", "")
    assert "default-src 'self'" in policy, policy
    page.wait_for_load_state("networkidle")
    if ready:
        page.locator(ready).first.wait_for()
    screenshot(page, f"csp-{name}")
    assert violations == [], (path, violations)
    assert page.js_errors == [], (path, page.js_errors)


def check_pages(page, pages: list[tuple[str, str, str | None]]) -> None:
    violations = watch_csp(page)
    for path, name, ready in pages:
        visit(page, violations, path, name, ready)


@pytest.fixture
def with_tiles(settings) -> Callable[[], None]:
    settings.MAP_TILE_URL = TILE_URL
    settings.CONTENT_SECURITY_POLICY = content_security_policy(TILE_URL)
    settings.MAP_TILE_ATTRIBUTION = "Tiles"
    return lambda: None


def test_every_policy_directive_is_sent(page):
    response = page.goto("/accounts/login/")
    policy = response.headers["content-security-policy"]

    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
    ):
        assert directive in policy, policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


def test_no_csp_violation_for_visitors(page):
    check_pages(
        page,
        [
            ("/", "home", None),
            ("/accounts/login/", "login", "input[name=username]"),
            ("/accounts/signup/", "signup", "#signup-submit"),
        ],
    )


def test_no_csp_violation_on_the_staff_workspace(page, with_tiles):
    demand = Demand.objects.filter(status="open").order_by("pk").first() or Demand.objects.first()
    partnership = Partnership.objects.order_by("pk").first()
    supplier = Supplier.objects.order_by("pk").first()
    assert demand is not None and partnership is not None and supplier is not None
    log_in(page, "staff")
    page.wait_for_url("**/staff/")
    check_pages(
        page,
        [
            ("/staff/", "staff-dashboard", "canvas"),
            ("/staff/demands/", "staff-demands", None),
            (f"/staff/demands/{demand.pk}/", "staff-demand", None),
            ("/staff/review/", "staff-review", None),
            ("/staff/partnerships/", "staff-pipeline", None),
            (f"/staff/partnerships/{partnership.pk}/", "staff-partnership", None),
            ("/staff/suppliers/", "staff-directory", None),
            (f"/staff/suppliers/{supplier.pk}/", "staff-supplier", "#organisation-history"),
            (
                f"/staff/verification/ikm/{supplier.pk}/",
                "staff-verification",
                "#organisation-history",
            ),
            ("/staff/suppliers/map/", "staff-map", ".leaflet-container"),
            ("/staff/coaching/", "staff-coaching", None),
            ("/staff/rescoring/", "staff-rescoring", None),
        ],
    )


def test_no_csp_violation_for_an_ikm_owner(page, with_tiles):
    log_in(page, "ikm")
    page.wait_for_url("**/ikm/")
    check_pages(
        page,
        [
            ("/ikm/", "ikm-my-ikm", None),
            ("/ikm/edit/", "ikm-edit", ".leaflet-container"),
            ("/inbox/", "ikm-inbox", None),
            ("/notifications/", "ikm-notifications", None),
        ],
    )


def test_no_csp_violation_on_the_registration_steps(page, with_tiles):
    owner = owner_with_registration_at_step_3()
    log_in(page, owner.username, DEMO_PASSWORD)
    page.wait_for_url("**/ikm/")
    check_pages(
        page,
        [
            ("/ikm/register/step/1/", "register-step-1", "#register-form"),
            ("/ikm/register/step/2/", "register-step-2", ".leaflet-container"),
            ("/ikm/register/step/3/", "register-step-3", "#register-form"),
        ],
    )


def test_no_csp_violation_for_a_manufacturer(page):
    log_in(page, "manufacturer")
    page.wait_for_url("**/company/**")
    demand = Demand.objects.filter(manufacturer__name__icontains="INKA").order_by("pk").first()
    pages = [
        ("/company/", "manufacturer-company", None),
        ("/company/demands/", "manufacturer-demands", None),
        ("/company/demands/new/", "manufacturer-demand-form", "form"),
        ("/inbox/", "manufacturer-inbox", None),
    ]
    if demand is not None:
        pages.append((f"/company/demands/{demand.pk}/", "manufacturer-demand", None))
    check_pages(page, pages)
