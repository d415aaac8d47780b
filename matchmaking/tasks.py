"""Celery tasks: thin, idempotent, take ids, and exit quietly when the object is gone."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from partners import notifications

from . import services
from .partnerships import reminders

logger = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError)
RETRY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 8,
    "acks_late": True,
}


@shared_task(**RETRY)
def rescore_supplier_task(supplier_id: int) -> None:
    services.rescore_supplier(supplier_id=supplier_id)


@shared_task(**RETRY)
def rescore_demand_task(demand_id: int) -> None:
    services.rescore_demand(demand_id=demand_id)


@shared_task(bind=True, **RETRY)
def full_rescore_task(self, run_id: int) -> None:
    try:
        services.full_rescore_run(run_id=run_id)
    except TRANSIENT:
        raise  # retried with backoff; the run resumes from its cursor
    except Exception as exc:
        services.full_rescore_fail(run_id=run_id, error=repr(exc))
        raise


@shared_task(acks_late=True)
def nightly_full_rescore() -> None:
    try:
        services.full_rescore_request(reason="nightly")
    except services.RescoreAlreadyRunning as running:
        logger.info(
            "nightly rescore skipped: run %s is still %s", running.run.pk, running.run.status
        )


@shared_task(acks_late=True)
def resume_stalled_runs() -> None:
    services.resume_stalled_runs()


@shared_task(**RETRY)
def partnership_reminders() -> int:
    """Daily (beat): remind officers of partnerships that have not moved for too long."""
    return reminders.partnership_reminders_send()


@shared_task(**RETRY)
def certificate_expiry_reminders() -> int:
    """Daily (beat): tell IKM owners about certificates expiring within 30 days, once."""
    return notifications.certificate_expiry_reminders_send()
