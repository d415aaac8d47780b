"""The rankings on the demo scenario, as an industry expert would check them."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase

from matchmaking.choices import MatchKind, ScoringRunStatus
from matchmaking.engine.explanations import match_reasons
from matchmaking.engine.loading import load_labels
from matchmaking.models import Match, ScoringRun
from matchmaking.scoring.config import FACTORS
from partners.choices import VerificationStatus
from partners.models import Demand, Supplier, SupplierCertification

pytestmark = pytest.mark.django_db

INKA_BRAKE_BLOCKS = "Blok rem metalik gerbong barang"
SENTRA_CEPER = "Sentra Pengecoran Logam Ceper"
NOT_METAL = {"aluminium", "kayu-jati", "kayu-mahoni", "rotan", "bambu"}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo scenario loaded and scored once for the module, rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        with TestCase.captureOnCommitCallbacks(execute=True):
            call_command("load_demo", stdout=StringIO())
        yield Demand.objects.get(title=INKA_BRAKE_BLOCKS)
        transaction.set_rollback(True)


def ranked(demand: Demand, kind: str = MatchKind.MATCH) -> list[Match]:
    return list(
        Match.objects.filter(demand=demand, kind=kind)
        .select_related("supplier", "capability")
        .order_by("-score", "supplier_id")
    )


def capacity_fit(match: Match) -> float:
    return match.breakdown["v"][FACTORS.index("capacity_fit")]


def test_demo_is_fully_scored(demo):
    run = ScoringRun.objects.get()
    assert run.status == ScoringRunStatus.DONE
    assert run.done == run.total > 0


def test_inka_brake_blocks_go_first_to_ceper_grey_iron_foundries_with_free_capacity(demo):
    matches = ranked(demo)
    assert len(matches) >= 5
    for match in matches[:5]:
        assert match.supplier.sentra == SENTRA_CEPER, match.supplier
        assert "besi-cor-kelabu" in {m.code for m in match.capability.materials.all()}
        assert match.capability.component_type == demo.component_type
        assert capacity_fit(match) > 0
    assert [m.rank for m in matches] == list(range(1, len(matches) + 1))


def test_no_die_caster_or_furniture_maker_is_offered_brake_blocks(demo):
    outsiders = {
        supplier.pk
        for supplier in Supplier.objects.prefetch_related("capabilities__materials")
        if all(
            {m.code for m in capability.materials.all()} <= NOT_METAL
            for capability in supplier.capabilities.all()
        )
    }
    assert len(outsiders) >= 10  # Sidoarjo die-casters, Jepara and Cirebon furniture
    offered = set(Match.objects.filter(demand=demo).values_list("supplier_id", flat=True))
    assert offered
    assert not offered & outsiders


def test_supplier_without_a_valid_mandatory_certificate_is_only_a_near_miss(demo):
    mandatory = set(demo.mandatory_certifications.values_list("pk", flat=True))
    certified = set(
        SupplierCertification.objects.filter(
            certification__in=mandatory, valid_until__gte=demo.needed_by
        ).values_list("supplier_id", flat=True)
    ) | set(
        SupplierCertification.objects.filter(
            certification__in=mandatory, valid_until__isnull=True
        ).values_list("supplier_id", flat=True)
    )
    matched = {m.supplier_id for m in ranked(demo)}
    near = {m.supplier.legal_name: m for m in ranked(demo, MatchKind.NEAR_MISS)}
    assert matched <= certified
    for name in ("UD Sinar Cor Batur", "CV Karya Logam Tegalrejo"):  # no ISO 9001 / expired
        assert name in near
        assert near[name].supplier_id not in matched
        assert "ISO 9001" in match_reasons(near[name], load_labels(), "en")[0]
        assert len(near[name].failed_constraints) == 1


def test_unverified_suppliers_never_appear(demo):
    unverified = Supplier.objects.exclude(verification_status=VerificationStatus.VERIFIED)
    assert unverified.exists()
    assert not Match.objects.filter(supplier__in=unverified).exists()


def test_composite_brake_blocks_are_not_offered_to_grey_iron_foundries(demo):
    composite = Demand.objects.get(component_type__code="blok-rem-komposit", status="open")
    assert not Match.objects.filter(
        demand=composite,
        kind=MatchKind.MATCH,
        supplier__capabilities__materials__code="besi-cor-kelabu",
    ).exists()


def test_every_stored_breakdown_adds_up_exactly_to_its_score(demo):
    matches = Match.objects.all()
    assert matches.count() > 100
    for match in matches:
        assert sum(match.breakdown["c"]) == round(match.score * 1_000_000), match
