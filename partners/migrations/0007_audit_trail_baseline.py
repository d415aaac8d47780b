"""Rows registered before the audit trail get one "created" record each (see
``common.history.record_baseline``)."""

from django.db import migrations

from common.history import record_baseline

AUDITED = (
    "Supplier",
    "SupplierCapability",
    "SupplierCertification",
    "Manufacturer",
    "Plant",
    "Demand",
)


def forwards(apps, schema_editor):
    record_baseline(apps, "partners", AUDITED)


class Migration(migrations.Migration):
    dependencies = [("partners", "0006_audit_trail")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
