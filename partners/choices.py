from django.db import models
from django.utils.translation import gettext_lazy as _

from common.history import BASELINE_REASON


class LegalForm(models.TextChoices):
    INDIVIDUAL = "perorangan", _("Sole proprietorship (UD/perorangan)")
    CV = "cv", _("Limited partnership (CV)")
    PT = "pt", _("Limited company (PT)")
    COOPERATIVE = "koperasi", _("Cooperative (koperasi)")
    FIRM = "firma", _("Partnership firm (Fa)")


class SizeClass(models.TextChoices):
    """Business size per Permenperin 64/2016."""

    SMALL = "kecil", _("small")
    MEDIUM = "menengah", _("medium")
    LARGE = "besar", _("large")


class VerificationStatus(models.TextChoices):
    PENDING = "pending", _("pending verification")
    VERIFIED = "verified", _("verified")
    REJECTED = "rejected", _("rejected")
    SUSPENDED = "suspended", _("suspended")


class DemandStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")
    CANCELLED = "cancelled", _("cancelled")


class AccountType(models.TextChoices):
    """What a self-registered user signs up as (ministry staff are made by an admin)."""

    IKM_OWNER = "ikm_owner", _("IKM owner")
    MANUFACTURER = "manufacturer", _("manufacturer representative")


class DeletionStatus(models.TextChoices):
    PENDING = "pending", _("waiting for staff")
    CONFIRMED = "confirmed", _("confirmed: anonymised")
    REFUSED = "refused", _("refused")


class OrganisationKind(models.TextChoices):
    """The two kinds of organisation taking part; the value appears in URLs and exports."""

    IKM = "ikm", _("IKM")
    MANUFACTURER = "manufacturer", _("manufacturer")


class AuditReason(models.TextChoices):
    """Why the audit trail recorded a change, beside who and when (``common.history``);
    stored in ``history_change_reason`` (at most 100 characters)."""

    BASELINE = BASELINE_REASON, _("State when the audit trail began")
    REVERIFY = (
        "identity changed: back to verification",
        _("NIB or legal name changed: back to verification"),
    )
    VERIFY = "verification: verify", _("Verification decision: verified")
    REJECT = "verification: reject", _("Verification decision: rejected")
    SUSPEND = "verification: suspend", _("Verification decision: suspended")
