"""How systems and browsers authenticate to the API, and its throttle (issue #10).

No HTTP Basic (a password sent with every call, and one that guessed it could try forever):
the browser uses its session, systems a token a superuser issues and revokes. The throttle
counts in the shared cache and answers 429 past the rate.
"""

from __future__ import annotations

import base64

import pytest
from django.core.cache import caches
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from matchmaking.workspace.api import throttling
from tests.partners.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "jembatan-test-password"


@pytest.fixture
def url():
    return reverse("supplier-list")


@pytest.fixture
def officer(db):
    return UserFactory(username="pembina-api", is_staff=True)


def _basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_right_basic_credentials_are_refused(officer, url):
    client = APIClient()

    response = client.get(url, HTTP_AUTHORIZATION=_basic(officer.username, PASSWORD))

    assert response.status_code in (401, 403)
    assert "Basic" not in response.get("WWW-Authenticate", "")


def test_a_token_works_and_a_revoked_one_does_not(officer, url):
    token = Token.objects.create(user=officer)
    client = APIClient()

    assert client.get(url, HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200

    token.delete()  # what "delete" on the token's admin page does

    response = client.get(url, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_token_of_a_non_staff_user_reaches_nothing(url):
    ikm = UserFactory(username="ikm-api")
    token = Token.objects.create(user=ikm)

    response = APIClient().get(url, HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 403


def test_the_browser_session_still_works(officer, url):
    client = APIClient()
    client.force_login(officer)

    assert client.get(url).status_code == 200


def test_the_throttle_answers_429_past_the_user_rate(officer, url, monkeypatch):
    token = Token.objects.create(user=officer)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    # DRF reads the rates once, into the class: set them there for this test.
    monkeypatch.setattr(throttling.UserThrottle, "THROTTLE_RATES", {"user": "3/minute"})

    answers = [client.get(url).status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    assert int(client.get(url)["Retry-After"]) > 0
    # counted in the cache, shared by every worker when CACHE_URL is set
    assert caches["default"].get(f"throttle_user_{officer.pk}")


def test_the_throttle_lets_requests_through_when_the_cache_is_down(officer, url, monkeypatch):
    def unreachable(*args, **kwargs):
        raise ConnectionError("cache refused")

    monkeypatch.setattr(throttling.UserThrottle, "THROTTLE_RATES", {"user": "1/minute"})
    monkeypatch.setattr(throttling.UserThrottle, "cache", type("Down", (), {"get": unreachable}))
    client = APIClient()
    client.force_login(officer)

    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]


def test_settings_name_no_basic_authentication_and_throttle_by_default():
    from django.conf import settings

    rest = settings.REST_FRAMEWORK
    assert not any("Basic" in name for name in rest["DEFAULT_AUTHENTICATION_CLASSES"])
    assert rest["DEFAULT_THROTTLE_CLASSES"]
    assert set(rest["DEFAULT_THROTTLE_RATES"]) == {"anon", "user"}


@pytest.mark.redis
def test_with_cache_url_every_worker_counts_in_the_same_redis(officer, url, monkeypatch, settings):
    """Two gunicorn workers are two processes with their own cache client: with the Redis
    cache of CACHE_URL they count the same requests (local memory would count each apart)."""
    from django.core.cache.backends.redis import RedisCache
    from rest_framework.test import APIRequestFactory, force_authenticate

    from matchmaking.workspace.api.suppliers import SupplierViewSet

    params = {"KEY_PREFIX": f"jembatan-test-{officer.pk}-{id(officer)}", "OPTIONS": {}}
    workers = [RedisCache(settings.CELERY_BROKER_URL, params) for _ in range(2)]
    monkeypatch.setattr(throttling.UserThrottle, "THROTTLE_RATES", {"user": "3/minute"})
    view = SupplierViewSet.as_view({"get": "list"})
    answers = []
    try:
        for turn in range(4):
            monkeypatch.setattr(throttling.UserThrottle, "cache", workers[turn % 2])
            request = APIRequestFactory().get(url)
            force_authenticate(request, user=officer)
            answers.append(view(request).status_code)
    finally:
        workers[0].delete(f"throttle_user_{officer.pk}")
    assert answers == [200, 200, 200, 429]
