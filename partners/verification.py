"""Staff verification of the organisations that signed up: the queue (read) and the
decision (write).

An IKM or a manufacturer exists once its owner or representative submitted it, and stays
*pending* until ministry staff look at the submitted data and documents. Until verified it
is not matched: the engine loads only verified, active suppliers as candidates and only
the demands of verified, active manufacturers (``matchmaking.engine.loading``); nothing else
shows it to the other party.

A decision goes through the existing ``supplier_verification_set`` /
``manufacturer_verification_set`` services, which announce the change so the engine
rescores. On top of them this module

- allows only meaningful moves (verify a pending, rejected or suspended organisation;
  reject a pending one; suspend a verified one) and locks the row, so two officers
  deciding at once — or a double click — decide once;
- requires a reason to reject or suspend;
- tells the organisation's people: an in-app notification (e-mailed as they chose) when
  verified, a plain e-mail with the reason when rejected or suspended;
- rescores a manufacturer's open demands, which its verification status now decides.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import CharField, Count, Prefetch, Q, QuerySet, Value
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from components.models import Province

from . import events
from .choices import DemandStatus, NotificationKind, OrganisationKind, VerificationStatus
from .models import (
    Manufacturer,
    Plant,
    Supplier,
    SupplierCapability,
    SupplierCertification,
    User,
)
from .notifications import notify
from .services import manufacturer_verification_set, supplier_verification_set

logger = logging.getLogger(__name__)

REASON_MAX_LENGTH = 2000

Organisation = Supplier | Manufacturer


class Decision(models.TextChoices):
    VERIFY = "verify", _("Verify")
    REJECT = "reject", _("Reject")
    SUSPEND = "suspend", _("Suspend")


TARGET_STATUS = {
    Decision.VERIFY: VerificationStatus.VERIFIED,
    Decision.REJECT: VerificationStatus.REJECTED,
    Decision.SUSPEND: VerificationStatus.SUSPENDED,
}
ALLOWED_FROM = {
    Decision.VERIFY: {
        VerificationStatus.PENDING,
        VerificationStatus.REJECTED,
        VerificationStatus.SUSPENDED,
    },
    Decision.REJECT: {VerificationStatus.PENDING},
    Decision.SUSPEND: {VerificationStatus.VERIFIED},
}
DONE = {
    Decision.VERIFY: _("%(organisation)s is verified; its people have been notified."),
    Decision.REJECT: _("%(organisation)s is rejected; the reason was e-mailed to its people."),
    Decision.SUSPEND: _("%(organisation)s is suspended; the reason was e-mailed to its people."),
}


def kind_of(organisation: Organisation) -> OrganisationKind:
    return (
        OrganisationKind.IKM
        if isinstance(organisation, Supplier)
        else OrganisationKind.MANUFACTURER
    )


def organisation_name(organisation: Organisation) -> str:
    return organisation.legal_name if isinstance(organisation, Supplier) else organisation.name


def decisions_open(organisation: Organisation) -> list[Decision]:
    """The decisions staff can take on this organisation now."""
    if organisation.anonymised_at is not None:
        return []
    return [
        decision
        for decision in Decision
        if organisation.verification_status in ALLOWED_FROM[decision]
    ]


# --- reading --------------------------------------------------------------------------------


def verification_queue(
    *,
    kind: str | None = None,
    status: str | None = VerificationStatus.PENDING,
    province: Province | str | None = None,
    q: str | None = None,
) -> QuerySet:
    """Submitted organisations waiting for (or, with another ``status``, past) a decision,
    oldest first, as light rows ``{"kind", "pk", "created_at"}`` of both models in one
    paginable query. Anonymised organisations are left out. ``status=None`` means any;
    ``province`` is a supplier's province or a province where a manufacturer has a plant.
    Load a page's organisations with ``verification_items``."""
    querysets = []
    if kind in (None, OrganisationKind.IKM):
        suppliers = Supplier.objects.filter(anonymised_at__isnull=True)
        if status:
            suppliers = suppliers.filter(verification_status=status)
        if province:
            suppliers = suppliers.filter(regency__province=province)
        if q:
            suppliers = suppliers.filter(Q(legal_name__icontains=q) | Q(nib__startswith=q))
        querysets.append(_light(suppliers, OrganisationKind.IKM))
    if kind in (None, OrganisationKind.MANUFACTURER):
        manufacturers = Manufacturer.objects.filter(anonymised_at__isnull=True)
        if status:
            manufacturers = manufacturers.filter(verification_status=status)
        if province:
            manufacturers = manufacturers.filter(
                pk__in=Plant.objects.filter(regency__province=province).values("manufacturer_id")
            )
        if q:
            manufacturers = manufacturers.filter(Q(name__icontains=q) | Q(nib__startswith=q))
        querysets.append(_light(manufacturers, OrganisationKind.MANUFACTURER))
    if not querysets:
        return Supplier.objects.none().values("pk")
    first, *others = querysets
    combined = first.union(*others, all=True) if others else first
    return combined.order_by("created_at", "kind", "pk")


