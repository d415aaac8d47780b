"""The matching engine's part of an organisation's privacy export and anonymisation.

Registered with ``partners.privacy.registry`` on import (``MatchmakingConfig.ready`` imports this
module), because partners may not import matchmaking.

Export: an IKM gets its matches (scores, factor breakdown, status, failed constraints) and
its partnerships with their events; a manufacturer gets the partnerships on its demands —
not the unreviewed suggestions, which are ministry staff's working lists about other
organisations. A counterpart appears by its organisation name only (never its contact
person, whose details the inbox reveals after mutual interest), a counterpart's reason for
its answer is not included, and people acting on a timeline are named by role.

Anonymisation: partnerships, their events, matches and review decisions are kept; the
old names and personal strings are replaced in their free-text notes, and consortium
suggestions stop carrying the old IKM name.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from partners.choices import OrganisationKind
from partners.models import Organisation, User
from partners.privacy.registry import Replacements, anonymisers, export_sections

from .models import ConsortiumSuggestion, Match, MatchDecision, Partnership, PartnershipEvent
from .scoring.config import FACTORS

ORGANISATION, STAFF, COUNTERPART = "organisation", "ministry staff", "counterpart"

#: The lookup from a match or partnership to the organisation, per kind of organisation.
LOOKUPS = {
    OrganisationKind.IKM: "supplier",
    OrganisationKind.MANUFACTURER: "demand__manufacturer",
}

#: The organisation's own side of a partnership and the other one, per kind.
SIDES = {
    OrganisationKind.IKM: ("supplier", "manufacturer"),
    OrganisationKind.MANUFACTURER: ("manufacturer", "supplier"),
}


def _value(value: Any) -> Any:
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _role(user_id: int | None, own_user_ids: set[int], staff_ids: set[int]) -> str | None:
    if user_id is None:
        return None
    if user_id in own_user_ids:
        return ORGANISATION
    return STAFF if user_id in staff_ids else COUNTERPART


def _partnerships(organisation: Organisation) -> QuerySet[Partnership]:
    return (
        Partnership.objects.filter(**{LOOKUPS[organisation.kind]: organisation})
        .select_related("supplier", "demand__manufacturer", "demand__component_type", "match")
        .prefetch_related("events")
        .order_by("created_at", "pk")
    )


def _actor_ids(partnerships: list[Partnership]) -> set[int]:
    return {e.by_id for p in partnerships for e in p.events.all() if e.by_id is not None}


@export_sections.register("partnerships")
def partnerships_section(*, organisation: Organisation) -> list[dict[str, Any]]:
    """The organisation's partnerships with their whole timeline."""
    partnerships = list(_partnerships(organisation))
    own = {user.pk for user in organisation.people()}
    staff = set(
        User.objects.filter(pk__in=_actor_ids(partnerships), is_staff=True).values_list(
            "pk", flat=True
        )
    )
    own_side, other_side = SIDES[organisation.kind]
    section = []
    for partnership in partnerships:
        demand = partnership.demand
        section.append(
            {
                "id": partnership.pk,
                "supplier": {
                    "id": partnership.supplier_id,
                    "name": partnership.supplier.legal_name,
                },
                "manufacturer": {"id": demand.manufacturer_id, "name": demand.manufacturer.name},
                "demand": {
                    "id": demand.pk,
                    "title": demand.title,
                    "component_type": demand.component_type.code,
                },
                "match_score": partnership.match.score,
                "stage": partnership.stage,
                "stage_changed_at": _value(partnership.stage_changed_at),
                "committed_monthly_volume": _value(partnership.committed_monthly_volume),
                "committed_unit": partnership.committed_unit,
                "contract_value_idr": partnership.contract_value_idr,
                "jobs_created": partnership.jobs_created,
                "tkdn_percent": _value(partnership.tkdn_percent),
                "delivered_on_time": partnership.delivered_on_time,
                "end_reason": partnership.end_reason,
                "your_answer": getattr(partnership, f"{own_side}_answer"),
                "your_answer_reason": getattr(partnership, f"{own_side}_answer_reason"),
                "your_answered_at": _value(getattr(partnership, f"{own_side}_answered_at")),
                "their_answer": getattr(partnership, f"{other_side}_answer"),
                "created_at": _value(partnership.created_at),
                "events": [
                    {
                        "at": _value(event.created_at),
                        "from_stage": event.from_stage,
                        "to_stage": event.to_stage,
                        "note": event.note,
                        "by": _role(event.by_id, own, staff),
                    }
                    for event in partnership.events.all()
                ],
            }
        )
    return section


