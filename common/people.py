"""How a person is named on pages, in e-mails and in exports."""

from __future__ import annotations

from typing import Protocol


class _Person(Protocol):
    def get_full_name(self) -> str: ...

    def get_username(self) -> str: ...


def display_name(user: _Person | None) -> str:
    """The user's full name, or their username when they gave none; ``""`` for nobody."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
