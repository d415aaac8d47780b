"""Matching policies stored before the audit trail get one "created" record each (see
``common.history.record_baseline``)."""

from django.db import migrations

from common.history import record_baseline


def forwards(apps, schema_editor):
    record_baseline(apps, "matchmaking", ["MatchingPolicy"])


class Migration(migrations.Migration):
    dependencies = [("matchmaking", "0004_audit_trail")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
