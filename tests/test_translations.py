"""The translation catalogues: Indonesian complete and compiled, English falling back to the
English source strings, and pages rendered in the language the visitor chose."""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

LOCALE = Path(settings.BASE_DIR) / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")

HEADING_ID = "Kemitraan rantai pasok antara IKM dan industri besar"
HEADING_EN = "Supply partnerships between IKM and large industry"


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values())


def read_po(path: Path) -> tuple[Entry, list[Entry]]:
    """Parse a .po file (as written by msgmerge) into its header and its live entries."""
    entries: list[Entry] = []
    current = Entry()
    target: tuple[str, int] | None = None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip() or line.startswith("#~"):
            if target is not None:
                entries.append(current)
            current, target = Entry(), None
        elif line.startswith("#,"):
            current.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            assert target is not None, line
            append(current, target, ast.literal_eval(line))
        else:
            keyword, _, literal = line.partition(" ")
            name, _, index = keyword.partition("[")
            target = (name, int(index.rstrip("]")) if index else 0)
            append(current, target, ast.literal_eval(literal))
    header = next(entry for entry in entries if entry.msgid == "" and entry.msgctxt is None)
    return header, [entry for entry in entries if entry is not header]


def append(entry: Entry, target: tuple[str, int], text: str) -> None:
    name, index = target
    if name == "msgstr":
        entry.msgstr[index] = entry.msgstr.get(index, "") + text
    else:
        setattr(entry, name, (getattr(entry, name) or "") + text)


def catalogue(language: str) -> tuple[Entry, list[Entry]]:
    return read_po(LOCALE / language / "LC_MESSAGES" / "django.po")


def header_fields(header: Entry) -> dict[str, str]:
    lines = header.msgstr[0].splitlines()
    return dict(line.split(": ", 1) for line in lines if ": " in line)


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def plural_text(entry: Entry, count: int) -> str:
    assert entry.msgid_plural is not None
    if entry.msgctxt is None:
        return translation.ngettext(entry.msgid, entry.msgid_plural, count)
    return translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, count)


def mo_key(entry: Entry) -> str:
    return f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt is not None else entry.msgid


def test_indonesian_catalogue_translates_every_entry_without_fuzzy_ones():
    header, entries = catalogue("id")

    assert entries, "locale/id/LC_MESSAGES/django.po has no entries"
    assert "fuzzy" not in header.flags
    assert [e.msgid for e in entries if not e.translated] == []
    assert [e.msgid for e in entries if "fuzzy" in e.flags] == []


def test_indonesian_catalogue_keeps_every_placeholder():
    _, entries = catalogue("id")

    for entry in entries:
        source = placeholders(entry.msgid_plural or entry.msgid)
        assert all(placeholders(text) == source for text in entry.msgstr.values()), entry.msgid


@pytest.mark.parametrize(
    ("language", "plural_forms"),
    [("id", "nplurals=1; plural=0;"), ("en", "nplurals=2; plural=(n != 1);")],
)
def test_catalogue_header_declares_language_and_plural_forms(language, plural_forms):
    header, _ = catalogue(language)
    fields = header_fields(header)

    assert "fuzzy" not in header.flags  # msgfmt would drop a fuzzy header and its plural rule
    assert fields["Language"] == language
    assert fields["Plural-Forms"] == plural_forms
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"


def test_english_catalogue_lists_the_same_strings_and_falls_back_to_them():
    _, indonesian = catalogue("id")
    _, english = catalogue("en")

    assert {mo_key(e) for e in english} == {mo_key(e) for e in indonesian}
    assert [e.msgid for e in english if "fuzzy" in e.flags] == []
    assert [e.msgid for e in english if any(e.msgstr.values())] == []


@pytest.mark.parametrize("language", ["id", "en"])
def test_compiled_catalogue_matches_the_po_file(language):
    _, entries = catalogue(language)
    with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]

    expected: dict[object, str] = {}
    for entry in entries:
        if not entry.translated or "fuzzy" in entry.flags:
            continue
        if entry.msgid_plural is None:
            expected[mo_key(entry)] = entry.msgstr[0]
        else:
            expected.update({(mo_key(entry), i): text for i, text in entry.msgstr.items()})
    compiled = {key: text for key, text in compiled.items() if key != ""}

    assert compiled == expected, f"run: manage.py compilemessages -l {language}"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed")
def test_msgfmt_accepts_the_indonesian_catalogue_with_no_untranslated_or_fuzzy_entries():
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", "django.po"],
        cwd=LOCALE / "id" / "LC_MESSAGES",
        capture_output=True,
        text=True,
        timeout=60,
        env={"LC_ALL": "C", "PATH": "/usr/bin:/bin:/usr/local/bin"},
    )

    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr
    assert "fuzzy" not in result.stderr
    assert re.search(r"^\d+ translated messages\.$", result.stderr.strip(), re.MULTILINE)


def test_plural_strings_use_the_indonesian_single_form_and_the_english_plural():
    _, entries = catalogue("id")

    for entry in [e for e in entries if e.msgid_plural is not None]:
        with translation.override("id"):
            assert {plural_text(entry, count) for count in (1, 2, 5)} == {entry.msgstr[0]}
        with translation.override("en"):
            assert plural_text(entry, 1) == entry.msgid
            assert plural_text(entry, 2) == entry.msgid_plural


@pytest.mark.django_db
def test_home_page_is_indonesian_by_default(client):
    content = client.get(reverse("home")).content.decode()

    assert HEADING_ID in content
    assert HEADING_EN not in content


@pytest.mark.django_db
def test_home_page_is_english_with_the_language_cookie(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    content = client.get(reverse("home")).content.decode()

    assert HEADING_EN in content
    assert HEADING_ID not in content


@pytest.mark.django_db
def test_home_page_stays_indonesian_for_an_english_browser_without_a_choice(client):
    response = client.get(reverse("home"), headers={"accept-language": "en-GB,en;q=0.9"})

    assert HEADING_ID in response.content.decode()


@pytest.mark.django_db
def test_set_language_switches_the_home_page_to_english_and_back(client):
    client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert HEADING_EN in client.get(reverse("home")).content.decode()

    client.post(reverse("set_language"), {"language": "id", "next": reverse("home")})
    assert HEADING_ID in client.get(reverse("home")).content.decode()
