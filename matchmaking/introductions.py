"""Introductions: what the parties of a partnership see and answer, and whom we notify.

Once staff approve a match, a :class:`~matchmaking.models.Partnership` exists and both
parties find it in their inbox: the IKM owner as an *opportunity* (the demand), the
manufacturer's members as a *proposed supplier* (the IKM). Each party answers *interested*
or *not interested* (with a reason). The answers move the partnership through
:func:`matchmaking.pipeline.partnership_move`: both interested → ``introduced`` (when it is
still ``approved``), either not interested → ``declined`` with the reason. Contact details
of the other party are shown only once both said interested.

Rules for answers (:func:`introduction_answer`): each party answers once. Sending the same
answer again (a double click, a resent form) changes nothing; a different answer is refused
with a message, and so is an answer on a closed partnership.

The notification announcers (new introduction, answer, stage change, demand specification
change) live here too; ``matchmaking.review``, ``matchmaking.pipeline`` and the
``partners.events.demand_specification_changed`` receiver call them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import BooleanField as BooleanOutput
from django.db.models import (
    Case,
    CharField,
    F,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from partners.choices import NotificationKind
from partners.models import (
    Demand,
    Manufacturer,
    SupplierCapability,
    SupplierCertification,
    User,
)
from partners.notifications import in_languages, notify_all, reverse_or_blank

from . import pipeline
from .choices import (
    CLOSED_PARTNERSHIP_STAGES,
    LIVE_PARTNERSHIP_STAGES,
    IntroductionAnswer,
    MatchStatus,
    PartnershipStage,
)
from .engine.explanations import language, match_reasons
from .engine.loading import load_labels
from .models import Match, Partnership, PartnershipEvent

SUPPLIER = "supplier"
MANUFACTURER = "manufacturer"
SIDES = (SUPPLIER, MANUFACTURER)


class InboxState:
    """The filters of the inbox list."""

    WAITING = "waiting"  # waiting for the reader's answer
    PENDING = "pending"  # the reader said interested, the other party has not answered
    SHARED = "shared"  # both interested: contacts shared
    CLOSED = "closed"  # declined, ended or completed

    CHOICES = (
        (WAITING, _("Waiting for your answer")),
        (PENDING, _("Waiting for the other party")),
        (SHARED, _("Both interested")),
        (CLOSED, _("Closed")),
    )


# --- who is who -----------------------------------------------------------------------------


def _member_manufacturers(user: User) -> QuerySet:
    return Manufacturer.objects.filter(members=user).values("pk")


def _scope(user: User) -> Q:
    """Partnerships the user is a party to: as the IKM's owner or a member of the demand's
    manufacturer."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    return Q(supplier__owner=user) | Q(demand__manufacturer__in=_member_manufacturers(user))


def side_of(partnership: Partnership, user: User) -> str | None:
    """Which party ``user`` speaks for in this partnership (the IKM when they own it)."""
    if partnership.supplier.owner_id is not None and partnership.supplier.owner_id == user.pk:
        return SUPPLIER
    if partnership.demand.manufacturer.members.filter(pk=user.pk).exists():
        return MANUFACTURER
    return None


def other_side(side: str) -> str:
    return MANUFACTURER if side == SUPPLIER else SUPPLIER


def _answer(partnership: Partnership, side: str) -> str:
    return getattr(partnership, f"{side}_answer")


def both_interested(partnership: Partnership) -> bool:
    return (
        partnership.supplier_answer == IntroductionAnswer.INTERESTED
        and partnership.manufacturer_answer == IntroductionAnswer.INTERESTED
    )


def _party_users(partnership: Partnership, side: str) -> list[User]:
    """The active people who speak for one side of a partnership."""
    if side == SUPPLIER:
        owner = partnership.supplier.owner
        return [owner] if owner is not None and owner.is_active else []
    return list(partnership.demand.manufacturer.members.filter(is_active=True).order_by("pk"))


def _party_name(partnership: Partnership, side: str) -> str:
    if side == SUPPLIER:
        return partnership.supplier.legal_name
    return partnership.demand.manufacturer.name


# --- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    """How to reach the other party (shown only after mutual interest)."""

    person: str
    phone: str
    email: str


