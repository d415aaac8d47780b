"""Demo partnerships: brokered through the real services on the scored demo, spread over
the past months, and loaded only once."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from matchmaking.choices import MatchStatus, PartnershipStage
from matchmaking.demo.partnerships import SCENARIOS, load_demo_partnerships
from matchmaking.engine import scheduling
from matchmaking.models import Partnership, PartnershipEvent
from matchmaking.workspace.selectors.dashboard import stale_partnerships

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored_demo(django_capture_on_commit_callbacks):
    call_command("load_demo", "--no-scoring", verbosity=0)
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.full_rescore_start(reason="test")


def test_demo_partnerships_follow_their_scenarios(scored_demo):
    created = load_demo_partnerships()

    assert created == len(SCENARIOS)
    stages = {
        p.demand.title: p.stage for p in Partnership.objects.select_related("demand", "match")
    }
    for scenario in SCENARIOS:
        assert stages[scenario.demand] == scenario.steps[-1][0]
    for partnership in Partnership.objects.select_related("match"):
        assert partnership.match.status == MatchStatus.APPROVED
        events = list(PartnershipEvent.objects.filter(partnership=partnership))
        assert len(events) >= 2
        assert [e.created_at for e in events] == sorted(e.created_at for e in events)
    # The INKA metallic brake block is left for the browser tests to broker.
    assert "Blok rem metalik gerbong barang" not in stages


def test_demo_partnerships_are_spread_over_months_with_stuck_ones(scored_demo):
    load_demo_partnerships()

    oldest = PartnershipEvent.objects.order_by("created_at").first().created_at
    assert timezone.now() - oldest > datetime.timedelta(days=300)
    stuck = {p.demand.title for p in stale_partnerships()}
    assert {"Heatsink aluminium amplifier", "Segmen drum roda penggilas 10 ton"} <= stuck
    active = Partnership.objects.get(demand__title="Rumah side bearer bogie gerbong")
    assert active.stage == PartnershipStage.ACTIVE_SUPPLY
    assert active.contract_value_idr == 1_250_000_000
    assert active.committed_monthly_volume > 0


def test_demo_partnerships_load_once(scored_demo):
    load_demo_partnerships()

    assert load_demo_partnerships() == 0
    assert Partnership.objects.count() == len(SCENARIOS)
