"""Request body limits: an oversized request is refused before its body is read."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


class UnreadableBody(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def __init__(self) -> None:
        self.reads = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        self.reads += 1
        raise AssertionError("the request body was read")

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        raise AssertionError("the request body was read")

    def readline(self, size: int | None = -1) -> bytes:
        self.reads += 1
        raise AssertionError("the request body was read")


def post_declaring(client, url: str, length: int, body):
    return client.generic(
        "POST",
        url,
        data=b"-",
        content_type="multipart/form-data; boundary=BoUnDaRy",
        CONTENT_LENGTH=str(length),
        **{"wsgi.input": body},
    )


def test_a_200_mb_upload_is_refused_with_413_before_its_body_is_read(client):
    body = UnreadableBody()

    response = post_declaring(client, reverse("partners:signup"), 200 * 1024 * 1024, body)

    assert response.status_code == 413
    assert body.reads == 0
    assert response["Connection"] == "close"
    page = response.content.decode()
    assert 'id="error-413"' in page
    assert "21 MB" in page


def test_the_limit_is_the_upload_maximum_plus_a_margin(client, settings):
    assert settings.REQUEST_MAX_BYTES > settings.UPLOAD_MAX_BYTES
    settings.REQUEST_MAX_BYTES = 10_000
    body = UnreadableBody()

    response = post_declaring(client, reverse("login"), 10_001, body)

    assert response.status_code == 413
    assert body.reads == 0


def test_a_request_within_the_limit_reaches_the_view(client, settings):
    settings.REQUEST_MAX_BYTES = 10_000

    response = client.post(reverse("login"), {"username": "nobody", "password": "x" * 5_000})

    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()


def test_form_fields_above_data_upload_max_memory_size_are_refused_with_400(client):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    oversized = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    response = client.post(reverse("login"), {"username": "nobody", "password": oversized})

    assert response.status_code == 400
