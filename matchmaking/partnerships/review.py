"""Review services: staff shortlist, approve or reject suggested matches.

A match is addressed by its (demand, supplier) pair, never by its id: a rescore deletes and
re-inserts the unreviewed suggestions of a demand, so their ids change under an open page.

Every decision locks the match row (``select_for_update``), checks that the row is still in
the status the officer saw (``expected_status``) and writes a :class:`MatchDecision`. Two
officers acting on the same match at once therefore end with one decision; the second is
told who acted first (:class:`MatchConflict`). Approval also creates the partnership (and
``Partnership.match`` is one-to-one, so a second approval cannot create a second one).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from common.people import display_name
from partners.choices import DemandStatus

from ..choices import MatchKind, MatchStatus, PartnershipStage
from ..engine import scheduling
from ..engine.explanations import issue_text, stored_failures
from ..engine.loading import load_labels
from ..models import Match, MatchDecision, Partnership, PartnershipEvent
from . import announcements

# Moves an officer may make from each status. Approved is final here: the partnership then
# lives in its stages (matchmaking.partnerships.stages).
ALLOWED_MOVES: Mapping[str, frozenset[str]] = {
    MatchStatus.SUGGESTED: frozenset(
        {MatchStatus.SHORTLISTED, MatchStatus.APPROVED, MatchStatus.REJECTED}
    ),
    MatchStatus.SHORTLISTED: frozenset(
        {MatchStatus.APPROVED, MatchStatus.REJECTED, MatchStatus.SUGGESTED}
    ),
    MatchStatus.REJECTED: frozenset({MatchStatus.SHORTLISTED}),
    MatchStatus.APPROVED: frozenset(),
}
# Moves that make an officer vouch for the supplier: a near miss is flagged at once.
VOUCHING_MOVES = frozenset({MatchStatus.SHORTLISTED, MatchStatus.APPROVED})

Pair = tuple[int, int]
# The columns of a match a review writes.
REVIEW_FIELDS = (
    "status",
    "reviewed_by",
    "reviewed_at",
    "review_note",
    "qualification_issue",
    "qualification_issue_en",
    "flagged_at",
)


class MatchConflict(ValidationError):
    """The match is no longer in the status the officer saw: someone acted first.

    ``match`` is the row as it is now; ``decided_by``/``decided_at`` say who changed it and
    when (``None`` when a rescore, not an officer, changed it)."""

    def __init__(self, *, match: Match, expected_status: str) -> None:
        self.match = match
        self.expected_status = expected_status
        self.status = match.status
        self.decided_by = match.reviewed_by
        self.decided_at = match.reviewed_at
        status = match.get_status_display()
        if self.decided_by is None or self.decided_at is None:
            super().__init__(
                _("This match is now %(status)s: the page you acted on was out of date."),
                code="conflict",
                params={"status": status},
            )
            return
        params = {
            "status": status,
            "name": display_name(self.decided_by),
            "time": formats.date_format(timezone.localtime(self.decided_at), "DATETIME_FORMAT"),
        }
        if match.status == MatchStatus.SUGGESTED:
            message = _("Moved back to the suggestions by %(name)s at %(time)s.")
        else:
            message = _("Already %(status)s by %(name)s at %(time)s.")
        super().__init__(message, code="conflict", params=params)


class MatchGone(ValidationError):
    """No match of this supplier for this demand any more (a rescore dropped the
    suggestion)."""

    def __init__(self) -> None:
        super().__init__(
            _("This supplier is no longer suggested for this demand: the ranking has changed."),
            code="gone",
        )


def _flag_near_miss(match: Match, now) -> None:
    """Record on the row that the supplier does not qualify (what it lacks)."""
    failures = stored_failures(match)
    if not failures:
        return
    match.qualification_issue, match.qualification_issue_en = issue_text(failures, load_labels())
    if match.flagged_at is None:
        match.flagged_at = now


def _validate_request(*, to_status: str, note: str) -> None:
    if to_status not in MatchStatus.values:
        raise ValidationError(
            {"to_status": _("Choose shortlist, approve or reject.")}, code="invalid_choice"
        )
    if to_status == MatchStatus.REJECTED and not note.strip():
        raise ValidationError(
            {"note": _("Give a reason for rejecting this match.")}, code="reason_required"
        )


def _check_move(match: Match, to_status: str) -> None:
    if to_status not in ALLOWED_MOVES[match.status]:
        raise ValidationError(
            {
                "to_status": ValidationError(
                    _("A match that is %(from)s cannot be moved to %(to)s."),
                    code="invalid_move",
                    params={
                        "from": match.get_status_display(),
                        "to": MatchStatus(to_status).label,
                    },
                )
            }
        )
    if to_status == MatchStatus.APPROVED and match.demand.status != DemandStatus.OPEN:
        raise ValidationError(
            {
                "to_status": ValidationError(
                    _("Only matches of an open demand can be approved."), code="demand_not_open"
                )
            }
        )


def _decide(
    *,
    demand_id: int,
    supplier_id: int,
    to_status: str,
    by,
    note: str,
    expected_status: str | None,
) -> Match:
    note = (note or "").strip()
    _validate_request(to_status=to_status, note=note)
    with transaction.atomic():
        # reviewed_by is read after the lock, not joined: a row locked while another
        # officer decided comes back in its new version, but joined rows would not
        match = (
            Match.objects.select_for_update(of=("self",))
            .select_related("demand")
            .filter(demand_id=demand_id, supplier_id=supplier_id)
            .first()
        )
        if match is None:
            raise MatchGone()
        if expected_status is not None and match.status != expected_status:
            raise MatchConflict(match=match, expected_status=expected_status)
        _check_move(match, to_status)

        now = timezone.now()
        from_status = match.status
        match.status = to_status
        match.reviewed_by = by
        match.reviewed_at = now
        match.review_note = note
        if to_status in VOUCHING_MOVES and match.kind == MatchKind.NEAR_MISS:
            _flag_near_miss(match, now)
        # only what a review writes is validated: the scoring fields are the engine's (a
        # reviewed row that lost its capability has an empty breakdown, legitimately)
        match.full_clean(
            exclude=[f.name for f in Match._meta.fields if f.name not in REVIEW_FIELDS]
        )
        match.save(update_fields=[*REVIEW_FIELDS, "updated_at"])
        decision = MatchDecision(
            match=match, from_status=from_status, to_status=to_status, note=note, by=by
        )
        decision.full_clean()
        decision.save()
        if to_status == MatchStatus.APPROVED:
            _partnership_create(match=match, by=by, note=note, now=now)
    return match


def _partnership_create(*, match: Match, by, note: str, now) -> Partnership:
    partnership = Partnership(
        match=match,
        supplier_id=match.supplier_id,
        demand_id=match.demand_id,
        stage=PartnershipStage.APPROVED,
        stage_changed_at=now,
        officer=by,
        qualification_issue=match.qualification_issue,
        qualification_issue_en=match.qualification_issue_en,
        flagged_at=match.flagged_at if match.qualification_issue else None,
    )
    partnership.full_clean()
    partnership.save()
    event = PartnershipEvent(
        partnership=partnership, from_stage="", to_stage=PartnershipStage.APPROVED, note=note, by=by
    )
    event.full_clean(exclude=["partnership"])
    event.save()
    # A live partnership weighs on the supplier's load in scoring: rescore it after commit.
    scheduling.on_supplier_changed(supplier_id=match.supplier_id)
    announcements.introduction_announce(partnership=partnership)
    return partnership


def match_decide(
    *,
    demand_id: int,
    supplier_id: int,
    to_status: str,
    by,
    note: str = "",
    expected_status: str,
) -> Match:
    """Move the match of this supplier for this demand to ``to_status``.

    Raises :class:`MatchConflict` when the row is no longer ``expected_status``,
    :class:`MatchGone` when the suggestion no longer exists, and ``ValidationError`` (on
    ``note`` or ``to_status``) for a rejection without a reason, a move that is not allowed
    or an approval on a demand that is not open. Nothing is saved when it raises."""
    return _decide(
        demand_id=demand_id,
        supplier_id=supplier_id,
        to_status=to_status,
        by=by,
        note=note,
        expected_status=expected_status,
    )


# --- bulk -----------------------------------------------------------------------------------


class Outcome:
    DONE = "done"
    CONFLICT = "conflict"
    INVALID = "invalid"


@dataclass(frozen=True)
class BulkItem:
    """What happened to one pair of a bulk action."""

    demand_id: int
    supplier_id: int
    outcome: str
    message: str = ""
    match: Match | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == Outcome.DONE


@dataclass(frozen=True)
class BulkResult:
    to_status: str
    items: list[BulkItem] = field(default_factory=list)

    @property
    def succeeded(self) -> list[BulkItem]:
        return [item for item in self.items if item.ok]

    @property
    def failed(self) -> list[BulkItem]:
        return [item for item in self.items if not item.ok]


def _messages(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


def match_decide_many(
    *,
    pairs: Iterable[Pair],
    to_status: str,
    by,
    note: str = "",
    expected: Mapping[Pair, str] | None = None,
) -> BulkResult:
    """Decide each (demand id, supplier id) pair in its own transaction.

    ``expected`` gives the status each pair had on the officer's page; a pair found in
    another status is a conflict. Pairs without one are decided from whatever status they
    have now (a move that is not allowed from there is reported as invalid). The request
    itself (the status, a reason to reject) is validated first: if that fails nothing is
    decided and ``ValidationError`` is raised."""
    note = (note or "").strip()
    _validate_request(to_status=to_status, note=note)
    expected = expected or {}
    items: list[BulkItem] = []
    for pair in dict.fromkeys(pairs):
        demand_id, supplier_id = pair
        try:
            match = _decide(
                demand_id=demand_id,
                supplier_id=supplier_id,
                to_status=to_status,
                by=by,
                note=note,
                expected_status=expected.get(pair),
            )
        except MatchConflict as exc:
            items.append(
                BulkItem(demand_id, supplier_id, Outcome.CONFLICT, _messages(exc), exc.match)
            )
        except ValidationError as exc:
            items.append(BulkItem(demand_id, supplier_id, Outcome.INVALID, _messages(exc)))
        else:
            items.append(BulkItem(demand_id, supplier_id, Outcome.DONE, match=match))
    return BulkResult(to_status=to_status, items=items)
