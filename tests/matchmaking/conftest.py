"""Fixtures shared by the matching tests."""

import pytest

from tests.matchmaking.partnerships.world import World, build_world


@pytest.fixture
def world(django_capture_on_commit_callbacks) -> World:
    """One approved introduction between an IKM of Ceper and a railway manufacturer
    (``tests/matchmaking/partnerships/world.py``); a test module may define its own."""
    return build_world(django_capture_on_commit_callbacks)
