"""docker-compose.yml and the Dockerfile describe a stack that can actually start.

No Docker engine runs in CI, so these tests read the files: every service is there, the
long-running ones have health checks, start order waits for healthy dependencies, and the
commands name modules that exist in this code base.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
import yaml
from celery import Celery
from django.conf import settings
from django.core.management import get_commands

COMPOSE = yaml.safe_load((settings.BASE_DIR / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
DOCKERFILE = (settings.BASE_DIR / "Dockerfile").read_text()
APP_SERVICES = ["migrate", "web", "worker", "beat"]


def as_argv(command: str | list[str]) -> list[str]:
    return command.split() if isinstance(command, str) else command


def test_compose_has_every_service():
    assert {"web", "worker", "beat", "postgres", "redis", "migrate"} <= set(SERVICES)
    assert SERVICES["postgres"]["image"].startswith("postgres:15")
    assert SERVICES["redis"]["image"].startswith("redis:7")


@pytest.mark.parametrize("name", ["web", "worker", "postgres", "redis"])
def test_long_running_services_have_health_checks(name):
    healthcheck = SERVICES[name]["healthcheck"]

    assert healthcheck["test"][0] in {"CMD", "CMD-SHELL"}
    assert healthcheck["retries"] >= 1


def test_web_health_check_polls_healthz():
    assert "/healthz" in " ".join(SERVICES["web"]["healthcheck"]["test"])


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_app_services_wait_for_healthy_database_and_broker_and_migrations(name):
    depends_on = SERVICES[name]["depends_on"]

    assert depends_on["postgres"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"
    assert depends_on["migrate"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_run_in_production_mode_against_postgres_and_redis(name):
    environment = SERVICES[name]["environment"]

    assert environment["JEMBATAN_ENV"] == "production"
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert environment["CELERY_BROKER_URL"].startswith("redis://redis:6379/")
    # the shared cache (API throttle counts) in another Redis database than the queue
    assert environment["CACHE_URL"].startswith("redis://redis:6379/")
    assert environment["CACHE_URL"] != environment["CELERY_BROKER_URL"]
    assert environment["SECRET_KEY"] == "${SECRET_KEY:?set SECRET_KEY}"
    assert "ALLOWED_HOSTS" in environment


def test_stateful_services_keep_data_in_named_volumes():
    volumes = COMPOSE["volumes"]
    mounts = {
        name: [mount.split(":")[0] for mount in SERVICES[name].get("volumes", [])]
        for name in SERVICES
    }

    assert "postgres-data" in mounts["postgres"]
    assert "redis-data" in mounts["redis"]
    assert "beat-schedule" in mounts["beat"]
    for service_mounts in mounts.values():
        for source in service_mounts:
            assert source in volumes, f"{source} is not a declared named volume"


def test_web_command_serves_the_real_wsgi_application():
    argv = as_argv(SERVICES["web"]["command"])
    assert argv[0] == "gunicorn"
    module_name, attribute = argv[1].split(":")

    application = getattr(importlib.import_module(module_name), attribute)

    assert callable(application)


@pytest.mark.parametrize("name, subcommand", [("worker", "worker"), ("beat", "beat")])
def test_celery_commands_name_the_real_celery_app(name, subcommand):
    argv = as_argv(SERVICES[name]["command"])
    assert argv[:2] == ["celery", "-A"]
    assert argv[3] == subcommand

    module = importlib.import_module(argv[2])

    assert isinstance(module.celery_app, Celery)


def test_migrate_service_runs_existing_management_commands():
    argv = as_argv(SERVICES["migrate"]["command"])
    assert argv[:2] == ["sh", "-c"]
    steps = [step.split() for step in argv[2].split("&&")]

    assert [step[:2] for step in steps] == [["python", "manage.py"]] * 2
    assert [step[2] for step in steps] == ["migrate", "load_reference"]
    assert {"migrate", "load_reference"} <= set(get_commands())


def test_dockerfile_installs_the_lock_with_hashes_and_collects_static():
    assert DOCKERFILE.startswith("# ") and "\nFROM python:3.11-slim\n" in DOCKERFILE
    assert "pip install --require-hashes -r requirements.lock" in DOCKERFILE
    assert "manage.py collectstatic --noinput" in DOCKERFILE
    assert "\nUSER jembatan\n" in DOCKERFILE
    assert '"matchmaking.wsgi:application"' in DOCKERFILE


def test_image_can_back_up_the_compose_database():
    """`manage.py backup` and `restore` run pg_dump and pg_restore inside the image."""
    assert "apt-get install -y --no-install-recommends postgresql-client" in DOCKERFILE
    assert {"backup", "restore"} <= set(get_commands())


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = Path(settings.BASE_DIR / ".dockerignore").read_text().split()

    assert {".git", ".venv", "var", "staticfiles"} <= set(ignored)


def test_the_worker_consumes_the_scoring_queue_and_the_default_one():
    argv = as_argv(SERVICES["worker"]["command"])
    queues = argv[argv.index("-Q") + 1].split(",")
    assert sorted(queues) == ["celery", "scoring"]
