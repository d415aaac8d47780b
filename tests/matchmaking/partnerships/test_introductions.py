"""Introductions (matchmaking.partnerships.introductions): how the parties' answers move
the partnership, when contacts are shared, and who is told of an answer."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from matchmaking.models import Partnership, PartnershipEvent
from matchmaking.partnerships import notices as matching_notices
from matchmaking.partnerships import stages
from matchmaking.workspace.selectors import inbox
from matchmaking.workspace.selectors.inbox import InboxState
from partners.models import Notification
from partners.notification_kinds import notification_text
from tests.matchmaking.partnerships.world import (
    INTERESTED,
    NOT_INTERESTED,
    S,
    answer,
    kinds_of,
)

pytestmark = pytest.mark.django_db


# --- answers move the stage -----------------------------------------------------------------


def test_one_party_interested_keeps_the_stage_and_tells_the_other_party(world):
    result = answer(world, world.owner, INTERESTED)

    partnership = Partnership.objects.get(pk=world.partnership.pk)
    assert result.changed and result.moved_to == ""
    assert partnership.stage == S.APPROVED
    assert partnership.supplier_answer == INTERESTED
    assert partnership.supplier_answered_at is not None
    assert partnership.manufacturer_answer == ""
    note = PartnershipEvent.objects.filter(partnership=partnership, by=world.owner).get()
    assert note.to_stage == "" and "CV Ceper Logam Utama" in note.note
    told = Notification.objects.filter(kind=matching_notices.INTRODUCTION_ANSWER)
    assert sorted(told.values_list("user__username", flat=True)) == ["agus", "rina"]
    params = told.first().params
    with translation.override("en"):
        assert "“interested”" in notification_text(matching_notices.INTRODUCTION_ANSWER, params)
    assert matching_notices.INTRODUCTION_ANSWER not in kinds_of(world.owner)


def test_both_interested_moves_the_partnership_to_introduced_and_shares_contacts(world):
    answer(world, world.owner, INTERESTED)
    before = inbox.introduction_detail(user=world.owner, pk=world.partnership.pk)
    assert before.contact is None

    result = answer(world, world.buyer, INTERESTED)

    partnership = Partnership.objects.get(pk=world.partnership.pk)
    assert result.moved_to == S.INTRODUCED
    assert partnership.stage == S.INTRODUCED
    move = PartnershipEvent.objects.get(partnership=partnership, to_stage=S.INTRODUCED)
    assert move.from_stage == S.APPROVED and move.by == world.buyer
    ikm_view = inbox.introduction_detail(user=world.owner, pk=partnership.pk)
    buyer_view = inbox.introduction_detail(user=world.buyer, pk=partnership.pk)
    assert ikm_view.contact == inbox.Contact(
        person="Rina Purchasing", phone="+62 351 452 271", email="rina@inka.example"
    )
    assert buyer_view.contact == inbox.Contact(
        person="Bambang Sutrisno", phone="0272 551 234", email="bambang@ceperlogam.example"
    )
    assert ikm_view.state == InboxState.SHARED


def test_the_stage_change_from_answers_reaches_both_parties_but_not_who_answered(world):
    answer(world, world.owner, INTERESTED)
    answer(world, world.buyer, INTERESTED)

    changed = Notification.objects.filter(kind=matching_notices.STAGE_CHANGED)
    assert sorted(changed.values_list("user__username", flat=True)) == ["agus", "bambang"]
    params = changed.first().params
    with translation.override("id"):
        assert "sudah diperkenalkan" in notification_text(matching_notices.STAGE_CHANGED, params)
    with translation.override("en"):
        assert "“introduced”" in notification_text(matching_notices.STAGE_CHANGED, params)


def test_not_interested_declines_with_the_reason_and_tells_the_other_party(world):
    result = answer(world, world.buyer, NOT_INTERESTED, "  Harga terlalu tinggi untuk kami.  ")

    partnership = Partnership.objects.get(pk=world.partnership.pk)
    assert result.moved_to == S.DECLINED
    assert partnership.stage == S.DECLINED
    assert partnership.manufacturer_answer == NOT_INTERESTED
    assert partnership.manufacturer_answer_reason == "Harga terlalu tinggi untuk kami."
    assert "Harga terlalu tinggi untuk kami." in partnership.end_reason
    assert kinds_of(world.owner)[-2:] == [
        matching_notices.INTRODUCTION_ANSWER,
        matching_notices.STAGE_CHANGED,
    ]
    owner_view = inbox.introduction_detail(user=world.owner, pk=partnership.pk)
    assert owner_view.contact is None and owner_view.state == InboxState.CLOSED
    assert not owner_view.can_answer


def test_the_ikm_not_interested_after_the_buyer_was_also_declines(world):
    answer(world, world.buyer, INTERESTED)

    answer(world, world.owner, NOT_INTERESTED, "Kapasitas kami penuh sampai tahun depan.")

    partnership = Partnership.objects.get(pk=world.partnership.pk)
    assert partnership.stage == S.DECLINED
    assert inbox.introduction_detail(user=world.buyer, pk=partnership.pk).contact is None


def test_not_interested_without_a_reason_is_refused_and_saves_nothing(world):
    with pytest.raises(ValidationError) as error:
        answer(world, world.owner, NOT_INTERESTED, "   ")

    assert "reason" in error.value.message_dict
    partnership = Partnership.objects.get(pk=world.partnership.pk)
    assert partnership.supplier_answer == "" and partnership.stage == S.APPROVED
    assert not Notification.objects.filter(kind=matching_notices.INTRODUCTION_ANSWER).exists()


def test_an_unknown_answer_is_refused(world):
    with pytest.raises(ValidationError) as error:
        answer(world, world.owner, "maybe")

    assert "answer" in error.value.message_dict


def test_the_same_answer_twice_changes_nothing_the_second_time(world):
    answer(world, world.owner, INTERESTED)
    events_before = PartnershipEvent.objects.count()
    notifications_before = Notification.objects.count()
    answered_at = Partnership.objects.get(pk=world.partnership.pk).supplier_answered_at

    result = answer(world, world.owner, INTERESTED)

    assert result.changed is False
    assert PartnershipEvent.objects.count() == events_before
    assert Notification.objects.count() == notifications_before
    assert Partnership.objects.get(pk=world.partnership.pk).supplier_answered_at == answered_at


def test_a_different_second_answer_is_refused_once_both_answered(world):
    answer(world, world.owner, INTERESTED)
    answer(world, world.buyer, INTERESTED)

    with pytest.raises(ValidationError) as error:
        answer(world, world.owner, NOT_INTERESTED, "Berubah pikiran")

    assert error.value.error_dict["answer"][0].code == "already_answered"
    partnership = Partnership.objects.get(pk=world.partnership.pk)
    assert partnership.stage == S.INTRODUCED
    assert partnership.supplier_answer == INTERESTED


def test_a_different_second_answer_is_refused_before_the_other_party_answered(world):
    answer(world, world.owner, INTERESTED)

    with pytest.raises(ValidationError):
        answer(world, world.owner, NOT_INTERESTED, "Berubah pikiran")

    assert Partnership.objects.get(pk=world.partnership.pk).stage == S.APPROVED


def test_an_introduction_closed_by_staff_can_no_longer_be_answered(world):
    stages.partnership_move(
        partnership_id=world.partnership.pk,
        to_stage=S.ENDED,
        by=world.staff,
        note="Demand withdrawn",
        expected_stage=S.APPROVED,
    )

    with pytest.raises(ValidationError) as error:
        answer(world, world.owner, INTERESTED)

    assert error.value.error_dict["answer"][0].code == "closed"
    assert Partnership.objects.get(pk=world.partnership.pk).supplier_answer == ""


def test_both_interested_after_staff_moved_the_partnership_on_keeps_its_stage(world):
    stages.partnership_move(
        partnership_id=world.partnership.pk,
        to_stage=S.MEETING_HELD,
        by=world.staff,
        expected_stage=S.APPROVED,
    )

    answer(world, world.owner, INTERESTED)
    answer(world, world.buyer, INTERESTED)

    partnership = Partnership.objects.get(pk=world.partnership.pk)
    assert partnership.stage == S.MEETING_HELD
    assert inbox.introduction_detail(user=world.owner, pk=partnership.pk).contact


def test_someone_who_is_not_a_party_cannot_answer(world):
    for outsider in (world.other_owner, world.other_buyer, world.staff):
        with pytest.raises(PermissionDenied):
            answer(world, outsider, INTERESTED)

    partnership = Partnership.objects.get(pk=world.partnership.pk)
    assert partnership.supplier_answer == partnership.manufacturer_answer == ""
