"""Security headers: the Content-Security-Policy, HSTS and the HTTPS redirect."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from matchmaking.settings import content_security_policy

pytestmark = pytest.mark.django_db


def test_every_page_carries_the_strict_policy(client):
    response = client.get(reverse("login"))

    policy = response["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


def test_the_map_tile_server_is_allowed_for_images_only():
    policy = content_security_policy("https://{s}.tile.example.org/{z}/{x}/{y}.png")

    assert policy["DIRECTIVES"]["img-src"] == ["'self'", "data:", "https://*.tile.example.org"]
    assert policy["DIRECTIVES"]["script-src"] == ["'self'"]
    assert content_security_policy("")["DIRECTIVES"]["img-src"] == ["'self'", "data:"]


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle=", re.I), 'style="" attribute'),
    (re.compile(r"\shx-on[:-]", re.I), "hx-on handler (eval)"),
    (re.compile(r"\son[a-z]+=", re.I), "inline event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_has_inline_script_or_style():
    found = []
    for template in sorted((settings.BASE_DIR / "templates").rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{template.relative_to(settings.BASE_DIR)}:{line}: {what}")
    assert found == []


def test_hsts_is_sent_over_https(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True

    response = client.get(reverse("login"), secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_http_is_redirected_to_https_except_the_health_check(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    page = client.get(reverse("login"))
    health = client.get(reverse("healthz"))

    assert page.status_code == 301
    assert page["Location"].startswith("https://")
    assert health.status_code in (200, 503)


def test_the_forwarded_proto_header_counts_only_when_configured(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = None

    assert client.get(reverse("login"), HTTP_X_FORWARDED_PROTO="https").status_code == 301

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert client.get(reverse("login"), HTTP_X_FORWARDED_PROTO="https").status_code == 200