@dataclass
class Introduction:
    """A partnership as one of its parties sees it."""

    partnership: Partnership
    side: str
    reasons: list[str] = field(default_factory=list)

    @property
    def pk(self) -> int:
        return self.partnership.pk

    @property
    def dom_id(self) -> str:
        return f"introduction-{self.partnership.pk}"

    @property
    def is_supplier(self) -> bool:
        return self.side == SUPPLIER

    @property
    def other(self) -> str:
        return other_side(self.side)

    @property
    def my_answer(self) -> str:
        return _answer(self.partnership, self.side)

    @property
    def my_answer_label(self) -> str:
        return IntroductionAnswer(self.my_answer).label if self.my_answer else ""

    @property
    def my_reason(self) -> str:
        return getattr(self.partnership, f"{self.side}_answer_reason")

    @property
    def my_answered_at(self):
        return getattr(self.partnership, f"{self.side}_answered_at")

    @property
    def other_answer(self) -> str:
        return _answer(self.partnership, self.other)

    @property
    def other_answer_label(self) -> str:
        return IntroductionAnswer(self.other_answer).label if self.other_answer else ""

    @property
    def other_name(self) -> str:
        return _party_name(self.partnership, self.other)

    @property
    def is_closed(self) -> bool:
        return self.partnership.stage in CLOSED_PARTNERSHIP_STAGES

    @property
    def can_answer(self) -> bool:
        return not self.my_answer and not self.is_closed

    @property
    def contacts_revealed(self) -> bool:
        return both_interested(self.partnership)

    @property
    def state(self) -> str:
        if self.contacts_revealed:
            return InboxState.SHARED
        if self.is_closed:
            return InboxState.CLOSED
        if not self.my_answer:
            return InboxState.WAITING
        return InboxState.PENDING

    @property
    def state_label(self) -> str:
        return str(dict(InboxState.CHOICES)[self.state])

    @property
    def contact(self) -> Contact | None:
        """The other party's contact, or ``None`` until both said interested."""
        if not self.contacts_revealed:
            return None
        if self.other == SUPPLIER:
            organisation = self.partnership.supplier
            people = [organisation.owner] if organisation.owner else []
        else:
            organisation = self.partnership.demand.manufacturer
            people = list(organisation.members.filter(is_active=True).order_by("pk"))
        contact = Contact(
            person=organisation.contact_person,
            phone=organisation.contact_phone,
            email=organisation.contact_email,
        )
        if contact.person or contact.phone or contact.email:
            return contact
        # no contact on the organisation's record: the people who speak for it
        person = next((p for p in people if p.is_active and p.email), None)
        if person is None:
            return contact
        return Contact(
            person=person.get_full_name() or person.get_username(), phone="", email=person.email
        )

    @property
    def capabilities(self) -> list[SupplierCapability]:
        return list(self.partnership.supplier.capabilities.all())

    @property
    def certifications(self) -> list[SupplierCertification]:
        return list(self.partnership.supplier.certifications.all())


LIST_RELATED = (
    "supplier__regency__province",
    "demand__manufacturer",
    "demand__component_type",
    "demand__plant__regency__province",
)


