"""The rescoring tasks moved to ``matchmaking.engine.tasks`` but keep their Celery names, so
tasks already queued and the beat schedule keep working."""

from django.conf import settings

from matchmaking.celery import app as celery_app
from matchmaking.engine.tasks import full_rescore_task, rescore_demand_task, rescore_supplier_task


def test_rescoring_tasks_keep_their_celery_names():
    assert rescore_supplier_task.name == "matchmaking.tasks.rescore_supplier_task"
    assert rescore_demand_task.name == "matchmaking.tasks.rescore_demand_task"
    assert full_rescore_task.name == "matchmaking.tasks.full_rescore_task"


def test_every_beat_entry_names_a_registered_task():
    celery_app.loader.import_default_modules()

    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in celery_app.tasks
