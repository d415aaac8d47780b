"""Partnership stages: stage moves, timeline notes, outcome figures and time in stage.

A partnership is born ``approved`` when its match is approved (``services``); from there it
moves forward through the live stages (skipping is allowed), one step back to correct a
mistake, to ``completed`` from active supply, or to ``declined``/``ended`` from any live
stage with a reason. Closed stages are final. Every change writes a ``PartnershipEvent``.

The supplier's scores read its partnerships (committed volume in the capacity-committing
stages, the number of live partnerships, completed deliveries and their punctuality), so
a write that changes any of these enqueues the supplier's rescore on commit.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from common.people import display_name
from components.choices import Unit
from components.models import ComponentType
from partners.models import SupplierCapability

from ..choices import (
    CAPACITY_COMMITTING_STAGES,
    CLOSED_PARTNERSHIP_STAGES,
    LIVE_PARTNERSHIP_STAGES,
    PartnershipStage,
)
from ..engine import scheduling
from ..models import Partnership, PartnershipEvent
from ..scoring.units import conversion
from . import announcements

# The live stages in their forward order.
STAGE_ORDER: tuple[str, ...] = tuple(LIVE_PARTNERSHIP_STAGES)
CLOSING_STAGES = (PartnershipStage.DECLINED, PartnershipStage.ENDED)
OUTCOME_FIELDS = (
    "committed_monthly_volume",
    "committed_unit",
    "contract_value_idr",
    "jobs_created",
    "tkdn_percent",
    "delivered_on_time",
)


class PartnershipConflict(Exception):
    """The partnership is no longer in the stage the officer saw: someone moved it."""

    def __init__(
        self,
        *,
        partnership: Partnership,
        moved_by: Any,
        moved_at: datetime.datetime,
    ) -> None:
        self.partnership = partnership
        self.stage = partnership.stage
        self.moved_by = moved_by
        self.moved_at = moved_at
        super().__init__(str(self.message))

    @property
    def who(self) -> str:
        if self.moved_by is None:
            return gettext("someone")
        return display_name(self.moved_by)

    @property
    def message(self) -> str:
        when = timezone.localtime(self.moved_at)
        return gettext(
            "%(who)s moved this partnership to “%(stage)s” on %(when)s; your change was not "
            "saved. Check the stage and the timeline, then try again."
        ) % {
            "who": self.who,
            "stage": PartnershipStage(self.stage).label,
            "when": date_format(when, "j N Y, H:i"),
        }


# --- transitions ----------------------------------------------------------------------------


def allowed_moves(stage: str) -> list[str]:
    """The stages a partnership in ``stage`` may move to, forward ones first."""
    if stage in CLOSED_PARTNERSHIP_STAGES or stage not in STAGE_ORDER:
        return []
    index = STAGE_ORDER.index(stage)
    moves = list(STAGE_ORDER[index + 1 :])
    if stage == PartnershipStage.ACTIVE_SUPPLY:
        moves.append(PartnershipStage.COMPLETED)
    if index > 0:
        moves.append(STAGE_ORDER[index - 1])
    moves.extend(CLOSING_STAGES)
    return moves


def is_back_step(from_stage: str, to_stage: str) -> bool:
    return (
        from_stage in STAGE_ORDER
        and to_stage in STAGE_ORDER
        and STAGE_ORDER.index(to_stage) < STAGE_ORDER.index(from_stage)
    )


def _check_move(partnership: Partnership, to_stage: str, note: str) -> None:
    if to_stage not in PartnershipStage.values:
        raise ValidationError({"to_stage": _("Choose a valid stage.")}, code="invalid")
    current = partnership.stage
    if current in CLOSED_PARTNERSHIP_STAGES:
        raise ValidationError(
            {
                "to_stage": _(
                    "This partnership is closed (%(stage)s); a closed partnership cannot move."
                )
                % {"stage": PartnershipStage(current).label}
            },
            code="closed",
        )
    if to_stage == current:
        raise ValidationError(
            {"to_stage": _("The partnership is already in this stage.")}, code="same_stage"
        )
    if to_stage not in allowed_moves(current):
        message: StrOrPromise
        if to_stage == PartnershipStage.COMPLETED:
            message = _("Only a partnership in active supply can be completed.")
        else:
            message = _(
                "A partnership in “%(from)s” cannot move to “%(to)s”: it may go forward, "
                "one step back, or be declined or ended."
            ) % {"from": PartnershipStage(current).label, "to": PartnershipStage(to_stage).label}
        raise ValidationError({"to_stage": message}, code="forbidden")
    if to_stage in CLOSING_STAGES and not note:
        raise ValidationError(
            {"note": _("Give the reason why the partnership was declined or ended.")},
            code="reason_required",
        )


def _last_stage_event(partnership: Partnership) -> PartnershipEvent | None:
    return (
        PartnershipEvent.objects.filter(partnership=partnership)
        .exclude(to_stage="")
        .select_related("by")
        .order_by("-created_at", "-pk")
        .first()
    )


# --- what the scoring reads -----------------------------------------------------------------


def _scoring_inputs(partnership: Partnership) -> tuple:
    """What of this partnership the supplier's scores depend on (see matchmaking/engine/loading.py):
    the volume it reserves, whether it counts as live, and its delivery record."""
    volume = partnership.committed_monthly_volume
    reserves = partnership.stage in CAPACITY_COMMITTING_STAGES and volume is not None and volume > 0
    completed = partnership.stage == PartnershipStage.COMPLETED
    return (
        (Decimal(volume), partnership.committed_unit) if reserves and volume is not None else None,
        partnership.stage in LIVE_PARTNERSHIP_STAGES,
        completed,
        completed and partnership.delivered_on_time is True,
    )


def _rescore_if_changed(partnership: Partnership, before: tuple) -> None:
    if _scoring_inputs(partnership) != before:
        scheduling.on_supplier_changed(supplier_id=partnership.supplier_id)


# --- services -------------------------------------------------------------------------------


def partnership_move(
    *,
    partnership_id: int,
    to_stage: str,
    by: Any,
    note: str = "",
    expected_stage: str,
) -> Partnership:
    """Move a partnership to ``to_stage`` as ``by``.

    ``expected_stage`` is the stage the officer saw; if the partnership has moved since,
    :class:`PartnershipConflict` says who moved it and when, and nothing is saved. A
    forbidden move, or declining/ending without a reason in ``note``, raises
    ``ValidationError`` keyed by field (``to_stage``, ``note``)."""
    note = (note or "").strip()
    with transaction.atomic():
        partnership = Partnership.objects.select_for_update().get(pk=partnership_id)
        if partnership.stage != expected_stage:
            last = _last_stage_event(partnership)
            raise PartnershipConflict(
                partnership=partnership,
                moved_by=last.by if last else None,
                moved_at=last.created_at if last else partnership.stage_changed_at,
            )
        _check_move(partnership, to_stage, note)
        before = _scoring_inputs(partnership)
        from_stage = partnership.stage
        now = timezone.now()
        partnership.stage = to_stage
        partnership.stage_changed_at = now
        partnership.reminded_at = None
        if to_stage in CLOSING_STAGES:
            partnership.end_reason = note
        partnership.full_clean()
        partnership.save(
            update_fields=["stage", "stage_changed_at", "reminded_at", "end_reason", "updated_at"]
        )
        event = PartnershipEvent(
            partnership=partnership, from_stage=from_stage, to_stage=to_stage, note=note, by=by
        )
        event.full_clean()
        event.save()
        _rescore_if_changed(partnership, before)
        announcements.stage_change_announce(partnership=partnership, by=by)
    return partnership


def partnership_note_add(*, partnership_id: int, by: Any, note: str) -> PartnershipEvent:
    """A note on the partnership's timeline (no stage change)."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Write a note first.")}, code="required")
    with transaction.atomic():
        partnership = Partnership.objects.select_for_update().get(pk=partnership_id)
        event = PartnershipEvent(partnership=partnership, note=note, by=by)
        event.full_clean()
        event.save()
        # the timeline changed: the partnership row says when it was last touched
        Partnership.objects.filter(pk=partnership.pk).update(updated_at=timezone.now())
    return event


