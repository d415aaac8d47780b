"""Announcements (matchmaking.partnerships.announcements): who is told of a new
introduction, a stage change and a demand specification change, and when."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from matchmaking.choices import MatchStatus
from matchmaking.engine import rescoring
from matchmaking.models import Match
from matchmaking.partnerships import notices as matching_notices
from matchmaking.partnerships import review, stages
from partners import events
from partners.models import Notification, NotificationSetting, Supplier
from partners.notification_kinds import notification_text
from tests.matchmaking import factories as f
from tests.matchmaking.partnerships.world import (
    NOT_INTERESTED,
    S,
    answer,
    approve,
)
from tests.partners.factories import UserFactory

pytestmark = pytest.mark.django_db


# --- new introduction -----------------------------------------------------------------------


def test_approval_notifies_the_owner_and_every_active_member_of_the_new_introduction(world):
    notified = Notification.objects.filter(kind=matching_notices.NEW_INTRODUCTION)

    assert sorted(notified.values_list("user__username", flat=True)) == [
        "agus",
        "bambang",
        "rina",
    ]
    url = reverse("inbox:detail", args=[world.partnership.pk])
    assert set(notified.values_list("url", flat=True)) == {url}
    with translation.override("en"):
        text = notification_text(matching_notices.NEW_INTRODUCTION, notified.first().params)
    assert "CV Ceper Logam Utama" in text and "Blok rem metalik untuk KAI" in text


def test_approval_emails_the_introduction_after_commit_except_to_who_turned_it_off(
    django_capture_on_commit_callbacks,
):
    cat = f.catalogue()
    owner = UserFactory(username="bambang")
    NotificationSetting.objects.create(
        user=owner, kind=matching_notices.NEW_INTRODUCTION, email=False
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
    assert Notification.objects.filter(user=owner, kind=matching_notices.NEW_INTRODUCTION).exists()


# --- stage changes by staff -----------------------------------------------------------------


def test_a_stage_move_by_staff_notifies_both_parties(world):
    stages.partnership_move(
        partnership_id=world.partnership.pk,
        to_stage=S.MEETING_HELD,
        by=world.staff,
        expected_stage=S.APPROVED,
    )

    changed = Notification.objects.filter(kind=matching_notices.STAGE_CHANGED)
    assert sorted(changed.values_list("user__username", flat=True)) == [
        "agus",
        "bambang",
        "rina",
    ]
    assert not Notification.objects.filter(user=world.staff).exists()


def test_a_refused_stage_move_notifies_nobody(world):
    with pytest.raises(ValidationError):
        stages.partnership_move(
            partnership_id=world.partnership.pk,
            to_stage=S.DECLINED,
            by=world.staff,
            expected_stage=S.APPROVED,
        )  # no reason

    assert not Notification.objects.filter(kind=matching_notices.STAGE_CHANGED).exists()


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
        assert not Notification.objects.filter(kind=matching_notices.DEMAND_CHANGED).exists()

    assert callbacks
    told = Notification.objects.filter(kind=matching_notices.DEMAND_CHANGED)
    assert sorted(told.values_list("user__username", flat=True)) == ["bambang", "shortlisted"]
    assert told.get(user=world.owner).url == reverse("inbox:detail", args=[world.partnership.pk])
    assert told.get(user=shortlisted_owner).url == ""
    with translation.override("en"):
        text = notification_text(matching_notices.DEMAND_CHANGED, told.first().params)
    assert world.demand.manufacturer.name in text and world.demand.title in text
    assert told.get(user=world.owner).params["fields"]["en"] == "quantity per month, material"


def test_a_declined_partnership_gets_no_specification_change_notice(
    world, django_capture_on_commit_callbacks
):
    answer(world, world.owner, NOT_INTERESTED, "Tidak sanggup")
    assert Match.objects.get(pk=world.partnership.match_id).status == MatchStatus.APPROVED

    with django_capture_on_commit_callbacks(execute=True):
        events.demand_specification_changed.send(demand_id=world.demand.pk, fields=["unit"])

    assert not Notification.objects.filter(kind=matching_notices.DEMAND_CHANGED).exists()


def test_editing_an_open_demands_quantity_through_the_service_notifies_the_partner(
    world, django_capture_on_commit_callbacks
):
    from partners.services.demands import demand_update

    with django_capture_on_commit_callbacks(execute=True):
        demand_update(demand=world.demand, data={"quantity_per_month": 3500})

    assert Notification.objects.filter(
        user=world.owner, kind=matching_notices.DEMAND_CHANGED
    ).exists()
