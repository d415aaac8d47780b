"""partners 0005 makes usernames and e-mail addresses unique without case; on a database
that already holds such duplicates it stops with a message naming the accounts by id
(never by username or address) and changes nothing."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

migration = importlib.import_module(
    "partners.migrations.0005_user_username_email_case_insensitive_unique"
)

BEFORE = [("partners", "0004_notification_kinds_registered_by_apps")]
AFTER = [("partners", "0005_user_username_email_case_insensitive_unique")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_refuses_existing_duplicates_by_id_then_applies_once_resolved():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
        User = old.get_model("partners", "User")
        staff = User.objects.create(username="staff", email="pembina@kemenperin.go.id")
        Staff = User.objects.create(username="Staff", email="lain@kemenperin.go.id")
        twin = User.objects.create(username="kembar", email="PEMBINA@kemenperin.go.id")
        User.objects.create(username="tanpa-1", email="")
        User.objects.create(username="tanpa-2", email="")

        with pytest.raises(RuntimeError) as refused:
            MigrationExecutor(connection).migrate(AFTER)

        message = str(refused.value)
        assert f"username: accounts {staff.pk}, {Staff.pk}" in message
        assert f"email: accounts {staff.pk}, {twin.pk}" in message
        for personal in ("staff", "kembar", "kemenperin"):
            assert personal not in message.lower()

        # The operator renames one of each group; then the migration applies.
        User.objects.filter(pk=Staff.pk).update(username="staff-dinas")
        User.objects.filter(pk=twin.pk).update(email="kembar@kemenperin.go.id")
        MigrationExecutor(connection).migrate(AFTER)
    finally:
        MigrationExecutor(connection).migrate(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )


def test_the_check_finds_no_duplicates_in_a_clean_table(db):
    from partners.models import User

    User.objects.create(username="a", email="a@example.id")
    User.objects.create(username="b", email="")
    User.objects.create(username="c", email="")

    assert migration.duplicate_accounts(User) == []
