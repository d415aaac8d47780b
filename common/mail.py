"""E-mail written from templates, sent by the worker (``common.outbox``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from .outbox import mail_queue


def send_templated_mail(
    *,
    subject_template: str,
    body_template: str,
    context: Mapping[str, Any],
    recipients: Iterable[str],
    language: str | None = None,
) -> int:
    """Render a subject (folded onto one line) and a plain-text body in ``language``
    (default: the site's language) and send them from ``DEFAULT_FROM_EMAIL``. Sends
    nothing, and returns 0, when there is nobody to send to.

    The mail is stored with the current transaction and sent by the worker after commit,
    with retries (``common.outbox``): a mail server that is down never fails the request."""
    to = [address for address in recipients if address]
    if not to:
        return 0
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(subject_template, dict(context))
        body = render_to_string(body_template, dict(context))
    mail_queue(subject=" ".join(subject.split()), body=body, to=to)
    return 1
