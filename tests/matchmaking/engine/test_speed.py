"""Issue 11, section 2 (speed): the engine does only the work a result depends on."""

from __future__ import annotations

import pytest

from matchmaking.engine import consortia, rescoring
from matchmaking.models import ConsortiumSuggestion
from tests.matchmaking import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


@pytest.fixture
def cat():
    return f.catalogue()


def test_consortium_step_runs_only_for_demands_no_single_supplier_covers(cat, monkeypatch):
    short = f.brake_block_demand(cat, quantity=10_000)
    covered = f.brake_block_demand(cat, quantity=3000)
    for i in range(3):
        f.supplier(cat, name=f"Foundry {i}", capacity=4000)
    called: list[int] = []
    real = consortia.consortium

    def spy(ranking, spec, sentra):
        called.append(ranking.demand_id)
        return real(ranking, spec, sentra)

    monkeypatch.setattr(consortia, "consortium", spy)
    specs = rescoring.load_demand_specs([short.pk, covered.pk])
    rescoring.rescore_specs(specs, rescoring.Context.load())

    assert called == [short.pk]
    assert ConsortiumSuggestion.objects.filter(demand=short).exists()
    assert not ConsortiumSuggestion.objects.filter(demand=covered).exists()
