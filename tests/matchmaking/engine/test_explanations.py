"""The one Django-side module that shows a stored match's explanation."""

from types import SimpleNamespace

from django.utils import translation

from matchmaking.engine.explanations import (
    factor_name,
    issue_in,
    language,
    match_lacks,
    match_reasons,
    stored_failures,
    stored_reasons,
)
from matchmaking.scoring.reasons import Reason, ReasonCode
from matchmaking.scoring.texts import Labels

LABELS = Labels(certifications={7: ("Sertifikat KAI", "KAI certificate")})
MISSING_KAI = Reason(ReasonCode.MISSING_CERTIFICATION, {"certification_ids": (7,)})


def stored(**fields):
    values = {
        "explanation": None,
        "failed_constraints": [],
        "qualification_issue": "",
        "qualification_issue_en": "",
    }
    return SimpleNamespace(**{**values, **fields})


def test_without_stored_facts_failures_come_from_the_stored_failed_constraints():
    match = stored(failed_constraints=[MISSING_KAI.as_dict()])

    assert stored_failures(match) == (MISSING_KAI,)
    assert stored_reasons(match) == ()
    assert match_reasons(match, LABELS) == []
    assert match_lacks(match, LABELS, "en") == ["Does not hold the certification KAI certificate"]
    assert match_lacks(match, LABELS, "id") == ["Tidak memiliki sertifikasi Sertifikat KAI"]


def test_issue_in_follows_the_readers_language_and_falls_back_to_indonesian():
    match = stored(qualification_issue="kurang", qualification_issue_en="lacking")

    with translation.override("en"):
        assert language() == "en"
        assert issue_in(match) == "lacking"
    with translation.override("id"):
        assert language() == "id"
        assert issue_in(match) == "kurang"
    assert issue_in(stored(qualification_issue="kurang"), "en") == "kurang"


def test_factor_name_in_the_readers_language():
    with translation.override("en"):
        assert factor_name("capacity_fit") == "Capacity"
    assert factor_name("capacity_fit", "id") == "Kapasitas"
