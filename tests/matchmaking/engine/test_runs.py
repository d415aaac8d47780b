"""Full rescores: batches with progress in the database, resuming after a stop."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from matchmaking.choices import ScoringRunKind, ScoringRunStatus
from matchmaking.engine import policies, runs, scheduling
from matchmaking.engine.publishing import policy_publish
from matchmaking.models import ConsortiumSuggestion, Match, ScoringRun
from matchmaking.scoring.config import DEFAULT_WEIGHTS
from partners.choices import DemandStatus
from tests.matchmaking import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


@pytest.fixture
def market():
    """Seven open brake-block demands of various sizes, one closed, and eight IKM."""
    cat = f.catalogue()
    demands = [f.brake_block_demand(cat, quantity=q) for q in (500, 1000, 2000, 4000, 7000)]
    demands += [
        f.brake_block_demand(cat, quantity=300, component_type=cat.brake_block_head),
        f.brake_block_demand(cat, quantity=20, component_type=cat.chair, material=cat.teak),
    ]
    f.brake_block_demand(cat, status=DemandStatus.CLOSED)
    for i, capacity in enumerate((300, 800, 1500, 2500, 4000, 6000)):
        f.supplier(cat, name=f"Foundry {i}", capacity=capacity, certified=i % 4 != 1)
    f.supplier(cat, name="Furniture", component_type=cat.chair, capacity=50)
    f.supplier(cat, name="Head maker", component_type=cat.brake_block_head, capacity=400)
    return demands


def test_full_rescore_start_records_a_pending_run_and_enqueues_it_on_commit(
    market, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = scheduling.full_rescore_start(reason="test")
    assert run.kind == ScoringRunKind.FULL
    assert run.status == ScoringRunStatus.PENDING
    assert run.total == 7
    assert len(callbacks) == 1

    callbacks[0]()

    run.refresh_from_db()
    assert run.status == ScoringRunStatus.DONE
    assert (run.done, run.total) == (7, 7)
    assert run.started_at <= run.finished_at
    assert run.errors == []


def test_full_rescore_request_refuses_while_a_full_run_is_pending(
    market, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        pending = scheduling.full_rescore_request(reason="first")

        with pytest.raises(scheduling.RescoreAlreadyRunning) as refused:
            scheduling.full_rescore_request(reason="second")

    assert refused.value.run == pending
    assert ScoringRun.objects.filter(kind=ScoringRunKind.FULL).count() == 1


def test_nightly_rescore_skips_when_a_full_run_is_still_running(market):
    from matchmaking.tasks import nightly_full_rescore

    running = ScoringRun.objects.create(
        kind=ScoringRunKind.FULL,
        status=ScoringRunStatus.RUNNING,
        policy=policies.policy_active(),
        algorithm_version="test",
        total=7,
    )

    nightly_full_rescore()

    assert list(ScoringRun.objects.filter(kind=ScoringRunKind.FULL)) == [running]


def test_full_rescore_request_starts_when_the_last_run_finished(
    market, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.full_rescore_request(reason="first")

    with django_capture_on_commit_callbacks(execute=True):
        second = scheduling.full_rescore_request(reason="second")

    second.refresh_from_db()
    assert second.status == ScoringRunStatus.DONE
    assert ScoringRun.objects.filter(kind=ScoringRunKind.FULL).count() == 2


def test_full_rescore_runs_in_batches_recording_progress(market):
    run = scheduling.full_rescore_start()

    runs.full_rescore_run(run_id=run.pk, batch_size=3, max_batches=1)
    run.refresh_from_db()
    assert run.status == ScoringRunStatus.RUNNING
    assert (run.done, run.total, run.percent) == (3, 7, 43)
    assert run.cursor == market[2].pk
    assert set(Match.objects.values_list("demand_id", flat=True)) <= {d.pk for d in market[:3]}

    runs.full_rescore_run(run_id=run.pk, batch_size=3, max_batches=1)
    run.refresh_from_db()
    assert (run.done, run.cursor) == (6, market[5].pk)

    runs.full_rescore_run(run_id=run.pk, batch_size=3)
    run.refresh_from_db()
    assert run.status == ScoringRunStatus.DONE
    assert (run.done, run.total, run.percent) == (7, 7, 100)
    assert run.finished_at is not None


def test_stopped_and_resumed_full_rescore_leaves_the_same_rows_as_an_uninterrupted_one(market):
    uninterrupted = scheduling.full_rescore_start()
    runs.full_rescore_run(run_id=uninterrupted.pk, batch_size=2)
    expected = f.stored_results()
    assert ConsortiumSuggestion.objects.exists()
    Match.objects.all().delete()
    ConsortiumSuggestion.objects.all().delete()

    run = scheduling.full_rescore_start()
    runs.full_rescore_run(run_id=run.pk, batch_size=2, max_batches=2)
    assert ScoringRun.objects.get(pk=run.pk).done == 4
    runs.full_rescore_run(run_id=run.pk, batch_size=2)

    assert f.stored_results() == expected
    assert ScoringRun.objects.get(pk=run.pk).status == ScoringRunStatus.DONE


def test_finished_run_is_not_rerun(market):
    run = scheduling.full_rescore_start()
    runs.full_rescore_run(run_id=run.pk)
    Match.objects.all().delete()

    runs.full_rescore_run(run_id=run.pk)

    assert not Match.objects.exists()
    assert ScoringRun.objects.get(pk=run.pk).done == 7


def test_missing_run_is_ignored(db):
    assert runs.full_rescore_run(run_id=987654) is None


def test_demand_closed_during_a_run_is_skipped(market):
    run = scheduling.full_rescore_start()
    runs.full_rescore_run(run_id=run.pk, batch_size=3, max_batches=1)
    late = market[4]
    late.status = DemandStatus.CLOSED
    late.save()

    runs.full_rescore_run(run_id=run.pk, batch_size=3)

    assert not Match.objects.filter(demand=late).exists()
    run.refresh_from_db()
    assert run.status == ScoringRunStatus.DONE
    assert run.done == run.total == 6


def test_run_of_a_superseded_policy_stops_and_leaves_the_scores_to_the_new_run(
    market, django_capture_on_commit_callbacks
):
    old = scheduling.full_rescore_start()
    runs.full_rescore_run(run_id=old.pk, batch_size=3, max_batches=1)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        policy = policy_publish(by=None, weights={**DEFAULT_WEIGHTS, "distance": 0.5})
    runs.full_rescore_run(run_id=old.pk, batch_size=3)
    old.refresh_from_db()
    assert old.status == ScoringRunStatus.FAILED
    assert old.finished_at is not None
    assert "superseded" in old.errors[-1]

    callbacks[0]()
    assert set(Match.objects.values_list("policy_id", flat=True)) == {policy.pk}


def test_resume_stalled_runs_reenqueues_runs_without_recent_progress(
    market, django_capture_on_commit_callbacks
):
    stalled = scheduling.full_rescore_start()
    runs.full_rescore_run(run_id=stalled.pk, batch_size=3, max_batches=1)
    fresh = scheduling.full_rescore_start()
    ScoringRun.objects.filter(pk=stalled.pk).update(
        updated_at=timezone.now() - datetime.timedelta(minutes=30)
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        resumed = scheduling.resume_stalled_runs(older_than_minutes=10)

    assert resumed == [stalled.pk]
    assert len(callbacks) == 1
    stalled.refresh_from_db()
    assert stalled.status == ScoringRunStatus.DONE
    assert stalled.done == 7
    assert ScoringRun.objects.get(pk=fresh.pk).status == ScoringRunStatus.PENDING
    assert Match.objects.values("demand").distinct().count() == len(market)


def test_failing_run_records_the_error(market, monkeypatch):
    run = scheduling.full_rescore_start()

    def broken(*args, **kwargs):
        raise ValueError("scoring exploded")

    monkeypatch.setattr(runs, "rescore_specs", broken)
    from matchmaking.engine.tasks import full_rescore_task

    with pytest.raises(ValueError):
        full_rescore_task.apply(args=[run.pk], throw=True)

    run.refresh_from_db()
    assert run.status == ScoringRunStatus.FAILED
    assert "scoring exploded" in run.errors[-1]


def test_full_rescore_in_process_scores_without_enqueueing(
    market, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        run = runs.full_rescore_in_process(reason="demo")

    assert callbacks == []
    assert run.status == ScoringRunStatus.DONE
    assert run.done == len(market)
    assert Match.objects.filter(demand__in=market).exists()
