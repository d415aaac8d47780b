"""The transactional outbox: task calls and e-mails stored with the write that wants them.

``enqueue("app.tasks.name", *args)`` records the call in the current transaction and, once
it commits, publishes it to the broker (one bounded attempt: the broker's connect and socket
timeouts apply, publish retries are off). When the broker does not answer the row stays,
the request goes on, and the beat's ``common.outbox.sweep`` (every minute) publishes what is
left. Delivery is at least once: the tasks must be idempotent (a rescore twice is harmless;
an e-mail is sent under a row lock and marked ``sent_at``, so never twice).

Tasks are named by string, so this bottom layer imports no app. In embedded (eager) mode
the task runs in-process; an error is logged and the row kept for the sweep.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from smtplib import SMTPException
from typing import Any

from celery import current_app, shared_task
from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.message import EmailMessage
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from .models import OutboxTask, OutgoingMail

logger = logging.getLogger(__name__)

#: The sweep leaves rows younger than this to the after-commit delivery under way.
SWEEP_GRACE_SECONDS = 15
#: Rows published per sweep at most (the next sweep goes on).
SWEEP_BATCH = 500
#: An e-mail not sent after its task gave up is tried again by the sweep this much later.
MAIL_RETRY_AFTER = timedelta(minutes=30)
#: ... and at most this many attempts in all.
MAIL_MAX_ATTEMPTS = 30
#: A sent e-mail is kept this long (to answer "did it go out?"), then deleted with its
#: addresses and body (which may hold a password-reset link).
MAIL_KEEP_SENT = timedelta(days=7)
#: An e-mail that could not be sent is kept this long for the operator, then deleted.
MAIL_KEEP_FAILED = timedelta(days=30)


def enqueue(task_name: str, *args: Any) -> OutboxTask:
    """Store a call of ``task_name(*args)`` (JSON-serialisable ids) with the current
    transaction; it is published after commit, or by the sweep."""
    row = OutboxTask.objects.create(task_name=task_name, args=list(args))
    transaction.on_commit(lambda: deliver(row.pk), robust=True)
    return row


def _publish(row: OutboxTask) -> None:
    task = current_app.tasks[row.task_name]
    if current_app.conf.task_always_eager:
        task.apply(args=row.args, throw=True)
    else:
        task.apply_async(args=row.args, retry=False)


def deliver(row_id: int) -> bool:
    """Publish one stored call and delete it; False (row kept) when the broker failed."""
    row = OutboxTask.objects.filter(pk=row_id).first()
    if row is None:
        return True  # the sweep took it
    try:
        _publish(row)
    except Exception as exc:  # the broker (or, eager, the task) failed: the sweep retries
        logger.warning(
            "outbox: %s not delivered (%s); the sweep will retry",
            row.task_name,
            type(exc).__name__,
            exc_info=True,
        )
        OutboxTask.objects.filter(pk=row.pk).update(
            attempts=row.attempts + 1, last_error=type(exc).__name__[:200]
        )
        return False
    OutboxTask.objects.filter(pk=row.pk).delete()
    return True


def sweep(*, grace_seconds: int = SWEEP_GRACE_SECONDS) -> int:
    """Publish the stored calls the after-commit delivery could not (oldest first); stops at
    the first broker failure. Also re-queues e-mails whose task gave up and deletes old
    ones (``mail_purge``). Returns how many calls were published."""
    cutoff = timezone.now() - timedelta(seconds=grace_seconds)
    _requeue_unsent_mail()
    mail_purge()
    published = 0
    ids = list(
        OutboxTask.objects.filter(created_at__lte=cutoff).values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for row_id in ids:
        with transaction.atomic():
            row = OutboxTask.objects.select_for_update(skip_locked=True).filter(pk=row_id).first()
            if row is None:
                continue
            try:
                _publish(row)
            except Exception as exc:
                logger.warning("outbox sweep: broker unavailable (%s)", type(exc).__name__)
                OutboxTask.objects.filter(pk=row.pk).update(
                    attempts=row.attempts + 1, last_error=type(exc).__name__[:200]
                )
                break
            row.delete()
            published += 1
    if published:
        logger.info("outbox sweep: %d task call(s) published", published)
    return published


def _requeue_unsent_mail() -> None:
    stale = timezone.now() - MAIL_RETRY_AFTER
    for mail_id in OutgoingMail.objects.filter(
        sent_at__isnull=True, created_at__lte=stale, attempts__lt=MAIL_MAX_ATTEMPTS
    ).values_list("pk", flat=True)[:SWEEP_BATCH]:
        if not OutboxTask.objects.filter(task_name=SEND_MAIL_TASK, args=[mail_id]).exists():
            OutboxTask.objects.create(task_name=SEND_MAIL_TASK, args=[mail_id])


# --- e-mail -----------------------------------------------------------------------------


def mail_purge() -> int:
    """Delete e-mails sent more than ``MAIL_KEEP_SENT`` ago and those given up on more than
    ``MAIL_KEEP_FAILED`` ago; returns how many."""
    now = timezone.now()
    deleted, _ = OutgoingMail.objects.filter(sent_at__lte=now - MAIL_KEEP_SENT).delete()
    given_up, _ = OutgoingMail.objects.filter(
        sent_at__isnull=True,
        attempts__gte=MAIL_MAX_ATTEMPTS,
        created_at__lte=now - MAIL_KEEP_FAILED,
    ).delete()
    return deleted + given_up


def mail_forget(addresses: list[str]) -> int:
    """Delete the stored e-mails to any of ``addresses`` (an erased person's), sent or not;
    returns how many."""
    ids = [
        mail.pk
        for mail in OutgoingMail.objects.only("pk", "to")
        if {address.lower() for address in mail.to} & {a.lower() for a in addresses if a}
    ]
    deleted, _ = OutgoingMail.objects.filter(pk__in=ids).delete()
    return deleted


def mail_queue(*, subject: str, body: str, to: list[str], from_email: str = "") -> OutgoingMail:
    """Store an e-mail with the current transaction; the worker sends it after commit."""
    mail = OutgoingMail.objects.create(
        subject=subject, body=body, to=to, from_email=from_email or settings.DEFAULT_FROM_EMAIL
    )
    enqueue(SEND_MAIL_TASK, mail.pk)
    return mail


def mail_send(*, mail_id: int) -> bool:
    """Send one stored e-mail unless it was sent already (the row is locked meanwhile, so
    two workers never both send it). Errors of the mail server propagate (the task
    retries them) after counting the attempt."""
    with transaction.atomic():
        mail = OutgoingMail.objects.select_for_update().filter(pk=mail_id).first()
        if mail is None or mail.sent_at is not None:
            return False
        try:
            EmailMessage(
                mail.subject,
                mail.body,
                mail.from_email,
                list(mail.to),
                connection=get_connection(fail_silently=False),
            ).send()
        except Exception as exc:
            failure = exc
            mail.attempts += 1
            mail.last_error = type(exc).__name__[:200]
            mail.save(update_fields=["attempts", "last_error"])
        else:
            mail.sent_at = timezone.now()
            mail.attempts += 1
            mail.last_error = ""
            mail.save(update_fields=["sent_at", "attempts", "last_error"])
            return True
    raise failure
    return True


SEND_MAIL_TASK = "common.outbox.send_mail"
SWEEP_TASK = "common.outbox.sweep"


@shared_task(
    name=SEND_MAIL_TASK,
    autoretry_for=(SMTPException, OSError, OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
    acks_late=True,
)
def send_mail_task(mail_id: int) -> bool:
    """Send a stored e-mail (``mail_send``), retried with backoff while the server is down."""
    return mail_send(mail_id=mail_id)


@shared_task(name=SWEEP_TASK, acks_late=True)
def sweep_task() -> int:
    """Every minute (beat): publish the task calls the broker missed."""
    return sweep()
