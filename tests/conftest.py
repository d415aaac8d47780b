"""Shared fixtures: a user per role, logged-in clients and a REST client."""

import pytest
from rest_framework.test import APIClient

from tests.partners.factories import ManufacturerFactory, SupplierFactory, UserFactory


@pytest.fixture
def staff_user(db):
    return UserFactory(username="pembina", is_staff=True)


@pytest.fixture
def ikm_user(db):
    user = UserFactory(username="ikm-owner")
    SupplierFactory(owner=user)
    return user


@pytest.fixture
def manufacturer_user(db):
    user = UserFactory(username="pabrikan")
    ManufacturerFactory().members.add(user)
    return user


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def ikm_client(client, ikm_user):
    client.force_login(ikm_user)
    return client


@pytest.fixture
def manufacturer_client(client, manufacturer_user):
    client.force_login(manufacturer_user)
    return client


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded documents go to a fresh folder (the private storage follows MEDIA_ROOT)."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def eager_tasks():
    """Run enqueued tasks in-process even when a Redis broker is configured."""
    from matchmaking.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fresh_local_cache():
    """Each test starts with an empty local-memory cache (the API throttle counts there).
    A Redis cache (CACHE_URL) is never flushed by the suite."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    if isinstance(caches["default"], LocMemCache):
        caches["default"].clear()
    # the scoring context kept by the process: a rolled-back catalogue with frozen time
    # could otherwise look unchanged to the next test
    from matchmaking.engine import rescoring, spec_cache

    rescoring._cached = None
    spec_cache.forget()


@pytest.fixture
def mail_sent_at_once(monkeypatch):
    """E-mail stored in the outbox (``common.outbox.mail_queue``) is delivered at once, as if
    the test's transaction had committed and a worker had sent it (tasks run in-process):
    for tests of code that runs in the worker, like the beat's reminders."""
    from common import outbox
    from common.models import OutboxTask

    def enqueue_and_deliver(task_name, *args):
        row = OutboxTask.objects.create(task_name=task_name, args=list(args))
        outbox.deliver(row.pk)
        return row

    monkeypatch.setattr(outbox, "enqueue", enqueue_and_deliver)
