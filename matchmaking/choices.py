from django.db import models
from django.utils.translation import gettext_lazy as _


class MatchKind(models.TextChoices):
    MATCH = "match", _("match")
    NEAR_MISS = "near_miss", _("near miss")


class MatchStatus(models.TextChoices):
    SUGGESTED = "suggested", _("suggested")
    SHORTLISTED = "shortlisted", _("shortlisted")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


REVIEWED_MATCH_STATUSES = (MatchStatus.SHORTLISTED, MatchStatus.APPROVED, MatchStatus.REJECTED)


class ScoringRunKind(models.TextChoices):
    FULL = "full", _("full rescore")
    SUPPLIER = "supplier", _("one supplier")
    DEMAND = "demand", _("one demand")


class ScoringRunStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class PartnershipStage(models.TextChoices):
    APPROVED = "approved", _("approved")
    INTRODUCED = "introduced", _("introduced")
    MEETING_HELD = "meeting_held", _("meeting held")
    TRIAL_ORDER = "trial_order", _("sample / trial order")
    CONTRACT = "contract", _("purchase order / contract")
    ACTIVE_SUPPLY = "active_supply", _("active supply")
    COMPLETED = "completed", _("completed")
    DECLINED = "declined", _("declined")
    ENDED = "ended", _("ended")


# Stages in which the supplier's committed volume is reserved (reduces free capacity).
CAPACITY_COMMITTING_STAGES = (
    PartnershipStage.TRIAL_ORDER,
    PartnershipStage.CONTRACT,
    PartnershipStage.ACTIVE_SUPPLY,
)
LIVE_PARTNERSHIP_STAGES = (
    PartnershipStage.APPROVED,
    PartnershipStage.INTRODUCED,
    PartnershipStage.MEETING_HELD,
    PartnershipStage.TRIAL_ORDER,
    PartnershipStage.CONTRACT,
    PartnershipStage.ACTIVE_SUPPLY,
)
# Live stages a partnership can be stuck in. Active supply is the steady state a partnership
# is meant to reach: months in it mean deliveries, not neglect.
STALLABLE_STAGES = tuple(stage for stage in LIVE_PARTNERSHIP_STAGES if stage != "active_supply")
CLOSED_PARTNERSHIP_STAGES = (
    PartnershipStage.COMPLETED,
    PartnershipStage.DECLINED,
    PartnershipStage.ENDED,
)


class IntroductionAnswer(models.TextChoices):
    """A party's answer to an introduction brokered by staff."""

    INTERESTED = "interested", _("interested")
    NOT_INTERESTED = "not_interested", _("not interested")
