"""Who is who in a partnership: the IKM (supplier) side, spoken for by its owner, and the
manufacturer side, spoken for by the manufacturer's members."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from partners.models import Manufacturer, User

from ..choices import IntroductionAnswer
from ..models import Partnership

SUPPLIER = "supplier"
MANUFACTURER = "manufacturer"
SIDES = (SUPPLIER, MANUFACTURER)


def member_manufacturers(user: User) -> QuerySet:
    return Manufacturer.objects.filter(members=user).values("pk")


def party_scope(user: User) -> Q:
    """Partnerships the user is a party to: as the IKM's owner or a member of the demand's
    manufacturer."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    return Q(supplier__owner=user) | Q(demand__manufacturer__in=member_manufacturers(user))


def side_of(partnership: Partnership, user: User) -> str | None:
    """Which party ``user`` speaks for in this partnership (the IKM when they own it)."""
    if partnership.supplier.owner_id is not None and partnership.supplier.owner_id == user.pk:
        return SUPPLIER
    if partnership.demand.manufacturer.members.filter(pk=user.pk).exists():
        return MANUFACTURER
    return None


def other_side(side: str) -> str:
    return MANUFACTURER if side == SUPPLIER else SUPPLIER


def answer_of(partnership: Partnership, side: str) -> str:
    return getattr(partnership, f"{side}_answer")


def both_interested(partnership: Partnership) -> bool:
    return (
        partnership.supplier_answer == IntroductionAnswer.INTERESTED
        and partnership.manufacturer_answer == IntroductionAnswer.INTERESTED
    )


def party_users(partnership: Partnership, side: str) -> list[User]:
    """The active people who speak for one side of a partnership."""
    if side == SUPPLIER:
        owner = partnership.supplier.owner
        return [owner] if owner is not None and owner.is_active else []
    return list(partnership.demand.manufacturer.members.filter(is_active=True).order_by("pk"))


def party_name(partnership: Partnership, side: str) -> str:
    if side == SUPPLIER:
        return partnership.supplier.legal_name
    return partnership.demand.manufacturer.name
