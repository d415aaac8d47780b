"""Browser tests: Chromium (Debian's /usr/bin/chromium) driven by Playwright against a
live Django server holding the demo data.

Screenshots go to ``artifacts/screenshots/`` (or ``$JEMBATAN_ARTIFACTS/screenshots``); CI
keeps that folder. Tests here carry the ``e2e`` marker: they are skipped with a reason when
Chromium or Playwright is missing, and fail instead under ``JEMBATAN_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import functools
import gettext
import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command

# Playwright's sync API runs an event loop in this thread; the live server's ORM calls
# happen in its own thread, but fixtures touch the database from here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEMO_PASSWORD = "demo12345"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


def artifacts_dir() -> Path:
    root = Path(os.environ.get("JEMBATAN_ARTIFACTS", settings.BASE_DIR / "artifacts"))
    folder = root / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def demo_server(live_server, transactional_db):
    """The live server with the demo registry loaded and scored (logins: staff, ikm, ...)."""
    call_command("load_demo", verbosity=0)
    return live_server


@pytest.fixture
def page(browser, demo_server) -> Iterator:
    context = browser.new_context(viewport=DESKTOP, base_url=demo_server.url)
    context.set_default_timeout(15_000)
    # Nothing leaves the machine: tile servers and any other host are refused.
    host = demo_server.url.split("//", 1)[1]
    context.route(
        re.compile(r"^https?://(?!" + re.escape(host) + r"/)"), lambda route: route.abort()
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    yield page
    context.close()


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    path = artifacts_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def log_in(page, username: str = "staff", password: str = DEMO_PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]:not([name=language])")


@functools.cache
def _ui_strings() -> tuple[set[str], set[str]]:
    """English msgids and their Indonesian translations that differ, long enough to be
    unambiguous (two words or more, ten characters or more) and without placeholders."""
    mo = settings.BASE_DIR / "locale" / "id" / "LC_MESSAGES" / "django.mo"
    with mo.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    english, indonesian = set(), set()
    for key, translated in catalog.items():
        source = key[0] if isinstance(key, tuple) else key
        if not source or not translated or source == translated:
            continue
        for text, bucket in ((source, english), (translated, indonesian)):
            text = " ".join(text.split())
            if "%" in text or "{" in text or "<" in text:
                continue
            if len(text) >= 10 and " " in text:
                bucket.add(text)
    shared = english & indonesian
    return english - shared, indonesian - shared


def foreign_strings(text: str, language: str) -> list[str]:
    """UI strings of the *other* language found in a page's visible text: untranslated
    strings on an Indonesian page, or Indonesian leftovers on an English page."""
    english, indonesian = _ui_strings()
    foreign = indonesian if language == "en" else english
    own = english if language == "en" else indonesian
    text = " ".join(text.split())
    found = []
    for phrase in foreign:
        if re.search(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", text) and not any(
            phrase in mine and re.search(re.escape(mine), text) for mine in own
        ):
            found.append(phrase)
    return sorted(found)


def visible_text(page) -> str:
    return page.locator("body").inner_text()


# --- Helpers for tests with several people (contexts) or viewports -------------------------


def new_page(browser, base_url: str, viewport: dict | None = None):
    """A page in a fresh browser context (own cookies: another person, another language)
    set up like the ``page`` fixture: outside hosts refused, JavaScript errors collected
    in ``page.js_errors``. Close it with ``page.context.close()``."""
    context = browser.new_context(viewport=viewport or DESKTOP, base_url=base_url)
    context.set_default_timeout(15_000)
    host = base_url.split("//", 1)[1]
    context.route(
        re.compile(r"^https?://(?!" + re.escape(host) + r"/)"), lambda route: route.abort()
    )
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    opened.js_errors = errors
    return opened


@pytest.fixture
def open_page(browser, demo_server) -> Iterator:
    """Factory: ``open_page(viewport=PHONE)`` gives a page in its own context on the demo
    server; every context opened is closed after the test."""
    opened: list = []

    def factory(viewport: dict | None = None):
        created = new_page(browser, demo_server.url, viewport)
        opened.append(created)
        return created

    yield factory
    for created in opened:
        created.context.close()


def log_out(page) -> None:
    """Press the navbar's "Log out" (a POST form); lands on the home page."""
    page.locator("form[action='/accounts/logout/'] button[type=submit]").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/")
    page.locator("nav a[href^='/accounts/login/']").first.wait_for()


def official_names() -> list[str]:
    """Names that are the same in both languages: the official (English) titles of
    standards such as "ISO 9001 Quality management system"."""
    from components.models import Certification

    return list(Certification.objects.values_list("name", flat=True))


def language_problems(page, language: str) -> list[str]:
    """Strings of the other language on the page (official certification names aside),
    after checking that the page is served in ``language``."""
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == language, page.url
    text = visible_text(page)
    for name in official_names():
        text = text.replace(name, " ")
    return foreign_strings(text, language)


def page_overflow(page) -> int:
    """How wide the document is, in CSS pixels (wider than the viewport = sideways scroll)."""
    return page.evaluate("document.documentElement.scrollWidth")
