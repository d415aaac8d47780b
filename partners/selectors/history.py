"""Reading an organisation's audit trail (``common.history``): every recorded change of
the organisation itself and of what belongs to it — an IKM's capabilities and
certificates, a manufacturer's plants and demands — as entries a person can check: who,
when, what, from which value to which.

One form save writes a row and then its many-to-many fields, which the trail records as
separate snapshots; the snapshots of one object by one actor within ``SAME_EDIT`` are
shown as one entry, compared with the snapshot before them."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from common.people import display_name
from components.templatetags.quantities import quantity

from ..choices import AuditReason
from ..models import (
    Demand,
    Manufacturer,
    Organisation,
    Plant,
    Supplier,
    SupplierCapability,
    SupplierCertification,
)

#: Snapshots of one object by one actor this close together are one edit.
SAME_EDIT = datetime.timedelta(seconds=5)

ACTIONS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}


@dataclass(frozen=True)
class Change:
    """One field of one entry: its name, its label and the values before and after, as
    shown."""

    name: str
    label: str
    before: str
    after: str


@dataclass
class Entry:
    """One edit in the trail."""

    when: datetime.datetime
    #: Who made the change as shown to staff ("System" for the application itself).
    actor: str
    subject: str
    action: str
    reason: str = ""
    changes: list[Change] = field(default_factory=list)
    #: The account that made the change, if any.
    user: Any = None


def organisation_history(organisation: Organisation, *, limit: int | None = 100) -> list[Entry]:
    """The newest ``limit`` entries (all with ``None``) of the organisation's trail, newest first."""
    entries: list[Entry] = []
    for records, subject in _sources(organisation):
        entries.extend(_entries(records, subject))
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:limit]


def _sources(organisation: Organisation) -> Iterator[tuple[models.QuerySet, Any]]:
    """(the historical records, how to name each record's object) per audited model."""
    profile = _("Profile")
    if isinstance(organisation, Supplier):
        yield Supplier.history.filter(id=organisation.pk), lambda record: profile
        yield (
            SupplierCapability.history.filter(supplier_id=organisation.pk),
            lambda record: _named(_("Capability"), record.component_type),
        )
        yield (
            SupplierCertification.history.filter(supplier_id=organisation.pk),
            lambda record: _named(_("Certificate"), record.certification),
        )
    else:
        yield Manufacturer.history.filter(id=organisation.pk), lambda record: profile
        yield (
            Plant.history.filter(manufacturer_id=organisation.pk),
            lambda record: _named(_("Plant"), record.name),
        )
        yield (
            Demand.history.filter(manufacturer_id=organisation.pk),
            lambda record: _named(_("Demand"), record.title),
        )


def _named(kind: Any, name: Any) -> str:
    return f"{kind}: {name}" if name else str(kind)


def _related_or_deleted(record: Any, name: str) -> Any:
    try:
        return getattr(record, name)
    except models.ObjectDoesNotExist:
        return None


def _entries(records: models.QuerySet, subject: Any) -> Iterator[Entry]:
    """The entries of one model's records, each edit compared with the one before."""
    rows = list(records.select_related("history_user").order_by("id", "history_date", "history_id"))
    previous: Any = None
    for group in _edits(rows):
        last = group[-1]
        before = previous if previous is not None and previous.id == last.id else None
        previous = last
        created = group[0].history_type == "+"
        deleted = last.history_type == "-"
        changes = [] if deleted or before is None else list(_changes(last, before))
        reason = _reason(group)
        if before is not None and not (created or deleted or changes or reason):
            continue  # a save that changed nothing
        yield Entry(
            when=last.history_date,
            actor=display_name(last.history_user) or str(_("System")),
            subject=_subject(subject, last),
            action=str(ACTIONS["+" if created else last.history_type]),
            reason=reason,
            changes=changes,
            user=last.history_user,
        )


def _subject(subject: Any, record: Any) -> str:
    try:
        return str(subject(record))
    except models.ObjectDoesNotExist:
        return str(subject(_Deleted()))


class _Deleted:
    """Stands in for a record whose related catalogue row is gone."""

    component_type = certification = None
    name = title = ""


def _edits(rows: list[Any]) -> Iterable[list[Any]]:
    """The snapshots of one edit: a save, then the snapshots its many-to-many fields added
    (same object, same actor, within ``SAME_EDIT``, no other field changed)."""
    group: list[Any] = []
    for row in rows:
        if group and not _follows(row, group[-1]):
            yield group
            group = []
        group.append(row)
    if group:
        yield group


def _follows(row: Any, before: Any) -> bool:
    """Whether ``row`` only records the many-to-many fields of the save ``before``."""
    return (
        row.id == before.id
        and row.history_type == "~"
        and before.history_type != "-"
        and row.history_user_id == before.history_user_id
        and row.history_date - before.history_date <= SAME_EDIT
        and all(
            getattr(row, field.attname) == getattr(before, field.attname)
            for field in row.tracked_fields
        )
    )


def _reason(group: list[Any]) -> str:
    for record in reversed(group):
        if record.history_change_reason:
            reason = record.history_change_reason
            return str(AuditReason(reason).label if reason in AuditReason.values else reason)
    return ""


def _changes(new: Any, old: Any) -> Iterator[Change]:
    delta = new.diff_against(old, foreign_keys_are_objs=True)
    model = new.instance_type
    for change in delta.changes:
        model_field = model._meta.get_field(change.field)
        yield Change(
            name=change.field,
            label=str(model_field.verbose_name),
            before=_shown(model_field, change.old),
            after=_shown(model_field, change.new),
        )


def _shown(model_field: Any, value: Any) -> str:
    """A stored value as a person reads it."""
    if model_field.many_to_many:
        key = model_field.related_model._meta.model_name
        names = sorted(str(row[key]) for row in value or [] if row.get(key) is not None)
        return ", ".join(names) or "—"
    if value is None or value == "" or getattr(value, "pk", True) is None:
        return "—"  # (diff_against gives an empty foreign key as a "deleted" object)
    if getattr(model_field, "choices", None):
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, datetime.datetime | datetime.date):
        return str(formats.localize(value))
    if isinstance(model_field, models.FileField):
        return str(value).rsplit("/", 1)[-1]
    if isinstance(value, int | float | Decimal):
        return quantity(value)
    return str(formats.localize(value, use_l10n=True))
