"""Showing a stored match in the reader's language: reasons rebuilt from the stored facts
and rendered with the catalogue's current names, and the breakdown as table rows."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import get_language

from ..scoring.config import FACTORS, normalise_weights
from ..scoring.evaluation import FactorContribution
from ..scoring.reasons import Reason, failures_from_facts, reasons_from_facts
from ..scoring.texts import Labels, breakdown_rows, render_all


def language() -> str:
    return "en" if (get_language() or "id").startswith("en") else "id"


def issue_text(failures: Sequence[Reason], labels: Labels) -> tuple[str, str]:
    """A qualification problem in Indonesian and English (stored on flagged rows)."""
    return (
        "; ".join(render_all(failures, "id", labels)),
        "; ".join(render_all(failures, "en", labels)),
    )


def match_reasons(match, labels: Labels, lang: str | None = None) -> list[str]:
    """The reasons of a stored match: failed constraints first, then one per factor."""
    explanation = match.explanation or {}
    if not explanation:
        return []
    lang = lang or language()
    context, facts = explanation["ctx"], explanation["row"]
    reasons = [*failures_from_facts(context, facts), *reasons_from_facts(context, facts)]
    return render_all(reasons, lang, labels)


def match_breakdown(match, lang: str | None = None) -> list[dict[str, str]]:
    """Template-ready breakdown rows (factor, label, value, weight %, contribution)."""
    stored = match.breakdown or {}
    if not stored:
        return []
    weights = normalise_weights(match.policy.weights)
    items = [
        FactorContribution(
            factor=factor, value=value, weight=weights[factor], contribution_micro=micro
        )
        for factor, value, micro in zip(FACTORS, stored["v"], stored["c"], strict=True)
    ]
    return breakdown_rows(items, lang or language())