def _format_outcome(field: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if field == "contract_value_idr":
        return "Rp " + number_format(value, force_grouping=True)
    if field == "committed_unit":
        return str(Unit(value).label)
    if field == "delivered_on_time":
        return gettext("yes") if value else gettext("no")
    if field == "tkdn_percent":
        return number_format(Decimal(value).normalize(), force_grouping=True) + " %"
    if field == "committed_monthly_volume":
        return number_format(Decimal(value).normalize(), force_grouping=True)
    return number_format(value, force_grouping=True)


def capacity_factor(
    unit: str, capability: SupplierCapability, component_type: ComponentType | None = None
) -> float | None:
    """What one ``unit`` of committed volume is in the capability's capacity unit (``None``
    when it cannot be converted); ``component_type`` is the capability's, if already loaded."""
    component_type = component_type or capability.component_type
    factor, _kind = conversion(
        unit,
        capability.capacity_unit,
        item_unit=component_type.unit,
        unit_weight_kg=(
            float(component_type.unit_weight_kg)
            if component_type.unit_weight_kg is not None
            else None
        ),
    )
    return factor


def _check_outcome(partnership: Partnership) -> None:
    errors: dict[str, Any] = {}
    volume, unit = partnership.committed_monthly_volume, partnership.committed_unit
    if volume is not None and volume < 0:
        errors["committed_monthly_volume"] = _("The volume cannot be negative.")
    elif volume is not None and not unit:
        errors["committed_unit"] = _("Give the unit of the monthly volume.")
    elif volume is None and unit:
        errors["committed_monthly_volume"] = _("Give the monthly volume in this unit.")
    elif volume is not None and unit:
        capability = partnership.match.capability if partnership.match_id else None
        if capability is not None and capacity_factor(unit, capability) is None:
            errors["committed_unit"] = _(
                "The supplier's capacity is in %(unit)s and %(chosen)s cannot be "
                "converted to it; use %(unit)s."
            ) % {
                "unit": Unit(capability.capacity_unit).label,
                "chosen": Unit(unit).label,
            }
    if errors:
        raise ValidationError(errors)


def partnership_outcome_update(
    *, partnership_id: int, by: Any, data: Mapping[str, Any]
) -> Partnership:
    """Record outcome figures (keys of ``OUTCOME_FIELDS`` present in ``data``; others are
    ignored). A volume needs a unit convertible to the supplier's capacity unit; amounts
    cannot be negative and TKDN is 0–100 %. Writes one event summarising the changes (none
    when nothing changed)."""
    with transaction.atomic():
        partnership = (
            Partnership.objects.select_for_update(of=("self",))
            .select_related("match__capability__component_type")
            .get(pk=partnership_id)
        )
        before = _scoring_inputs(partnership)
        changes: list[str] = []
        for field in OUTCOME_FIELDS:
            if field not in data:
                continue
            value = data[field]
            if field == "committed_unit":
                value = value or ""
            elif value == "":
                value = None
            old = getattr(partnership, field)
            if old != value:
                model_field = Partnership._meta.get_field(field)
                assert isinstance(model_field, Field)  # the outcome fields are columns
                label = model_field.verbose_name
                changes.append(
                    f"{label}: {_format_outcome(field, old)} → {_format_outcome(field, value)}"
                )
                setattr(partnership, field, value)
        _check_outcome(partnership)
        partnership.full_clean()
        if not changes:
            return partnership
        partnership.save(update_fields=[*OUTCOME_FIELDS, "updated_at"])
        partnership.refresh_from_db(fields=list(OUTCOME_FIELDS))
        event = PartnershipEvent(
            partnership=partnership,
            note=gettext("Outcome updated: %(changes)s") % {"changes": "; ".join(changes)},
            by=by,
        )
        event.full_clean()
        event.save()
        _rescore_if_changed(partnership, before)
    return partnership


# --- time in stage --------------------------------------------------------------------------


def stale_cutoff(*, today: datetime.date | None = None) -> datetime.datetime:
    """A live partnership whose stage changed before this moment is stuck: it has spent
    ``PARTNERSHIP_STALE_DAYS`` calendar days or more in its stage as of ``today``."""
    today = today or timezone.localdate()
    first_fresh_day = today - datetime.timedelta(days=settings.PARTNERSHIP_STALE_DAYS - 1)
    return timezone.make_aware(datetime.datetime.combine(first_fresh_day, datetime.time.min))


def days_in_stage(partnership: Partnership, *, today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    return max((today - timezone.localdate(partnership.stage_changed_at)).days, 0)
