"""Review services: which moves are allowed, what a decision records, approval creating the
partnership, near misses flagged, conflicts between officers, bulk decisions."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from matchmaking.choices import MatchKind, MatchStatus, PartnershipStage
from matchmaking.engine import rescoring
from matchmaking.models import Match, MatchDecision, Partnership, PartnershipEvent
from matchmaking.partnerships.review import (
    MatchConflict,
    MatchGone,
    Outcome,
    match_decide,
    match_decide_many,
)
from partners.choices import DemandStatus
from tests.matchmaking import factories as f
from tests.partners.factories import UserFactory

pytestmark = pytest.mark.django_db

S, SL, A, R = (
    MatchStatus.SUGGESTED,
    MatchStatus.SHORTLISTED,
    MatchStatus.APPROVED,
    MatchStatus.REJECTED,
)
ALLOWED = [(S, SL), (S, A), (S, R), (SL, A), (SL, R), (SL, S), (R, SL)]
FORBIDDEN = [
    (from_status, to_status)
    for from_status in (S, SL, A, R)
    for to_status in (S, SL, A, R)
    if (from_status, to_status) not in ALLOWED
]


@pytest.fixture
def cat():
    return f.catalogue()


@pytest.fixture
def demand(cat):
    """A scored brake-block demand: two matches and a near miss lacking ISO 9001."""
    demand = f.brake_block_demand(cat)
    f.supplier(cat, name="CV Ceper Presisi")
    f.supplier(cat, name="CV Logam Jaya", capacity=900)
    f.supplier(cat, name="UD Tanpa ISO", certified=False)
    rescoring.rescore_demand(demand_id=demand.pk)
    return demand


@pytest.fixture
def officer(db):
    return UserFactory(username="ani", first_name="Ani", last_name="Wijaya", is_staff=True)


@pytest.fixture
def other_officer(db):
    return UserFactory(username="budi", first_name="Budi", last_name="Santoso", is_staff=True)


def match_of(demand, name: str) -> Match:
    return Match.objects.get(demand=demand, supplier__legal_name=name)


def set_status(match: Match, status: str) -> None:
    Match.objects.filter(pk=match.pk).update(status=status)


def decide(match: Match, to_status: str, by, *, note: str = "", expected: str | None = None):
    return match_decide(
        demand_id=match.demand_id,
        supplier_id=match.supplier_id,
        to_status=to_status,
        by=by,
        note=note,
        expected_status=expected or Match.objects.get(pk=match.pk).status,
    )


# --- single decisions -----------------------------------------------------------------------


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED)
def test_allowed_move_changes_status_and_records_who_when_and_why(
    demand, officer, from_status, to_status
):
    match = match_of(demand, "CV Ceper Presisi")
    set_status(match, from_status)

    decided = decide(match, to_status, officer, note="Checked with the buyer")

    match.refresh_from_db()
    assert decided.status == match.status == to_status
    assert match.reviewed_by == officer
    assert match.reviewed_at is not None
    assert match.review_note == "Checked with the buyer"
    decision = MatchDecision.objects.get(match=match)
    assert (decision.from_status, decision.to_status, decision.by) == (
        from_status,
        to_status,
        officer,
    )
    assert decision.note == "Checked with the buyer"
    assert Partnership.objects.filter(match=match).exists() == (to_status == A)


@pytest.mark.parametrize(("from_status", "to_status"), FORBIDDEN)
def test_forbidden_move_is_refused_and_saves_nothing(demand, officer, from_status, to_status):
    match = match_of(demand, "CV Ceper Presisi")
    set_status(match, from_status)

    with pytest.raises(ValidationError) as caught:
        decide(match, to_status, officer, note="a reason")

    assert "to_status" in caught.value.error_dict
    match.refresh_from_db()
    assert match.status == from_status
    assert match.reviewed_by is None
    assert not MatchDecision.objects.exists()
    assert not Partnership.objects.exists()


@pytest.mark.parametrize("note", ["", "   \n "])
def test_reject_without_a_reason_is_refused_on_the_note_field_and_saves_nothing(
    demand, officer, note
):
    match = match_of(demand, "CV Ceper Presisi")

    with pytest.raises(ValidationError) as caught:
        decide(match, R, officer, note=note)

    assert list(caught.value.error_dict) == ["note"]
    match.refresh_from_db()
    assert match.status == S
    assert match.reviewed_at is None
    assert not MatchDecision.objects.exists()


def test_reject_with_a_reason_keeps_the_reason_on_row_and_log(demand, officer):
    match = match_of(demand, "CV Logam Jaya")

    decide(match, R, officer, note="Buyer wants a supplier with a lab")

    match.refresh_from_db()
    assert match.status == R
    assert match.review_note == "Buyer wants a supplier with a lab"
    assert MatchDecision.objects.get(match=match).note == "Buyer wants a supplier with a lab"


def test_approval_creates_exactly_one_partnership_and_its_first_event(demand, officer):
    match = match_of(demand, "CV Ceper Presisi")

    decide(match, A, officer, note="Introduce at the INKA supplier day")

    partnership = Partnership.objects.get()
    assert partnership.match == match
    assert partnership.supplier_id == match.supplier_id
    assert partnership.demand_id == demand.pk
    assert partnership.stage == PartnershipStage.APPROVED
    assert partnership.stage_changed_at is not None
    assert partnership.officer == officer
    event = PartnershipEvent.objects.get()
    assert event.partnership == partnership
    assert (event.from_stage, event.to_stage) == ("", PartnershipStage.APPROVED)
    assert event.note == "Introduce at the INKA supplier day"
    assert event.by == officer


def test_approval_rescores_the_supplier_after_commit(
    demand, officer, django_capture_on_commit_callbacks
):
    match = match_of(demand, "CV Ceper Presisi")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        decide(match, A, officer, note="Introduce")

    assert len(callbacks) == 1
    match.refresh_from_db()
    assert match.status == A
    assert match.is_current
    assert Partnership.objects.get().match == match


def test_approval_is_refused_when_the_demand_is_not_open(demand, officer):
    demand.status = DemandStatus.CLOSED
    demand.save(update_fields=["status"])
    match = match_of(demand, "CV Ceper Presisi")

    with pytest.raises(ValidationError) as caught:
        decide(match, A, officer)

    assert "to_status" in caught.value.error_dict
    assert not Partnership.objects.exists()
    assert Match.objects.get(pk=match.pk).status == S


def test_shortlist_is_still_possible_on_a_closed_demand(demand, officer):
    demand.status = DemandStatus.CLOSED
    demand.save(update_fields=["status"])

    decided = decide(match_of(demand, "CV Ceper Presisi"), SL, officer)

    assert decided.status == SL


def test_stale_expected_status_raises_conflict_naming_who_decided_and_when(
    demand, officer, other_officer
):
    match = match_of(demand, "CV Ceper Presisi")
    decide(match, A, other_officer, expected=S)

    with pytest.raises(MatchConflict) as caught:
        decide(match, A, officer, expected=S)

    conflict = caught.value
    assert conflict.status == A
    assert conflict.decided_by == other_officer
    assert conflict.decided_at == Match.objects.get(pk=match.pk).reviewed_at
    assert "Budi Santoso" in conflict.messages[0]
    assert Partnership.objects.count() == 1
    assert MatchDecision.objects.filter(to_status=A).count() == 1
    assert Match.objects.get(pk=match.pk).reviewed_by == other_officer


def test_conflict_on_a_rejection_saves_nothing_of_the_late_officer(demand, officer, other_officer):
    match = match_of(demand, "CV Logam Jaya")
    decide(match, SL, other_officer, expected=S)

    with pytest.raises(MatchConflict):
        decide(match, R, officer, note="Too small", expected=S)

    match.refresh_from_db()
    assert (match.status, match.reviewed_by, match.review_note) == (SL, other_officer, "")
    assert MatchDecision.objects.filter(by=officer).count() == 0


def test_decision_on_a_pair_without_a_match_says_the_suggestion_is_gone(demand, officer, cat):
    outsider = f.supplier(cat, name="CV Baru", component_type=cat.chair)

    with pytest.raises(MatchGone):
        match_decide(
            demand_id=demand.pk,
            supplier_id=outsider.pk,
            to_status=SL,
            by=officer,
            expected_status=S,
        )


def test_decision_addresses_the_pair_after_a_rescore_replaced_the_suggestion(demand, officer):
    before = match_of(demand, "CV Ceper Presisi")
    # a rescore keeps an unchanged suggestion's row (issue 11); one that left the list and
    # came back, as here, is a new row
    Match.objects.filter(pk=before.pk).delete()
    rescoring.rescore_demand(demand_id=demand.pk)
    after = match_of(demand, "CV Ceper Presisi")
    assert after.pk != before.pk

    decide(before, SL, officer, expected=S)

    assert match_of(demand, "CV Ceper Presisi").status == SL


def test_reviewed_match_keeps_status_and_history_through_a_rescore(demand, officer):
    match = match_of(demand, "CV Ceper Presisi")
    decide(match, SL, officer, note="Visit planned")

    rescoring.rescore_demand(demand_id=demand.pk)

    kept = match_of(demand, "CV Ceper Presisi")
    assert kept.pk == match.pk
    assert kept.status == SL
    assert list(kept.decisions.values_list("to_status", flat=True)) == [SL]


# --- near misses ----------------------------------------------------------------------------


@pytest.mark.parametrize("to_status", [SL, A])
def test_shortlisting_or_approving_a_near_miss_flags_what_it_lacks_at_once(
    demand, officer, to_status
):
    near = match_of(demand, "UD Tanpa ISO")
    assert near.kind == MatchKind.NEAR_MISS
    assert not near.qualification_issue

    decide(near, to_status, officer)

    near.refresh_from_db()
    assert "ISO 9001" in near.qualification_issue
    assert "ISO 9001" in near.qualification_issue_en
    assert near.qualification_issue != near.qualification_issue_en
    assert near.flagged_at is not None


def test_approved_near_miss_carries_its_flag_to_the_partnership(demand, officer):
    decide(match_of(demand, "UD Tanpa ISO"), A, officer)

    partnership = Partnership.objects.get()
    assert "ISO 9001" in partnership.qualification_issue_en
    assert partnership.flagged_at is not None


def test_rejecting_a_near_miss_does_not_flag_it(demand, officer):
    near = match_of(demand, "UD Tanpa ISO")

    decide(near, R, officer, note="Needs ISO 9001 first")

    near.refresh_from_db()
    assert near.qualification_issue == ""
    assert near.flagged_at is None


def test_shortlisting_a_match_does_not_flag_it(demand, officer):
    match = match_of(demand, "CV Ceper Presisi")

    decide(match, SL, officer)

    match.refresh_from_db()
    assert (match.qualification_issue, match.flagged_at) == ("", None)


# --- bulk -----------------------------------------------------------------------------------


def test_bulk_decision_reports_each_pair_and_keeps_the_successes(
    demand, cat, officer, other_officer
):
    first = match_of(demand, "CV Ceper Presisi")
    second = match_of(demand, "CV Logam Jaya")
    near = match_of(demand, "UD Tanpa ISO")
    decide(second, A, other_officer, expected=S)  # someone else was faster
    set_status(near, R)  # rejected earlier: cannot be approved straight away
    outsider = f.supplier(cat, name="CV Kursi", component_type=cat.chair)
    pairs = [
        (demand.pk, first.supplier_id),
        (demand.pk, second.supplier_id),
        (demand.pk, near.supplier_id),
        (demand.pk, outsider.pk),
    ]

    result = match_decide_many(
        pairs=pairs,
        to_status=A,
        by=officer,
        note="Batch after the temu bisnis",
        expected=dict.fromkeys(pairs[:2], S),
    )

    outcomes = {(item.demand_id, item.supplier_id): item for item in result.items}
    assert [item.outcome for item in result.items] == [
        Outcome.DONE,
        Outcome.CONFLICT,
        Outcome.INVALID,
        Outcome.INVALID,
    ]
    assert [(i.demand_id, i.supplier_id) for i in result.succeeded] == [pairs[0]]
    assert "Budi Santoso" in outcomes[pairs[1]].message
    assert outcomes[pairs[1]].match.status == A
    assert outcomes[pairs[2]].message
    assert match_of(demand, "CV Ceper Presisi").status == A
    assert Partnership.objects.filter(officer=officer).count() == 1
    assert Partnership.objects.count() == 2
    assert match_of(demand, "UD Tanpa ISO").status == R


def test_bulk_reject_without_a_reason_decides_nothing(demand, officer):
    pairs = [(m.demand_id, m.supplier_id) for m in Match.objects.filter(demand=demand)]

    with pytest.raises(ValidationError) as caught:
        match_decide_many(pairs=pairs, to_status=R, by=officer, note=" ")

    assert "note" in caught.value.error_dict
    assert not MatchDecision.objects.exists()
    assert set(Match.objects.values_list("status", flat=True)) == {S}


def test_bulk_decision_decides_a_pair_given_twice_once(demand, officer):
    match = match_of(demand, "CV Ceper Presisi")
    pair = (match.demand_id, match.supplier_id)

    result = match_decide_many(pairs=[pair, pair], to_status=SL, by=officer)

    assert len(result.items) == 1
    assert MatchDecision.objects.count() == 1


# --- two officers at the same moment (PostgreSQL) --------------------------------------------


@pytest.mark.postgres
def test_two_officers_approving_the_same_match_at_once_leave_one_approval(transactional_db):
    cat = f.catalogue()
    match = f.MatchFactory(
        demand=f.brake_block_demand(cat), supplier=f.supplier(cat, name="CV Ceper Presisi")
    )
    demand = match.demand
    officers = [
        UserFactory(username=name, first_name=name.title(), is_staff=True)
        for name in ("ani", "budi")
    ]
    barrier = threading.Barrier(len(officers))
    outcomes: dict[str, object] = {}

    def approve(officer) -> None:
        try:
            barrier.wait(timeout=10)
            decided = match_decide(
                demand_id=demand.pk,
                supplier_id=match.supplier_id,
                to_status=A,
                by=officer,
                note=f"approved by {officer.username}",
                expected_status=S,
            )
            outcomes[officer.username] = decided
        except Exception as exc:  # noqa: BLE001 - recorded and asserted below
            outcomes[officer.username] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(officer,)) for officer in officers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(type(o).__name__ for o in outcomes.values()) == ["Match", "MatchConflict"], (
        outcomes
    )
    winner = next(name for name, o in outcomes.items() if isinstance(o, Match))
    loser = next(o for o in outcomes.values() if isinstance(o, MatchConflict))
    assert loser.decided_by.username == winner
    match.refresh_from_db()
    assert match.status == A
    assert match.reviewed_by.username == winner
    assert Partnership.objects.count() == 1
    assert MatchDecision.objects.filter(to_status=A).count() == 1
    assert PartnershipEvent.objects.count() == 1
