"""E-mail written from templates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation


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
    nothing, and returns 0, when there is nobody to send to."""
    to = [address for address in recipients if address]
    if not to:
        return 0
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(subject_template, dict(context))
        body = render_to_string(body_template, dict(context))
    return send_mail(" ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, to)
