"""A ministry officer's day in the browser, on the demo data (issue #4): sign in, read the
dashboard, open the INKA brake-block demand, read a breakdown, approve a Ceper foundry, move
the partnership to "introduced", find it on the pipeline, filter the directory to foundries
in Klaten and export the pipeline — once in Indonesian, once in English, with no string of
the other language on any page visited."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import PHONE, language_problems, log_in, page_overflow, screenshot

pytestmark = pytest.mark.e2e

INKA_DEMAND = "Blok rem metalik gerbong barang"
CASTING = {"id": "Pengecoran pasir", "en": "Sand casting"}
KLATEN = "33.10"
CENTRAL_JAVA = "33"


def check_language(page, language: str, visited: list[str]) -> None:
    assert language_problems(page, language) == [], page.url
    visited.append(page.url)


def switch_to_english(page) -> None:
    page.goto("/")
    page.click("form.language-switch button[value=en]")
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("language", ["id", "en"])
def test_staff_officer_brokers_a_brake_block_partnership(page, language):
    visited: list[str] = []
    prefix = f"staff-{language}"
    if language == "en":
        switch_to_english(page)

    # Sign in: staff land on the dashboard.
    log_in(page, "staff")
    page.wait_for_url("**/staff/")
    assert page.locator("#dashboard-figures").is_visible()
    assert int(page.locator('[data-stat="open-demands"]').first.inner_text().strip() or 0) > 0
    check_language(page, language, visited)
    screenshot(page, f"{prefix}-01-dashboard")

    # The INKA brake-block demand, from the demand list.
    page.click("nav a[href='/staff/demands/']")
    page.wait_for_url("**/staff/demands/**")
    check_language(page, language, visited)
    screenshot(page, f"{prefix}-02-demands")
    page.click(f"#demand-table a:has-text('{INKA_DEMAND}')")
    page.wait_for_url(re.compile(r".*/staff/demands/\d+/$"))
    demand_url = page.url
    check_language(page, language, visited)

    # Read a breakdown: the bar's segments are the factor contributions.
    first = page.locator("article[data-match-row][data-kind=match]").first
    segments = first.locator("[data-breakdown-bar] [data-factor]")
    assert segments.count() >= 3
    first.locator("summary").filter(has_text=re.compile("Rincian|breakdown", re.I)).first.click()
    assert first.locator("table").first.is_visible()
    screenshot(page, f"{prefix}-03-demand")

    # Approve a Ceper foundry.
    ceper = page.locator("article[data-match-row][data-kind=match]").filter(has_text="Ceper").first
    supplier_name = ceper.locator("h3").inner_text().strip()
    row_id = ceper.get_attribute("id")
    ceper.locator("textarea[name=note]").fill("Temu bisnis INKA, Desember")
    ceper.locator("button[data-action=approved]").click()
    approved = page.locator(f"#{row_id}[data-status=approved]")
    approved.wait_for()
    assert approved.locator("[data-notice]").is_visible()
    check_language(page, language, visited)
    screenshot(page, f"{prefix}-04-approved")

    # The partnership is on the pipeline board in "approved"; move it to "introduced".
    page.goto("/staff/partnerships/")
    card = page.locator(
        "section.pipeline-column[data-stage=approved] article.pipeline-card"
    ).filter(has_text=supplier_name)
    assert card.count() == 1
    partnership_id = card.get_attribute("data-partnership")
    page.goto(f"/staff/partnerships/{partnership_id}/")
    check_language(page, language, visited)
    page.locator("#move-note").fill("Perkenalan lewat telepon")
    page.click('button[data-move="introduced"]')
    page.locator("#partnership-stage[data-stage=introduced]").wait_for()
    assert page.locator("#partnership-timeline li[data-event]").count() >= 2
    screenshot(page, f"{prefix}-05-partnership")

    # Find it on the pipeline, now under "introduced".
    page.goto("/staff/partnerships/")
    moved = page.locator(
        "section.pipeline-column[data-stage=introduced] "
        f"article.pipeline-card[data-partnership='{partnership_id}']"
    )
    assert moved.count() == 1
    check_language(page, language, visited)
    screenshot(page, f"{prefix}-06-pipeline")

    # Export the pipeline: the workbook lists the partnership.
    with page.expect_download() as download_info:
        page.click("#pipeline-export-xlsx")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    cells = {str(c.value) for row in workbook.active.iter_rows() for c in row}
    assert supplier_name in cells

    # The directory filtered to foundries (sand casting) in Klaten.
    page.goto("/staff/suppliers/")
    check_language(page, language, visited)
    page.select_option("#id_province", CENTRAL_JAVA)
    page.locator("#id_regency option").nth(1).wait_for(state="attached")
    page.select_option("#id_regency", KLATEN)
    page.select_option("#id_process", label=CASTING[language])
    page.click("#supplier-filters-apply")
    page.wait_for_url(re.compile(r".*regency=33\.10.*"))
    rows = page.locator("#supplier-table tbody tr[data-supplier-id]")
    rows.first.wait_for()
    assert rows.count() >= 5
    for text in rows.all_inner_texts():
        assert "Klaten" in text
    check_language(page, language, visited)
    screenshot(page, f"{prefix}-07-directory-klaten")

    # The other main pages render in the same language.
    for path, name in [
        ("/staff/review/", "08-review-queue"),
        ("/staff/coaching/", "09-coaching"),
        ("/staff/suppliers/map/", "10-map"),
        ("/staff/rescoring/", "11-rescoring"),
    ]:
        page.goto(path)
        check_language(page, language, visited)
        screenshot(page, f"{prefix}-{name}")
    page.goto(demand_url)
    check_language(page, language, visited)

    assert page.js_errors == []
    assert len(visited) >= 12


def test_workspace_reads_on_a_phone(browser, demo_server):
    context = browser.new_context(viewport=PHONE, base_url=demo_server.url)
    page = context.new_page()
    log_in(page, "staff")
    page.wait_for_url("**/staff/")
    for path, name in [
        ("/staff/", "phone-01-dashboard"),
        ("/staff/demands/", "phone-02-demands"),
        ("/staff/partnerships/", "phone-03-pipeline"),
        ("/staff/suppliers/", "phone-04-directory"),
    ]:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        # Nothing wider than the screen except inside deliberate horizontal scrollers.
        overflow = page_overflow(page)
        assert overflow <= PHONE["width"] + 1, (path, overflow)
        screenshot(page, name)
    # A supplier's page, its audit trail at the bottom, reads on the phone too.
    supplier_id = page.locator("[data-supplier-id]").first.get_attribute("data-supplier-id")
    page.goto(f"/staff/suppliers/{supplier_id}/")
    page.locator("#organisation-history li").first.wait_for()
    assert page_overflow(page) <= PHONE["width"] + 1
    screenshot(page, "phone-05-supplier-history")
    context.close()
