"""Nothing lost when Redis, SMTP or the database fail (issue #10, defects 3, 4, 5 and the
stalled rescore of 7): writes answer within seconds and save, the outbox delivers their
rescoring once the broker is back (rows equal to a full rescore), mail is sent by the worker
with retries, /healthz answers 503 within 3 s, and a killed full rescore resumes within
2 minutes."""

from __future__ import annotations

import datetime
import socket
import threading
import time

import pytest
from celery import current_app
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from common.models import OutboxTask, OutgoingMail
from common.outbox import sweep
from components.choices import Unit
from matchmaking.choices import MatchStatus, ScoringRunStatus
from matchmaking.engine import runs, scheduling
from matchmaking.models import Match, ScoringRun
from tests.matchmaking import factories as f
from tests.matchmaking.workspace.views.test_demands import scored_demand
from tests.partners.factories import UserFactory
from tests.partners.views.test_accounts_views import SIGNUP, signup_data

REFUSED = "redis://127.0.0.1:6390/6"  # nothing listens there
LIMIT = 3.0  # seconds: an upper bound on a hang, generous for a loaded machine


@pytest.fixture
def hung_server():
    """A TCP server that accepts connections and never answers: ``host:port``."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(50)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()
    stop.set()
    thread.join(timeout=2)
    for sock in accepted:
        sock.close()
    server.close()


@pytest.fixture
def broker(monkeypatch):
    """Point the Celery app at a broker URL (tasks published, not run in-process) for the
    test; ``back()`` restores the in-process mode, standing for a broker that answers."""
    app = current_app._get_current_object()
    saved = (app.conf.broker_url, app.conf.task_always_eager)

    def drop_pools() -> None:
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None

    def use(url: str) -> None:
        drop_pools()
        monkeypatch.setenv("CELERY_BROKER_URL", url)  # Celery reads it before its conf
        app.conf.broker_url = url
        app.conf.task_always_eager = False

    def back() -> None:
        drop_pools()
        monkeypatch.undo()
        app.conf.broker_url, app.conf.task_always_eager = saved

    use.back = back  # type: ignore[attr-defined]
    yield use
    back()


def down_url(how: str, hung_server) -> str:
    if how == "refused":
        return REFUSED
    host, port = hung_server
    return f"redis://{host}:{port}/6"


@pytest.fixture
def cat():
    return f.catalogue()


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def assert_rescore_equals_full_rescore() -> None:
    delivered = f.stored_results()
    runs.full_rescore_in_process(reason="reference")
    assert f.stored_results() == delivered


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["refused", "hung"])
def test_a_match_approval_with_the_broker_down_saves_answers_and_is_rescored_later(
    how, cat, staff_client, broker, hung_server
):
    demand = scored_demand(cat, title="Blok rem metalik gerbong barang")
    match = Match.objects.get(demand=demand, supplier__legal_name="CV Logam Jaya")
    broker(down_url(how, hung_server))

    response, seconds = timed(
        lambda: staff_client.post(
            "/staff/review/",
            {"pair": f"{demand.pk}:{match.supplier_id}", "to_status": MatchStatus.APPROVED},
        )
    )

    assert response.status_code < 400
    assert seconds <= LIMIT
    match.refresh_from_db()
    assert match.status == MatchStatus.APPROVED
    pending = list(OutboxTask.objects.values_list("task_name", "args"))
    assert ("matchmaking.tasks.rescore_supplier_task", [match.supplier_id]) in pending

    broker.back()  # type: ignore[attr-defined]
    assert sweep(grace_seconds=0) == len(pending)
    assert not OutboxTask.objects.exists()
    assert_rescore_equals_full_rescore()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["refused", "hung"])
def test_a_capability_edit_with_the_broker_down_saves_answers_and_is_rescored_later(
    how, cat, client, broker, hung_server
):
    demand = scored_demand(cat, title="Blok rem metalik gerbong barang")
    owner = UserFactory(username="sri.ceper")
    supplier = Match.objects.get(demand=demand, supplier__legal_name="CV Logam Jaya").supplier
    supplier.owner = owner
    supplier.save(update_fields=["owner"])
    capability = supplier.capabilities.get()
    client.force_login(owner)
    broker(down_url(how, hung_server))

    response, seconds = timed(
        lambda: client.post(
            f"/ikm/capabilities/{capability.pk}/edit/",
            {
                "component_type": cat.brake_block.pk,
                "processes": [cat.casting.pk],
                "materials": [cat.grey_iron.pk],
                "monthly_capacity": "7500",
                "capacity_unit": Unit.PIECE,
                "minimum_order": "",
                "lead_time_days": "21",
            },
        )
    )

    assert response.status_code == 302
    assert seconds <= LIMIT
    capability.refresh_from_db()
    assert capability.monthly_capacity == 7500
    before = f.stored_results()
    assert OutboxTask.objects.filter(
        task_name="matchmaking.tasks.rescore_supplier_task", args=[supplier.pk]
    ).exists()

    broker.back()  # type: ignore[attr-defined]
    assert sweep(grace_seconds=0) >= 1
    assert not OutboxTask.objects.exists()
    assert f.stored_results() != before  # the capacity raised changed the scores
    assert_rescore_equals_full_rescore()


@pytest.mark.django_db(transaction=True)
def test_sign_up_with_smtp_down_answers_and_the_mail_is_delivered_later(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 6391, 2

    response, seconds = timed(lambda: client.post(SIGNUP, signup_data()))

    assert response.status_code in (200, 302)
    assert seconds <= LIMIT
    stored = OutgoingMail.objects.get()
    assert stored.to == ["sri@logamceper.id"] and stored.sent_at is None
    assert stored.attempts >= 1 and stored.last_error  # tried (and retried) in-process
    assert mail.outbox == []

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # SMTP is back
    OutboxTask.objects.all().update(created_at=timezone.now() - datetime.timedelta(minutes=1))
    sweep()

    stored.refresh_from_db()
    assert stored.sent_at is not None
    assert [m.to for m in mail.outbox] == [["sri@logamceper.id"]]
    sweep(grace_seconds=0)  # a second delivery sends nothing twice
    assert len(mail.outbox) == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_healthz_answers_503_within_3_s_when_the_database_hangs(client, hung_server, monkeypatch):
    host, port = hung_server
    monkeypatch.setitem(connection.settings_dict, "HOST", host)
    monkeypatch.setitem(connection.settings_dict, "PORT", str(port))

    response, seconds = timed(lambda: client.get(reverse("healthz")))

    assert response.status_code == 503
    assert seconds <= LIMIT
    assert response.json()["database"]["ok"] is False


@pytest.mark.redis
@pytest.mark.django_db
def test_healthz_answers_503_within_3_s_when_the_broker_hangs(client, settings, hung_server):
    host, port = hung_server
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = f"redis://{host}:{port}/6"

    response, seconds = timed(lambda: client.get(reverse("healthz")))

    assert response.status_code == 503
    assert seconds <= LIMIT
    assert response.json()["broker"]["ok"] is False


@pytest.mark.django_db
def test_a_killed_full_rescore_is_resumed_within_2_minutes(
    cat, staff_client, django_capture_on_commit_callbacks, settings
):
    settings.RESCORE_SHARD_SIZE = 2
    for i in range(6):
        f.brake_block_demand(cat, quantity=200 + i)
    f.supplier(cat, name="CV Ceper Presisi")
    run = runs.full_rescore_record(reason="to be killed")
    runs.full_rescore_run(run_id=run.pk, max_shards=1)  # then the worker died
    killed_at = timezone.now()

    # within 90 s of its last heartbeat it counts as alive: the button says it runs
    response = staff_client.post(reverse("workspace:rescoring_start"), {"reason": "again"})
    assert response.status_code == 409
    assert f"#{run.pk}" in response.content.decode()
    assert scheduling.resume_stalled_runs() == []

    # two minutes later (the clock driven, not slept): the button says it is resumed ...
    ScoringRun.objects.filter(pk=run.pk).update(
        updated_at=killed_at - datetime.timedelta(seconds=120)
    )
    response = staff_client.post(reverse("workspace:rescoring_start"), {"reason": "again"})
    assert response.status_code == 409
    assert "resumed" in response.content.decode() or "dilanjutkan" in response.content.decode()
    # ... and the beat's check (every minute) resumes it
    with django_capture_on_commit_callbacks(execute=True):
        assert scheduling.resume_stalled_runs() == [run.pk]
    run.refresh_from_db()
    assert run.status == ScoringRunStatus.DONE and run.done == run.total == 6
