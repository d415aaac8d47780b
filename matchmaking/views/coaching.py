"""Staff workspace: coaching pages (see matchmaking/workspace_urls.py)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
