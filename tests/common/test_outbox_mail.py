"""Stored e-mail (common/outbox.py) does not outlive its use: sent mail goes after a week,
mail given up on after a month, and an erased person's mail with them."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from common.models import OutgoingMail
from common.outbox import MAIL_MAX_ATTEMPTS, mail_forget, mail_purge, sweep

pytestmark = pytest.mark.django_db


def stored(to, *, days_ago=0, sent=False, attempts=0):
    mail = OutgoingMail.objects.create(subject="s", body="b", from_email="f@x.id", to=to)
    when = timezone.now() - datetime.timedelta(days=days_ago)
    OutgoingMail.objects.filter(pk=mail.pk).update(
        created_at=when, sent_at=when if sent else None, attempts=attempts
    )
    return mail.pk


def test_old_sent_mail_and_mail_given_up_on_are_deleted_the_rest_kept():
    keep = {
        stored(["a@x.id"], days_ago=6, sent=True),
        stored(["b@x.id"], days_ago=40),  # still being retried by the sweep
        stored(["c@x.id"], days_ago=20, attempts=MAIL_MAX_ATTEMPTS),
    }
    stored(["d@x.id"], days_ago=8, sent=True)
    stored(["e@x.id"], days_ago=31, attempts=MAIL_MAX_ATTEMPTS)

    assert mail_purge() == 2
    assert set(OutgoingMail.objects.values_list("pk", flat=True)) == keep


def test_the_beats_sweep_purges_too():
    stored(["d@x.id"], days_ago=8, sent=True)
    sweep()
    assert not OutgoingMail.objects.exists()


def test_an_erased_persons_mail_is_forgotten_whatever_the_case_of_the_address():
    kept = stored(["other@x.id"])
    stored(["Sri@Ceper.id", "other@x.id"])
    stored(["sri@ceper.id"], sent=True)

    assert mail_forget(["sri@ceper.id", ""]) == 2
    assert list(OutgoingMail.objects.values_list("pk", flat=True)) == [kept]


@pytest.mark.parametrize("model", ["outboxtask", "outgoingmail"])
def test_superusers_read_the_outbox_in_the_admin_officers_do_not_and_nobody_edits_it(client, model):
    from django.contrib.auth.models import Group
    from django.urls import reverse

    from common.models import OutboxTask
    from matchmaking import roles
    from tests.partners.factories import UserFactory

    OutboxTask.objects.create(task_name="matchmaking.tasks.rescore_supplier_task", args=[1])
    mail_pk = stored(["sri@ceper.id"])
    row = {"outboxtask": OutboxTask.objects.get().pk, "outgoingmail": mail_pk}[model]
    officer = UserFactory(username="pembina-outbox", is_staff=True)
    officer.groups.add(Group.objects.get(name=roles.OFFICER))
    root = UserFactory(username="root-outbox", is_staff=True, is_superuser=True)
    changelist = reverse(f"admin:common_{model}_changelist")
    change = reverse(f"admin:common_{model}_change", args=[row])

    client.force_login(officer)
    assert client.get(changelist).status_code == 403
    client.force_login(root)
    assert client.get(changelist).status_code == 200
    page = client.get(change)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.post(reverse(f"admin:common_{model}_delete", args=[row])).status_code == 403
