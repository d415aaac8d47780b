"""Full rescores: shards with progress in the database, resuming after a stop."""

from __future__ import annotations

import pytest
from django.db.models import F

from matchmaking.choices import ScoringRunStatus
from matchmaking.engine import runs, scheduling
from matchmaking.engine.loading import load_demand_specs
from matchmaking.engine.publishing import policy_publish
from matchmaking.engine.rescoring import Context, rescore_specs
from matchmaking.models import ConsortiumSuggestion, Match, ScoringRun, ScoringRunShard
from matchmaking.scoring.config import DEFAULT_WEIGHTS
from partners.choices import DemandStatus
from tests.matchmaking import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


@pytest.fixture
def shards_of(settings):
    """Full rescores recorded from here on have shards of at most ``n`` demands."""

    def set_size(n: int) -> None:
        settings.RESCORE_SHARD_SIZE = n

    return set_size


def test_full_rescore_is_planned_in_shards_per_category_cut_evenly(market, shards_of):
    shards_of(3)
    run = scheduling.full_rescore_start()

    shards = list(run.shards.order_by("index"))
    per_category: dict[int, list[int]] = {}
    for demand in sorted(market, key=lambda d: d.pk):
        per_category.setdefault(demand.component_type.category_id, []).append(demand.pk)
    assert sorted(len(ids) for ids in per_category.values()) == [1, 6]
    # one shard per category, the one of six cut into 3 + 3, in (category, id) order
    assert [(s.category_id, s.first_demand_id, s.last_demand_id, s.size) for s in shards] == [
        (cat, chunk[0], chunk[-1], len(chunk))
        for cat, ids in sorted(per_category.items())
        for chunk in (ids[:3], ids[3:])
        if chunk
    ]
    assert run.total == 7
    for shard in shards:
        assert shard.first_demand_id <= shard.last_demand_id
        assert shard.finished_at is None


@pytest.mark.parametrize(
    "ids, size, chunks",
    [([1], 250, [[1]]), (list(range(9)), 4, [[0, 1, 2], [3, 4, 5], [6, 7, 8]]), ([], 3, [])],
)
def test_shard_bounds_are_even(ids, size, chunks):
    assert runs.shard_bounds(ids, size) == chunks


