"""Partnership stages (matchmaking.partnerships.stages): which moves are allowed, what each
write records and when the supplier is rescored."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from matchmaking.choices import MatchKind, PartnershipStage
from matchmaking.engine import rescoring
from matchmaking.models import Match, Partnership, PartnershipEvent
from matchmaking.partnerships import stages
from matchmaking.scoring.config import FACTORS
from tests.matchmaking import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks", "stale_days")]

S = PartnershipStage

# The rules, written out: forward (skipping allowed), one step back, completed only from
# active supply, declined/ended from any live stage; closed stages are final.
ALLOWED = {
    S.APPROVED: {
        S.INTRODUCED,
        S.MEETING_HELD,
        S.TRIAL_ORDER,
        S.CONTRACT,
        S.ACTIVE_SUPPLY,
        S.DECLINED,
        S.ENDED,
    },
    S.INTRODUCED: {
        S.APPROVED,
        S.MEETING_HELD,
        S.TRIAL_ORDER,
        S.CONTRACT,
        S.ACTIVE_SUPPLY,
        S.DECLINED,
        S.ENDED,
    },
    S.MEETING_HELD: {
        S.INTRODUCED,
        S.TRIAL_ORDER,
        S.CONTRACT,
        S.ACTIVE_SUPPLY,
        S.DECLINED,
        S.ENDED,
    },
    S.TRIAL_ORDER: {S.MEETING_HELD, S.CONTRACT, S.ACTIVE_SUPPLY, S.DECLINED, S.ENDED},
    S.CONTRACT: {S.TRIAL_ORDER, S.ACTIVE_SUPPLY, S.DECLINED, S.ENDED},
    S.ACTIVE_SUPPLY: {S.CONTRACT, S.COMPLETED, S.DECLINED, S.ENDED},
    S.COMPLETED: set(),
    S.DECLINED: set(),
    S.ENDED: set(),
}
ALL_PAIRS = [(a, b) for a in S for b in S if a != b]


def days_ago(days: int, *, hours: int = 0) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days, hours=hours)


def partnership(stage=S.APPROVED, **fields) -> Partnership:
    return f.PartnershipFactory(stage=stage, **fields)


def events(p: Partnership) -> list[tuple]:
    return list(
        PartnershipEvent.objects.filter(partnership=p)
        .order_by("pk")
        .values_list("from_stage", "to_stage", "note", "by__username")
    )


# --- moves ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("from_stage", "to_stage"), [(a, b) for a, b in ALL_PAIRS if b in ALLOWED[a]]
)
def test_allowed_move_changes_stage_and_writes_one_event(officer, from_stage, to_stage):
    p = partnership(from_stage, stage_changed_at=days_ago(40), reminded_at=days_ago(2))

    moved = stages.partnership_move(
        partnership_id=p.pk,
        to_stage=to_stage,
        by=officer,
        note="Temu bisnis di pabrik",
        expected_stage=from_stage,
    )

    p.refresh_from_db()
    assert moved.stage == p.stage == to_stage
    assert p.stage_changed_at > days_ago(0, hours=1)
    assert p.reminded_at is None
    assert events(p) == [(from_stage, to_stage, "Temu bisnis di pabrik", "rina")]


@pytest.mark.parametrize(
    ("from_stage", "to_stage"), [(a, b) for a, b in ALL_PAIRS if b not in ALLOWED[a]]
)
def test_forbidden_move_is_refused_on_the_stage_field_and_saves_nothing(
    officer, from_stage, to_stage
):
    changed_at = days_ago(5)
    p = partnership(from_stage, stage_changed_at=changed_at)

    with pytest.raises(ValidationError) as error:
        stages.partnership_move(
            partnership_id=p.pk,
            to_stage=to_stage,
            by=officer,
            note="a reason",
            expected_stage=from_stage,
        )

    assert "to_stage" in error.value.message_dict
    p.refresh_from_db()
    assert (p.stage, p.stage_changed_at, p.end_reason) == (from_stage, changed_at, "")
    assert events(p) == []


def test_move_to_the_same_stage_is_refused(officer):
    p = partnership(S.INTRODUCED)

    with pytest.raises(ValidationError) as error:
        stages.partnership_move(
            partnership_id=p.pk, to_stage=S.INTRODUCED, by=officer, expected_stage=S.INTRODUCED
        )

    assert "to_stage" in error.value.message_dict
    assert events(p) == []


def test_unknown_stage_is_refused(officer):
    p = partnership(S.INTRODUCED)

    with pytest.raises(ValidationError) as error:
        stages.partnership_move(
            partnership_id=p.pk, to_stage="signed", by=officer, expected_stage=S.INTRODUCED
        )

    assert "to_stage" in error.value.message_dict


@pytest.mark.parametrize("to_stage", [S.DECLINED, S.ENDED])
@pytest.mark.parametrize("note", ["", "   \n "])
def test_declining_or_ending_without_a_reason_is_refused_and_saves_nothing(officer, to_stage, note):
    p = partnership(S.MEETING_HELD)

    with pytest.raises(ValidationError) as error:
        stages.partnership_move(
            partnership_id=p.pk,
            to_stage=to_stage,
            by=officer,
            note=note,
            expected_stage=S.MEETING_HELD,
        )

    assert list(error.value.message_dict) == ["note"]
    p.refresh_from_db()
    assert (p.stage, p.end_reason) == (S.MEETING_HELD, "")
    assert events(p) == []


def test_ending_stores_the_reason_on_the_partnership_and_in_the_event(officer):
    p = partnership(S.ACTIVE_SUPPLY)

    stages.partnership_move(
        partnership_id=p.pk,
        to_stage=S.ENDED,
        by=officer,
        note="  KAI moved to composite brake blocks  ",
        expected_stage=S.ACTIVE_SUPPLY,
    )

    p.refresh_from_db()
    assert p.end_reason == "KAI moved to composite brake blocks"
    assert events(p) == [(S.ACTIVE_SUPPLY, S.ENDED, "KAI moved to composite brake blocks", "rina")]


def test_stale_expected_stage_raises_a_conflict_naming_who_moved_it_and_saves_nothing(
    officer, other_officer
):
    p = partnership(S.APPROVED)
    stages.partnership_move(
        partnership_id=p.pk, to_stage=S.INTRODUCED, by=officer, expected_stage=S.APPROVED
    )

    with pytest.raises(stages.PartnershipConflict) as conflict:
        stages.partnership_move(
            partnership_id=p.pk,
            to_stage=S.MEETING_HELD,
            by=other_officer,
            note="met them",
            expected_stage=S.APPROVED,
        )

    assert conflict.value.moved_by == officer
    assert conflict.value.stage == S.INTRODUCED
    with translation.override("en"):
        assert "Rina Pembina" in conflict.value.message
        assert "introduced" in conflict.value.message
    p.refresh_from_db()
    assert p.stage == S.INTRODUCED
    assert events(p) == [(S.APPROVED, S.INTRODUCED, "", "rina")]


def test_allowed_moves_lists_forward_stages_first_then_back_then_closing():
    assert stages.allowed_moves(S.MEETING_HELD) == [
        S.TRIAL_ORDER,
        S.CONTRACT,
        S.ACTIVE_SUPPLY,
        S.INTRODUCED,
        S.DECLINED,
        S.ENDED,
    ]
    assert stages.allowed_moves(S.ACTIVE_SUPPLY) == [
        S.COMPLETED,
        S.CONTRACT,
        S.DECLINED,
        S.ENDED,
    ]
    assert stages.allowed_moves(S.ENDED) == []


# --- notes ----------------------------------------------------------------------------------


def test_note_adds_an_event_without_a_stage_change(officer):
    p = partnership(S.CONTRACT, stage_changed_at=days_ago(3))

    stages.partnership_note_add(partnership_id=p.pk, by=officer, note=" PO received ")

    p.refresh_from_db()
    assert (p.stage, p.stage_changed_at.date()) == (S.CONTRACT, days_ago(3).date())
    assert events(p) == [("", "", "PO received", "rina")]


def test_empty_note_is_refused(officer):
    p = partnership()

    with pytest.raises(ValidationError) as error:
        stages.partnership_note_add(partnership_id=p.pk, by=officer, note="  ")

    assert list(error.value.message_dict) == ["note"]
    assert events(p) == []


def test_notes_are_allowed_on_closed_partnerships(officer):
    p = partnership(S.DECLINED)

    stages.partnership_note_add(partnership_id=p.pk, by=officer, note="Follow-up call")

    assert events(p) == [("", "", "Follow-up call", "rina")]


# --- outcomes -------------------------------------------------------------------------------


def test_outcome_update_saves_the_figures_and_summarises_the_change(officer):
    p = partnership(S.CONTRACT)

    with translation.override("en"):
        stages.partnership_outcome_update(
            partnership_id=p.pk,
            by=officer,
            data={
                "contract_value_idr": 1_500_000_000,
                "committed_monthly_volume": Decimal("1200"),
                "committed_unit": "pcs",
                "jobs_created": 14,
                "tkdn_percent": Decimal("45.5"),
                "delivered_on_time": None,
            },
        )

    p.refresh_from_db()
    assert p.contract_value_idr == 1_500_000_000
    assert p.committed_monthly_volume == Decimal("1200")
    assert p.committed_unit == "pcs"
    assert p.jobs_created == 14
    assert p.tkdn_percent == Decimal("45.5")
    [(from_stage, to_stage, note, by)] = events(p)
    assert (from_stage, to_stage, by) == ("", "", "rina")
    assert "Rp 1,500,000,000" in note
    assert "45.5 %" in note
    assert "delivered on time" not in note  # unchanged fields are not listed


def test_outcome_update_without_changes_writes_no_event(officer):
    p = partnership(S.CONTRACT, jobs_created=3)

    stages.partnership_outcome_update(partnership_id=p.pk, by=officer, data={"jobs_created": 3})

    assert events(p) == []


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"committed_monthly_volume": Decimal("100"), "committed_unit": ""}, "committed_unit"),
        ({"committed_monthly_volume": None, "committed_unit": "pcs"}, "committed_monthly_volume"),
        (
            {"committed_monthly_volume": Decimal("-1"), "committed_unit": "pcs"},
            "committed_monthly_volume",
        ),
        ({"tkdn_percent": Decimal("100.5")}, "tkdn_percent"),
        ({"tkdn_percent": Decimal("-3")}, "tkdn_percent"),
        ({"contract_value_idr": -5}, "contract_value_idr"),
    ],
)
def test_invalid_outcome_is_refused_on_its_field_and_saves_nothing(officer, data, field):
    p = partnership(S.CONTRACT, contract_value_idr=900_000)

    with pytest.raises(ValidationError) as error:
        stages.partnership_outcome_update(partnership_id=p.pk, by=officer, data=data)

    assert field in error.value.message_dict
    p.refresh_from_db()
    assert p.contract_value_idr == 900_000
    assert (p.committed_monthly_volume, p.committed_unit, p.tkdn_percent) == (None, "", None)
    assert events(p) == []


def test_volume_in_a_unit_the_capacity_cannot_be_converted_to_is_refused(officer):
    cat = f.catalogue()
    ikm = f.supplier(cat, name="Foundry", capacity=5000)  # pieces of 11 kg blocks
    p = partnership(
        S.CONTRACT,
        match__supplier=ikm,
        match__demand=f.brake_block_demand(cat),
        match__capability=ikm.capabilities.get(),
    )

    with pytest.raises(ValidationError) as error:
        stages.partnership_outcome_update(
            partnership_id=p.pk,
            by=officer,
            data={"committed_monthly_volume": Decimal("3"), "committed_unit": "m3"},
        )
    assert list(error.value.message_dict) == ["committed_unit"]

    # tonnes convert through the block's unit weight
    stages.partnership_outcome_update(
        partnership_id=p.pk,
        by=officer,
        data={"committed_monthly_volume": Decimal("11"), "committed_unit": "ton"},
    )
    p.refresh_from_db()
    assert (p.committed_monthly_volume, p.committed_unit) == (Decimal("11"), "ton")


# --- rescoring: the supplier is rescored when what its scores read changes -------------------


@pytest.mark.parametrize(
    ("stage", "volume", "to_stage", "rescored"),
    [
        (S.APPROVED, None, S.INTRODUCED, False),
        (S.INTRODUCED, Decimal("100"), S.MEETING_HELD, False),  # volume not reserved yet
        (S.MEETING_HELD, Decimal("100"), S.TRIAL_ORDER, True),  # starts reserving
        (S.MEETING_HELD, None, S.TRIAL_ORDER, False),  # nothing to reserve
        (S.TRIAL_ORDER, Decimal("100"), S.CONTRACT, False),  # still the same reservation
        (S.CONTRACT, Decimal("100"), S.TRIAL_ORDER, False),
        (S.TRIAL_ORDER, Decimal("100"), S.MEETING_HELD, True),  # back: releases it
        (S.CONTRACT, Decimal("100"), S.ENDED, True),  # releases it
        (S.INTRODUCED, None, S.DECLINED, True),  # one live partnership fewer
        (S.ACTIVE_SUPPLY, None, S.COMPLETED, True),  # track record
    ],
)
def test_move_enqueues_the_supplier_rescore_exactly_when_its_scoring_inputs_change(
    officer, django_capture_on_commit_callbacks, stage, volume, to_stage, rescored
):
    p = partnership(stage, committed_monthly_volume=volume, committed_unit="pcs" if volume else "")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        stages.partnership_move(
            partnership_id=p.pk,
            to_stage=to_stage,
            by=officer,
            note="reason",
            expected_stage=stage,
        )

    assert len(callbacks) == (1 if rescored else 0)


@pytest.mark.parametrize(
    ("stage", "before", "data", "rescored"),
    [
        (
            S.CONTRACT,
            {},
            {"committed_monthly_volume": Decimal("50"), "committed_unit": "pcs"},
            True,
        ),
        (
            S.CONTRACT,
            {"committed_monthly_volume": Decimal("50"), "committed_unit": "pcs"},
            {"committed_monthly_volume": Decimal("80"), "committed_unit": "pcs"},
            True,
        ),
        (
            S.CONTRACT,
            {"committed_monthly_volume": Decimal("50"), "committed_unit": "pcs"},
            {"committed_monthly_volume": Decimal("50"), "committed_unit": "pcs"},
            False,
        ),
        (S.CONTRACT, {}, {"contract_value_idr": 5_000_000, "jobs_created": 3}, False),
        (
            S.INTRODUCED,
            {},
            {"committed_monthly_volume": Decimal("50"), "committed_unit": "pcs"},
            False,
        ),
        (S.COMPLETED, {}, {"delivered_on_time": True}, True),
        (S.ACTIVE_SUPPLY, {}, {"delivered_on_time": True}, False),
    ],
)
def test_outcome_enqueues_the_supplier_rescore_exactly_when_its_scoring_inputs_change(
    officer, django_capture_on_commit_callbacks, stage, before, data, rescored
):
    p = partnership(stage, **before)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        stages.partnership_outcome_update(partnership_id=p.pk, by=officer, data=data)

    assert len(callbacks) == (1 if rescored else 0)


def test_note_never_enqueues_a_rescore(officer, django_capture_on_commit_callbacks):
    p = partnership(S.CONTRACT, committed_monthly_volume=Decimal("10"), committed_unit="pcs")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        stages.partnership_note_add(partnership_id=p.pk, by=officer, note="called")

    assert callbacks == []


def capacity_fit(match: Match) -> float:
    return match.breakdown["v"][FACTORS.index("capacity_fit")]


def test_committing_volume_lowers_the_suppliers_free_capacity_in_a_real_rescore(
    officer, django_capture_on_commit_callbacks
):
    cat = f.catalogue()
    ikm = f.supplier(cat, name="CV Logam Ceper", capacity=5000)
    other_demand = f.brake_block_demand(cat, quantity=2000)
    rescoring.rescore_demand(demand_id=other_demand.pk)
    assert capacity_fit(Match.objects.get(demand=other_demand, supplier=ikm)) == pytest.approx(1)

    p = partnership(
        S.MEETING_HELD,
        match__supplier=ikm,
        match__demand=f.brake_block_demand(cat, quantity=4000),
        match__capability=ikm.capabilities.get(),
        committed_monthly_volume=Decimal("4000"),
        committed_unit="pcs",
    )
    with django_capture_on_commit_callbacks(execute=True):
        stages.partnership_move(
            partnership_id=p.pk, to_stage=S.TRIAL_ORDER, by=officer, expected_stage=S.MEETING_HELD
        )

    # 1,000 of 5,000 pieces left for a demand of 2,000
    assert capacity_fit(Match.objects.get(demand=other_demand, supplier=ikm)) == pytest.approx(0.5)

    with django_capture_on_commit_callbacks(execute=True):
        stages.partnership_outcome_update(
            partnership_id=p.pk,
            by=officer,
            data={"committed_monthly_volume": Decimal("5000"), "committed_unit": "pcs"},
        )

    match = Match.objects.get(demand=other_demand, supplier=ikm)
    assert match.kind == MatchKind.NEAR_MISS
    assert match.failed_constraints[0]["code"] == "no_free_capacity"

    with django_capture_on_commit_callbacks(execute=True):
        stages.partnership_move(
            partnership_id=p.pk,
            to_stage=S.ENDED,
            by=officer,
            note="Buyer cancelled",
            expected_stage=S.TRIAL_ORDER,
        )

    match = Match.objects.get(demand=other_demand, supplier=ikm)
    assert match.kind == MatchKind.MATCH
    assert capacity_fit(match) == pytest.approx(1)


# --- two officers at once (PostgreSQL row locks) ----------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_officers_moving_at_once_end_with_one_move_and_one_conflict(officer, other_officer):
    import threading

    from django.db import connection

    p = partnership(S.APPROVED)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def move(user, to_stage):
        try:
            barrier.wait(timeout=10)
            stages.partnership_move(
                partnership_id=p.pk, to_stage=to_stage, by=user, expected_stage=S.APPROVED
            )
            outcomes[user.username] = "moved"
        except stages.PartnershipConflict as exc:
            outcomes[user.username] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=move, args=(officer, S.INTRODUCED)),
        threading.Thread(target=move, args=(other_officer, S.MEETING_HELD)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(type(o).__name__ for o in outcomes.values()) == ["PartnershipConflict", "str"]
    [winner] = [name for name, o in outcomes.items() if o == "moved"]
    [conflict] = [o for o in outcomes.values() if isinstance(o, stages.PartnershipConflict)]
    assert conflict.moved_by.username == winner
    p.refresh_from_db()
    assert PartnershipEvent.objects.filter(partnership=p).count() == 1
    assert p.stage == {"rina": S.INTRODUCED, "budi": S.MEETING_HELD}[winner]