@export_sections.register("matches")
def matches_section(*, organisation: Organisation) -> list[dict[str, Any]]:
    """An IKM's matches and near misses with their scores; a manufacturer's list is empty
    (its introduced suppliers are in ``partnerships``)."""
    if organisation.kind != OrganisationKind.IKM:
        return []
    matches = (
        Match.objects.filter(supplier_id=organisation.pk)
        .select_related("demand__component_type")
        .prefetch_related("decisions")
        .order_by("demand_id")
    )
    introduced = set(
        Partnership.objects.filter(supplier_id=organisation.pk).values_list("match_id", flat=True)
    )
    section = []
    for match in matches:
        demand = {"id": match.demand_id, "component_type": match.demand.component_type.code}
        if match.pk in introduced:
            demand["title"] = match.demand.title
        breakdown = match.breakdown or {}
        section.append(
            {
                "demand": demand,
                "kind": match.kind,
                "status": match.status,
                "score": match.score,
                "rank": match.rank,
                "in_latest_ranking": match.is_current,
                "breakdown": (
                    {
                        factor: {"value": value, "contribution": micro / 1_000_000}
                        for factor, value, micro in zip(
                            FACTORS, breakdown.get("v", []), breakdown.get("c", []), strict=False
                        )
                    }
                ),
                "failed_constraints": match.failed_constraints,
                "qualification_issue": match.qualification_issue_en or match.qualification_issue,
                "algorithm_version": match.algorithm_version,
                "scored_at": _value(match.scored_at),
                "reviewed_at": _value(match.reviewed_at),
                "review_note": match.review_note,
                "decisions": [
                    {
                        "at": _value(decision.created_at),
                        "from_status": decision.from_status,
                        "to_status": decision.to_status,
                        "note": decision.note,
                    }
                    for decision in match.decisions.all()
                ],
            }
        )
    return section


def _scrub(queryset: QuerySet, fields: tuple[str, ...], replacements: Replacements) -> None:
    """Rewrite the non-empty text ``fields`` of these rows where an old string occurs."""
    non_empty = Q()
    for name in fields:
        non_empty |= ~Q(**{name: ""})
    for row in queryset.filter(non_empty).only("pk", *fields):
        changed = []
        for name in fields:
            new = replacements.apply(getattr(row, name))
            if new != getattr(row, name):
                setattr(row, name, new)
                changed.append(name)
        if changed:
            row.save(update_fields=[*changed, "updated_at"])


@anonymisers.register("matchmaking")
def anonymise(*, organisation: Organisation, replacements: Replacements) -> None:
    """Replace the organisation's old names and personal strings in the notes kept with its
    partnerships, matches and decisions; partnerships and events themselves stay."""
    if not replacements:
        return
    lookup = {LOOKUPS[organisation.kind]: organisation}
    partnerships = Partnership.objects.filter(**lookup)
    matches = Match.objects.filter(**lookup)
    _scrub(
        partnerships,
        ("end_reason", "supplier_answer_reason", "manufacturer_answer_reason"),
        replacements,
    )
    _scrub(PartnershipEvent.objects.filter(partnership__in=partnerships), ("note",), replacements)
    _scrub(matches, ("review_note",), replacements)
    _scrub(MatchDecision.objects.filter(match__in=matches), ("note",), replacements)
    if organisation.kind == OrganisationKind.IKM:
        for suggestion in ConsortiumSuggestion.objects.only("pk", "members"):
            members = [
                {**m, "name": organisation.display_name}
                if m.get("supplier_id") == organisation.pk
                else m
                for m in suggestion.members
            ]
            if members != suggestion.members:
                suggestion.members = members
                suggestion.save(update_fields=["members", "updated_at"])
