"""Reading an organisation's audit trail (``common.history``): every recorded change of
the organisation itself and of what belongs to it — an IKM's capabilities and
certificates, a manufacturer's plants and demands — as entries a person can check: who,
when, what, from which value to which.

One form save writes a row and then its many-to-many fields, which the trail records as
separate snapshots; the snapshots of one object by one actor within ``SAME_EDIT`` that
change nothing but many-to-many fields are shown as one entry, compared with the snapshot
before them.

The queries do not grow with the trail: per audited model one for its records, one per
many-to-many field, and one per kind of related row named in the changes."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

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
    """The newest ``limit`` entries (all with ``None``) of the organisation's trail, newest
    first."""
    found: list[tuple[Entry, list[_Raw]]] = []
    for records, subject, related in _sources(organisation):
        rows = list(
            records.select_related("history_user", *related).order_by(
                "id", "history_date", "history_id"
            )
        )
        found.extend(_entries(rows, subject, _m2m_values(records, rows)))
    found.sort(key=lambda item: item[0].when, reverse=True)
    found = found[:limit]
    names = _Names([raw for _entry, raws in found for raw in raws])
    for entry, raws in found:
        entry.changes = [
            Change(
                name=raw.field.name,
                label=str(raw.field.verbose_name),
                before=names.shown(raw.field, raw.before),
                after=names.shown(raw.field, raw.after),
            )
            for raw in raws
        ]
    return [entry for entry, _raws in found]


def _sources(
    organisation: Organisation,
) -> Iterator[tuple[models.QuerySet, Callable[[Any], str], tuple[str, ...]]]:
    """Per audited model: its records, how to name a record's object, and the related rows
    that name needs."""
    if isinstance(organisation, Supplier):
        yield Supplier.history.filter(id=organisation.pk), _profile, ()
        yield (
            SupplierCapability.history.filter(supplier_id=organisation.pk),
            lambda record: _named(_("Capability"), _related(record, "component_type")),
            ("component_type",),
        )
        yield (
            SupplierCertification.history.filter(supplier_id=organisation.pk),
            lambda record: _named(_("Certificate"), _related(record, "certification")),
            ("certification",),
        )
    else:
        yield Manufacturer.history.filter(id=organisation.pk), _profile, ()
        yield (
            Plant.history.filter(manufacturer_id=organisation.pk),
            lambda record: _named(_("Plant"), record.name),
            (),
        )
        yield (
            Demand.history.filter(manufacturer_id=organisation.pk),
            lambda record: _named(_("Demand"), record.title),
            (),
        )


def _profile(record: Any) -> str:
    return str(_("Profile"))


def _named(kind: Any, name: Any) -> str:
    return f"{kind}: {name}" if name else str(kind)


def _related(record: Any, name: str) -> Any:
    """A related row of a record, or None when it was deleted since."""
    try:
        return getattr(record, name)
    except models.ObjectDoesNotExist:
        return None


@dataclass(frozen=True)
class _Raw:
    """One changed field with its stored values (ids for relations)."""

    field: Any
    before: Any
    after: Any


def _m2m_values(records: models.QuerySet, rows: list[Any]) -> dict[int, dict[str, frozenset[Any]]]:
    """The many-to-many values each record stored: record id → field → related ids."""
    values: dict[int, dict[str, frozenset[Any]]] = {row.history_id: {} for row in rows}
    if not rows:
        return values
    for m2m_field in records.model._history_m2m_fields:
        name = m2m_field.name
        through = HistoricalRecords.m2m_models[m2m_field]  # the trail's copy of the links
        target = f"{m2m_field.related_model._meta.model_name}_id"
        linked: dict[int, set[Any]] = {}
        for history_id, target_id in through.objects.filter(
            history_id__in=records.values("history_id")
        ).values_list("history_id", target):
            linked.setdefault(history_id, set()).add(target_id)
        for history_id, fields in values.items():
            fields[name] = frozenset(linked.get(history_id, ()))
    return values


def _entries(
    rows: list[Any], subject: Callable[[Any], str], m2m: dict[int, dict[str, frozenset[Any]]]
) -> Iterator[tuple[Entry, list[_Raw]]]:
    """The entries of one model's records, each edit compared with the one before."""
    previous: Any = None
    for group in _edits(rows):
        last = group[-1]
        before = previous if previous is not None and previous.id == last.id else None
        previous = last
        created = group[0].history_type == "+"
        deleted = last.history_type == "-"
        raws = [] if deleted or before is None else _raw_changes(before, last, m2m)
        reason = _reason(group)
        if before is not None and not (created or deleted or raws or reason):
            continue  # a save that changed nothing
        entry = Entry(
            when=last.history_date,
            actor=display_name(last.history_user) or str(_("System")),
            subject=subject(last),
            action=str(ACTIONS["+" if created else last.history_type]),
            reason=reason,
            user=last.history_user,
        )
        yield entry, raws


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


def _raw_changes(old: Any, new: Any, m2m: dict[int, dict[str, frozenset[Any]]]) -> list[_Raw]:
    """The fields a person can edit whose value differs, in the form's order."""
    model = new.instance_type
    raws = []
    tracked = {tracked.name for tracked in new.tracked_fields}
    for model_field in model._meta.get_fields():
        name = model_field.name
        if name in m2m[new.history_id]:
            before, after = m2m[old.history_id][name], m2m[new.history_id][name]
        elif name in tracked and model_field.editable and not model_field.many_to_many:
            before, after = getattr(old, model_field.attname), getattr(new, model_field.attname)
        else:
            continue
        if before != after:
            raws.append(_Raw(model_field, before, after))
    return raws


class _Names:
    """How the related rows named in a set of changes read, loaded with one query per
    related model."""

    def __init__(self, raws: Iterable[_Raw]) -> None:
        wanted: dict[Any, set[Any]] = {}
        for raw in raws:
            if raw.field.is_relation:
                ids = wanted.setdefault(raw.field.related_model, set())
                for value in (raw.before, raw.after):
                    ids.update(value if isinstance(value, frozenset) else {value})
        self.rows = {
            model: model._default_manager.in_bulk([pk for pk in ids if pk is not None])
            for model, ids in wanted.items()
        }

    def _name(self, model: Any, pk: Any) -> str:
        row = self.rows.get(model, {}).get(pk)
        if row is None:
            return str(_("(deleted)"))
        return display_name(row) if hasattr(row, "get_full_name") else str(row)

    def shown(self, field: Any, value: Any) -> str:
        """A stored value as a person reads it."""
        if field.many_to_many:
            names = sorted(self._name(field.related_model, pk) for pk in value)
            return ", ".join(names) or "—"
        if value is None or value == "":
            return "—"
        if field.is_relation:
            return self._name(field.related_model, value)
        if getattr(field, "choices", None):
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return str(_("yes") if value else _("no"))
        if isinstance(value, datetime.datetime):
            return str(formats.localize(timezone.localtime(value)))
        if isinstance(value, datetime.date):
            return str(formats.localize(value))
        if isinstance(field, models.FileField):
            return str(value).rsplit("/", 1)[-1]
        if isinstance(value, int | float | Decimal):
            return quantity(value)
        return str(value)
