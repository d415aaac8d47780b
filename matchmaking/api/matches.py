"""API: matches."""

from __future__ import annotations

from typing import Any

# (prefix, viewset, basename) triples registered on the router in api/urls.py.
routes: list[tuple[str, Any, str]] = []
