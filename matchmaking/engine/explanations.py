"""The one place that shows a stored match's explanation in the reader's language: the
reasons and the failed constraints rebuilt from the stored facts (``scoring.reasons``) and
rendered with the catalogue's current names (``scoring.texts``), the stored qualification
issue in the reader's language, and the breakdown as table rows. Every view, export, API
and admin page that shows a match goes through here."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import get_language

from ..models import Match
from ..scoring.config import FACTORS, normalise_weights
from ..scoring.evaluation import FactorContribution
from ..scoring.facts import DemandContext, FactsRow
from ..scoring.reasons import Reason, failures_from_facts, reasons_from_facts
from ..scoring.texts import Labels, Lang, breakdown_rows, factor_label, render_all


def language() -> Lang:
    """The active language as the scoring texts name it: ``"en"`` or ``"id"``."""
    return "en" if (get_language() or "id").startswith("en") else "id"


def factor_name(factor: str, lang: Lang | None = None) -> str:
    """A factor's name in ``lang`` (the reader's language by default)."""
    return factor_label(factor, lang or language())


def _stored_facts(match: Match) -> tuple[DemandContext, FactsRow] | None:
    explanation = match.explanation or {}
    if explanation.get("ctx") is None or explanation.get("row") is None:
        return None
    return explanation["ctx"], explanation["row"]


def stored_failures(match: Match) -> tuple[Reason, ...]:
    """The hard constraints the supplier fails, from the stored facts when present (else
    from the stored ``failed_constraints``)."""
    facts = _stored_facts(match)
    if facts is not None:
        return failures_from_facts(*facts)
    return tuple(Reason.from_dict(item) for item in match.failed_constraints or [])


def stored_reasons(match: Match) -> tuple[Reason, ...]:
    """One reason per factor of the score, from the stored facts (none without them)."""
    facts = _stored_facts(match)
    return reasons_from_facts(*facts) if facts is not None else ()


def issue_text(failures: Sequence[Reason], labels: Labels) -> tuple[str, str]:
    """A qualification problem in Indonesian and English (stored on flagged rows)."""
    return (
        "; ".join(render_all(failures, "id", labels)),
        "; ".join(render_all(failures, "en", labels)),
    )


def issue_in(match: Match, lang: Lang | None = None) -> str:
    """The stored qualification issue of a match in ``lang`` (the reader's by default)."""
    if (lang or language()) == "en":
        return match.qualification_issue_en or match.qualification_issue
    return match.qualification_issue


def match_lacks(match: Match, labels: Labels, lang: Lang | None = None) -> list[str]:
    """What the supplier lacks (its failed hard constraints), as sentences."""
    return render_all(stored_failures(match), lang or language(), labels)


def match_reasons(match: Match, labels: Labels, lang: Lang | None = None) -> list[str]:
    """The reasons of a stored match: failed constraints first, then one per factor."""
    if _stored_facts(match) is None:
        return []
    reasons = [*stored_failures(match), *stored_reasons(match)]
    return render_all(reasons, lang or language(), labels)


def match_breakdown(match: Match, lang: Lang | None = None) -> list[dict[str, str]]:
    """Template-ready breakdown rows (factor, label, value, weight %, contribution)."""
    stored = match.breakdown or {}
    if not stored:
        return []
    weights = match_weights(match)
    items = [
        FactorContribution(
            factor=factor, value=value, weight=weights[factor], contribution_micro=micro
        )
        for factor, value, micro in zip(FACTORS, stored["v"], stored["c"], strict=True)
    ]
    return breakdown_rows(items, lang or language())


def match_weights(match: Match) -> dict[str, float]:
    """The weights a stored score was made with: the policy's, or the shortfall weights
    the breakdown carries when no single IKM covered the volume (issue 11)."""
    stored = (match.breakdown or {}).get("w")
    if stored:
        return dict(zip(FACTORS, stored, strict=True))
    return normalise_weights(match.policy.weights)


def scored_short(match: Match) -> bool:
    """Whether the match was scored while no single IKM covered the demand's volume."""
    return bool(((match.explanation or {}).get("ctx") or {}).get("sf"))
