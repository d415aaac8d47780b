"""Issue 11, section 2 (speed): the engine does only the work a result depends on."""

from __future__ import annotations

import pytest
from django.db import connection

from components.models import Process
from matchmaking.engine import consortia, rescoring, runs, scheduling, spec_cache
from matchmaking.engine.policies import policy_active
from matchmaking.engine.publishing import policy_publish
from matchmaking.models import ConsortiumSuggestion, Match
from matchmaking.scoring.config import DEFAULT_WEIGHTS
from partners.models import Supplier, SupplierCapability
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


def test_a_full_run_loads_each_categorys_capabilities_once(market, monkeypatch, settings):
    loads: list[set[int] | None] = []
    real = rescoring.load_candidates

    def spy(vocab, **kwargs):
        loads.append(kwargs.get("category_ids"))
        return real(vocab, **kwargs)

    monkeypatch.setattr(rescoring, "load_candidates", spy)
    settings.RESCORE_SHARD_SIZE = 1
    run = scheduling.full_rescore_start()
    runs.full_rescore_run(run_id=run.pk)

    # seven demands in seven shards scored here in turn: the first shard loads as a one-off
    # rescore does, the second starts the run's snapshot; later shards load nothing new
    assert len(loads) <= 3
    reference = {(m.demand_id, m.supplier_id, m.kind, m.score, m.rank) for m in Match.objects.all()}
    Match.objects.all().delete()
    for demand in market:
        rescoring.rescore_demand(demand_id=demand.pk)
    assert {
        (m.demand_id, m.supplier_id, m.kind, m.score, m.rank) for m in Match.objects.all()
    } == reference


def test_a_supplier_edited_between_batches_is_scored_from_its_new_rows(cat):
    demands = [f.brake_block_demand(cat, quantity=1000) for _ in range(3)]
    ikm = f.supplier(cat, name="A", capacity=1500)
    f.supplier(cat, name="B", capacity=2000)
    specs = rescoring.load_demand_specs([d.pk for d in demands])
    ctx = rescoring.Context.load()
    rescoring.rescore_specs(specs[:1], ctx)
    rescoring.rescore_specs(specs[1:2], ctx)  # the snapshot is kept from here on

    SupplierCapability.objects.filter(supplier=ikm).update(monthly_capacity=10)
    SupplierCapability.objects.get(supplier=ikm).save()  # what a service does: updated_at
    rescoring.rescore_specs(specs[2:], ctx)

    fresh = Match.objects.get(demand=demands[2], supplier=ikm)
    # the same demand as the batch before, scored from the new capacity
    assert fresh.score < Match.objects.get(demand=demands[1], supplier=ikm).score
    rescoring.rescore_demand(demand_id=demands[2].pk)
    assert Match.objects.get(demand=demands[2], supplier=ikm).score == fresh.score


def test_the_scoring_context_is_kept_until_the_policy_or_catalogue_changes(cat):
    policy_active()  # created on first use
    first = rescoring.Context.current()
    assert rescoring.Context.current().vocab is first.vocab  # kept: not loaded again

    new_policy = policy_publish(weights=dict(DEFAULT_WEIGHTS), top_k=7, by=None, note="test")
    assert rescoring.Context.current().policy.pk == new_policy.pk

    kept = rescoring.Context.current()
    Process.objects.create(code="x-test", name_id="Proses uji", name_en="Test process")
    changed = rescoring.Context.current()
    assert changed.vocab is not kept.vocab
    assert len(changed.vocab.processes) == len(kept.vocab.processes) + 1


def test_a_supplier_rescore_reads_the_demand_as_it_is_now(cat):
    demand = f.brake_block_demand(cat, quantity=1000)
    ikm = f.supplier(cat, name="A", capacity=1500)
    f.supplier(cat, name="B", capacity=4000)
    rescoring.rescore_supplier(supplier_id=ikm.pk)
    covered = Match.objects.get(demand=demand, supplier=ikm)

    demand.quantity_per_month = 3000
    demand.save()  # as the demand services and the admin do
    rescoring.rescore_supplier(supplier_id=ikm.pk)

    assert Match.objects.get(demand=demand, supplier=ikm).score < covered.score


def test_a_supplier_rescore_marks_that_suppliers_rows_as_checked(cat):
    demand = f.brake_block_demand(cat, quantity=1000)
    ikm = f.supplier(cat, name="A", capacity=1500)
    other = f.supplier(cat, name="B", capacity=4000)
    rescoring.rescore_demand(demand_id=demand.pk)
    before = dict(Match.objects.filter(demand=demand).values_list("supplier_id", "scored_at"))

    rescoring.rescore_supplier(supplier_id=ikm.pk)

    after = dict(Match.objects.filter(demand=demand).values_list("supplier_id", "scored_at"))
    assert after[ikm.pk] > before[ikm.pk]  # its rows say when it was last checked
    assert after[other.pk] == before[other.pk]


def test_supplier_rescores_reuse_the_open_demands_specs_until_a_demand_changes(cat, monkeypatch):
    demand = f.brake_block_demand(cat, quantity=1000)
    ikm = f.supplier(cat, name="A", capacity=1500)
    loads: list[object] = []
    real = spec_cache.load_demand_specs

    def spy(*args):
        loads.append(args)
        return real(*args)

    monkeypatch.setattr(spec_cache, "load_demand_specs", spy)
    rescoring.rescore_supplier(supplier_id=ikm.pk)
    rescoring.rescore_supplier(supplier_id=ikm.pk)
    assert len(loads) == 1

    f.brake_block_demand(cat, quantity=10)  # a new demand: read again
    rescoring.rescore_supplier(supplier_id=ikm.pk)
    assert len(loads) == 2
    assert Match.objects.filter(supplier=ikm).count() == 2
    assert demand.pk in set(Match.objects.filter(supplier=ikm).values_list("demand_id", flat=True))