def test_full_rescore_runs_shard_by_shard_recording_progress(market, shards_of):
    shards_of(3)
    run = scheduling.full_rescore_start()

    runs.full_rescore_run(run_id=run.pk, max_shards=1)
    run.refresh_from_db()
    assert run.status == ScoringRunStatus.RUNNING
    assert (run.done, run.total, run.percent) == (3, 7, 43)  # the largest shard first
    assert run.shards.filter(finished_at__isnull=False).count() == 1
    assert Match.objects.values("demand").distinct().count() == 3

    runs.full_rescore_run(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == ScoringRunStatus.DONE
    assert (run.done, run.total, run.percent) == (7, 7, 100)
    assert run.finished_at is not None
    assert not run.shards.filter(finished_at__isnull=True).exists()
    assert all(s.seconds is not None and s.scored == s.size for s in run.shards.all())


def test_stopped_and_resumed_full_rescore_leaves_the_same_rows_as_an_uninterrupted_one(
    market, shards_of
):
    shards_of(2)
    uninterrupted = scheduling.full_rescore_start()
    runs.full_rescore_run(run_id=uninterrupted.pk)
    expected = f.stored_results()
    assert ConsortiumSuggestion.objects.exists()
    Match.objects.all().delete()
    ConsortiumSuggestion.objects.all().delete()

    run = scheduling.full_rescore_start()
    runs.full_rescore_run(run_id=run.pk, max_shards=2)
    assert ScoringRun.objects.get(pk=run.pk).done == 4
    runs.full_rescore_run(run_id=run.pk)

    assert f.stored_results() == expected
    assert ScoringRun.objects.get(pk=run.pk).status == ScoringRunStatus.DONE


def test_sharded_full_rescore_leaves_the_rows_of_one_unsharded_pass(market, shards_of):
    """Whatever the shards, a full run stores what one pass over every open demand does."""
    open_ids = [d.pk for d in market]
    rescore_specs(load_demand_specs(open_ids), Context.load())
    unsharded = f.stored_results()
    assert unsharded
    for size in (1, 2, 1000):
        Match.objects.all().delete()
        ConsortiumSuggestion.objects.all().delete()
        shards_of(size)
        run = runs.full_rescore_in_process(reason=f"shards of {size}")
        assert run.status == ScoringRunStatus.DONE
        assert f.stored_results() == unsharded, size


def test_a_shard_marked_pending_again_is_rescored_to_the_same_rows(market, shards_of):
    shards_of(2)
    run = scheduling.full_rescore_start()
    runs.full_rescore_run(run_id=run.pk)
    expected = f.stored_results()
    shard = run.shards.order_by("index").first()
    # its worker was killed before the commit: the shard is pending, its rows are gone
    Match.objects.filter(
        demand_id__gte=shard.first_demand_id, demand_id__lte=shard.last_demand_id
    ).delete()
    ScoringRunShard.objects.filter(pk=shard.pk).update(finished_at=None)
    ScoringRun.objects.filter(pk=run.pk).update(
        status=ScoringRunStatus.RUNNING, done=F("done") - shard.scored, finished_at=None
    )

    assert runs.full_rescore_begin(run_id=run.pk) == [shard.pk]
    assert runs.shard_score(run_id=run.pk, shard_id=shard.pk)
    assert not runs.shard_score(run_id=run.pk, shard_id=shard.pk)  # twice: skipped

    run.refresh_from_db()
    assert run.status == ScoringRunStatus.DONE and run.done == run.total == 7
    assert f.stored_results() == expected


def test_the_fan_out_task_scores_every_shard_in_process_when_eager(market, shards_of):
    from matchmaking.engine.tasks import full_rescore_task

    shards_of(1)
    run = runs.full_rescore_record(reason="eager group")
    full_rescore_task.apply(args=[run.pk], throw=True)

    run.refresh_from_db()
    assert run.status == ScoringRunStatus.DONE and run.done == 7
    assert run.shards.count() == 7


def test_the_shard_tasks_go_to_the_scoring_queue(settings):
    from matchmaking.celery import app

    router = app.amqp.router
    for name in ("matchmaking.tasks.full_rescore_task", "matchmaking.tasks.score_shard_task"):
        assert router.route({}, name)["queue"].name == "scoring"
    assert router.route({}, "matchmaking.tasks.rescore_supplier_task")["queue"].name != "scoring"


def test_finished_run_is_not_rerun(market):
    run = scheduling.full_rescore_start()
    runs.full_rescore_run(run_id=run.pk)
    Match.objects.all().delete()

    runs.full_rescore_run(run_id=run.pk)

    assert not Match.objects.exists()
    assert ScoringRun.objects.get(pk=run.pk).done == 7


def test_missing_run_is_ignored(db):
    assert runs.full_rescore_run(run_id=987654) is None


def test_demand_closed_during_a_run_is_skipped(market, shards_of):
    shards_of(3)
    run = scheduling.full_rescore_start()
    runs.full_rescore_run(run_id=run.pk, max_shards=1)  # the first three brake blocks
    late = market[4]
    late.status = DemandStatus.CLOSED
    late.save()

    runs.full_rescore_run(run_id=run.pk)

    assert not Match.objects.filter(demand=late).exists()
    run.refresh_from_db()
    assert run.status == ScoringRunStatus.DONE
    assert run.done == run.total == 6


def test_run_of_a_superseded_policy_stops_and_leaves_the_scores_to_the_new_run(
    market, django_capture_on_commit_callbacks, shards_of
):
    shards_of(3)
    old = scheduling.full_rescore_start()
    runs.full_rescore_run(run_id=old.pk, max_shards=1)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        policy = policy_publish(by=None, weights={**DEFAULT_WEIGHTS, "distance": 0.5})
    runs.full_rescore_run(run_id=old.pk)
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


def test_a_run_deleted_in_raw_sql_takes_its_shards_along(market):
    from django.db import connection

    run = scheduling.full_rescore_start()
    assert run.shards.exists()

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM matchmaking_scoringrun")  # as bench.registry clears

    assert not ScoringRunShard.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_finished_run_leaves_the_planner_statistics_of_the_match_table_current(market):
    from django.db import connection

    def estimated_rows() -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'matchmaking_match'")
            return float(cursor.fetchone()[0])

    run = scheduling.full_rescore_start()
    runs.full_rescore_run(run_id=run.pk)

    assert estimated_rows() == Match.objects.count() > 0
