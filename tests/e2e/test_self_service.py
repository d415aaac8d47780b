"""Self-service in the browser, on the demo data (issue #5, "Done when"):

1. a new IKM owner from Ceper signs up, confirms the e-mail through the link that was sent,
   fills the registration with a bad NIB corrected on the way, stops after step 2, logs
   out, comes back and resumes at step 3, submits; staff verify it; the new foundry is
   ranked for INKA's metallic brake-block demand (rescored by the real engine);
2. the demo manufacturer member posts a demand, staff approve the demo IKM on it, both say
   *interested* in their inboxes and then see each other's contact details;
3. the forms and the inbox on a 375-pixel phone: screenshots, no sideways scrolling;
4. an IKM owner gets 403 on staff pages and 404 on another IKM's certificate scan.

Pages of flow 1 are checked for strings of the other language (Indonesian is the default),
and the manufacturer of flow 2 works in English. Screenshots: ``self-service-*.png``.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.utils import timezone

from matchmaking.models import Match, Partnership
from matchmaking.partnerships.review import match_decide
from partners.models import Demand, Supplier, SupplierCertification, User
from partners.services.registration import draft_step_save
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

INKA_BRAKE_BLOCK = "Blok rem metalik gerbong barang"
DEMO_IKM = "CV Ceper Logam Utama"  # owned by the demo user "ikm"
NEW_IKM = "CV Sinar Cor Batur"
NEW_OWNER = {
    "name": "Slamet Riyadi",
    "email": "slamet.sinarcor@example.id",
    "username": "slamet",
    "password": "Cor-Ceper-2024!",
}
NEW_NIB = "8120304050607"
NEW_PHONE = "0272 551 234"
# The smallest file the upload check accepts as a PDF (it reads the first bytes).
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def shot(page, name: str) -> Path:
    return screenshot(page, f"self-service-{name}")


def assert_indonesian(page, visited: list[str]) -> None:
    assert language_problems(page, "id") == [], page.url
    visited.append(page.url)


def field_error(page, field_id: str):
    """The error message shown with a field (inside the field's wrapper)."""
    return page.locator(f"div:has(> #{field_id}) .invalid-feedback").first


def confirmation_path(address: str) -> str:
    """The confirmation link of the last e-mail sent to ``address`` (the live server runs in
    this process, so the locmem outbox holds its mails), as a path on the live server."""
    sent = [message for message in mail.outbox if address in message.to]
    assert len(sent) == 1, [message.subject for message in mail.outbox]
    found = re.search(r"https?://[^/\s]+(/accounts/confirm/[^\s]+/)", sent[0].body)
    assert found, sent[0].body
    return found.group(1)


def wait_for_step(page, step: int) -> None:
    page.wait_for_url(f"**/ikm/register/step/{step}/")
    page.locator(f"#register-form[data-step='{step}']").wait_for()


# --- 1. A new IKM owner ---------------------------------------------------------------------


def test_new_ikm_owner_signs_up_registers_in_two_sittings_and_is_matched_once_verified(
    page, open_page, media, tmp_path
):
    visited: list[str] = []

    # Sign up as an IKM owner (the site speaks Indonesian by default).
    page.goto("/accounts/signup/")
    assert_indonesian(page, visited)
    page.check("#id_account_type_0")
    page.fill("#id_name", NEW_OWNER["name"])
    page.fill("#id_email", NEW_OWNER["email"])
    page.fill("#id_username", NEW_OWNER["username"])
    page.fill("#id_password", NEW_OWNER["password"])
    page.fill("#id_password_confirm", NEW_OWNER["password"])
    page.check("#id_privacy_accepted")
    shot(page, "01-signup")
    page.click("#signup-submit")
    page.wait_for_url("**/accounts/signup/done/")
    assert NEW_OWNER["email"] in page.locator("main").inner_text()
    assert_indonesian(page, visited)
    shot(page, "02-signup-done")

    # The link in the e-mail confirms the address, logs in and opens step 1.
    page.goto(confirmation_path(NEW_OWNER["email"]))
    wait_for_step(page, 1)
    assert User.objects.get(username=NEW_OWNER["username"]).email_confirmed_at is not None
    assert_indonesian(page, visited)

    # Step 1 with a NIB that is too short: the error is next to the field, nothing typed is lost.
    page.fill("#id_legal_name", NEW_IKM)
    page.fill("#id_nib", "81203040")
    page.select_option("#id_legal_form", "cv")
    page.fill("#kbli-search", "24310")
    page.locator('[data-kbli-add="24310"]').click()
    page.locator('#kbli-selected [data-code="24310"]').wait_for()
    page.fill("#id_workers", "24")
    page.fill("#id_investment_idr", "850.000.000")
    page.click("#register-next")
    page.locator("#id_nib.is-invalid").wait_for()
    wait_for_step(page, 1)
    assert "13" in field_error(page, "id_nib").inner_text()
    assert page.input_value("#id_nib") == "81203040"
    assert page.input_value("#id_legal_name") == NEW_IKM
    assert page.input_value("#id_workers") == "24"
    assert page.input_value("#id_investment_idr") == "850.000.000"
    assert page.locator('#kbli-selected [data-code="24310"]').count() == 1
    assert_indonesian(page, visited)
    shot(page, "03-step1-bad-nib")

    # Corrected, step 1 saves and step 2 (location) opens.
    page.fill("#id_nib", NEW_NIB)
    page.click("#register-next")
    wait_for_step(page, 2)
    page.select_option("#id_province", "33")
    # Locator waits, not wait_for_function: the Content-Security-Policy forbids the eval
    # Playwright's polling uses.
    page.locator('#id_regency option[value="33.10"]').wait_for(state="attached")
    page.select_option("#id_regency", "33.10")
    page.fill("#id_sentra", "Sentra Pengecoran Logam Ceper")
    page.fill("#id_address", "Dukuh Batur RT 02, Kec. Ceper")
    assert_indonesian(page, visited)
    shot(page, "04-step2-location")

    # Stop after step 2: saved, back on "My IKM"; then log out.
    page.click("#register-stop")
    page.wait_for_url("**/ikm/")
    page.locator("#register-resume").wait_for()
    assert_indonesian(page, visited)
    shot(page, "05-my-ikm-in-progress")
    log_out(page)

    # Later: log in again, land on "My IKM", resume at step 3 with steps 1 and 2 kept.
    log_in(page, NEW_OWNER["username"], NEW_OWNER["password"])
    page.wait_for_url("**/ikm/")
    page.click("#register-resume")
    wait_for_step(page, 3)
    page.locator("#register-progress [data-step='1'] a").click()
    wait_for_step(page, 1)
    assert page.input_value("#id_legal_name") == NEW_IKM
    assert page.input_value("#id_nib") == NEW_NIB
    assert page.locator('#kbli-selected [data-code="24310"]').count() == 1
    page.locator("#register-progress [data-step='2'] a").click()
    wait_for_step(page, 2)
    assert page.input_value("#id_regency") == "33.10"
    assert page.input_value("#id_sentra") == "Sentra Pengecoran Logam Ceper"
    page.locator("#register-progress [data-step='3'] a").click()
    wait_for_step(page, 3)

    # Step 3: cast-iron brake blocks, found through the component search.
    row = page.locator("#capabilities-rows [data-formset-row]").first
    row.locator("input[name='capabilities-0-component_q']").fill("blok rem metalik")
    from playwright.sync_api import expect

    expect(page.locator("#id_capabilities-0-component_type")).not_to_have_value("", timeout=15_000)
    row.get_by_label("Pengecoran pasir").check()
    row.get_by_label("Besi cor kelabu (FC)").check()
    page.fill("#id_capabilities-0-monthly_capacity", "40")
    page.select_option("#id_capabilities-0-capacity_unit", "ton")
    page.fill("#id_capabilities-0-minimum_order", "2")
    page.fill("#id_capabilities-0-lead_time_days", "30")
    assert_indonesian(page, visited)
    shot(page, "06-step3-capabilities")
    page.click("#register-next")
    wait_for_step(page, 4)

    # Step 4: ISO 9001 with a scan of the certificate.
    scan = tmp_path / "sertifikat-iso-9001.pdf"
    scan.write_bytes(TINY_PDF)
    page.click("#add-certification")
    today = timezone.localdate()
    page.select_option(
        "#id_certifications-0-certification", label="ISO 9001 Quality management system"
    )
    page.fill("#id_certifications-0-number", "QMS/2024/0917")
    page.fill("#id_certifications-0-issued_on", (today - datetime.timedelta(days=200)).isoformat())
    page.fill(
        "#id_certifications-0-valid_until", (today + datetime.timedelta(days=900)).isoformat()
    )
    page.set_input_files("#id_certifications-0-document", str(scan))
    assert_indonesian(page, visited)
    shot(page, "07-step4-certifications")
    page.click("#register-next")
    wait_for_step(page, 5)

    # Step 5: contact (name and e-mail come from the account).
    assert page.input_value("#id_contact_person") == NEW_OWNER["name"]
    assert page.input_value("#id_contact_email") == NEW_OWNER["email"]
    page.fill("#id_contact_phone", NEW_PHONE)
    assert_indonesian(page, visited)
    page.click("#register-next")
    page.wait_for_url("**/ikm/register/review/")
    review = page.locator("main").inner_text()
    for expected in (NEW_IKM, NEW_NIB, "Kabupaten Klaten", "Blok rem metalik", "QMS/2024/0917"):
        assert expected in review
    assert page.locator("a:has-text('sertifikat-iso-9001.pdf')").count() == 1
    assert_indonesian(page, visited)
    shot(page, "08-review")

    page.click("#register-submit")
    page.wait_for_url("**/ikm/")
    page.locator("#ikm-status[data-verification=pending]").wait_for()
    assert_indonesian(page, visited)
    shot(page, "09-my-ikm-pending")
    supplier = Supplier.objects.get(nib=NEW_NIB)
    assert supplier.owner.username == NEW_OWNER["username"]
    held = supplier.certifications.get()
    assert held.document.name and held.document.size == len(TINY_PDF)
    demand = Demand.objects.get(title=INKA_BRAKE_BLOCK)
    assert not Match.objects.filter(supplier=supplier).exists()  # pending: not matched

    # Staff verify it from the queue.
    staff = open_page()
    log_in(staff, "staff")
    staff.wait_for_url("**/staff/")
    staff.goto("/staff/verification/")
    queued = staff.locator(f"#verification-ikm-{supplier.pk}")
    assert NEW_IKM in queued.inner_text()
    assert_indonesian(staff, visited)
    shot(staff, "10-staff-verification-queue")
    queued.locator("a").first.click()
    staff.wait_for_url(f"**/staff/verification/ikm/{supplier.pk}/")
    assert staff.locator(f"[data-document='{held.pk}']").count() == 1
    assert staff.request.get(f"/documents/certificates/{held.pk}/").body() == TINY_PDF
    assert_indonesian(staff, visited)
    shot(staff, "11-staff-verification-detail")
    staff.click("button[data-decision=verify]")
    staff.wait_for_url("**/staff/verification/")
    assert staff.locator(f"#verification-ikm-{supplier.pk}").count() == 0

    # The new foundry is now ranked for INKA's brake-block demand (rescored on verification).
    staff.goto(f"/staff/demands/{demand.pk}/")
    ranked = staff.locator(f"article[data-match-row][data-supplier-id='{supplier.pk}']")
    ranked.wait_for()
    assert NEW_IKM in ranked.locator("h3").inner_text()
    assert ranked.get_attribute("data-kind") in {"match", "near_miss"}
    assert Match.objects.filter(demand=demand, supplier=supplier).exists()
    assert_indonesian(staff, visited)
    ranked.scroll_into_view_if_needed()
    screenshot(staff, "self-service-12-staff-demand-with-new-ikm", full_page=False)

    # The owner sees the IKM verified.
    page.reload()
    page.locator("#ikm-status[data-verification=verified]").wait_for()
    shot(page, "13-my-ikm-verified")

    assert page.js_errors == [] and staff.js_errors == []
    assert len(visited) >= 14


# --- 2. A manufacturer's demand, an introduction, mutual interest ----------------------------

NEW_DEMAND = "Dudukan atas pegas journal gerbong datar"


def switch_language(page, language: str) -> None:
    page.goto("/")
    page.click(f"form.language-switch button[value={language}]")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == language


def assert_english(page, visited: list[str]) -> None:
    assert language_problems(page, "en") == [], page.url
    visited.append(page.url)


def test_manufacturer_posts_a_demand_and_after_approval_both_say_interested_and_see_contacts(
    page, open_page
):
    visited: list[str] = []
    demo_ikm = Supplier.objects.select_related("owner").get(legal_name=DEMO_IKM)
    inka = Demand.objects.select_related("manufacturer").get(title=INKA_BRAKE_BLOCK).manufacturer
    today = timezone.localdate()

    # The purchasing officer of INKA (demo user "manufacturer") works in English.
    manufacturer = page
    switch_language(manufacturer, "en")
    log_in(manufacturer, "manufacturer")
    manufacturer.wait_for_url("**/company/")
    assert_english(manufacturer, visited)
    shot(manufacturer, "20-company")
    manufacturer.click("#demand-create-link")
    manufacturer.wait_for_url("**/company/demands/new/")
    manufacturer.fill("#component-type-search", "journal spring upper")
    from playwright.sync_api import expect

    expect(manufacturer.locator("#id_component_type option:not([value=''])")).to_have_count(
        1, timeout=15_000
    )
    manufacturer.select_option("#id_component_type", label="Journal spring upper seat")
    manufacturer.fill("#id_title", NEW_DEMAND)
    manufacturer.fill(
        "#id_specification", "Cast steel SC450, turned spring seat, for the new flat wagons."
    )
    manufacturer.select_option("#id_material", label="Cast steel")
    form = manufacturer.locator("#demand-form")
    form.get_by_label("Sand casting").check()
    form.get_by_label("Turning").check()
    manufacturer.fill("#id_quantity_per_month", "800")
    manufacturer.select_option("#id_unit", "pcs")
    manufacturer.fill("#id_duration_months", "12")
    manufacturer.fill("#id_needed_by", (today + datetime.timedelta(days=90)).isoformat())
    madiun = inka.plants.get(name="Pabrik Madiun")
    manufacturer.select_option("#id_plant", str(madiun.pk))
    manufacturer.check(f"input[name=mandatory_certifications][value='{iso_9001_pk()}']")
    assert_english(manufacturer, visited)
    shot(manufacturer, "21-demand-form")
    manufacturer.click("#demand-publish")
    manufacturer.wait_for_url(re.compile(r".*/company/demands/\d+/$"))
    manufacturer.locator("[data-status=open]").first.wait_for()
    assert_english(manufacturer, visited)
    shot(manufacturer, "22-demand-published")
    demand = Demand.objects.get(manufacturer=inka, title=NEW_DEMAND)
    assert demand.status == "open"

    # Staff open the new demand: the demo IKM is a match (scored on publishing); approve it.
    staff = open_page()
    log_in(staff, "staff")
    staff.wait_for_url("**/staff/")
    staff.goto(f"/staff/demands/{demand.pk}/")
    row = staff.locator(
        f"article[data-match-row][data-kind=match][data-supplier-id='{demo_ikm.pk}']"
    )
    row.locator("textarea[name=note]").fill("Cocok: pengecoran baja dan bubut, ISO 9001.")
    row.locator("button[data-action=approved]").click()
    staff.locator(f"article[data-supplier-id='{demo_ikm.pk}'][data-status=approved]").wait_for()
    partnership = Partnership.objects.get(demand=demand, supplier=demo_ikm)
    shot(staff, "23-staff-approved")

    # The IKM owner (demo user "ikm", Indonesian) finds the opportunity, contacts hidden.
    ikm = open_page()
    log_in(ikm, "ikm")
    ikm.wait_for_url("**/ikm/")
    ikm.click("#nav-inbox")
    ikm.wait_for_url("**/inbox/")
    opportunity = ikm.locator(f"#inbox-list #introduction-{partnership.pk}")
    assert NEW_DEMAND in opportunity.inner_text()
    assert opportunity.get_attribute("data-state") == "waiting"
    assert_indonesian(ikm, visited)
    shot(ikm, "24-ikm-inbox")
    opportunity.locator("a").click()
    ikm.wait_for_url(f"**/inbox/{partnership.pk}/")
    ikm.locator("#contact-hidden").wait_for()
    assert inka.contact_phone not in visible(ikm)
    assert ikm.locator("#introduction-reasons li").count() >= 1
    assert_indonesian(ikm, visited)
    shot(ikm, "25-ikm-opportunity")
    ikm.click("#answer-interested")
    ikm.locator("#introduction-status[data-state=pending]").wait_for()
    assert ikm.locator("#answer-notice").is_visible()
    assert ikm.locator("#contact-hidden").is_visible()
    assert inka.contact_phone not in visible(ikm)
    assert_indonesian(ikm, visited)

    # The manufacturer member sees the proposed supplier, still without its contacts.
    manufacturer.click("#nav-inbox")
    manufacturer.wait_for_url("**/inbox/")
    proposed = manufacturer.locator(f"#inbox-list #introduction-{partnership.pk}")
    assert DEMO_IKM in proposed.inner_text()
    assert_english(manufacturer, visited)
    shot(manufacturer, "26-manufacturer-inbox")
    proposed.locator("a").click()
    manufacturer.wait_for_url(f"**/inbox/{partnership.pk}/")
    manufacturer.locator("#contact-hidden").wait_for()
    hidden = visible(manufacturer)
    assert demo_ikm.contact_phone not in hidden and demo_ikm.contact_email not in hidden
    assert "Interested" in manufacturer.locator("[data-answer=other]").inner_text()
    assert_english(manufacturer, visited)
    manufacturer.click("#answer-interested")

    # Both interested: each now sees the other's contact details.
    manufacturer.locator("#introduction-status[data-stage=introduced]").wait_for()
    details = manufacturer.locator("#contact-details").inner_text()
    assert demo_ikm.contact_phone in details and demo_ikm.contact_email in details
    assert_english(manufacturer, visited)
    shot(manufacturer, "27-manufacturer-contacts")
    ikm.reload()
    ikm.locator("#introduction-status[data-state=shared]").wait_for()
    details = ikm.locator("#contact-details").inner_text()
    assert inka.contact_phone in details and inka.contact_email in details
    assert_indonesian(ikm, visited)
    shot(ikm, "28-ikm-contacts")

    partnership.refresh_from_db()
    assert partnership.stage == "introduced"
    assert (partnership.supplier_answer, partnership.manufacturer_answer) == (
        "interested",
        "interested",
    )
    assert manufacturer.js_errors == [] and ikm.js_errors == [] and staff.js_errors == []


def iso_9001_pk() -> int:
    from components.models import Certification

    return Certification.objects.get(code="iso-9001").pk


def visible(page) -> str:
    return page.locator("body").inner_text()


# --- 3. On a 375-pixel phone ------------------------------------------------------------------


def assert_fits_phone(page, name: str) -> None:
    """The page does not scroll sideways at 375 px; its screenshot is kept."""
    page.wait_for_load_state("networkidle")
    width = page_overflow(page)
    shot(page, f"phone-{name}")
    assert width <= PHONE["width"] + 1, (page.url, width)


def owner_with_registration_at_step_3() -> User:
    """An IKM owner (confirmed e-mail) whose draft holds steps 1 and 2, as if typed."""
    owner = UserFactory(
        username="sri.cor",
        first_name="Sri",
        last_name="Wahyuni",
        account_type="ikm_owner",
        email_confirmed_at=timezone.now(),
        password=DEMO_PASSWORD,
    )
    identity = {
        "legal_name": "UD Cor Logam Wedi",
        "nib": "8120304059999",
        "legal_form": "ud",
        "kbli_codes": ["24310"],
        "workers": 9,
        "investment_idr": 300_000_000,
    }
    location = {
        "province": "33",
        "regency": "33.10",
        "sentra": "Sentra Pengecoran Logam Ceper",
        "address": "Desa Wedi",
        "latitude": None,
        "longitude": None,
    }
    draft_step_save(owner=owner, step=1, data=identity)
    draft_step_save(owner=owner, step=2, data=location)
    return owner


def test_forms_and_inbox_fit_a_375_pixel_phone(open_page):
    # Sign-up, empty and with its errors.
    visitor = open_page(PHONE)
    visitor.goto("/accounts/signup/")
    assert_fits_phone(visitor, "01-signup")
    visitor.click("#signup-submit")
    visitor.locator("#signup-errors").wait_for()
    assert_fits_phone(visitor, "02-signup-errors")

    # Registration steps: identity and the capabilities rows (the widest step).
    owner = owner_with_registration_at_step_3()
    log_in(visitor, owner.username, DEMO_PASSWORD)
    visitor.wait_for_url("**/ikm/")
    assert_fits_phone(visitor, "03-my-ikm-resume")
    visitor.click("#register-resume")
    wait_for_step(visitor, 3)
    visitor.click("#add-capability")
    visitor.locator("#capabilities-rows [data-formset-row]").nth(1).wait_for()
    assert_fits_phone(visitor, "04-register-capabilities")
    visitor.locator("#register-progress [data-step='1'] a").click()
    wait_for_step(visitor, 1)
    visitor.fill("#id_nib", "12-34")
    visitor.click("#register-next")
    visitor.locator("#id_nib.is-invalid").wait_for()
    assert_fits_phone(visitor, "05-register-identity-error")

    # The demand form of the demo manufacturer member.
    manufacturer = open_page(PHONE)
    log_in(manufacturer, "manufacturer")
    manufacturer.wait_for_url("**/company/")
    manufacturer.goto("/company/demands/new/")
    manufacturer.locator("#demand-form").wait_for()
    assert_fits_phone(manufacturer, "06-demand-form")

    # The IKM owner's inbox with an approved introduction, and the introduction itself.
    demand = Demand.objects.get(title="Dudukan atas pegas journal")
    demo_ikm = Supplier.objects.get(legal_name=DEMO_IKM)
    match_decide(
        demand_id=demand.pk,
        supplier_id=demo_ikm.pk,
        to_status="approved",
        by=User.objects.get(username="staff"),
        note="Temu bisnis INKA",
        expected_status="suggested",
    )
    partnership = Partnership.objects.get(demand=demand, supplier=demo_ikm)
    ikm = open_page(PHONE)
    log_in(ikm, "ikm")
    ikm.wait_for_url("**/ikm/")
    ikm.goto("/inbox/")
    ikm.locator(f"#introduction-{partnership.pk}").wait_for()
    assert_fits_phone(ikm, "07-inbox")
    ikm.goto(f"/inbox/{partnership.pk}/")
    ikm.locator("#answer-interested").wait_for()
    assert_fits_phone(ikm, "08-introduction")

    assert visitor.js_errors == [] and manufacturer.js_errors == [] and ikm.js_errors == []


# --- 4. Permissions through the browser ----------------------------------------------------


def test_ikm_owner_gets_403_on_staff_pages_and_404_on_another_ikms_certificate(
    page, open_page, media
):
    demo_ikm = Supplier.objects.get(legal_name=DEMO_IKM)
    own = demo_ikm.certifications.first()
    other = SupplierCertification.objects.exclude(supplier__owner__username="ikm").first()
    for held in (own, other):
        held.document.save("scan.pdf", ContentFile(TINY_PDF))
    demand = Demand.objects.get(title=INKA_BRAKE_BLOCK)

    log_in(page, "ikm")
    page.wait_for_url("**/ikm/")
    for path in ("/staff/", "/staff/verification/", f"/staff/demands/{demand.pk}/"):
        response = page.goto(path)
        assert response.status == 403, path
        assert INKA_BRAKE_BLOCK not in visible(page)
        # The site's own page, with the navigation and a way back, in the user's language.
        assert page.locator("#error-403 a[href='/accounts/welcome/']").is_visible()
        assert page.locator("#nav-inbox").is_visible()
        assert language_problems(page, "id") == []
    shot(page, "30-ikm-on-staff-page-403")

    # Another IKM's capability: 404, the same as a capability that does not exist.
    capability = other.supplier.capabilities.first()
    response = page.goto(f"/ikm/capabilities/{capability.pk}/edit/")
    assert response.status == 404
    assert page.locator("#error-404").is_visible()
    assert capability.component_type.name_id not in visible(page)
    shot(page, "31-ikm-on-other-capability-404")

    # Documents are fetched with the page's session (a PDF would start a download).
    mine = page.request.get(f"/documents/certificates/{own.pk}/")
    assert mine.status == 200 and mine.body() == TINY_PDF
    theirs = page.request.get(f"/documents/certificates/{other.pk}/")
    assert theirs.status == 404 and TINY_PDF not in theirs.body()

    # Control: staff do open the other IKM's scan, and a manufacturer is refused staff pages.
    staff = open_page()
    log_in(staff, "staff")
    staff.wait_for_url("**/staff/")
    assert staff.request.get(f"/documents/certificates/{other.pk}/").body() == TINY_PDF
    manufacturer = open_page()
    log_in(manufacturer, "manufacturer")
    manufacturer.wait_for_url("**/company/")
    assert manufacturer.goto("/staff/").status == 403
    assert manufacturer.request.get(f"/documents/certificates/{other.pk}/").status == 404
