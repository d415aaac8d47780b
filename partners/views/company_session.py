"""Session bookkeeping of the company pages: which company a member acts for, and which
demand forms a session already submitted.

A user may belong to several manufacturers. The company they act for is kept in the
session (``SESSION_COMPANY``, chosen with a select on the company page); without a choice,
or when the chosen one is no longer theirs, it is the first of their companies by name.

A new-demand form carries a token; the demand it created is recorded in the session in the
same transaction as the demand, so a repeated POST of the same form is recognised.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.http import HttpRequest

from common.typing import AuthenticatedHttpRequest

from ..models import Manufacturer, User
from ..selectors.manufacturers import member_companies

# The session keys keep their first names, so sessions already open keep working.
SESSION_COMPANY = "partners.company"
SESSION_SUBMISSIONS = "partners.demand_submissions"
#: How many recent demand submissions a session remembers for double-submit detection.
SUBMISSIONS_KEPT = 50


# --- Which company --------------------------------------------------------------------------


@dataclass(frozen=True)
class Membership:
    """The company a member acts for now, and all the companies they belong to."""

    company: Manufacturer | None
    companies: list[Manufacturer]


def membership(request: AuthenticatedHttpRequest) -> Membership:
    """The company the signed-in user acts for (one query)."""
    companies = list(member_companies(user=request.user))
    chosen = request.session.get(SESSION_COMPANY)
    company = next((c for c in companies if c.pk == chosen), companies[0] if companies else None)
    return Membership(company=company, companies=companies)


def company_choose(request: AuthenticatedHttpRequest, *, company_id: int) -> bool:
    """Act for another of the user's companies; False when it is not one of theirs."""
    if not member_companies(user=request.user).filter(pk=company_id).exists():
        return False
    request.session[SESSION_COMPANY] = company_id
    return True


# --- Double submission ---------------------------------------------------------------------


def submission_token() -> str:
    """A fresh token for one demand form; the form sends it back with its POST."""
    return secrets.token_urlsafe(16)


def _stored_submissions(request: HttpRequest) -> dict[str, int]:
    """The submissions recorded in the session as stored now (not as this request loaded
    it), so that a submission committed by a concurrent request is seen."""
    key = request.session.session_key
    if key is None:
        return dict(request.session.get(SESSION_SUBMISSIONS, {}))
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    return dict(store.get(SESSION_SUBMISSIONS, {}))


def lock_member(*, user: User) -> None:
    """Serialise the user's submissions until the end of the current transaction."""
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk").first()


def submitted_demand_id(request: HttpRequest, *, token: str) -> int | None:
    """The demand a form with this token already created, if any. Call it inside a
    transaction after ``lock_member`` so two submissions at once are one after the other."""
    return _stored_submissions(request).get(token)


def submission_record(request: HttpRequest, *, token: str, demand_id: int) -> None:
    """Remember that the form with this token created this demand; the session is saved at
    once, inside the caller's transaction, so it commits together with the demand."""
    submissions = _stored_submissions(request)
    submissions[token] = demand_id
    request.session[SESSION_SUBMISSIONS] = dict(list(submissions.items())[-SUBMISSIONS_KEPT:])
    request.session.save()
