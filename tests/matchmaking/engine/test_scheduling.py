"""Starting, requesting and resuming full rescores: the services that enqueue."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from matchmaking.choices import ScoringRunKind, ScoringRunStatus
from matchmaking.engine import policies, runs, scheduling
from matchmaking.models import Match, ScoringRun

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


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


def test_resume_stalled_runs_reenqueues_runs_without_recent_progress(
    market, django_capture_on_commit_callbacks, settings
):
    settings.RESCORE_SHARD_SIZE = 3
    stalled = scheduling.full_rescore_start()
    runs.full_rescore_run(run_id=stalled.pk, max_shards=1)
    fresh = scheduling.full_rescore_start()
    ScoringRun.objects.filter(pk=stalled.pk).update(
        updated_at=timezone.now() - datetime.timedelta(minutes=30)
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        resumed = scheduling.resume_stalled_runs(older_than_seconds=600)

    assert resumed == [stalled.pk]
    assert len(callbacks) == 1
    stalled.refresh_from_db()
    assert stalled.status == ScoringRunStatus.DONE
    assert stalled.done == 7
    assert ScoringRun.objects.get(pk=fresh.pk).status == ScoringRunStatus.PENDING
    assert Match.objects.values("demand").distinct().count() == len(market)
