"""One account per username and per e-mail address, compared without case.

A database that already holds two accounts differing only in case (``Staff`` and
``staff``) or sharing an e-mail address cannot take the constraints. Which of them to keep
is a person's decision (each may own an IKM or belong to a manufacturer), so the migration
does not guess: it stops before changing anything and names the accounts by id. Rename
one username or change one address of each group (admin, or ``manage.py shell``), then run
``migrate`` again. See docs/operations.md.
"""

from __future__ import annotations

from typing import Any

import django.db.models.functions.text
from django.db import migrations, models
from django.db.models import Count, Q
from django.db.models.functions import Lower


def duplicate_accounts(user_model: Any) -> list[str]:
    """Groups of account ids that the constraints below would refuse, as readable lines
    (ids only: no username or address goes to the terminal or the log)."""
    problems: list[str] = []
    for field, exclude in (("username", Q()), ("email", Q(email=""))):
        keys = (
            user_model.objects.exclude(exclude)
            .annotate(key=Lower(field))
            .values("key")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .values_list("key", flat=True)
        )
        for key in keys:
            ids = sorted(
                user_model.objects.annotate(key=Lower(field))
                .filter(key=key)
                .values_list("id", flat=True)
            )
            problems.append(f"{field}: accounts {', '.join(map(str, ids))}")
    return problems


def refuse_duplicates(apps: Any, schema_editor: Any) -> None:
    problems = duplicate_accounts(apps.get_model("partners", "User"))
    if problems:
        raise RuntimeError(
            "Cannot make usernames and e-mail addresses unique without case: these accounts "
            "share one (compared without case): "
            + "; ".join(problems)
            + ". Rename the username or change the e-mail address of all but one account "
            "of each group, then run migrate again (docs/operations.md)."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("partners", "0004_notification_kinds_registered_by_apps"),
    ]

    operations = [
        migrations.RunPython(refuse_duplicates, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("username"),
                name="partners_user_username_ci_unique",
                violation_error_code="unique",
                violation_error_message="A user with that username already exists.",
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("email"),
                condition=models.Q(("email", ""), _negated=True),
                name="partners_user_email_ci_unique",
                violation_error_code="unique",
                violation_error_message="An account with this e-mail address already exists.",
            ),
        ),
    ]
