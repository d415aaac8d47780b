"""The rescoring control: the policy in force, the runs, starting a full rescore (once at a
time) and the progress bar htmx polls."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from matchmaking.choices import ScoringRunKind, ScoringRunStatus
from matchmaking.engine.policies import policy_active
from matchmaking.models import Match, ScoringRun
from matchmaking.scoring.config import ALGORITHM_VERSION, FACTORS
from tests.matchmaking import factories as f

pytestmark = pytest.mark.django_db

PAGE = "/staff/rescoring/"
START = "/staff/rescoring/start/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _tasks_in_process(eager_tasks):
    """Enqueued tasks run in-process here even when a Redis broker is configured."""


def a_run(status=ScoringRunStatus.RUNNING, kind=ScoringRunKind.FULL, **fields) -> ScoringRun:
    return ScoringRun.objects.create(
        kind=kind,
        status=status,
        policy=policy_active(),
        algorithm_version=ALGORITHM_VERSION,
        **fields,
    )


@pytest.fixture
def market():
    """Two open brake-block demands and three Ceper foundries able to make them."""
    cat = f.catalogue()
    demands = [f.brake_block_demand(cat, quantity=q) for q in (800, 1500)]
    suppliers = [f.supplier(cat, name=f"CV Ceper {i}") for i in range(3)]
    return demands, suppliers


# --- access -------------------------------------------------------------------------------


def test_rescoring_urls():
    assert reverse("workspace:rescoring") == PAGE
    assert reverse("workspace:rescoring_start") == START
    assert reverse("workspace:rescoring_progress", args=[7]) == "/staff/rescoring/runs/7/progress/"


def test_anonymous_visitors_are_sent_to_login_and_start_nothing():
    run = a_run(status=ScoringRunStatus.DONE)
    anonymous = Client()

    for response in (
        anonymous.get(PAGE),
        anonymous.post(START, {"reason": "x"}),
        anonymous.get(reverse("workspace:rescoring_progress", args=[run.pk])),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert ScoringRun.objects.count() == 1


def test_non_staff_get_403_and_start_nothing(ikm_client):
    run = a_run(status=ScoringRunStatus.DONE)

    assert ikm_client.get(PAGE).status_code == 403
    assert ikm_client.post(START, {"reason": "x"}).status_code == 403
    assert ikm_client.get(reverse("workspace:rescoring_progress", args=[run.pk])).status_code == 403
    assert ScoringRun.objects.count() == 1


# --- the page -----------------------------------------------------------------------------


def test_page_shows_the_policy_in_force_with_its_weights_and_top_k(staff_client):
    policy = policy_active()
    staff_client.cookies["django_language"] = "en"

    response = staff_client.get(PAGE)

    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-policy-version="{policy.version}"' in html
    assert f'data-policy-top-k="{policy.top_k}"' in html
    weights = response.context["weights"]
    assert [row.factor for row in weights] == list(FACTORS)
    assert sum(row.percent for row in weights) == pytest.approx(100, abs=0.5)
    assert "Capacity" in html  # factor names in the reader's language
    for factor in FACTORS:
        assert f'data-factor="{factor}"' in html


def test_page_lists_the_latest_runs_with_who_why_and_errors(staff_client, staff_user):
    a_run(
        status=ScoringRunStatus.FAILED,
        triggered_by=staff_user,
        reason="impor sertifikat",
        errors=["OperationalError('db gone')"],
        total=10,
        done=4,
    )
    a_run(kind=ScoringRunKind.SUPPLIER, status=ScoringRunStatus.DONE, total=3, done=3)

    html = staff_client.get(PAGE).content.decode()

    assert html.count('id="run-row-') == 2
    assert "impor sertifikat" in html
    assert staff_user.username in html
    assert "4 / 10 (40%)" in html
    assert "OperationalError" in html


def test_run_in_progress_is_polled_and_the_start_button_waits(staff_client):
    run = a_run(status=ScoringRunStatus.RUNNING, total=8, done=2, started_at=timezone.now())

    html = staff_client.get(PAGE).content.decode()

    progress_url = reverse("workspace:rescoring_progress", args=[run.pk])
    assert f'hx-get="{progress_url}"' in html
    assert 'hx-trigger="every 2s"' in html
    assert 'aria-valuenow="25"' in html
    assert "data-start-waiting" in html


def test_finished_run_is_shown_without_polling(staff_client):
    a_run(status=ScoringRunStatus.DONE, total=5, done=5, finished_at=timezone.now())

    html = staff_client.get(PAGE).content.decode()

    assert 'aria-valuenow="100"' in html
    assert "hx-trigger" not in html
    assert "data-start-waiting" not in html


# --- starting a full rescore --------------------------------------------------------------


def test_start_creates_a_full_run_that_completes_in_embedded_mode(
    staff_client, staff_user, market, django_capture_on_commit_callbacks
):
    demands, _ = market

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = staff_client.post(START, {"reason": "data sertifikat baru"})

    assert response.status_code == 302
    assert response["Location"] == PAGE
    assert len(callbacks) == 1
    run = ScoringRun.objects.get()
    assert run.kind == ScoringRunKind.FULL
    assert run.triggered_by == staff_user
    assert run.reason == "data sertifikat baru"
    assert run.status == ScoringRunStatus.DONE
    assert run.done == run.total == len(demands)
    assert Match.objects.filter(demand__in=demands, kind="match").count() == 6
    page = staff_client.get(PAGE).content.decode()
    assert 'aria-valuenow="100"' in page
    assert "hx-trigger" not in page


@pytest.mark.django_db(transaction=True)
def test_start_in_embedded_mode_comes_back_with_the_run_finished(staff_user, market):
    # given: no test transaction around the request, as in the real embedded mode, so the
    # task runs when the service's transaction commits, inside the request
    client = Client()
    client.force_login(staff_user)
    client.cookies["django_language"] = "en"

    response = client.post(START, {"reason": ""}, follow=True)

    run = ScoringRun.objects.get()
    assert run.status == ScoringRunStatus.DONE
    assert run.triggered_by == staff_user
    html = response.content.decode()
    assert f"Full rescore #{run.pk} finished: 2 demands scored." in html
    assert 'data-status="done"' in html


@pytest.mark.django_db(transaction=True)
def test_a_run_failing_inside_the_request_is_reported_and_recorded(staff_user, market, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("scoring exploded")

    monkeypatch.setattr("matchmaking.engine.runs.shard_score", broken)
    client = Client()
    client.force_login(staff_user)
    client.cookies["django_language"] = "en"

    response = client.post(START, {"reason": "coba"}, follow=True)

    assert response.status_code == 200
    run = ScoringRun.objects.get()
    assert run.status == ScoringRunStatus.FAILED
    assert "scoring exploded" in run.errors[0]
    html = response.content.decode()
    assert f"Full rescore #{run.pk} failed; see its errors below." in html
    assert 'data-status="failed"' in html


@pytest.mark.parametrize("status", [ScoringRunStatus.PENDING, ScoringRunStatus.RUNNING])
def test_second_start_while_a_full_run_is_unfinished_is_refused(
    staff_client, status, django_capture_on_commit_callbacks
):
    running = a_run(status=status, total=40, done=10)
    staff_client.cookies["django_language"] = "en"

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = staff_client.post(START, {"reason": "sekali lagi"})

    assert response.status_code == 409
    assert callbacks == []
    assert list(ScoringRun.objects.all()) == [running]
    html = response.content.decode()
    assert "data-start-refused" in html
    if status == ScoringRunStatus.RUNNING:
        assert f"Full rescore #{running.pk} is running: 10 of 40 demands scored." in html
    else:
        assert f"Full rescore #{running.pk} is waiting for a worker to start it" in html
    assert 'value="sekali lagi"' in html  # what was typed is kept


def test_start_is_refused_in_indonesian_by_default(staff_client):
    a_run(status=ScoringRunStatus.RUNNING)

    response = staff_client.post(START, {"reason": ""})

    assert response.status_code == 409
    assert "data-start-refused" in response.content.decode()
    assert ScoringRun.objects.count() == 1


def test_a_running_one_supplier_rescore_does_not_block_a_full_rescore(
    staff_client, django_capture_on_commit_callbacks
):
    a_run(kind=ScoringRunKind.SUPPLIER, status=ScoringRunStatus.RUNNING)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(START, {"reason": ""})

    assert response.status_code == 302
    assert ScoringRun.objects.filter(kind=ScoringRunKind.FULL).count() == 1


def test_a_too_long_reason_is_a_field_error_and_starts_nothing(staff_client):
    staff_client.cookies["django_language"] = "en"
    reason = "x" * 201

    response = staff_client.post(START, {"reason": reason})

    assert response.status_code == 200
    assert ScoringRun.objects.count() == 0
    with translation.override("en"):
        assert "at most 200 characters" in response.context["form"].errors["reason"][0]
    html = response.content.decode()
    assert "is-invalid" in html
    assert f'value="{reason}"' in html


def test_start_only_answers_post(staff_client):
    assert staff_client.get(START).status_code == 405
    assert ScoringRun.objects.count() == 0


# --- the progress partial -----------------------------------------------------------------


def progress(client, run, **headers):
    return client.get(reverse("workspace:rescoring_progress", args=[run.pk]), **headers)


def test_progress_of_a_running_run_shows_done_total_and_percent_and_keeps_polling(
    staff_client,
):
    run = a_run(status=ScoringRunStatus.RUNNING, total=4, done=3, started_at=timezone.now())
    staff_client.cookies["django_language"] = "en"

    response = progress(staff_client, run, **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert "3 of 4 demands (75%)" in html
    assert 'aria-valuenow="75"' in html
    assert 'data-width="75"' in html
    assert 'hx-trigger="every 2s"' in html
    assert "<html" not in html  # a fragment, not a page


@pytest.mark.parametrize("status", [ScoringRunStatus.DONE, ScoringRunStatus.FAILED])
def test_progress_of_a_finished_run_answers_286_so_htmx_stops_polling(staff_client, status):
    run = a_run(status=status, total=4, done=4, finished_at=timezone.now())

    response = progress(staff_client, run, **HTMX)

    assert response.status_code == 286
    html = response.content.decode()
    assert 'aria-valuenow="100"' in html
    assert "hx-trigger" not in html.split("<template>")[0]
    assert f'data-status="{status}"' in html


def test_final_progress_also_refreshes_the_run_row_and_frees_the_start_form(staff_client):
    run = a_run(status=ScoringRunStatus.DONE, total=2, done=2, finished_at=timezone.now())

    html = progress(staff_client, run, **HTMX).content.decode()

    assert f'<tr id="run-row-{run.pk}" data-run="{run.pk}" hx-swap-oob="true">' in html
    assert 'id="rescoring-start"' in html
    assert "disabled" not in html


def test_pending_run_waits_for_a_worker_at_zero_percent(staff_client):
    run = a_run(status=ScoringRunStatus.PENDING, total=12)

    response = progress(staff_client, run, **HTMX)

    assert response.status_code == 200
    assert 'aria-valuenow="0"' in response.content.decode()


def test_progress_of_an_unknown_run_is_404(staff_client):
    assert staff_client.get(reverse("workspace:rescoring_progress", args=[999])).status_code == 404
