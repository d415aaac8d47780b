"""Announcements: who is told what about a partnership.

A new introduction (the match was approved) goes to both parties; an answer to the other
party; a stage change to both parties but the person who moved it; a change of a demand's
specification to the IKM owners in a live partnership on it or shortlisted for it. The
notices are stored and e-mailed by ``partners.notifications``. This module is the bottom
of the brokering package: it imports none of its siblings but ``parties`` and ``notices``."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Field, Q

from partners.models import Demand
from partners.notification_kinds import in_languages, reverse_or_blank
from partners.notifications import notify_all

from ..choices import LIVE_PARTNERSHIP_STAGES, IntroductionAnswer, MatchStatus, PartnershipStage
from ..models import Match, Partnership
from . import notices
from .parties import MANUFACTURER, SUPPLIER, other_side, party_name, party_users


def _inbox_url(partnership: Partnership) -> str:
    return reverse_or_blank("inbox:detail", partnership.pk)


def _parties_params(partnership: Partnership) -> dict[str, Any]:
    return {
        "supplier": partnership.supplier.legal_name,
        "manufacturer": partnership.demand.manufacturer.name,
        "demand": partnership.demand.title,
        "partnership_id": partnership.pk,
    }


def _with_parties(partnership: Partnership) -> Partnership:
    """The partnership as committed so far, with the rows the announcers read."""
    return Partnership.objects.select_related("supplier__owner", "demand__manufacturer").get(
        pk=partnership.pk
    )


def introduction_announce(*, partnership: Partnership) -> None:
    """A new introduction (the match was approved): tell the IKM's owner and the
    manufacturer's members."""
    partnership = _with_parties(partnership)
    users = [*party_users(partnership, SUPPLIER), *party_users(partnership, MANUFACTURER)]
    notify_all(
        users=users,
        kind=notices.NEW_INTRODUCTION,
        params=_parties_params(partnership),
        url=_inbox_url(partnership),
    )


def answer_announce(*, partnership: Partnership, side: str, answer: str) -> None:
    """One party answered the introduction: tell the other party."""
    notify_all(
        users=party_users(partnership, other_side(side)),
        kind=notices.INTRODUCTION_ANSWER,
        params={
            **_parties_params(partnership),
            "party": party_name(partnership, side),
            "answer": in_languages(IntroductionAnswer(answer).label),
        },
        url=_inbox_url(partnership),
    )


def stage_change_announce(*, partnership: Partnership, by: Any = None) -> None:
    """The partnership changed stage: tell both parties (not the person who moved it)."""
    partnership = _with_parties(partnership)
    by_pk = getattr(by, "pk", None)
    users = [
        user
        for user in (
            *party_users(partnership, SUPPLIER),
            *party_users(partnership, MANUFACTURER),
        )
        if user.pk != by_pk
    ]
    notify_all(
        users=users,
        kind=notices.STAGE_CHANGED,
        params={
            **_parties_params(partnership),
            "stage": in_languages(PartnershipStage(partnership.stage).label),
        },
        url=_inbox_url(partnership),
    )


def demand_change_announce(*, demand_id: int, fields: Iterable[str] = ()) -> int:
    """A demand's specification changed: tell the owners of the IKM in a live partnership
    on it, or shortlisted for it. Returns how many were told."""
    demand = Demand.objects.select_related("manufacturer").filter(pk=demand_id).first()
    if demand is None:
        return 0
    partnerships = {
        p.supplier_id: p
        for p in Partnership.objects.filter(
            demand_id=demand_id, stage__in=LIVE_PARTNERSHIP_STAGES
        ).select_related("supplier__owner")
    }
    # an approved match has its partnership (declined or ended ones are left out above);
    # one without is an approval from before partnerships existed
    matched = Match.objects.filter(
        Q(status=MatchStatus.SHORTLISTED)
        | Q(status=MatchStatus.APPROVED, partnership__isnull=True),
        demand_id=demand_id,
    ).select_related("supplier__owner")
    suppliers = {p.supplier_id: p.supplier for p in partnerships.values()}
    for match in matched:
        suppliers.setdefault(match.supplier_id, match.supplier)
    own_fields = {f.name: f for f in Demand._meta.get_fields() if isinstance(f, Field)}
    labels = [own_fields[name].verbose_name for name in fields if name in own_fields]
    changed = in_languages(partial(_joined, labels)) if labels else ""
    told = 0
    with transaction.atomic():
        for supplier_id, supplier in sorted(suppliers.items()):
            partnership = partnerships.get(supplier_id)
            told += len(
                notify_all(
                    users=[supplier.owner] if supplier.owner else [],
                    kind=notices.DEMAND_CHANGED,
                    params={
                        "manufacturer": demand.manufacturer.name,
                        "demand": demand.title,
                        "supplier": supplier.legal_name,
                        "fields": changed,
                    },
                    url=_inbox_url(partnership) if partnership else "",
                )
            )
    return told


def _joined(labels: Iterable[Any]) -> str:
    return ", ".join(str(label) for label in labels)


def on_demand_specification_changed(*, demand_id: int, fields: Iterable[str] = (), **_: Any):
    """Receiver of ``partners.events.demand_specification_changed``: notify after the
    change is committed (nothing is sent for a change that is rolled back)."""
    fields = list(fields)
    transaction.on_commit(partial(demand_change_announce, demand_id=demand_id, fields=fields))
