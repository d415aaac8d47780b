"""Celery tasks run by the beat: thin, idempotent, take ids, and exit quietly when the object
is gone. The rescoring tasks live in ``matchmaking.engine.tasks`` (under their old names)."""

from __future__ import annotations

import logging

from celery import shared_task

from partners import notifications

from .engine import scheduling
from .engine.tasks import RETRY
from .partnerships import reminders

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def nightly_full_rescore() -> None:
    try:
        scheduling.full_rescore_request(reason="nightly")
    except scheduling.RescoreAlreadyRunning as running:
        logger.info(
            "nightly rescore skipped: run %s is still %s", running.run.pk, running.run.status
        )


@shared_task(acks_late=True)
def resume_stalled_runs() -> None:
    scheduling.resume_stalled_runs()


@shared_task(**RETRY)
def partnership_reminders() -> int:
    """Daily (beat): remind officers of partnerships that have not moved for too long."""
    return reminders.partnership_reminders_send()


@shared_task(**RETRY)
def certificate_expiry_reminders() -> int:
    """Daily (beat): tell IKM owners about certificates expiring within 30 days, once."""
    return notifications.certificate_expiry_reminders_send()
