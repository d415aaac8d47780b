"""Fixtures of the brokering tests: a 30-day stale limit, two officers (eager Celery is
``eager_tasks`` in tests/conftest.py)."""

import pytest

from tests.partners.factories import UserFactory


@pytest.fixture
def stale_days(settings):
    settings.PARTNERSHIP_STALE_DAYS = 30
    return 30


@pytest.fixture
def officer(db):
    return UserFactory(
        username="rina", first_name="Rina", last_name="Pembina", email="rina@kemenperin.go.id"
    )


@pytest.fixture
def other_officer(db):
    return UserFactory(
        username="budi", first_name="Budi", last_name="Santoso", email="budi@kemenperin.go.id"
    )
