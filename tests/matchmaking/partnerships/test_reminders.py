"""Reminders of partnerships stuck in a stage (matchmaking.partnerships.reminders): who is
reminded of what, once per stay in a stage, and the daily task."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone, translation

from matchmaking import tasks
from matchmaking.models import Partnership
from matchmaking.partnerships import reminders, stages
from matchmaking.workspace.selectors.pipeline import partnership_list
from tests.matchmaking.partnerships.test_stages import S, days_ago, partnership
from tests.partners.factories import UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("eager_tasks", "stale_days", "mail_sent_at_once"),
]


def test_a_partnership_in_active_supply_for_months_is_delivering_not_stuck(officer):
    supplying = partnership(
        S.ACTIVE_SUPPLY,
        officer=officer,
        stage_changed_at=days_ago(120),
        match__supplier__legal_name="CV Pasok Lancar",
    )
    waiting = partnership(
        S.CONTRACT,
        officer=officer,
        stage_changed_at=days_ago(120),
        match__supplier__legal_name="CV Menunggu PO",
    )

    stuck = dict(partnership_list().values_list("pk", "stuck"))

    assert stuck == {supplying.pk: False, waiting.pk: True}
    assert reminders.partnership_reminders_send() == 1
    assert "CV Menunggu PO" in mail.outbox[0].body
    assert "CV Pasok Lancar" not in mail.outbox[0].body


# --- reminders ------------------------------------------------------------------------------


def test_reminder_goes_once_to_each_officer_with_their_stuck_live_partnerships(
    officer, other_officer
):
    mine = partnership(
        S.INTRODUCED,
        officer=officer,
        stage_changed_at=days_ago(31),
        match__supplier__legal_name="CV Sinar Cor Batur",
    )
    also_mine = partnership(
        S.CONTRACT,
        officer=officer,
        stage_changed_at=days_ago(40),
        match__supplier__legal_name="UD Logam Jaya",
    )
    partnership(
        S.INTRODUCED,
        officer=officer,
        stage_changed_at=days_ago(29),
        match__supplier__legal_name="CV Masih Segar",
    )
    partnership(
        S.COMPLETED,
        officer=officer,
        stage_changed_at=days_ago(90),
        match__supplier__legal_name="CV Sudah Selesai",
    )
    theirs = partnership(S.MEETING_HELD, officer=other_officer, stage_changed_at=days_ago(35))
    no_email = partnership(
        S.MEETING_HELD,
        officer=UserFactory(username="tanpa-email", email=""),
        stage_changed_at=days_ago(35),
    )
    nobody = partnership(S.MEETING_HELD, officer=None, stage_changed_at=days_ago(35))

    with translation.override("en"):
        sent = reminders.partnership_reminders_send()

    assert sent == 2
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {"rina@kemenperin.go.id", "budi@kemenperin.go.id"}
    body = by_recipient["rina@kemenperin.go.id"].body
    assert "CV Sinar Cor Batur" in body and "UD Logam Jaya" in body
    assert "CV Masih Segar" not in body and "CV Sudah Selesai" not in body
    assert f"/staff/partnerships/{mine.pk}/" in body
    # written in Indonesian whatever language is active: the stage names are Indonesian
    with translation.override("id"):
        assert str(S.INTRODUCED.label).capitalize() in body
    reminded = set(
        Partnership.objects.filter(reminded_at__isnull=False).values_list("pk", flat=True)
    )
    assert reminded == {mine.pk, also_mine.pk, theirs.pk}
    assert no_email.pk not in reminded and nobody.pk not in reminded


def test_reminder_is_not_sent_twice_for_the_same_stay_in_a_stage(officer):
    partnership(S.INTRODUCED, officer=officer, stage_changed_at=days_ago(31))

    assert reminders.partnership_reminders_send() == 1
    assert reminders.partnership_reminders_send() == 0
    later = timezone.localdate() + datetime.timedelta(days=29)
    assert reminders.partnership_reminders_send(today=later) == 0
    assert len(mail.outbox) == 1


def test_reminder_comes_again_when_still_stuck_a_whole_period_later(officer):
    partnership(S.INTRODUCED, officer=officer, stage_changed_at=days_ago(31))
    assert reminders.partnership_reminders_send() == 1

    later = timezone.localdate() + datetime.timedelta(days=30)

    assert reminders.partnership_reminders_send(today=later) == 1
    assert len(mail.outbox) == 2


def test_after_a_move_the_partnership_is_not_reminded_until_it_is_stuck_again(officer):
    p = partnership(S.INTRODUCED, officer=officer, stage_changed_at=days_ago(31))
    assert reminders.partnership_reminders_send() == 1

    stages.partnership_move(
        partnership_id=p.pk, to_stage=S.MEETING_HELD, by=officer, expected_stage=S.INTRODUCED
    )
    p.refresh_from_db()
    assert p.reminded_at is None

    assert reminders.partnership_reminders_send() == 0
    assert (
        reminders.partnership_reminders_send(
            today=timezone.localdate() + datetime.timedelta(days=29)
        )
        == 0
    )
    assert (
        reminders.partnership_reminders_send(
            today=timezone.localdate() + datetime.timedelta(days=30)
        )
        == 1
    )
    assert len(mail.outbox) == 2


def test_reminder_task_sends_the_reminders(officer):
    partnership(S.CONTRACT, officer=officer, stage_changed_at=days_ago(45))

    result = tasks.partnership_reminders.delay()

    assert result.get() == 1
    assert [message.to for message in mail.outbox] == [["rina@kemenperin.go.id"]]
