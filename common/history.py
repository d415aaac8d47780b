"""The audit trail (django-simple-history): who changed what, when, from what to what.

Models that record official decisions or what a partner declares (organisations, their
capabilities, certificates, plants and demands, the matching policy) declare
``history = audited(...)``. Every save through the application – a form, a service, the
admin – then stores a full copy of the row in its ``Historical…`` table with the acting
user (``simple_history.middleware.HistoryRequestMiddleware`` reads it from the request),
the time, and the kind of change; an optional ``_change_reason`` set on the instance
before saving is kept beside it. The trail has no edit page anywhere: it is read in the
organisation's staff pages (``partners.selectors.history``) and erased of personal data only
by anonymisation (``partners.privacy.anonymisation``).

Bookkeeping columns that change on every save (``updated_at``) are left out, so that a
record holds only what somebody changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from simple_history.models import HistoricalRecords

#: Never copied into the trail: set by every save, so they would make every record differ.
BOOKKEEPING = ("updated_at",)


def audited(*, exclude: Sequence[str] = (), m2m: Sequence[str] = ()) -> Any:
    """The ``history`` descriptor of an audited model: every column but the bookkeeping
    ones and ``exclude``, plus the many-to-many fields named in ``m2m``."""
    return HistoricalRecords(
        excluded_fields=[*BOOKKEEPING, *exclude],
        m2m_fields=list(m2m),
        cascade_delete_history=False,
    )


#: The change reason of the records a data migration creates for rows older than the trail.
BASELINE_REASON = "baseline"


def record_baseline(apps: Any, app_label: str, model_names: Sequence[str]) -> None:
    """A data migration's step: one "created" record for each row of the named models
    that has none yet (rows that existed before their model was audited), dated by the
    row's last change, with its many-to-many values, so that the first real edit shows
    what it changed from. Uses only the migration's model states."""
    for model_name in model_names:
        model = apps.get_model(app_label, model_name)
        historical = apps.get_model(app_label, f"Historical{model_name}")
        copied = [
            field.attname
            for field in historical._meta.fields
            if not field.name.startswith("history_")
        ]
        recorded = set(historical.objects.values_list("id", flat=True).distinct())
        for row in model.objects.exclude(pk__in=recorded).iterator():
            record = historical.objects.create(
                **{name: getattr(row, name) for name in copied},
                history_date=getattr(row, "updated_at", None) or row.created_at,
                history_type="+",
                history_change_reason=BASELINE_REASON,
            )
            for field in model._meta.many_to_many:
                try:
                    through = apps.get_model(app_label, f"Historical{model_name}_{field.name}")
                except LookupError:
                    continue  # not audited
                source = f"{model_name.lower()}_id"
                target = f"{field.related_model._meta.model_name}_id"
                links = field.remote_field.through.objects.filter(**{source: row.pk})
                through.objects.bulk_create(
                    through(history=record, id=link_id, **{source: row.pk, target: target_id})
                    for link_id, target_id in links.values_list("pk", target)
                )
