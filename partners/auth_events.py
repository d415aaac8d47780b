"""Authentication events in the log (logger ``jembatan.auth``), without personal data.

Each line names the event and the account by its id; a failed or locked-out attempt,
whose account may not exist, by a pseudonym (a keyed hash, ``common.auth.pseudonym``) of
the username typed and of the client address. No username, e-mail, telephone number or
address is written in clear.

Logins, failures and logouts come from Django's signals, lockouts from django-axes';
password changes and resets are logged by their views through ``password_changed``.
"""

from __future__ import annotations

import logging
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from common.auth import client_ip, pseudonym

logger = logging.getLogger("jembatan.auth")


def _address(request: HttpRequest | None) -> str:
    return pseudonym(client_ip(request)) if request is not None else "-"


def _where(request: HttpRequest | None) -> str:
    return "admin" if request is not None and request.path.startswith("/admin/") else "site"


@receiver(user_logged_in, dispatch_uid="jembatan_auth_login")
def log_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    logger.info(
        "auth.login_ok user_id=%s via=%s ip=%s", user.pk, _where(request), _address(request)
    )


@receiver(user_login_failed, dispatch_uid="jembatan_auth_failed")
def log_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username")
    logger.warning(
        "auth.login_failed user=%s via=%s ip=%s",
        pseudonym(username),
        _where(request),
        _address(request),
    )


@receiver(user_locked_out, dispatch_uid="jembatan_auth_locked_out")
def log_locked_out(
    sender: Any, request: HttpRequest | None, username: str | None, ip_address: str, **kwargs: Any
) -> None:
    logger.warning(
        "auth.locked_out user=%s via=%s ip=%s",
        pseudonym(username),
        _where(request),
        pseudonym(ip_address),
    )


@receiver(user_logged_out, dispatch_uid="jembatan_auth_logout")
def log_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    logger.info("auth.logout user_id=%s ip=%s", getattr(user, "pk", "-"), _address(request))


def password_changed(*, user: Any, how: str, request: HttpRequest | None = None) -> None:
    """Log that ``user`` changed their password (``how``: ``change`` on the password page,
    ``reset`` through an e-mailed link)."""
    logger.info("auth.password_%s user_id=%s ip=%s", how, user.pk, _address(request))
