"""Full rescores: batches with progress in the database, resuming after a stop."""

from __future__ import annotations

import pytest

from matchmaking.choices import ScoringRunStatus
from matchmaking.engine import runs, scheduling
from matchmaking.engine.publishing import policy_publish
from matchmaking.models import ConsortiumSuggestion, Match, ScoringRun
from matchmaking.scoring.config import DEFAULT_WEIGHTS
from partners.choices import DemandStatus
from tests.matchmaking import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


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
