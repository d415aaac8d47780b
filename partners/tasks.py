"""Celery tasks of the partners app: thin, idempotent, take ids."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import notification_mail


@shared_task(
    autoretry_for=(SMTPException, ConnectionError, TimeoutError, OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=6,
    acks_late=True,
)
def send_notification_email(notification_id: int) -> None:
    """E-mail a notification outside the request (a slow SMTP server must not slow pages);
    a rerun after success sends nothing (``emailed_at`` is set)."""
    notification_mail.notification_email_send(notification_id=notification_id)