def _light(queryset: QuerySet, kind: OrganisationKind) -> QuerySet:
    return (
        queryset.order_by()
        .annotate(kind=Value(kind.value, output_field=CharField()))
        .values("kind", "pk", "created_at")
    )


@dataclass(frozen=True)
class VerificationItem:
    kind: OrganisationKind
    organisation: Organisation

    @property
    def name(self) -> str:
        return organisation_name(self.organisation)

    @property
    def dom_id(self) -> str:
        return f"verification-{self.kind}-{self.organisation.pk}"


def verification_items(rows: Iterable[dict[str, Any]]) -> list[VerificationItem]:
    """The organisations of a page of ``verification_queue`` rows, in the same order,
    with what the queue shows about them (a fixed number of queries per page)."""
    rows = list(rows)
    supplier_ids = [row["pk"] for row in rows if row["kind"] == OrganisationKind.IKM]
    manufacturer_ids = [row["pk"] for row in rows if row["kind"] == OrganisationKind.MANUFACTURER]
    suppliers = (
        {
            s.pk: s
            for s in Supplier.objects.filter(pk__in=supplier_ids)
            .select_related("regency__province", "owner")
            .annotate(
                capability_count=Count("capabilities", distinct=True),
                certificate_count=Count("certifications", distinct=True),
                document_count=Count(
                    "certifications", filter=~Q(certifications__document=""), distinct=True
                ),
            )
        }
        if supplier_ids
        else {}
    )
    manufacturers = (
        {
            m.pk: m
            for m in Manufacturer.objects.filter(pk__in=manufacturer_ids)
            .annotate(
                plant_count=Count("plants", distinct=True),
                demand_count=Count("demands", distinct=True),
            )
            .prefetch_related(
                Prefetch("members", queryset=User.objects.order_by("pk")),
                Prefetch("plants", queryset=Plant.objects.select_related("regency__province")),
            )
        }
        if manufacturer_ids
        else {}
    )
    items = []
    for row in rows:
        found = (suppliers if row["kind"] == OrganisationKind.IKM else manufacturers).get(row["pk"])
        if found is not None:
            items.append(VerificationItem(kind=OrganisationKind(row["kind"]), organisation=found))
    return items


def organisation_for_verification(*, kind: str, pk: int) -> Organisation:
    """One organisation with everything it submitted, for the staff's detail page. Raises
    the model's ``DoesNotExist`` when there is none."""
    if kind == OrganisationKind.IKM:
        return (
            Supplier.objects.select_related("regency__province", "owner", "verification_decided_by")
            .prefetch_related(
                "kbli_codes",
                Prefetch(
                    "capabilities",
                    queryset=SupplierCapability.objects.select_related(
                        "component_type__category"
                    ).prefetch_related("processes", "materials"),
                ),
                Prefetch(
                    "certifications",
                    queryset=SupplierCertification.objects.select_related("certification"),
                ),
            )
            .get(pk=pk)
        )
    if kind == OrganisationKind.MANUFACTURER:
        return (
            Manufacturer.objects.select_related("verification_decided_by")
            .annotate(
                draft_demand_count=Count("demands", filter=Q(demands__status=DemandStatus.DRAFT)),
                open_demand_count=Count("demands", filter=Q(demands__status=DemandStatus.OPEN)),
            )
            .prefetch_related(
                "sectors",
                Prefetch("members", queryset=User.objects.order_by("pk")),
                Prefetch("plants", queryset=Plant.objects.select_related("regency__province")),
            )
            .get(pk=pk)
        )
    raise Supplier.DoesNotExist


def organisation_people(organisation: Organisation) -> list[User]:
    """The active accounts acting for the organisation: an IKM's owner, a manufacturer's
    members."""
    if isinstance(organisation, Supplier):
        owner = organisation.owner
        return [owner] if owner is not None and owner.is_active else []
    return list(organisation.members.filter(is_active=True).order_by("pk"))


# --- writing --------------------------------------------------------------------------------


