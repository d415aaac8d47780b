"""Introductions inbox (see matchmaking/inbox_urls.py)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
