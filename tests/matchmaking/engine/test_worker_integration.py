"""A real Celery worker on Redis and PostgreSQL: it rescores after a supplier edit, a full
rescore killed mid-run resumes to the rows an uninterrupted run leaves, and two workers on
the ``scoring`` queue share the shards of a full rescore.

The worker is a ``celery -A matchmaking worker`` subprocess pointed at pytest's test
database; the tests use ``transaction=True`` so it sees committed rows.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from matchmaking.celery import app
from matchmaking.choices import MatchKind, ScoringRunStatus
from matchmaking.engine import rescoring, runs, scheduling
from matchmaking.models import ConsortiumSuggestion, Match, ScoringRun
from partners.services.suppliers import certification_add
from tests.matchmaking import factories as f

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

ROOT = (
    Path(__file__).resolve().parents[3]
)  # the repository: tests/matchmaking/engine/ is three down


def database_url() -> str:
    db = settings.DATABASES["default"]
    return (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


def flush_broker() -> None:
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()


@pytest.fixture
def worker(tmp_path) -> Iterator[Callable[..., subprocess.Popen]]:
    """Start workers on the test database (logs in ``tmp_path``); every one still alive is
    killed afterwards."""
    flush_broker()
    started: list[subprocess.Popen] = []

    def start(**env: str) -> subprocess.Popen:
        log = (tmp_path / f"worker-{len(started)}.log").open("w")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "matchmaking",
                "worker",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=WARNING",
                "-Q",
                "scoring,celery",
                "-n",
                f"test-worker-{len(started)}@%h",
            ],
            cwd=ROOT,
            env={
                **os.environ,
                # not settings_test, which makes tasks eager: the fan-out must publish
                "DJANGO_SETTINGS_MODULE": "matchmaking.settings",
                "JEMBATAN_ENV": "test",
                "DATABASE_URL": database_url(),
                "DB_CONN_MAX_AGE": "0",
                "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
                **env,
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
    flush_broker()


@pytest.fixture(autouse=True)
def real_broker():
    """Send tasks to Redis even if another test switched this process to eager mode."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = previous


def wait_for(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        connection.close()  # next query sees rows the worker committed meanwhile
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def test_worker_rescores_a_supplier_after_it_gains_its_certificate(worker):
    cat = f.catalogue()
    demand = f.brake_block_demand(cat)
    ikm = f.supplier(cat, name="Foundry awaiting ISO", certified=False)
    f.supplier(cat, name="Certified foundry", capacity=1000)
    rescoring.rescore_demand(demand_id=demand.pk)
    assert Match.objects.get(supplier=ikm).kind == MatchKind.NEAR_MISS
    process = worker()

    certification_add(supplier=ikm, certification=cat.iso_9001, number="ISO-1")

    wait_for(
        lambda: Match.objects.get(supplier=ikm).kind == MatchKind.MATCH,
        timeout=60,
        what="the worker to rescore the supplier",
    )
    match = Match.objects.get(supplier=ikm)
    assert match.rank == 1
    assert process.poll() is None


def reference_registry() -> list:
    """150 brake-block demands over 12 foundries; their rows after one in-process run."""
    cat = f.catalogue()
    regencies = [None, f.far_regency()]
    for i in range(12):
        f.supplier(
            cat,
            name=f"Foundry {i}",
            capacity=300 + 450 * i,
            certified=i % 5 != 0,
            regency=regencies[i % 2],
        )
    demands = [f.brake_block_demand(cat, quantity=200 + 97 * i) for i in range(150)]
    uninterrupted = scheduling.full_rescore_start(reason="reference")
    runs.full_rescore_run(run_id=uninterrupted.pk)
    expected = f.stored_results()
    assert len(expected) > len(demands)
    Match.objects.all().delete()
    ConsortiumSuggestion.objects.all().delete()
    return expected


def test_full_rescore_killed_mid_run_resumes_to_the_same_rows(worker, settings):
    expected = reference_registry()

    first = worker()
    settings.RESCORE_SHARD_SIZE = 1  # 150 shards of one demand
    run = scheduling.full_rescore_start(reason="to be killed")
    wait_for(
        lambda: ScoringRun.objects.get(pk=run.pk).done >= 10,
        timeout=60,
        what="the first shards",
    )
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=30)
    run.refresh_from_db()
    assert run.status == ScoringRunStatus.RUNNING
    assert 10 <= run.done < run.total == 150
    assert Match.objects.values("demand").distinct().count() < 150
    assert run.shards.filter(finished_at__isnull=True).exists()
    flush_broker()  # the dead worker's group is lost with it: the resume publishes again

    worker()
    assert scheduling.resume_stalled_runs(older_than_seconds=0) == [run.pk]
    wait_for(
        lambda: ScoringRun.objects.get(pk=run.pk).status == ScoringRunStatus.DONE,
        timeout=120,
        what="the resumed run to finish",
    )

    run.refresh_from_db()
    assert run.done == run.total == 150
    assert run.errors == []
    assert f.stored_results() == expected


def test_two_workers_share_the_shards_of_a_full_rescore(worker, settings):
    expected = reference_registry()
    worker()
    worker()
    settings.RESCORE_SHARD_SIZE = 5  # 30 shards

    run = scheduling.full_rescore_start(reason="two workers")
    wait_for(
        lambda: ScoringRun.objects.get(pk=run.pk).status == ScoringRunStatus.DONE,
        timeout=120,
        what="the run to finish on two workers",
    )

    run.refresh_from_db()
    assert run.done == run.total == 150 and run.errors == []
    assert f.stored_results() == expected
    stats = app.control.inspect(timeout=5).stats() or {}
    shards_per_worker = [
        s.get("total", {}).get("matchmaking.tasks.score_shard_task", 0) for s in stats.values()
    ]
    assert len(shards_per_worker) == 2 and all(n > 0 for n in shards_per_worker)
    assert sum(shards_per_worker) >= 30
