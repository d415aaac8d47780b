"""Bug 4: ``load_demo`` with a broker configured loaded no partnerships (six without one).

The demo partnerships approve top matches, so they need the full rescore finished; with a
broker that rescore was only enqueued for a worker, and the command skipped them. The
command now scores the demo in its own process, so the data is the same either way."""

from io import StringIO

import pytest
from celery import Task
from django.core.management import call_command

from matchmaking.celery import app as celery_app
from matchmaking.choices import ScoringRunStatus
from matchmaking.demo.partnerships import SCENARIOS
from matchmaking.models import Partnership, ScoringRun

pytestmark = pytest.mark.django_db

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture(params=["broker without a worker", "embedded (eager)"])
def celery_mode(request, settings, monkeypatch):
    """The settings as with a broker (tasks not eager, a broker URL that is never reached)
    or as without one; what would be sent to the broker is recorded, not sent."""
    sent: list[str] = []
    previous = celery_app.conf.task_always_eager, celery_app.conf.broker_url
    if request.param == "broker without a worker":
        settings.CELERY_BROKER_URL = UNREACHABLE_BROKER
        settings.CELERY_TASK_ALWAYS_EAGER = False
        celery_app.conf.broker_url = UNREACHABLE_BROKER
        celery_app.conf.task_always_eager = False

        def apply_async(self, args=None, kwargs=None, **options):
            sent.append(self.name)

        monkeypatch.setattr(Task, "apply_async", apply_async)
    else:
        settings.CELERY_BROKER_URL = ""
        settings.CELERY_TASK_ALWAYS_EAGER = True
        celery_app.conf.task_always_eager = True
    yield sent
    celery_app.conf.task_always_eager, celery_app.conf.broker_url = previous


def test_load_demo_loads_the_six_demo_partnerships_with_or_without_a_broker(
    celery_mode, django_capture_on_commit_callbacks
):
    out = StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", stdout=out)

    assert len(SCENARIOS) == 6
    assert Partnership.objects.count() == 6
    assert {p.demand.title for p in Partnership.objects.select_related("demand")} == {
        s.demand for s in SCENARIOS
    }
    assert ScoringRun.objects.get().status == ScoringRunStatus.DONE
    assert "partnerships" in out.getvalue()
