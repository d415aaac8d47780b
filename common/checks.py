"""System checks of the configuration that Django's own do not cover."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"


@register(Tags.compatibility, "jembatan")
def check_console_email(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Outside local development the console e-mail backend would print every mail, with
    its password-reset and confirmation links, to the log: refused unless explicitly
    allowed (``JEMBATAN_ALLOW_CONSOLE_EMAIL=1``)."""
    if getattr(settings, "LOCAL", False) or getattr(settings, "ALLOW_CONSOLE_EMAIL", False):
        return []
    if settings.EMAIL_BACKEND != CONSOLE_BACKEND:
        return []
    return [
        Error(
            "The console e-mail backend prints mail, password-reset links included, to the log.",
            hint="Set EMAIL_HOST (SMTP), or JEMBATAN_ALLOW_CONSOLE_EMAIL=1 if this is intended.",
            id="common.E001",
        )
    ]
