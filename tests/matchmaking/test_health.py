"""/healthz reports the database and the broker, and answers 503 when either is down."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection
from django.db.backends.utils import CursorWrapper
from django.db.utils import load_backend
from django.urls import reverse

from matchmaking.health import check_broker, check_database

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def refuse_queries_everywhere(self, sql, params=None):
    raise OperationalError("server closed the connection unexpectedly")


def unreachable_postgres():
    """A real PostgreSQL connection object pointed at a port nobody listens on."""
    settings_dict = connection.settings_dict | {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "jembatan",
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": "127.0.0.1",
        "PORT": "1",
        "OPTIONS": {"connect_timeout": 2},
        "CONN_MAX_AGE": 0,
    }
    backend = load_backend(settings_dict["ENGINE"])
    return backend.DatabaseWrapper(settings_dict, alias="unreachable")


def test_healthz_is_ok_when_the_database_answers(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["database"]["vendor"] == connection.vendor
    assert body["broker"]["ok"] is True
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_answers_503_when_database_queries_fail(client, monkeypatch):
    # the check runs in a thread of its own (bounded in time): every connection refuses
    monkeypatch.setattr(CursorWrapper, "execute", refuse_queries_everywhere)
    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == {
        "ok": False,
        "vendor": connection.vendor,
        "error": "OperationalError",
    }


def test_database_check_reports_a_server_that_cannot_be_reached():
    broken = unreachable_postgres()

    result = check_database(broken)

    assert result == {"ok": False, "vendor": "postgresql", "error": "OperationalError"}


def test_eager_mode_needs_no_broker(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_BROKER_URL = ""

    assert check_broker() == {"ok": True, "mode": "eager"}


def test_healthz_answers_503_when_the_configured_broker_is_down(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = UNREACHABLE_REDIS

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    body = response.json()
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is False
    assert body["broker"]["mode"] == "redis"
    assert "127.0.0.1:1" not in response.content.decode()


@pytest.mark.redis
def test_healthz_reaches_a_running_redis_broker(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json()["broker"]["ok"] is True
    assert response.json()["broker"]["mode"] == "redis"


def test_healthz_refuses_post(client):
    assert client.post(reverse("healthz")).status_code == 405
