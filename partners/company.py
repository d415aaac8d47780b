"""The manufacturer side of self-service: which company a member acts for, and what they
may read of it (selectors), plus the session bookkeeping of the company pages.

Every read here is scoped by the signed-in user's memberships: a demand or plant of a
company the user does not belong to simply does not exist for them (the views answer 404).

A user may belong to several manufacturers. The company they act for is kept in the
session (``SESSION_COMPANY``, chosen with a select on the company page); without a choice,
or when the chosen one is no longer theirs, it is the first of their companies by name.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import get_language

from components.models import ComponentType, Province, Regency

from .choices import DemandStatus
from .models import Demand, Manufacturer, Plant, User

SESSION_COMPANY = "partners.company"
SESSION_SUBMISSIONS = "partners.demand_submissions"
#: How many recent demand submissions a session remembers for double-submit detection.
SUBMISSIONS_KEPT = 50

Choices = list[tuple[Any, Any]]


# --- Which company --------------------------------------------------------------------------


@dataclass(frozen=True)
class Membership:
    """The company a member acts for now, and all the companies they belong to."""

    company: Manufacturer | None
    companies: list[Manufacturer]


def member_companies(*, user: User) -> QuerySet[Manufacturer]:
    """The manufacturers the user is a member of, by name."""
    return Manufacturer.objects.filter(members=user).order_by("name", "pk")


def membership(request: HttpRequest) -> Membership:
    """The company the signed-in user acts for (one query)."""
    companies = list(member_companies(user=request.user))
    chosen = request.session.get(SESSION_COMPANY)
    company = next((c for c in companies if c.pk == chosen), companies[0] if companies else None)
    return Membership(company=company, companies=companies)


def company_choose(request: HttpRequest, *, company_id: int) -> bool:
    """Act for another of the user's companies; False when it is not one of theirs."""
    if not member_companies(user=request.user).filter(pk=company_id).exists():
        return False
    request.session[SESSION_COMPANY] = company_id
    return True


def company_detail(*, company: Manufacturer) -> Manufacturer:
    """The company with its sectors, for its profile page."""
    return Manufacturer.objects.prefetch_related("sectors").get(pk=company.pk)


# --- Plants --------------------------------------------------------------------------------


def company_plants(*, company: Manufacturer) -> QuerySet[Plant]:
    """The company's plants with their region and how many demands each receives."""
    return (
        Plant.objects.filter(manufacturer=company)
        .select_related("regency__province")
        .annotate(demand_count=Count("demands"))
        .order_by("name", "pk")
    )


def member_plant(*, user: User, pk: int) -> Plant:
    """A plant of one of the user's companies; ``Plant.DoesNotExist`` otherwise."""
    return Plant.objects.select_related("manufacturer", "regency__province").get(
        pk=pk, manufacturer__members=user
    )


def province_choices() -> Choices:
    return [
        (code, f"{name} ({code})")
        for code, name in Province.objects.order_by("name").values_list("code", "name")
    ]


def regency_choices(*, province: str | None) -> Choices:
    """Regencies and cities of one province, or of all grouped by province."""
    regencies = Regency.objects.order_by("name", "code")
    if province:
        return [
            (code, f"{name} ({code})")
            for code, name in regencies.filter(province_id=province).values_list("code", "name")
        ]
    groups: dict[str, Choices] = {}
    for code, name, province_name in regencies.values_list("code", "name", "province__name"):
        groups.setdefault(province_name, []).append((code, f"{name} ({code})"))
    return [(name, groups[name]) for name in sorted(groups)]


# --- Catalogue -----------------------------------------------------------------------------


def component_type_choices(*, q: str = "") -> Choices:
    """Component types grouped by category, named and sorted in the reader's language;
    ``q`` keeps those whose name (either language), code or category matches."""
    english = (get_language() or "id").startswith("en")
    types = ComponentType.objects.all()
    q = q.strip()
    if q:
        types = types.filter(
            Q(name_id__icontains=q)
            | Q(name_en__icontains=q)
            | Q(code__icontains=q)
            | Q(category__name_id__icontains=q)
            | Q(category__name_en__icontains=q)
        )
    groups: dict[str, Choices] = {}
    for pk, name_id, name_en, category_id, category_en in types.values_list(
        "pk", "name_id", "name_en", "category__name_id", "category__name_en"
    ):
        category = category_en if english and category_en else category_id
        name = name_en if english and name_en else name_id
        groups.setdefault(category, []).append((pk, name))
    return [
        (category, sorted(groups[category], key=lambda choice: choice[1].casefold()))
        for category in sorted(groups, key=str.casefold)
    ]


# --- Demands -------------------------------------------------------------------------------


def member_demands(*, user: User) -> QuerySet[Demand]:
    """Demands of the user's companies (and of no other)."""
    return Demand.objects.filter(manufacturer__members=user)


def member_demand(*, user: User, pk: int) -> Demand:
    """One demand of the user's companies, with everything its page shows;
    ``Demand.DoesNotExist`` for any other."""
    return (
        member_demands(user=user)
        .select_related(
            "manufacturer",
            "plant__regency__province",
            "component_type__category__sector",
            "material",
        )
        .prefetch_related(
            "required_processes", "mandatory_certifications", "preferred_certifications"
        )
        .get(pk=pk)
    )


def company_demand_list(*, company: Manufacturer, status: str | None = None) -> QuerySet[Demand]:
    """The company's demands, newest first, optionally of one status."""
    demands = Demand.objects.filter(manufacturer=company)
    if status:
        demands = demands.filter(status=status)
    return demands.select_related("plant", "component_type", "material").order_by(
        "-created_at", "-pk"
    )


def company_demand_counts(*, company: Manufacturer) -> dict[str, int]:
    """How many demands the company has in each status, and ``all`` (one query)."""
    counts = Demand.objects.filter(manufacturer=company).aggregate(
        all=Count("pk"),
        **{status: Count("pk", filter=Q(status=status)) for status in DemandStatus.values},
    )
    return counts


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