def introduction_queryset(*, user: User) -> QuerySet[Partnership]:
    """The user's introductions with what a list row shows joined in, annotated with the
    reader's side (``reader_is_supplier``), ``my_answer``, ``other_answer`` and ``waiting``
    (0 when the reader still has to answer)."""
    if not user.is_authenticated:
        return Partnership.objects.none()
    live = Q(stage__in=LIVE_PARTNERSHIP_STAGES)
    return (
        Partnership.objects.filter(_scope(user))
        .select_related(*LIST_RELATED)
        .annotate(
            reader_is_supplier=Case(
                When(supplier__owner=user, then=Value(True)),
                default=Value(False),
                output_field=BooleanOutput(),
            )
        )
        .annotate(
            my_answer=Case(
                When(reader_is_supplier=True, then=F("supplier_answer")),
                default=F("manufacturer_answer"),
                output_field=CharField(),
            ),
            other_answer=Case(
                When(reader_is_supplier=True, then=F("manufacturer_answer")),
                default=F("supplier_answer"),
                output_field=CharField(),
            ),
        )
        .annotate(
            waiting=Case(
                When(live & Q(my_answer=""), then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
    )


def introduction_list(*, user: User, state: str = "") -> QuerySet[Partnership]:
    """The user's introductions, those waiting for their answer first, then newest first;
    ``state`` (an :class:`InboxState`) narrows the list."""
    rows = introduction_queryset(user=user)
    interested = IntroductionAnswer.INTERESTED
    if state == InboxState.WAITING:
        rows = rows.filter(waiting=0)
    elif state == InboxState.PENDING:
        rows = rows.filter(stage__in=LIVE_PARTNERSHIP_STAGES, my_answer=interested, other_answer="")
    elif state == InboxState.SHARED:
        rows = rows.filter(supplier_answer=interested, manufacturer_answer=interested)
    elif state == InboxState.CLOSED:
        rows = rows.filter(stage__in=CLOSED_PARTNERSHIP_STAGES).exclude(
            supplier_answer=interested, manufacturer_answer=interested
        )
    return rows.order_by("waiting", "-created_at", "-pk")


def introduction_views(partnerships: Iterable[Partnership], *, user: User) -> list[Introduction]:
    """List rows as :class:`Introduction` (the side read from the annotation)."""
    return [
        Introduction(
            partnership=p,
            side=SUPPLIER
            if getattr(p, "reader_is_supplier", p.supplier.owner_id == user.pk)
            else MANUFACTURER,
        )
        for p in partnerships
    ]


def inbox_counts(*, user: User) -> dict[str, int]:
    """How many introductions wait for the user's answer, and how many there are."""
    rows = introduction_queryset(user=user)
    return {
        "waiting": rows.filter(waiting=0).count(),
        "total": rows.count(),
    }


def introduction_detail(*, user: User, pk: int, with_reasons: bool = True) -> Introduction:
    """One of the user's introductions with everything its page shows; another's (or a
    missing one) raises ``Partnership.DoesNotExist``."""
    partnership = (
        introduction_queryset(user=user)
        .select_related(
            "match",
            "match__capability",
            "demand__material",
            "supplier__owner",
        )
        .prefetch_related(
            "demand__required_processes",
            "demand__mandatory_certifications",
            "demand__preferred_certifications",
            Prefetch(
                "supplier__capabilities",
                queryset=SupplierCapability.objects.select_related(
                    "component_type"
                ).prefetch_related("processes", "materials"),
            ),
            Prefetch(
                "supplier__certifications",
                queryset=SupplierCertification.objects.select_related("certification").order_by(
                    "certification__name", "pk"
                ),
            ),
        )
        .get(pk=pk)
    )
    introduction = Introduction(
        partnership=partnership,
        side=SUPPLIER if partnership.reader_is_supplier else MANUFACTURER,
    )
    if with_reasons:
        introduction.reasons = match_reasons(partnership.match, load_labels(), language())
    return introduction


# --- answering ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerResult:
    partnership: Partnership
    side: str
    changed: bool  # False when the same answer was already recorded
    moved_to: str = ""  # the stage the answer moved the partnership to, if any


def _stored_text(message, **params: Any) -> str:
    """A note kept on the partnership's timeline, in the site's default language."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message) % params


def introduction_answer(
    *, partnership_id: int, user: User, answer: str, reason: str = ""
) -> AnswerResult:
    """Record ``user``'s answer for their side of a partnership.

    Not interested needs a ``reason`` and declines the partnership; both interested moves an
    ``approved`` partnership to ``introduced``. The other party is notified of the answer.
    Raises ``PermissionDenied`` when the user is not a party and ``ValidationError`` (on
    ``answer`` or ``reason``) for a missing reason, an unknown answer, a second, different
    answer or an answer on a closed partnership; nothing is saved then. The same answer
    sent twice changes nothing (``changed`` is False)."""
    reason = (reason or "").strip()
    with transaction.atomic():
        partnership = (
            Partnership.objects.select_for_update(of=("self",))
            .select_related("supplier", "demand__manufacturer")
            .get(pk=partnership_id)
        )
        side = side_of(partnership, user)
        if side is None:
            raise PermissionDenied
        previous = _answer(partnership, side)
        if previous:
            if previous == answer:
                return AnswerResult(partnership=partnership, side=side, changed=False)
            raise ValidationError(
                {
                    "answer": ValidationError(
                        _(
                            "You already answered “%(answer)s” to this introduction; the "
                            "answer cannot be changed here. Ask the ministry officer if "
                            "something has changed."
                        ),
                        code="already_answered",
                        params={"answer": IntroductionAnswer(previous).label},
                    )
                }
            )
        if partnership.stage in CLOSED_PARTNERSHIP_STAGES:
            raise ValidationError(
                {
                    "answer": ValidationError(
                        _("This introduction is closed (%(stage)s): it can no longer be answered."),
                        code="closed",
                        params={"stage": PartnershipStage(partnership.stage).label},
                    )
                }
            )
        if answer not in IntroductionAnswer.values:
            raise ValidationError(
                {"answer": _("Choose interested or not interested.")}, code="invalid_choice"
            )
        if answer == IntroductionAnswer.NOT_INTERESTED and not reason:
            raise ValidationError(
                {"reason": _("Tell us briefly why you are not interested.")},
                code="reason_required",
            )

        setattr(partnership, f"{side}_answer", answer)
        keep = reason if answer == IntroductionAnswer.NOT_INTERESTED else ""
        setattr(partnership, f"{side}_answer_reason", keep)
        setattr(partnership, f"{side}_answered_at", timezone.now())
        partnership.full_clean()
        partnership.save(
            update_fields=[
                f"{side}_answer",
                f"{side}_answer_reason",
                f"{side}_answered_at",
                "updated_at",
            ]
        )
        party = _party_name(partnership, side)
        moved_to = ""
        if answer == IntroductionAnswer.NOT_INTERESTED:
            moved_to = PartnershipStage.DECLINED
            note = _stored_text(
                _("%(party)s is not interested: %(reason)s"), party=party, reason=reason
            )
        elif both_interested(partnership) and partnership.stage == PartnershipStage.APPROVED:
            moved_to = PartnershipStage.INTRODUCED
            note = _stored_text(
                _("Both parties answered interested; contact details are now shared.")
            )
        else:
            note = _stored_text(_("%(party)s answered interested."), party=party)
        _answer_announce(partnership=partnership, side=side, answer=answer)
        if moved_to:
            pipeline.partnership_move(
                partnership_id=partnership.pk,
                to_stage=moved_to,
                by=user,
                note=note,
                expected_stage=partnership.stage,
            )
            partnership.refresh_from_db()
        else:
            event = PartnershipEvent(partnership=partnership, note=note, by=user)
            event.full_clean()
            event.save()
    return AnswerResult(partnership=partnership, side=side, changed=True, moved_to=moved_to)


# --- notifications --------------------------------------------------------------------------


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
    users = [*_party_users(partnership, SUPPLIER), *_party_users(partnership, MANUFACTURER)]
    notify_all(
        users=users,
        kind=NotificationKind.NEW_INTRODUCTION,
        params=_parties_params(partnership),
        url=_inbox_url(partnership),
    )


def _answer_announce(*, partnership: Partnership, side: str, answer: str) -> None:
    notify_all(
        users=_party_users(partnership, other_side(side)),
        kind=NotificationKind.INTRODUCTION_ANSWER,
        params={
            **_parties_params(partnership),
            "party": _party_name(partnership, side),
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
            *_party_users(partnership, SUPPLIER),
            *_party_users(partnership, MANUFACTURER),
        )
        if user.pk != by_pk
    ]
    notify_all(
        users=users,
        kind=NotificationKind.STAGE_CHANGED,
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
    labels = [
        Demand._meta.get_field(name).verbose_name
        for name in fields
        if name in {f.name for f in Demand._meta.get_fields()}
    ]
    changed = in_languages(partial(_joined, labels)) if labels else ""
    told = 0
    with transaction.atomic():
        for supplier_id, supplier in sorted(suppliers.items()):
            partnership = partnerships.get(supplier_id)
            told += len(
                notify_all(
                    users=[supplier.owner] if supplier.owner else [],
                    kind=NotificationKind.DEMAND_CHANGED,
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
