"""What other apps register with privacy (partners may not import them): extra export
sections and anonymisers, and the :class:`Replacements` an anonymiser applies to the free
text it keeps."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any


class Registry:
    """Named callbacks registered by other apps; usable as a decorator::

    @registry.export_sections.register("partnerships")
    def partnerships(*, organisation): ...
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._callbacks: dict[str, Callable[..., Any]] = {}

    def __repr__(self) -> str:
        return f"<Registry {self.name}: {', '.join(self._callbacks) or 'empty'}>"

    def register(self, key: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def decorator(callback: Callable[..., Any]) -> Callable[..., Any]:
            self._callbacks[key] = callback
            return callback

        return decorator

    def items(self) -> list[tuple[str, Callable[..., Any]]]:
        return list(self._callbacks.items())


#: Extra sections of an export: ``fn(*, organisation) -> JSON-serialisable value``, stored
#: under the registered key.
export_sections = Registry("export_sections")

#: Called inside the anonymising transaction with ``organisation`` (already anonymised) and
#: ``replacements`` (a compiled :class:`Replacements` of old strings): scrub copies of the
#: organisation's names and personal data kept in other apps' rows.
anonymisers = Registry("anonymisers")


class Replacements:
    """Old strings (names, phones, e-mails…) and what replaces them in kept free text:
    whole words only, case-insensitive, longest first; strings under 4 characters are
    ignored so that short names cannot wreck unrelated words."""

    MIN_LENGTH = 4

    def __init__(self, mapping: Mapping[str, str]) -> None:
        self.mapping = {
            old.strip().lower(): new
            for old, new in mapping.items()
            if old and len(old.strip()) >= self.MIN_LENGTH
        }
        alternatives = sorted(self.mapping, key=len, reverse=True)
        self.pattern = (
            re.compile(
                "|".join(rf"(?<!\w){re.escape(old)}(?!\w)" for old in alternatives),
                re.IGNORECASE,
            )
            if alternatives
            else None
        )

    def __bool__(self) -> bool:
        return self.pattern is not None

    def apply(self, text: str) -> str:
        if not text or self.pattern is None:
            return text
        return self.pattern.sub(lambda m: self.mapping.get(m.group(0).lower(), m.group(0)), text)

    def apply_json(self, value: Any) -> Any:
        """The same replacements inside the strings of a JSON value."""
        if isinstance(value, str):
            return self.apply(value)
        if isinstance(value, list):
            return [self.apply_json(item) for item in value]
        if isinstance(value, dict):
            return {key: self.apply_json(item) for key, item in value.items()}
        return value
