"""Matching policies: the policy in force, its scoring parameters and the validation of new
weights and parameters (``publishing`` publishes a new version)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..models import MatchingPolicy
from ..scoring.config import DEFAULT_WEIGHTS, FACTORS, Params, normalise_weights

DEFAULT_TOP_K = 20


def default_parameters() -> dict[str, float]:
    return dataclasses.asdict(Params())


def policy_active() -> MatchingPolicy:
    """The policy in force; the first call on an empty database creates version 1."""
    policy = MatchingPolicy.objects.filter(is_active=True).first()
    if policy is not None:
        return policy
    try:
        with transaction.atomic():
            return MatchingPolicy.objects.create(
                version=1,
                name="Standard",
                weights=dict(DEFAULT_WEIGHTS),
                parameters=default_parameters(),
                top_k=DEFAULT_TOP_K,
                is_active=True,
                note="Default policy created on first use.",
            )
    except IntegrityError:  # another process created it first
        return MatchingPolicy.objects.get(is_active=True)


def policy_params(policy: MatchingPolicy) -> Params:
    return Params(**{**default_parameters(), **(policy.parameters or {})})


def validate_policy(
    *, weights: Mapping[str, Any], parameters: Mapping[str, Any]
) -> tuple[dict[str, float], dict[str, float]]:
    """Checked weights (every factor present) and parameters, or a field-level error."""
    errors: dict[str, list[str]] = {}
    clean_weights: dict[str, float] = {}
    try:
        if not isinstance(weights, Mapping):
            raise TypeError
        clean_weights = {f: float(weights.get(f, 0.0)) for f in FACTORS}
        unknown = sorted(set(weights) - set(FACTORS))
        if unknown:
            raise ValueError
        normalise_weights(clean_weights)
    except (TypeError, ValueError):
        errors["weights"] = [
            _(
                "Give a non-negative number for each factor (%(factors)s); at least one must "
                "be above zero."
            )
            % {"factors": ", ".join(FACTORS)}
        ]
    clean_params: dict[str, float] = {}
    try:
        if not isinstance(parameters, Mapping):
            raise TypeError("give an object of parameter names and values")
        clean_params = dataclasses.asdict(Params(**{**default_parameters(), **parameters}))
    except (TypeError, ValueError) as exc:
        errors["parameters"] = [_("Invalid parameters: %(error)s") % {"error": exc}]
    if errors:
        raise ValidationError(errors)
    return clean_weights, clean_params
