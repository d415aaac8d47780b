"""Smoke test of ``python -m bench --quick``: the report format and the correctness checks
it carries, not the timings."""

import datetime
import io
import json

import pytest
from django.utils import timezone

from bench.edits import FileReports, file_emitter
from bench.measure import LoadSampler, measured, pinned_today
from bench.registry import clear_registry, generate_registry
from bench.run import main
from bench.scenarios import full_rescore, lists_after_full_rescore
from matchmaking.celery import app
from matchmaking.choices import MatchKind
from matchmaking.models import Match

KEYS = {
    "b1_suppliers",
    "b1_demands",
    "b1_full_rescore_s",
    "b1_topk_equal",
    "b2_incremental_p95_ms",
    "b2_broker",
    "b4_allocation_s",
    "b4_objective_ratio",
    "database",
}
SECONDS = {
    "b1_first_run_s",
    "b1_first_run_cpu_s",
    "b1_full_rescore_s",
    "b1_full_rescore_cpu_s",
    "b2_wall_s",
    "b2_cpu_s",
    "b4_allocation_s",
    "b4_cpu_s",
}
LOADS = {"load_before", "load_max", "load_after", "b1_full_rescore_load_max", "b2_load_max"}


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


@pytest.mark.django_db(transaction=True)
def test_bench_quick_reports_cpu_load_throughput_and_the_incremental_check(in_process_tasks):
    report = main(["--quick", "--in-place"], out=io.StringIO())

    assert not any(key.startswith("b1_naive") for key in report)
    assert "b1_engine_small_s" not in report
    assert report["database"] in ("sqlite", "postgresql")
    assert report["debug"] is False
    assert isinstance(report["loaded"], bool)
    assert report["loaded"] == (report["load_max"] > report["cores"])
    assert isinstance(report["cores"], int) and report["cores"] >= 1
    for key in SECONDS:
        assert isinstance(report[key], float) and report[key] >= 0, key
    for key in LOADS:
        assert isinstance(report[key], float) and report[key] >= 0, key
    # B1: the nightly rerun onto the full table, as throughput
    assert report["b1_first_run_rows"] > 0
    assert report["b1_rows_written"] > 0
    assert report["b1_pairs"] >= report["b1_rows_written"]
    assert report["b1_pairs_per_s"] > 0 and report["b1_rows_written_per_s"] > 0
    assert report["b1_vacuumed"] is (report["database"] == "postgresql")
    # the registry holds reviews and partnerships; its concentration is stated
    assert report["registry_approved"] + report["registry_shortlisted"] > 0
    assert report["registry_partnerships"] > 0
    assert 0 < report["registry_category_hhi"] <= report["registry_top3_category_share"] <= 1
    # B2: a mix of edits, the fallback observed, the lists those of a full rescore
    assert set(report["b2_kind_p50_ms"]) == {
        "capacity_up",
        "capacity_down",
        "process_removed",
        "certificate_expiring",
        "capability_deleted",
    }
    assert 0 <= report["b2_fallback_rate"] <= 1
    assert report["b2_incremental_p50_ms"] <= report["b2_incremental_p95_ms"]
    assert report["b2_equal_full"] is True
    assert report["b2_demands_differing"] == 0
    datetime.date.fromisoformat(report["as_of"])


def test_the_pinned_date_holds_across_midnight():
    late = datetime.datetime(2026, 12, 8, 23, 59, 59, tzinfo=datetime.UTC)
    original = timezone.localdate
    with pinned_today(datetime.date(2026, 12, 8)) as as_of:
        assert timezone.localdate() == as_of
        # a value is still converted (in Jakarta, UTC+7, that is the 9th)
        assert timezone.localdate(late) == datetime.date(2026, 12, 9)
    assert timezone.localdate is original


def test_worker_reports_reach_the_bench_line_by_line(tmp_path):
    path = str(tmp_path / "events.jsonl")
    reports = FileReports(path)
    assert reports.new() == []
    emit = file_emitter(path)
    emit({"supplier_id": 1, "fallback_demands": 0})
    emit({"supplier_id": 2, "fallback_demands": 3})
    assert [r["supplier_id"] for r in reports.new()] == [1, 2]
    with open(path, "a", encoding="utf-8") as partial:
        partial.write('{"supplier_id": 3')  # a line still being written is not read
    assert reports.new() == []


@pytest.mark.django_db
def test_the_load_flag_compares_the_highest_sample_with_the_cores():
    with LoadSampler(interval=0.01) as sampler, measured(sampler) as m:
        sum(range(100_000))
    assert m.wall_s > 0 and m.cpu_s >= 0 and m.load_max >= 0
    assert len(sampler.samples) >= 2


@pytest.mark.django_db(transaction=True)
def test_the_full_rescore_check_sees_a_stored_list_out_of_order(in_process_tasks):
    clear_registry()
    generate_registry(suppliers=300, demands=30, seed=7)
    full_rescore()
    assert lists_after_full_rescore() == (True, [])
    first, second = (
        Match.objects.filter(kind=MatchKind.MATCH, is_current=True, rank__in=(1, 2))
        .order_by("demand_id", "rank")
        .filter(demand_id=Match.objects.filter(rank=2).values("demand_id")[:1])
    )
    Match.objects.filter(pk=first.pk).update(rank=2)
    Match.objects.filter(pk=second.pk).update(rank=1)

    equal, differences = lists_after_full_rescore()

    assert equal is False
    assert len(differences) == 1 and differences[0].startswith(f"demand {first.demand_id}:")
