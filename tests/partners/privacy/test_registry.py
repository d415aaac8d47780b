"""The registry other apps use: replacements of old strings in kept free text."""

from __future__ import annotations

import pytest

from partners.privacy import registry

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Called Ibu Sri today", "Called [x] today"),
        ("called IBU SRI.", "called [x]."),
        ("Ibu Srikandi is someone else", "Ibu Srikandi is someone else"),
        ("Bud is too short to be replaced", "Bud is too short to be replaced"),
        ("mail budi.s@x.id", "mail [x]"),
    ],
)
def test_replacements_change_whole_words_case_insensitively_and_skip_short_strings(text, expected):
    replacements = registry.Replacements({"Ibu Sri": "[x]", "budi.s@x.id": "[x]", "Bud": "[x]"})

    assert replacements.apply(text) == expected
