"""Reminders: officers are e-mailed the partnerships of theirs stuck in a stage.

A live partnership that has not moved for ``PARTNERSHIP_STALE_DAYS`` days is stuck (see
``stages.stale_cutoff``); its officer gets one e-mail listing all of them, once per stage
(``reminded_at`` records it). The daily beat task ``partnership_reminders`` runs this."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from common.mail import send_templated_mail
from common.people import display_name

from ..choices import STALLABLE_STAGES, PartnershipStage
from ..models import Partnership
from .stages import STAGE_ORDER, days_in_stage, stale_cutoff


@dataclass(frozen=True)
class _Reminder:
    partnership: Partnership
    days: int
    url: str


def _reminder_candidates(today: datetime.date) -> Q:
    cutoff = stale_cutoff(today=today)
    return Q(
        stage__in=STALLABLE_STAGES,
        stage_changed_at__lt=cutoff,
        officer__isnull=False,
        officer__is_active=True,
    ) & (
        Q(reminded_at__isnull=True)
        | Q(reminded_at__lt=F("stage_changed_at"))
        | Q(reminded_at__lt=cutoff)
    )


def partnership_reminders_send(*, today: datetime.date | None = None) -> int:
    """E-mail every officer the live partnerships of theirs that have not moved for
    ``PARTNERSHIP_STALE_DAYS`` days and were not reminded since (or were reminded that long
    ago); one e-mail per officer, in Indonesian. Officers without an e-mail address are
    skipped (their partnerships still show as stuck on the board). Returns the number of
    e-mails sent. A rerun sends nothing new: ``reminded_at`` records each reminder."""
    today = today or timezone.localdate()
    site = getattr(settings, "SITE_URL", "").rstrip("/")
    officer_ids = (
        Partnership.objects.filter(_reminder_candidates(today))
        .exclude(officer__email="")
        .values_list("officer_id", flat=True)
        .distinct()
    )
    sent = 0
    for officer_id in sorted(set(officer_ids)):
        with transaction.atomic():
            rows = list(
                Partnership.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(_reminder_candidates(today), officer_id=officer_id)
                .exclude(officer__email="")
                .select_related(
                    "officer", "supplier", "demand__manufacturer", "demand__component_type"
                )
                .order_by("stage_changed_at", "pk")
            )
            if not rows:
                continue
            officer = rows[0].officer
            assert officer is not None  # the candidates have an active officer
            by_stage: dict[str, list[_Reminder]] = defaultdict(list)
            for partnership in rows:
                by_stage[partnership.stage].append(
                    _Reminder(
                        partnership=partnership,
                        days=days_in_stage(partnership, today=today),
                        url=site + reverse("workspace:partnership_detail", args=[partnership.pk]),
                    )
                )
            context = {
                "officer": officer,
                "name": display_name(officer),
                "count": len(rows),
                "limit": settings.PARTNERSHIP_STALE_DAYS,
                "stages": [
                    (PartnershipStage(stage).label, by_stage[stage])
                    for stage in STAGE_ORDER
                    if stage in by_stage
                ],
                "pipeline_url": site + reverse("workspace:partnership_list"),
            }
            send_templated_mail(
                subject_template="matchmaking/email/partnership_reminder_subject.txt",
                body_template="matchmaking/email/partnership_reminder.txt",
                context=context,
                recipients=[officer.email],
                language=settings.LANGUAGE_CODE or "id",
            )
            Partnership.objects.filter(pk__in=[p.pk for p in rows]).update(
                reminded_at=timezone.now()
            )
            sent += 1
    return sent