def _page_url(kind: OrganisationKind) -> str:
    """The organisation's own page for its people (empty while that page does not exist)."""
    name = "partners:my_ikm" if kind == OrganisationKind.IKM else "partners:company"
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def organisation_verification_decide(
    *, organisation: Organisation, decision: str, reason: str = "", by: User
) -> Organisation:
    """Verify, reject or suspend an organisation and tell its people.

    Raises ``ValidationError`` keyed ``decision`` when the move is not open from the
    current status (including a decision another officer, or a double click, already
    took) and ``reason`` when rejecting or suspending without one; nothing changes then."""
    decision = Decision(decision)
    reason = (reason or "").strip()
    if decision in (Decision.REJECT, Decision.SUSPEND) and not reason:
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("Say why, so the organisation knows what to correct."), code="required"
                )
            }
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("Keep the reason under %(limit)d characters."),
                    code="max_length",
                    params={"limit": REASON_MAX_LENGTH},
                )
            }
        )
    kind = kind_of(organisation)
    model = type(organisation)
    with transaction.atomic():
        current = model.objects.select_for_update().get(pk=organisation.pk)
        if (
            current.anonymised_at is not None
            or current.verification_status not in (ALLOWED_FROM[decision])
        ):
            raise ValidationError(
                {
                    "decision": ValidationError(
                        _("This organisation is %(status)s now: it cannot be %(decision)s."),
                        code="not_allowed",
                        params={
                            "status": current.get_verification_status_display(),
                            "decision": _decision_past(decision),
                        },
                    )
                }
            )
        status = TARGET_STATUS[decision]
        # Who decided, when and why stays on the record (the reason is shown to the
        # organisation on its own pages).
        model.objects.filter(pk=current.pk).update(
            verification_decided_by=by,
            verification_decided_at=timezone.now(),
            verification_note=reason if decision != Decision.VERIFY else "",
        )
        if isinstance(current, Supplier):
            supplier_verification_set(supplier=current, status=status)
        else:
            manufacturer_verification_set(manufacturer=current, status=status)
            # Whether its demands are matched follows its status: rescore the open ones.
            for demand_id in current.demands.filter(status=DemandStatus.OPEN).values_list(
                "pk", flat=True
            ):
                events.demand_changed.send(demand_id=demand_id)
        people = organisation_people(current)
        name = organisation_name(current)
        url = _page_url(kind)
        if decision == Decision.VERIFY:
            for user in people:
                notify(
                    user=user,
                    kind=NotificationKind.ORGANISATION_VERIFIED,
                    params={"organisation": name},
                    url=url,
                )
        else:
            recipients = [user.email for user in people if user.email]
            transaction.on_commit(
                lambda: _decision_email_send(
                    recipients=recipients,
                    organisation=name,
                    kind=kind,
                    decision=decision,
                    reason=reason,
                    url=url,
                )
            )
        logger.info(
            "staff user %s decided %s on %s %s (%s)",
            by.pk,
            decision.value,
            kind.value,
            current.pk,
            reason or "no reason",
        )
    organisation.verification_status = current.verification_status
    organisation.verified_at = current.verified_at
    organisation.updated_at = current.updated_at
    return organisation


def _decision_past(decision: Decision) -> str:
    return {
        Decision.VERIFY: _("verified"),
        Decision.REJECT: _("rejected"),
        Decision.SUSPEND: _("suspended"),
    }[decision]


def _decision_email_send(
    *,
    recipients: Sequence[str],
    organisation: str,
    kind: OrganisationKind,
    decision: Decision,
    reason: str,
    url: str,
) -> None:
    """The e-mail telling an organisation's people it was rejected or suspended, and why
    (in the site's language, like the notifications)."""
    if not recipients:
        return
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "organisation": organisation,
            "kind": kind,
            "rejected": decision == Decision.REJECT,
            "reason": reason,
            "page_url": settings.SITE_URL.rstrip("/") + url if url else "",
        }
        subject = render_to_string("registration/email/verification_decision_subject.txt", context)
        body = render_to_string("registration/email/verification_decision.txt", context)
    send_mail(" ".join(subject.split()), body, None, list(recipients))


def done_message(organisation: Organisation, decision: str) -> str:
    return str(DONE[Decision(decision)]) % {"organisation": organisation_name(organisation)}


__all__ = [
    "ALLOWED_FROM",
    "Decision",
    "VerificationItem",
    "decisions_open",
    "done_message",
    "organisation_for_verification",
    "organisation_people",
    "organisation_verification_decide",
    "verification_items",
    "verification_queue",
]
