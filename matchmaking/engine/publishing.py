"""Publishing a matching policy. A policy is never edited in place: publishing creates the
next version, deactivates the previous one and, once the transaction commits, starts a full
rescore under it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Max

from ..models import MatchingPolicy
from .policies import DEFAULT_TOP_K, validate_policy
from .scheduling import full_rescore_start


def policy_publish(
    *,
    by,
    weights: Mapping[str, Any],
    parameters: Mapping[str, Any] | None = None,
    top_k: int = DEFAULT_TOP_K,
    name: str = "Standard",
    note: str = "",
) -> MatchingPolicy:
    """Create and activate the next policy version, then rescore everything on commit."""
    clean_weights, clean_params = validate_policy(weights=weights, parameters=parameters or {})
    with transaction.atomic():
        current = MatchingPolicy.objects.select_for_update().filter(is_active=True).first()
        version = (MatchingPolicy.objects.aggregate(v=Max("version"))["v"] or 0) + 1
        if current is not None:
            current.is_active = False
            current.save(update_fields=["is_active", "updated_at"])
        policy = MatchingPolicy(
            version=version,
            name=name,
            weights=clean_weights,
            parameters=clean_params,
            top_k=top_k,
            is_active=True,
            note=note,
            created_by=by,
        )
        policy.full_clean()
        policy.save()
        full_rescore_start(policy=policy, triggered_by=by, reason=f"policy v{version} published")
    return policy
