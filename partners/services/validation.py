"""What every partner service does before it saves: assign only the fields it accepts, then
``full_clean()`` plus the business rules that span more than one field or model, reported
together, keyed by field."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

# A rule runs after full_clean() unless its field already has an error; it returns the
# error for that field, or None.
Rule = Callable[[], ValidationError | None]


def assign(instance: models.Model, data: Mapping[str, Any], allowed: Collection[str]) -> None:
    """Set ``data`` on ``instance``; a field outside ``allowed`` is a programming error."""
    unknown = set(data) - set(allowed)
    if unknown:
        raise TypeError(
            f"{type(instance).__name__} fields not accepted here: {', '.join(sorted(unknown))}"
        )
    for name, value in data.items():
        setattr(instance, name, value)


def validate(
    instance: models.Model,
    *,
    rules: Mapping[str, Rule] | None = None,
    exclude: Collection[str] | None = None,
) -> None:
    """``full_clean()`` then ``rules``; every error at once, as one ``ValidationError``."""
    errors: dict[str, list[ValidationError]] = {}
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        errors = {field: list(field_errors) for field, field_errors in exc.error_dict.items()}
    for field, rule in (rules or {}).items():
        if field in errors:
            continue
        error = rule()
        if error is not None:
            errors[field] = [error]
    if errors:
        raise ValidationError(errors)
