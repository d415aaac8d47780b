"""The branded 500 page: the site's layout, no context processors, the user's language."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.common.urls_failing")]


@pytest.fixture
def failing_client(settings) -> Client:
    settings.DEBUG = False
    return Client(raise_request_exception=False)


def test_a_failing_view_answers_the_branded_500_page_in_indonesian(failing_client):
    response = failing_client.get("/failing/")

    assert response.status_code == 500
    page = response.content.decode()
    assert '<html lang="id"' in page
    assert 'id="error-500"' in page
    assert "Terjadi kesalahan" in page
    assert 'class="navbar-brand fw-semibold"' in page
    assert "css/jembatan.css" in page
    # Nothing of the failure reaches the user.
    assert "RuntimeError" not in page
    assert "the view failed" not in page


def test_the_500_page_follows_the_chosen_language(failing_client):
    failing_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = failing_client.get("/failing/")

    assert response.status_code == 500
    page = response.content.decode()
    assert '<html lang="en"' in page
    assert "Something went wrong" in page


def test_the_500_template_renders_without_any_request_context():
    from django.template.loader import get_template

    page = get_template("500.html").render({})

    assert 'id="error-500"' in page
