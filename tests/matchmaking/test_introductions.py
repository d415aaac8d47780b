"""Introductions: who sees which, how answers move the partnership, when contacts are
shared, and the notifications of a new introduction, an answer, a stage change and a
demand specification change (with their recipients)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from matchmaking import introductions, pipeline, review
from matchmaking.choices import IntroductionAnswer, MatchStatus, PartnershipStage
from matchmaking.engine import rescoring
from matchmaking.introductions import InboxState
from matchmaking.models import Match, Partnership, PartnershipEvent
from partners import events
from partners.choices import NotificationKind
from partners.models import Demand, Notification, NotificationSetting, Supplier, User
from partners.notifications import notification_text
from tests.matchmaking import factories as f
from tests.partners.factories import ManufacturerFactory, UserFactory

pytestmark = pytest.mark.django_db

S = PartnershipStage
INTERESTED = IntroductionAnswer.INTERESTED
NOT_INTERESTED = IntroductionAnswer.NOT_INTERESTED


@dataclass
class World:
    """One approved introduction between an IKM of Ceper and a railway manufacturer, with a
    second IKM owner and a second manufacturer who must see none of it."""

    cat: f.Catalogue
    staff: User
    owner: User
    buyer: User
    colleague: User  # a second member of the same manufacturer
    supplier: Supplier
    demand: Demand
    partnership: Partnership
    other_owner: User
    other_buyer: User


def approve(*, demand: Demand, supplier: Supplier, by: User) -> Partnership:
    match = Match.objects.get(demand=demand, supplier=supplier)
    review.match_decide(
        demand_id=demand.pk,
        supplier_id=supplier.pk,
        to_status=MatchStatus.APPROVED,
        by=by,
        expected_status=match.status,
    )
    return Partnership.objects.get(match__demand=demand, match__supplier=supplier)


def build_world(django_capture_on_commit_callbacks) -> World:
    cat = f.catalogue()
    staff = UserFactory(username="sri", is_staff=True)
    owner = UserFactory(username="bambang", first_name="Bambang", last_name="Pengecor")
    supplier = f.supplier(cat, name="CV Ceper Logam Utama")
    Supplier.objects.filter(pk=supplier.pk).update(
        owner=owner,
        contact_person="Bambang Sutrisno",
        contact_phone="0272 551 234",
        contact_email="bambang@ceperlogam.example",
    )
    supplier.refresh_from_db()
    demand = f.brake_block_demand(cat, title="Blok rem metalik untuk KAI")
    manufacturer = demand.manufacturer
    manufacturer.contact_person = "Rina Purchasing"
    manufacturer.contact_phone = "+62 351 452 271"
    manufacturer.contact_email = "rina@inka.example"
    manufacturer.save()
    buyer = UserFactory(username="rina")
    colleague = UserFactory(username="agus")
    inactive = UserFactory(username="former", is_active=False)
    manufacturer.members.add(buyer, colleague, inactive)
    other_owner = UserFactory(username="owner-b")
    other_supplier = f.supplier(cat, name="UD Tegal Jaya")
    Supplier.objects.filter(pk=other_supplier.pk).update(owner=other_owner)
    other_buyer = UserFactory(username="buyer-y")
    ManufacturerFactory().members.add(other_buyer)
    rescoring.rescore_demand(demand_id=demand.pk)
    with django_capture_on_commit_callbacks(execute=True):
        partnership = approve(demand=demand, supplier=supplier, by=staff)
    return World(
        cat=cat,
        staff=staff,
        owner=owner,
        buyer=buyer,
        colleague=colleague,
        supplier=supplier,
        demand=demand,
        partnership=partnership,
        other_owner=other_owner,
        other_buyer=other_buyer,
    )


@pytest.fixture
def world(django_capture_on_commit_callbacks) -> World:
    return build_world(django_capture_on_commit_callbacks)


def answer(world: World, user: User, value: str, reason: str = ""):
    return introductions.introduction_answer(
        partnership_id=world.partnership.pk, user=user, answer=value, reason=reason
    )


def kinds_of(user: User) -> list[str]:
    return list(
        Notification.objects.filter(user=user).order_by("pk").values_list("kind", flat=True)
    )


# --- new introduction -----------------------------------------------------------------------


def test_approval_notifies_the_owner_and_every_active_member_of_the_new_introduction(world):
    notified = Notification.objects.filter(kind=NotificationKind.NEW_INTRODUCTION)

    assert sorted(notified.values_list("user__username", flat=True)) == [
        "agus",
        "bambang",
        "rina",
    ]
    url = reverse("inbox:detail", args=[world.partnership.pk])
    assert set(notified.values_list("url", flat=True)) == {url}
    with translation.override("en"):
        text = notification_text(NotificationKind.NEW_INTRODUCTION, notified.first().params)
    assert "CV Ceper Logam Utama" in text and "Blok rem metalik untuk KAI" in text


def test_approval_emails_the_introduction_after_commit_except_to_who_turned_it_off(
    django_capture_on_commit_callbacks,
):
    cat = f.catalogue()
    owner = UserFactory(username="bambang")
    NotificationSetting.objects.create(
        user=owner, kind=NotificationKind.NEW_INTRODUCTION, email=False
    )
    supplier = f.supplier(cat, name="CV Ceper Logam Utama")
    Supplier.objects.filter(pk=supplier.pk).update(owner=owner)
    demand = f.brake_block_demand(cat)
    buyer = UserFactory(username="rina")
    demand.manufacturer.members.add(buyer)
    rescoring.rescore_demand(demand_id=demand.pk)

    with django_capture_on_commit_callbacks(execute=True):
        approve(demand=demand, supplier=supplier, by=UserFactory(username="sri", is_staff=True))

    assert [message.to for message in mail.outbox] == [[buyer.email]]
    assert Notification.objects.filter(user=owner, kind=NotificationKind.NEW_INTRODUCTION).exists()


# --- who sees which -------------------------------------------------------------------------


def test_the_owner_and_the_manufacturers_members_see_the_introduction_and_nobody_else(world):
    pk = world.partnership.pk

    def seen_by(user):
        return list(introductions.introduction_list(user=user).values_list("pk", flat=True))

    assert seen_by(world.owner) == [pk]
    assert seen_by(world.buyer) == [pk]
    assert seen_by(world.colleague) == [pk]
    assert seen_by(world.other_owner) == []
    assert seen_by(world.other_buyer) == []
    assert seen_by(world.staff) == []
    with pytest.raises(Partnership.DoesNotExist):
        introductions.introduction_detail(user=world.other_owner, pk=pk)
    with pytest.raises(Partnership.DoesNotExist):
        introductions.introduction_detail(user=world.other_buyer, pk=pk)


def test_each_party_reads_the_introduction_from_its_own_side_with_the_reasons(world):
    ikm_view = introductions.introduction_detail(user=world.owner, pk=world.partnership.pk)
    buyer_view = introductions.introduction_detail(user=world.buyer, pk=world.partnership.pk)

    assert ikm_view.side == introductions.SUPPLIER
    assert ikm_view.other_name == world.demand.manufacturer.name
    assert buyer_view.side == introductions.MANUFACTURER
    assert buyer_view.other_name == "CV Ceper Logam Utama"
    assert ikm_view.reasons and ikm_view.reasons == buyer_view.reasons
    assert ikm_view.state == buyer_view.state == InboxState.WAITING


def test_reasons_follow_the_readers_language(world):
    with translation.override("id"):
        indonesian = introductions.introduction_detail(user=world.owner, pk=world.partnership.pk)
    with translation.override("en"):
        english = introductions.introduction_detail(user=world.owner, pk=world.partnership.pk)

    assert len(indonesian.reasons) == len(english.reasons) > 0
    assert indonesian.reasons != english.reasons


def test_the_list_puts_introductions_waiting_for_the_readers_answer_first(
    world, django_capture_on_commit_callbacks
):
    second = f.supplier(world.cat, name="CV Klaten Cor")
    Supplier.objects.filter(pk=second.pk).update(owner=world.owner)
    rescoring.rescore_demand(demand_id=world.demand.pk)
    with django_capture_on_commit_callbacks(execute=True):
        newer = approve(demand=world.demand, supplier=second, by=world.staff)
    answer(world, world.buyer, INTERESTED)  # the older one is answered by the buyer

    buyer_list = list(introductions.introduction_list(user=world.buyer))
    assert [p.pk for p in buyer_list] == [newer.pk, world.partnership.pk]
    assert [p.pk for p in introductions.introduction_list(user=world.owner)] == [
        newer.pk,
        world.partnership.pk,
    ]
    waiting = introductions.introduction_list(user=world.buyer, state=InboxState.WAITING)
    assert [p.pk for p in waiting] == [newer.pk]
    pending = introductions.introduction_list(user=world.buyer, state=InboxState.PENDING)
    assert [p.pk for p in pending] == [world.partnership.pk]
    assert introductions.inbox_counts(user=world.owner) == {"waiting": 2, "total": 2}


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
    told = Notification.objects.filter(kind=NotificationKind.INTRODUCTION_ANSWER)
    assert sorted(told.values_list("user__username", flat=True)) == ["agus", "rina"]
    params = told.first().params
    with translation.override("en"):
        assert "“interested”" in notification_text(NotificationKind.INTRODUCTION_ANSWER, params)
    assert NotificationKind.INTRODUCTION_ANSWER not in kinds_of(world.owner)


def test_both_interested_moves_the_partnership_to_introduced_and_shares_contacts(world):
    answer(world, world.owner, INTERESTED)
    before = introductions.introduction_detail(user=world.owner, pk=world.partnership.pk)
    assert before.contact is None

    result = answer(world, world.buyer, INTERESTED)

    partnership = Partnership.objects.get(pk=world.partnership.pk)
    assert result.moved_to == S.INTRODUCED
    assert partnership.stage == S.INTRODUCED
    move = PartnershipEvent.objects.get(partnership=partnership, to_stage=S.INTRODUCED)
    assert move.from_stage == S.APPROVED and move.by == world.buyer
    ikm_view = introductions.introduction_detail(user=world.owner, pk=partnership.pk)
    buyer_view = introductions.introduction_detail(user=world.buyer, pk=partnership.pk)
    assert ikm_view.contact == introductions.Contact(
        person="Rina Purchasing", phone="+62 351 452 271", email="rina@inka.example"
    )
    assert buyer_view.contact == introductions.Contact(
        person="Bambang Sutrisno", phone="0272 551 234", email="bambang@ceperlogam.example"
    )
    assert ikm_view.state == InboxState.SHARED


def test_the_stage_change_from_answers_reaches_both_parties_but_not_who_answered(world):
    answer(world, world.owner, INTERESTED)
    answer(world, world.buyer, INTERESTED)

    changed = Notification.objects.filter(kind=NotificationKind.STAGE_CHANGED)
    assert sorted(changed.values_list("user__username", flat=True)) == ["agus", "bambang"]
    params = changed.first().params
    with translation.override("id"):
        assert "sudah diperkenalkan" in notification_text(NotificationKind.STAGE_CHANGED, params)
    with translation.override("en"):
        assert "“introduced”" in notification_text(NotificationKind.STAGE_CHANGED, params)


def test_not_interested_declines_with_the_reason_and_tells_the_other_party(world):
    result = answer(world, world.buyer, NOT_INTERESTED, "  Harga terlalu tinggi untuk kami.  ")

    partnership = Partnership.objects.get(pk=world.partnership.pk)
    assert result.moved_to == S.DECLINED
    assert partnership.stage == S.DECLINED
    assert partnership.manufacturer_answer == NOT_INTERESTED
    assert partnership.manufacturer_answer_reason == "Harga terlalu tinggi untuk kami."
    assert "Harga terlalu tinggi untuk kami." in partnership.end_reason
    assert kinds_of(world.owner)[-2:] == [
        NotificationKind.INTRODUCTION_ANSWER,
        NotificationKind.STAGE_CHANGED,
    ]
    owner_view = introductions.introduction_detail(user=world.owner, pk=partnership.pk)
    assert owner_view.contact is None and owner_view.state == InboxState.CLOSED
    assert not owner_view.can_answer


def test_the_ikm_not_interested_after_the_buyer_was_also_declines(world):
    answer(world, world.buyer, INTERESTED)

    answer(world, world.owner, NOT_INTERESTED, "Kapasitas kami penuh sampai tahun depan.")

    partnership = Partnership.objects.get(pk=world.partnership.pk)
    assert partnership.stage == S.DECLINED
    assert introductions.introduction_detail(user=world.buyer, pk=partnership.pk).contact is None


def test_not_interested_without_a_reason_is_refused_and_saves_nothing(world):
    with pytest.raises(ValidationError) as error:
        answer(world, world.owner, NOT_INTERESTED, "   ")

    assert "reason" in error.value.message_dict
    partnership = Partnership.objects.get(pk=world.partnership.pk)
    assert partnership.supplier_answer == "" and partnership.stage == S.APPROVED
    assert not Notification.objects.filter(kind=NotificationKind.INTRODUCTION_ANSWER).exists()


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
    pipeline.partnership_move(
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
    pipeline.partnership_move(
        partnership_id=world.partnership.pk,
        to_stage=S.MEETING_HELD,
        by=world.staff,
        expected_stage=S.APPROVED,
    )

    answer(world, world.owner, INTERESTED)
    answer(world, world.buyer, INTERESTED)

    partnership = Partnership.objects.get(pk=world.partnership.pk)
    assert partnership.stage == S.MEETING_HELD
    assert introductions.introduction_detail(user=world.owner, pk=partnership.pk).contact


def test_someone_who_is_not_a_party_cannot_answer(world):
    for outsider in (world.other_owner, world.other_buyer, world.staff):
        with pytest.raises(PermissionDenied):
            answer(world, outsider, INTERESTED)

    partnership = Partnership.objects.get(pk=world.partnership.pk)
    assert partnership.supplier_answer == partnership.manufacturer_answer == ""


def test_contacts_fall_back_to_the_people_of_an_organisation_without_a_contact(world):
    Supplier.objects.filter(pk=world.supplier.pk).update(
        contact_person="", contact_phone="", contact_email=""
    )
    answer(world, world.owner, INTERESTED)
    answer(world, world.buyer, INTERESTED)

    contact = introductions.introduction_detail(user=world.buyer, pk=world.partnership.pk).contact

    assert contact == introductions.Contact(
        person="Bambang Pengecor", phone="", email=world.owner.email
    )


# --- stage changes by staff -----------------------------------------------------------------


def test_a_stage_move_by_staff_notifies_both_parties(world):
    pipeline.partnership_move(
        partnership_id=world.partnership.pk,
        to_stage=S.MEETING_HELD,
        by=world.staff,
        expected_stage=S.APPROVED,
    )

    changed = Notification.objects.filter(kind=NotificationKind.STAGE_CHANGED)
    assert sorted(changed.values_list("user__username", flat=True)) == [
        "agus",
        "bambang",
        "rina",
    ]
    assert not Notification.objects.filter(user=world.staff).exists()


def test_a_refused_stage_move_notifies_nobody(world):
    with pytest.raises(ValidationError):
        pipeline.partnership_move(
            partnership_id=world.partnership.pk,
            to_stage=S.DECLINED,
            by=world.staff,
            expected_stage=S.APPROVED,
        )  # no reason

    assert not Notification.objects.filter(kind=NotificationKind.STAGE_CHANGED).exists()


# --- demand specification changes -----------------------------------------------------------


def test_a_specification_change_notifies_owners_in_a_live_partnership_or_shortlisted_after_commit(
    world, django_capture_on_commit_callbacks
):
    shortlisted_owner = UserFactory(username="shortlisted")
    suggested_owner = UserFactory(username="suggested")
    for name, owner in (("CV Shortlist", shortlisted_owner), ("CV Suggested", suggested_owner)):
        ikm = f.supplier(world.cat, name=name)
        Supplier.objects.filter(pk=ikm.pk).update(owner=owner)
    rescoring.rescore_demand(demand_id=world.demand.pk)
    shortlisted = Supplier.objects.get(legal_name="CV Shortlist")
    review.match_decide(
        demand_id=world.demand.pk,
        supplier_id=shortlisted.pk,
        to_status=MatchStatus.SHORTLISTED,
        by=world.staff,
        expected_status=MatchStatus.SUGGESTED,
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        events.demand_specification_changed.send(
            demand_id=world.demand.pk, fields=["quantity_per_month", "material"]
        )
        assert not Notification.objects.filter(kind=NotificationKind.DEMAND_CHANGED).exists()

    assert callbacks
    told = Notification.objects.filter(kind=NotificationKind.DEMAND_CHANGED)
    assert sorted(told.values_list("user__username", flat=True)) == ["bambang", "shortlisted"]
    assert told.get(user=world.owner).url == reverse("inbox:detail", args=[world.partnership.pk])
    assert told.get(user=shortlisted_owner).url == ""
    with translation.override("en"):
        text = notification_text(NotificationKind.DEMAND_CHANGED, told.first().params)
    assert world.demand.manufacturer.name in text and world.demand.title in text
    assert told.get(user=world.owner).params["fields"]["en"] == "quantity per month, material"


def test_a_declined_partnership_gets_no_specification_change_notice(
    world, django_capture_on_commit_callbacks
):
    answer(world, world.owner, NOT_INTERESTED, "Tidak sanggup")
    assert Match.objects.get(pk=world.partnership.match_id).status == MatchStatus.APPROVED

    with django_capture_on_commit_callbacks(execute=True):
        events.demand_specification_changed.send(demand_id=world.demand.pk, fields=["unit"])

    assert not Notification.objects.filter(kind=NotificationKind.DEMAND_CHANGED).exists()


def test_editing_an_open_demands_quantity_through_the_service_notifies_the_partner(
    world, django_capture_on_commit_callbacks
):
    from partners.services import demand_update

    with django_capture_on_commit_callbacks(execute=True):
        demand_update(demand=world.demand, data={"quantity_per_month": 3500})

    assert Notification.objects.filter(
        user=world.owner, kind=NotificationKind.DEMAND_CHANGED
    ).exists()
