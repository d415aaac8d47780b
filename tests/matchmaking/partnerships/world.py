"""One approved introduction to test brokering against (``build_world``), and helpers to
approve, answer and read the notices of a user."""

from __future__ import annotations

from dataclasses import dataclass

from matchmaking.choices import IntroductionAnswer, MatchStatus, PartnershipStage
from matchmaking.engine import rescoring
from matchmaking.models import Match, Partnership
from matchmaking.partnerships import introductions, review
from partners.models import Demand, Notification, Supplier, User
from tests.matchmaking import factories as f
from tests.partners.factories import ManufacturerFactory, UserFactory

S = PartnershipStage
INTERESTED = IntroductionAnswer.INTERESTED
NOT_INTERESTED = IntroductionAnswer.NOT_INTERESTED


@dataclass
class World:
    """One approved introduction between an IKM of Ceper and a railway manufacturer, with a
    second IKM owner and a second manufacturer who must see none of it."""

    cat: f.Catalogue
    staff: User
    owner: User
    buyer: User
    colleague: User  # a second member of the same manufacturer
    supplier: Supplier
    demand: Demand
    partnership: Partnership
    other_owner: User
    other_buyer: User


def approve(*, demand: Demand, supplier: Supplier, by: User) -> Partnership:
    match = Match.objects.get(demand=demand, supplier=supplier)
    review.match_decide(
        demand_id=demand.pk,
        supplier_id=supplier.pk,
        to_status=MatchStatus.APPROVED,
        by=by,
        expected_status=match.status,
    )
    return Partnership.objects.get(match__demand=demand, match__supplier=supplier)


def build_world(django_capture_on_commit_callbacks) -> World:
    cat = f.catalogue()
    staff = UserFactory(username="sri", is_staff=True)
    owner = UserFactory(username="bambang", first_name="Bambang", last_name="Pengecor")
    supplier = f.supplier(cat, name="CV Ceper Logam Utama")
    Supplier.objects.filter(pk=supplier.pk).update(
        owner=owner,
        contact_person="Bambang Sutrisno",
        contact_phone="0272 551 234",
        contact_email="bambang@ceperlogam.example",
    )
    supplier.refresh_from_db()
    demand = f.brake_block_demand(cat, title="Blok rem metalik untuk KAI")
    manufacturer = demand.manufacturer
    manufacturer.contact_person = "Rina Purchasing"
    manufacturer.contact_phone = "+62 351 452 271"
    manufacturer.contact_email = "rina@inka.example"
    manufacturer.save()
    buyer = UserFactory(username="rina")
    colleague = UserFactory(username="agus")
    inactive = UserFactory(username="former", is_active=False)
    manufacturer.members.add(buyer, colleague, inactive)
    other_owner = UserFactory(username="owner-b")
    other_supplier = f.supplier(cat, name="UD Tegal Jaya")
    Supplier.objects.filter(pk=other_supplier.pk).update(owner=other_owner)
    other_buyer = UserFactory(username="buyer-y")
    ManufacturerFactory().members.add(other_buyer)
    rescoring.rescore_demand(demand_id=demand.pk)
    with django_capture_on_commit_callbacks(execute=True):
        partnership = approve(demand=demand, supplier=supplier, by=staff)
    return World(
        cat=cat,
        staff=staff,
        owner=owner,
        buyer=buyer,
        colleague=colleague,
        supplier=supplier,
        demand=demand,
        partnership=partnership,
        other_owner=other_owner,
        other_buyer=other_buyer,
    )


def answer(world: World, user: User, value: str, reason: str = ""):
    return introductions.introduction_answer(
        partnership_id=world.partnership.pk, user=user, answer=value, reason=reason
    )


def kinds_of(user: User) -> list[str]:
    return list(
        Notification.objects.filter(user=user).order_by("pk").values_list("kind", flat=True)
    )
