"""Issue 11, section 2 (speed): the engine does only the work a result depends on."""

from __future__ import annotations

import pytest
from django.db import connection

from matchmaking.engine import consortia, rescoring
from matchmaking.models import ConsortiumSuggestion, Match
from partners.models import Supplier
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


def test_rescoring_unchanged_rows_keeps_them_in_place(cat):
    demand = f.brake_block_demand(cat, quantity=1000)
    f.supplier(cat, name="A", capacity=1500)
    f.supplier(cat, name="B", capacity=2000)
    leaving = f.supplier(cat, name="C", capacity=3000)
    rescoring.rescore_demand(demand_id=demand.pk)
    before = {
        m.supplier_id: (m.pk, m.updated_at, m.score, m.rank)
        for m in Match.objects.filter(demand=demand)
    }
    assert len(before) == 3

    Supplier.objects.filter(pk=leaving.pk).update(is_active=False)
    rescoring.rescore_demand(demand_id=demand.pk)

    after = {
        m.supplier_id: (m.pk, m.updated_at, m.score, m.rank)
        for m in Match.objects.filter(demand=demand)
    }
    assert leaving.pk not in after
    # the rows that stayed keep their id; on PostgreSQL an identical row is not even updated
    assert {s: v[0] for s, v in after.items()} == {s: before[s][0] for s in after}
    if connection.vendor == "postgresql":
        assert all(after[s][1] == before[s][1] for s in after if after[s][2:] == before[s][2:])
