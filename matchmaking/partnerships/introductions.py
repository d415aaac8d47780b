"""Introductions: the parties' answers once staff approved a match.

Once staff approve a match, a :class:`~matchmaking.models.Partnership` exists and both
parties find it in their inbox (``matchmaking.workspace.selectors.inbox``): the IKM owner as
an *opportunity* (the demand), the manufacturer's members as a *proposed supplier* (the IKM).
Each party answers *interested* or *not interested* (with a reason). The answers move the
partnership through :func:`matchmaking.partnerships.stages.partnership_move`: both
interested → ``introduced`` (when it is still ``approved``), either not interested →
``declined`` with the reason. Contact details of the other party are shown only once both
said interested.

Rules for answers (:func:`introduction_answer`): each party answers once. Sending the same
answer again (a double click, a resent form) changes nothing; a different answer is refused
with a message, and so is an answer on a closed partnership. The other party is told of the
answer (``announcements``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from partners.models import User

from ..choices import CLOSED_PARTNERSHIP_STAGES, IntroductionAnswer, PartnershipStage
from ..models import Partnership, PartnershipEvent
from . import announcements, stages
from .parties import answer_of, both_interested, party_name, side_of

# --- answering ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerResult:
    partnership: Partnership
    side: str
    changed: bool  # False when the same answer was already recorded
    moved_to: str = ""  # the stage the answer moved the partnership to, if any


def _stored_text(message, **params: Any) -> str:
    """A note kept on the partnership's timeline, in the site's default language."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message) % params


def introduction_answer(
    *, partnership_id: int, user: User, answer: str, reason: str = ""
) -> AnswerResult:
    """Record ``user``'s answer for their side of a partnership.

    Not interested needs a ``reason`` and declines the partnership; both interested moves an
    ``approved`` partnership to ``introduced``. The other party is notified of the answer.
    Raises ``PermissionDenied`` when the user is not a party and ``ValidationError`` (on
    ``answer`` or ``reason``) for a missing reason, an unknown answer, a second, different
    answer or an answer on a closed partnership; nothing is saved then. The same answer
    sent twice changes nothing (``changed`` is False)."""
    reason = (reason or "").strip()
    with transaction.atomic():
        partnership = (
            Partnership.objects.select_for_update(of=("self",))
            .select_related("supplier", "demand__manufacturer")
            .get(pk=partnership_id)
        )
        side = side_of(partnership, user)
        if side is None:
            raise PermissionDenied
        previous = answer_of(partnership, side)
        if previous:
            if previous == answer:
                return AnswerResult(partnership=partnership, side=side, changed=False)
            raise ValidationError(
                {
                    "answer": ValidationError(
                        _(
                            "You already answered “%(answer)s” to this introduction; the "
                            "answer cannot be changed here. Ask the ministry officer if "
                            "something has changed."
                        ),
                        code="already_answered",
                        params={"answer": IntroductionAnswer(previous).label},
                    )
                }
            )
        if partnership.stage in CLOSED_PARTNERSHIP_STAGES:
            raise ValidationError(
                {
                    "answer": ValidationError(
                        _("This introduction is closed (%(stage)s): it can no longer be answered."),
                        code="closed",
                        params={"stage": PartnershipStage(partnership.stage).label},
                    )
                }
            )
        if answer not in IntroductionAnswer.values:
            raise ValidationError(
                {"answer": _("Choose interested or not interested.")}, code="invalid_choice"
            )
        if answer == IntroductionAnswer.NOT_INTERESTED and not reason:
            raise ValidationError(
                {"reason": _("Tell us briefly why you are not interested.")},
                code="reason_required",
            )

        setattr(partnership, f"{side}_answer", answer)
        keep = reason if answer == IntroductionAnswer.NOT_INTERESTED else ""
        setattr(partnership, f"{side}_answer_reason", keep)
        setattr(partnership, f"{side}_answered_at", timezone.now())
        partnership.full_clean()
        partnership.save(
            update_fields=[
                f"{side}_answer",
                f"{side}_answer_reason",
                f"{side}_answered_at",
                "updated_at",
            ]
        )
        party = party_name(partnership, side)
        moved_to = ""
        if answer == IntroductionAnswer.NOT_INTERESTED:
            moved_to = PartnershipStage.DECLINED
            note = _stored_text(
                _("%(party)s is not interested: %(reason)s"), party=party, reason=reason
            )
        elif both_interested(partnership) and partnership.stage == PartnershipStage.APPROVED:
            moved_to = PartnershipStage.INTRODUCED
            note = _stored_text(
                _("Both parties answered interested; contact details are now shared.")
            )
        else:
            note = _stored_text(_("%(party)s answered interested."), party=party)
        announcements.answer_announce(partnership=partnership, side=side, answer=answer)
        if moved_to:
            stages.partnership_move(
                partnership_id=partnership.pk,
                to_stage=moved_to,
                by=user,
                note=note,
                expected_stage=partnership.stage,
            )
            partnership.refresh_from_db()
        else:
            event = PartnershipEvent(partnership=partnership, note=note, by=user)
            event.full_clean()
            event.save()
    return AnswerResult(partnership=partnership, side=side, changed=True, moved_to=moved_to)
