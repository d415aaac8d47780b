"""Notification kinds are registered by the app that sends them: partners its own,
matchmaking the matching ones; adding one needs no partners migration, and the migration
that let the kinds go kept every stored value."""

from __future__ import annotations

import copy
import pickle

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from matchmaking.partnerships import notices as matching
from partners import notices
from partners.models import Notification, NotificationSetting
from partners.notification_kinds import (
    NotificationKind,
    _registered,
    get_kind,
    kind_choices,
    notification_text,
    register,
)
from tests.partners.factories import UserFactory

BEFORE = ("partners", "0003_verification_record_and_privacy_consent")
AFTER = ("partners", "0004_notification_kinds_registered_by_apps")
#: The kinds the database accepted before that migration (its check constraint).
KINDS_BEFORE = (
    "organisation_verified",
    "new_introduction",
    "introduction_answer",
    "stage_changed",
    "certificate_expiring",
    "demand_changed",
)


def test_each_app_registers_its_kinds_in_the_settings_pages_order_with_the_old_labels():
    with translation.override("en"):
        assert [(value, str(label)) for value, label in kind_choices()] == [
            ("organisation_verified", "organisation verified"),
            ("organisation_reverifying", "verification again after a change of NIB or name"),
            ("new_introduction", "new introduction"),
            ("introduction_answer", "answer from the other party"),
            ("stage_changed", "partnership stage changed"),
            ("certificate_expiring", "certificate expiring in 30 days"),
            ("demand_changed", "demand specification changed"),
        ]
    assert notices.ORGANISATION_VERIFIED == "organisation_verified"
    assert matching.NEW_INTRODUCTION == "new_introduction"


def test_a_kind_is_its_stored_string_and_copies_are_the_registered_kind():
    kind = matching.STAGE_CHANGED

    assert isinstance(kind, str) and kind.value == "stage_changed" and {kind: 1}["stage_changed"]
    assert copy.deepcopy(kind) is kind and pickle.loads(pickle.dumps(kind)) is kind
    assert get_kind("stage_changed") is kind
    with pytest.raises(ValueError):
        get_kind("no_such_kind")


def test_texts_read_as_before_in_both_languages():
    with translation.override("en"):
        assert notification_text(notices.ORGANISATION_VERIFIED, {"organisation": "CV X"}) == (
            "CV X has been verified by the ministry and can now be matched."
        )
    with translation.override("id"):
        indonesian = notification_text(notices.ORGANISATION_VERIFIED, {"organisation": "CV X"})
    assert "CV X" in indonesian and "has been verified" not in indonesian


@pytest.mark.django_db
def test_a_kind_nobody_registered_is_refused_by_validation():
    notification = Notification(user=UserFactory(), kind="no_such_kind")

    with pytest.raises(ValidationError) as refused:
        notification.full_clean()

    assert "kind" in refused.value.error_dict


@pytest.mark.django_db
def test_a_new_kind_needs_no_migration():
    kind = register(
        NotificationKind(
            "test_new_kind", label="new kind", text="%(x)s happened", description="When x."
        )
    )
    try:
        assert ("test_new_kind", "new kind") in kind_choices()
        call_command("makemigrations", "--check", "--dry-run", verbosity=0)  # exits if needed
    finally:
        del _registered[kind.value]


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_stored_kind():
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    old = executor.loader.project_state([BEFORE]).apps
    user = old.get_model("partners", "User").objects.create(username="budi")
    values = list(KINDS_BEFORE)
    for value in values:
        old.get_model("partners", "Notification").objects.create(
            user_id=user.pk, kind=value, params={"a": value}
        )
        old.get_model("partners", "NotificationSetting").objects.create(
            user_id=user.pk, kind=value, email=False
        )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([AFTER])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    stored = Notification.objects.filter(user_id=user.pk)
    assert sorted(stored.values_list("kind", flat=True)) == sorted(values)
    assert all(n.params == {"a": n.kind} for n in stored)
    settings = NotificationSetting.objects.filter(user_id=user.pk)
    assert sorted(settings.values_list("kind", flat=True)) == sorted(values)
