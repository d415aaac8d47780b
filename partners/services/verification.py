"""Staff verification of the organisations that signed up: the decision (the queue is
read in ``partners.selectors.verification``).

An IKM or a manufacturer exists once its owner or representative submitted it, and stays
*pending* until ministry staff look at the submitted data and documents. Until verified it
is not matched: the engine loads only verified, active suppliers as candidates and only
the demands of verified, active manufacturers (``matchmaking.engine.loading``); nothing else
shows it to the other party.

A decision (from the workspace or the admin's actions alike) goes through
``organisation_verification_decide``, the one place that keeps the record, sends the events
and the notices. It sets the status with ``supplier_verification_set`` /
``manufacturer_verification_set``, which announce the change so the engine rescores, and

- records who decided, when and why;
- allows only meaningful moves (verify a pending, rejected or suspended organisation;
  reject a pending one; suspend a verified one) and locks the row, so two officers
  deciding at once — or a double click — decide once;
- requires a reason to reject or suspend;
- tells the organisation's people: an in-app notification (e-mailed as they chose) when
  verified, a plain e-mail with the reason when rejected or suspended;
- rescores a manufacturer's open demands, which its verification status now decides.

The decision is written in one save with the officer and a reason code, so the audit trail
(``common.history``) holds one record per decision. A verified organisation that changes
its NIB or legal name goes back to pending (``reverification_apply``, called by the edit
services and the admin) and is not matched until staff verify it again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.mail import send_templated_mail

from .. import events, notices
from ..choices import AuditReason, DemandStatus, OrganisationKind, VerificationStatus
from ..models import Manufacturer, Supplier, User
from ..notifications import notify
from .validation import validate

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

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
DECISION_REASON = {
    Decision.VERIFY: AuditReason.VERIFY,
    Decision.REJECT: AuditReason.REJECT,
    Decision.SUSPEND: AuditReason.SUSPEND,
}
DONE = {
    Decision.VERIFY: _("%(organisation)s is verified; its people have been notified."),
    Decision.REJECT: _("%(organisation)s is rejected; the reason was e-mailed to its people."),
    Decision.SUSPEND: _("%(organisation)s is suspended; the reason was e-mailed to its people."),
}


def decisions_open(organisation: Organisation) -> list[Decision]:
    """The decisions staff can take on this organisation now."""
    if organisation.anonymised_at is not None:
        return []
    return [
        decision
        for decision in Decision
        if organisation.verification_status in ALLOWED_FROM[decision]
    ]


# --- status -------------------------------------------------------------------------------


#: The fields a decision writes besides the status (see ``organisation_verification_decide``).
DECISION_FIELDS = ("verification_decided_by", "verification_decided_at", "verification_note")


def _verification_set(organisation: Organisation, status: str, *, also: Sequence[str] = ()) -> bool:
    """Set the verification status; ``verified_at`` records when it last became verified.
    ``also`` names other fields the caller set, saved in the same write (and so in the
    same audit record). Returns whether the status changed."""
    if organisation.verification_status == status:
        return False
    organisation.verification_status = status
    organisation.verified_at = timezone.now() if status == VerificationStatus.VERIFIED else None
    validate(organisation, exclude={"size_class"})
    organisation.save(update_fields=["verification_status", "verified_at", *also, "updated_at"])
    return True


def supplier_verification_set(
    *, supplier: Supplier, status: str, also: Sequence[str] = ()
) -> Supplier:
    """Set an IKM's verification status and announce it (no record, no notice: staff
    decisions go through ``organisation_verification_decide``)."""
    with transaction.atomic():
        if _verification_set(supplier, status, also=also):
            events.supplier_changed.send(supplier_id=supplier.pk)
    return supplier


def manufacturer_verification_set(
    *, manufacturer: Manufacturer, status: str, also: Sequence[str] = ()
) -> Manufacturer:
    """Set a manufacturer's verification status (no record, no notice: staff decisions go
    through ``organisation_verification_decide``)."""
    _verification_set(manufacturer, status, also=also)
    return manufacturer


# --- re-verification ----------------------------------------------------------------------

#: What identifies an organisation to the ministry: a change sends it back to verification.
IDENTITY_FIELDS = {
    OrganisationKind.IKM: ("legal_name", "nib"),
    OrganisationKind.MANUFACTURER: ("name", "nib"),
}


#: What the organisation's people read on the page after such a change.
REVERIFYING_MESSAGE = _(
    "You changed the NIB or legal name, so the ministry verifies them again. Until then "
    "you are not offered to partners; partnerships already under way continue."
)


def identity_changes(organisation: Organisation, before: Mapping[str, Any]) -> list[str]:
    """The identity fields whose value now differs from ``before`` (field → old value)."""
    return [
        name
        for name in IDENTITY_FIELDS[organisation.kind]
        if name in before and before[name] != getattr(organisation, name)
    ]


def identity_snapshot(organisation: Organisation) -> dict[str, Any]:
    """The identity fields as they are now, to compare after an edit."""
    return {name: getattr(organisation, name) for name in IDENTITY_FIELDS[organisation.kind]}


def reverification_apply(organisation: Organisation, changed: Iterable[str]) -> bool:
    """Call inside the edit's transaction, before it saves: when a *verified*
    organisation's NIB or legal name is among the ``changed`` fields, it goes back to
    pending verification in the same save (its audit record carries the reason).

    Decision (docs/adr/0016-audit-trail-and-reverification.md): it is withdrawn meanwhile,
    not matched under its last verified identity. The engine loads only verified
    organisations, so its suggestions go at the rescore the edit announces; reviewed
    matches and partnerships under way stay. Its people are told why. Returns whether it
    was sent back."""
    identity = set(IDENTITY_FIELDS[organisation.kind])
    if not organisation.is_verified or not identity.intersection(changed):
        return False
    organisation.verification_status = VerificationStatus.PENDING
    organisation.verified_at = None
    organisation._change_reason = AuditReason.REVERIFY  # type: ignore[union-attr]
    for user in organisation.people():
        if user.is_active:
            notify(
                user=user,
                kind=notices.ORGANISATION_REVERIFYING,
                params={"organisation": organisation.display_name},
                url=_page_url(organisation.kind),
            )
    if isinstance(organisation, Manufacturer):
        # Its demands are matched only while it is verified: rescore the open ones.
        for demand_id in organisation.demands.filter(status=DemandStatus.OPEN).values_list(
            "pk", flat=True
        ):
            events.demand_changed.send(demand_id=demand_id)
    logger.info(
        "%s %s changed its identity (%s): back to verification",
        organisation.kind.value,
        organisation.pk,
        ", ".join(sorted(identity.intersection(changed))),
    )
    return True


# --- decisions ----------------------------------------------------------------------------


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
    kind = organisation.kind
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
        # organisation on its own pages), written with the status: one audit record.
        current.verification_decided_by = by
        current.verification_decided_at = timezone.now()
        current.verification_note = reason if decision != Decision.VERIFY else ""
        current._history_user = by  # type: ignore[union-attr]
        current._change_reason = DECISION_REASON[decision]  # type: ignore[union-attr]
        if isinstance(current, Supplier):  # kind IKM
            supplier_verification_set(supplier=current, status=status, also=DECISION_FIELDS)
        else:
            manufacturer_verification_set(manufacturer=current, status=status, also=DECISION_FIELDS)
            # Whether its demands are matched follows its status: rescore the open ones.
            for demand_id in current.demands.filter(status=DemandStatus.OPEN).values_list(
                "pk", flat=True
            ):
                events.demand_changed.send(demand_id=demand_id)
        people = [user for user in current.people() if user.is_active]
        name = current.display_name
        url = _page_url(kind)
        if decision == Decision.VERIFY:
            for user in people:
                notify(
                    user=user,
                    kind=notices.ORGANISATION_VERIFIED,
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
        # The reason stays out of the log: free text may name people or numbers.
        logger.info(
            "staff user %s decided %s on %s %s (%s)",
            by.pk,
            decision.value,
            kind.value,
            current.pk,
            "with a reason" if reason else "no reason",
        )
    organisation.verification_status = current.verification_status
    organisation.verified_at = current.verified_at
    organisation.updated_at = current.updated_at
    return organisation


def _decision_past(decision: Decision) -> StrOrPromise:
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
    send_templated_mail(
        subject_template="registration/email/verification_decision_subject.txt",
        body_template="registration/email/verification_decision.txt",
        context={
            "organisation": organisation,
            "kind": kind,
            "rejected": decision == Decision.REJECT,
            "reason": reason,
            "page_url": settings.SITE_URL.rstrip("/") + url if url else "",
        },
        recipients=recipients,
    )


def done_message(organisation: Organisation, decision: str) -> str:
    return str(DONE[Decision(decision)]) % {"organisation": organisation.display_name}
