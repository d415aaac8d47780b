"""Smoke test of ``python -m bench --quick``: the report format, not the timings."""

import io
import json

import pytest

from bench.run import main
from matchmaking.celery import app

KEYS = {
    "b1_suppliers",
    "b1_demands",
    "b1_full_rescore_s",
    "b1_naive_ratio",
    "b1_topk_equal",
    "b2_incremental_p95_ms",
    "b2_broker",
    "b4_allocation_s",
    "b4_objective_ratio",
    "database",
}


@pytest.fixture
def in_process_tasks(settings):
    """B2 through a real worker belongs to ``make bench``; here tasks run eagerly."""
    settings.CELERY_BROKER_URL = ""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.mark.django_db(transaction=True)
def test_bench_quick_ends_with_a_json_report_where_engine_and_baseline_agree(in_process_tasks):
    out = io.StringIO()

    main(["--quick", "--in-place"], out=out)

    lines = out.getvalue().strip().splitlines()
    report = json.loads(lines[-1])
    assert report.keys() >= KEYS
    assert report["b1_topk_equal"] is True
    assert report["b2_broker"] == "eager"
    assert report["b2_edits"] > 0
    assert report["b1_rows"] > 0
    assert report["b4_objective_ratio"] >= 1.0 - 1e-9
    assert len(lines) > 1
