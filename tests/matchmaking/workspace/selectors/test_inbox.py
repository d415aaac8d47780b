"""The introductions inbox (matchmaking.workspace.selectors.inbox): who sees which
introduction, from which side, with which reasons, in which order, and whose contact."""

from __future__ import annotations

import pytest
from django.utils import translation

from matchmaking.engine import rescoring
from matchmaking.models import Partnership
from matchmaking.partnerships import parties
from matchmaking.workspace.selectors import inbox
from matchmaking.workspace.selectors.inbox import InboxState
from partners.models import Supplier
from tests.matchmaking import factories as f
from tests.matchmaking.partnerships.world import (
    INTERESTED,
    answer,
    approve,
)

pytestmark = pytest.mark.django_db


# --- who sees which -------------------------------------------------------------------------


def test_the_owner_and_the_manufacturers_members_see_the_introduction_and_nobody_else(world):
    pk = world.partnership.pk

    def seen_by(user):
        return list(inbox.introduction_list(user=user).values_list("pk", flat=True))

    assert seen_by(world.owner) == [pk]
    assert seen_by(world.buyer) == [pk]
    assert seen_by(world.colleague) == [pk]
    assert seen_by(world.other_owner) == []
    assert seen_by(world.other_buyer) == []
    assert seen_by(world.staff) == []
    with pytest.raises(Partnership.DoesNotExist):
        inbox.introduction_detail(user=world.other_owner, pk=pk)
    with pytest.raises(Partnership.DoesNotExist):
        inbox.introduction_detail(user=world.other_buyer, pk=pk)


def test_each_party_reads_the_introduction_from_its_own_side_with_the_reasons(world):
    ikm_view = inbox.introduction_detail(user=world.owner, pk=world.partnership.pk)
    buyer_view = inbox.introduction_detail(user=world.buyer, pk=world.partnership.pk)

    assert ikm_view.side == parties.SUPPLIER
    assert ikm_view.other_name == world.demand.manufacturer.name
    assert buyer_view.side == parties.MANUFACTURER
    assert buyer_view.other_name == "CV Ceper Logam Utama"
    assert ikm_view.reasons and ikm_view.reasons == buyer_view.reasons
    assert ikm_view.state == buyer_view.state == InboxState.WAITING


def test_reasons_follow_the_readers_language(world):
    with translation.override("id"):
        indonesian = inbox.introduction_detail(user=world.owner, pk=world.partnership.pk)
    with translation.override("en"):
        english = inbox.introduction_detail(user=world.owner, pk=world.partnership.pk)

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

    buyer_list = list(inbox.introduction_list(user=world.buyer))
    assert [p.pk for p in buyer_list] == [newer.pk, world.partnership.pk]
    assert [p.pk for p in inbox.introduction_list(user=world.owner)] == [
        newer.pk,
        world.partnership.pk,
    ]
    waiting = inbox.introduction_list(user=world.buyer, state=InboxState.WAITING)
    assert [p.pk for p in waiting] == [newer.pk]
    pending = inbox.introduction_list(user=world.buyer, state=InboxState.PENDING)
    assert [p.pk for p in pending] == [world.partnership.pk]
    assert inbox.inbox_counts(user=world.owner) == {"waiting": 2, "total": 2}


def test_contacts_fall_back_to_the_people_of_an_organisation_without_a_contact(world):
    Supplier.objects.filter(pk=world.supplier.pk).update(
        contact_person="", contact_phone="", contact_email=""
    )
    answer(world, world.owner, INTERESTED)
    answer(world, world.buyer, INTERESTED)

    contact = inbox.introduction_detail(user=world.buyer, pk=world.partnership.pk).contact

    assert contact == inbox.Contact(person="Bambang Pengecor", phone="", email=world.owner.email)
