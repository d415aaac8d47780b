"""Authentication plumbing shared by the apps: the client address used for lockouts, a
pseudonym for logging, and the lockout backend.

No personal data leaves through here: log lines carry a keyed hash (HMAC with the
``SECRET_KEY``) of a username or an address, never the value itself.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The address lockouts count against.

    ``REMOTE_ADDR`` unless ``settings.TRUSTED_PROXY_COUNT`` proxies we run sit in front of
    the site; then the address the outermost of them saw, i.e. the entry that many places
    from the right of ``X-Forwarded-For`` (each proxy appends the address it received from).
    Entries further left are whatever the client wrote and are ignored, so a forged
    ``X-Forwarded-For`` changes nothing."""
    remote = str(request.META.get("REMOTE_ADDR") or "")
    count = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if count <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
        if part.strip()
    ]
    if len(forwarded) < count:
        # Fewer hops than configured: the request did not come through all our proxies.
        return remote
    return forwarded[-count]


def pseudonym(value: str | None) -> str:
    """A short keyed hash of ``value`` (a username, an address) to tell log lines apart
    without writing the value; ``-`` for none. Case-insensitive, as usernames and e-mails
    are."""
    if not value:
        return "-"
    digest = hmac.new(
        settings.SECRET_KEY.encode(), value.strip().lower().encode(), hashlib.sha256
    ).hexdigest()
    return digest[:12]


def axes_client_str(
    username: str, ip_address: str, user_agent: str, path_info: Any, request: HttpRequest
) -> str:
    """How django-axes names a client in its own log lines: pseudonyms only."""
    path = path_info[0] if isinstance(path_info, tuple) else path_info
    return f"{{user: {pseudonym(username)}, ip: {pseudonym(ip_address)}, path: {path}}}"


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check for every authentication that comes with a request (the
    login page, the admin login, the API). Calls without a request (management commands,
    the test client's ``login``) cannot come from the network and are let through to the
    next backend instead of failing."""

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)  # type: ignore[no-any-return]
