"""The introductions inbox: the partnerships a party (an IKM owner or a manufacturer's
member) takes part in, as that party sees them. Answers are written by
``matchmaking.partnerships.introductions``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict

from django.db.models import BooleanField as BooleanOutput
from django.db.models import Case, CharField, F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from common.people import display_name
from matchmaking.choices import (
    CLOSED_PARTNERSHIP_STAGES,
    LIVE_PARTNERSHIP_STAGES,
    IntroductionAnswer,
)
from matchmaking.engine.explanations import language, match_reasons
from matchmaking.engine.loading import load_labels
from matchmaking.models import Partnership
from matchmaking.partnerships.parties import (
    MANUFACTURER,
    SUPPLIER,
    answer_of,
    both_interested,
    other_side,
    party_name,
    party_scope,
)
from partners.models import Organisation, SupplierCapability, SupplierCertification, User

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


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


# --- one introduction -------------------------------------------------------------------------------


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
        return answer_of(self.partnership, self.side)

    @property
    def my_answer_label(self) -> StrOrPromise:
        return IntroductionAnswer(self.my_answer).label if self.my_answer else ""

    @property
    def my_reason(self) -> str:
        return getattr(self.partnership, f"{self.side}_answer_reason")

    @property
    def my_answered_at(self):
        return getattr(self.partnership, f"{self.side}_answered_at")

    @property
    def other_answer(self) -> str:
        return answer_of(self.partnership, self.other)

    @property
    def other_answer_label(self) -> StrOrPromise:
        return IntroductionAnswer(self.other_answer).label if self.other_answer else ""

    @property
    def other_name(self) -> str:
        return party_name(self.partnership, self.other)

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
        organisation: Organisation
        if self.other == SUPPLIER:
            supplier = self.partnership.supplier
            organisation = supplier
            people = [supplier.owner] if supplier.owner else []
        else:
            manufacturer = self.partnership.demand.manufacturer
            organisation = manufacturer
            people = list(manufacturer.members.filter(is_active=True).order_by("pk"))
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
        return Contact(person=display_name(person), phone="", email=person.email)

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


class InboxAnnotations(TypedDict):
    """What :func:`introduction_queryset` annotates a partnership with."""

    reader_is_supplier: bool
    my_answer: str
    other_answer: str
    waiting: int


if TYPE_CHECKING:  # WithAnnotations takes one argument at run time
    InboxPartnership = WithAnnotations[Partnership, InboxAnnotations]


def introduction_queryset(*, user: User) -> QuerySet[InboxPartnership]:
    """The user's introductions with what a list row shows joined in, annotated with the
    reader's side (``reader_is_supplier``), ``my_answer``, ``other_answer`` and ``waiting``
    (0 when the reader still has to answer)."""
    if not user.is_authenticated:
        return Partnership.objects.none()
    live = Q(stage__in=LIVE_PARTNERSHIP_STAGES)
    return (
        Partnership.objects.filter(party_scope(user))
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


def introduction_list(*, user: User, state: str = "") -> QuerySet[InboxPartnership]:
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
