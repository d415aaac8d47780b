"""Fragment or page: one decision for every view."""

import pytest
from django.template import engines
from django.test import RequestFactory
from django_htmx.middleware import HtmxMiddleware

from common.htmx import redirect_page, render_page_or_fragment, wants_fragment


def _request(**headers):
    request = RequestFactory().get("/", headers=headers)
    HtmxMiddleware(lambda r: None)(request)
    return request


@pytest.mark.parametrize(
    "headers, fragment",
    [
        ({}, False),
        ({"HX-Request": "true"}, True),
        ({"HX-Request": "true", "HX-Boosted": "true"}, False),
    ],
)
def test_wants_fragment_only_for_an_htmx_swap(headers, fragment):
    assert wants_fragment(_request(**headers)) is fragment


def test_wants_fragment_without_the_middleware_is_a_page():
    assert wants_fragment(RequestFactory().get("/")) is False


@pytest.fixture
def templates(monkeypatch):
    engine = engines["django"]
    loaded = {
        "page.html": engine.from_string("PAGE[{{ n }}]"),
        "fragment.html": engine.from_string("FRAGMENT[{{ n }}]"),
    }
    monkeypatch.setattr(
        "django.template.loader.get_template",
        lambda name, using=None: loaded[name],
    )


def test_render_page_or_fragment_chooses_by_the_request(templates):
    page = render_page_or_fragment(
        _request(), page="page.html", fragment="fragment.html", context={"n": 1}
    )
    fragment = render_page_or_fragment(
        _request(**{"HX-Request": "true"}),
        page="page.html",
        fragment="fragment.html",
        context={"n": 2},
        status=400,
    )
    assert page.content == b"PAGE[1]"
    assert (fragment.content, fragment.status_code) == (b"FRAGMENT[2]", 400)


def test_redirect_page_tells_htmx_to_load_the_page_and_a_browser_to_follow():
    htmx = redirect_page(_request(**{"HX-Request": "true"}), "/staff/")
    plain = redirect_page(_request(), "/staff/")
    assert htmx["HX-Redirect"] == "/staff/"
    assert (plain.status_code, plain["Location"]) == (302, "/staff/")


def test_refused_input_answers_400_to_htmx_and_200_to_a_browser(templates):
    kwargs = {"page": "page.html", "fragment": "fragment.html", "context": {"n": 3}}
    swapped = render_page_or_fragment(_request(**{"HX-Request": "true"}), invalid=True, **kwargs)
    shown = render_page_or_fragment(_request(), invalid=True, **kwargs)
    assert (swapped.status_code, swapped.content) == (400, b"FRAGMENT[3]")
    assert (shown.status_code, shown.content) == (200, b"PAGE[3]")
