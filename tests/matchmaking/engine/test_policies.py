"""Matching policies: versioned publishing, validation, the full rescore it triggers, and
the admin that publishes through it."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from matchmaking.choices import ScoringRunKind, ScoringRunStatus
from matchmaking.engine.policies import default_parameters, policy_active, policy_params
from matchmaking.engine.publishing import policy_publish
from matchmaking.models import Match, MatchingPolicy, ScoringRun
from matchmaking.scoring.config import DEFAULT_WEIGHTS, FACTORS
from tests.matchmaking import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


def test_policy_active_creates_the_default_version_once():
    first = policy_active()
    assert (first.version, first.is_active, first.top_k) == (1, True, 20)
    assert first.weights == dict(DEFAULT_WEIGHTS)
    assert policy_active() == first
    assert MatchingPolicy.objects.count() == 1


def test_policy_publish_creates_the_next_version_and_deactivates_the_old(staff_user):
    first = policy_active()

    second = policy_publish(
        by=staff_user, weights={**DEFAULT_WEIGHTS, "distance": 0.3}, top_k=10, note="closer"
    )

    first.refresh_from_db()
    assert first.is_active is False
    assert (second.version, second.is_active, second.top_k) == (2, True, 10)
    assert second.created_by == staff_user
    assert second.weights["distance"] == 0.3
    assert set(second.weights) == set(FACTORS)
    assert second.parameters == default_parameters()
    assert policy_active() == second
    assert MatchingPolicy.objects.filter(is_active=True).count() == 1


def test_policy_publish_fills_missing_factors_with_zero_and_merges_parameters(staff_user):
    policy = policy_publish(
        by=staff_user,
        weights={"component_fit": 1, "capacity_fit": 1},
        parameters={"distance_length_km": 150},
    )

    assert policy.weights["distance"] == 0.0
    assert policy_params(policy).distance_length_km == 150
    assert policy_params(policy).spread_scale == default_parameters()["spread_scale"]


@pytest.mark.parametrize(
    ("weights", "parameters", "top_k", "field"),
    [
        ({**DEFAULT_WEIGHTS, "price": 0.2}, {}, 20, "weights"),
        ({**DEFAULT_WEIGHTS, "distance": -0.1}, {}, 20, "weights"),
        (dict.fromkeys(DEFAULT_WEIGHTS, 0), {}, 20, "weights"),
        ({**DEFAULT_WEIGHTS, "distance": "far"}, {}, 20, "weights"),
        ([0.1, 0.2], {}, 20, "weights"),
        (DEFAULT_WEIGHTS, {"distance_length_km": 0}, 20, "parameters"),
        (DEFAULT_WEIGHTS, {"inferred_type_fit": 1.5}, 20, "parameters"),
        (DEFAULT_WEIGHTS, {"unknown": 1}, 20, "parameters"),
        (DEFAULT_WEIGHTS, ["distance_length_km"], 20, "parameters"),
        (DEFAULT_WEIGHTS, {}, 0, "top_k"),
        (DEFAULT_WEIGHTS, {}, 500, "top_k"),
    ],
)
def test_policy_publish_refuses_bad_input_with_a_field_error_and_changes_nothing(
    staff_user, django_capture_on_commit_callbacks, weights, parameters, top_k, field
):
    first = policy_active()

    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(ValidationError) as error,
    ):
        policy_publish(by=staff_user, weights=weights, parameters=parameters, top_k=top_k)

    assert field in error.value.error_dict
    assert list(MatchingPolicy.objects.all()) == [first]
    assert MatchingPolicy.objects.get().is_active
    assert not ScoringRun.objects.exists()
    assert callbacks == []


def test_policy_publish_enqueues_a_full_rescore_under_the_new_policy_on_commit(
    staff_user, django_capture_on_commit_callbacks
):
    cat = f.catalogue()
    demand = f.brake_block_demand(cat)
    f.supplier(cat, name="Near", capacity=1000)
    f.supplier(cat, name="Far and big", capacity=5000, regency=f.far_regency())
    capacity_first = policy_publish(by=staff_user, weights={"capacity_fit": 1, "distance": 0.01})
    run = ScoringRun.objects.get(policy=capacity_first)
    from matchmaking.engine.runs import full_rescore_run

    full_rescore_run(run_id=run.pk)
    top = Match.objects.get(demand=demand, rank=1)
    assert top.supplier.legal_name == "Far and big"

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        distance_first = policy_publish(
            by=staff_user, weights={"capacity_fit": 0.01, "distance": 1}
        )

    assert len(callbacks) == 1
    run = ScoringRun.objects.get(policy=distance_first)
    assert run.kind == ScoringRunKind.FULL
    assert run.status == ScoringRunStatus.DONE
    assert run.triggered_by == staff_user
    assert f"v{distance_first.version}" in run.reason
    top = Match.objects.get(demand=demand, rank=1)
    assert top.supplier.legal_name == "Near"
    assert set(Match.objects.values_list("policy", flat=True)) == {distance_first.pk}


# --- admin -----------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, staff_user):
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    return client


def policy_form(**overrides) -> dict[str, str]:
    data = {
        "name": "Standard",
        "weights": json.dumps(dict(DEFAULT_WEIGHTS)),
        "parameters": json.dumps(default_parameters()),
        "top_k": "20",
        "note": "",
    }
    return {**data, **overrides}


def test_admin_change_of_the_policy_publishes_a_new_version(
    admin_client, staff_user, django_capture_on_commit_callbacks
):
    first = policy_active()
    url = reverse("admin:matchmaking_matchingpolicy_change", args=[first.pk])
    assert admin_client.get(url).status_code == 200

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(
            url, policy_form(top_k="15", note="smaller lists"), follow=True
        )

    assert response.status_code == 200
    first.refresh_from_db()
    assert first.is_active is False
    assert first.top_k == 20
    second = policy_active()
    assert (second.version, second.top_k, second.note) == (2, 15, "smaller lists")
    assert second.created_by == staff_user
    assert len(callbacks) == 1
    assert ScoringRun.objects.get(policy=second).status == ScoringRunStatus.DONE


def test_admin_add_publishes_a_new_version(admin_client, django_capture_on_commit_callbacks):
    policy_active()
    url = reverse("admin:matchmaking_matchingpolicy_add")
    assert admin_client.get(url).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, policy_form(name="Capacity first"))

    assert response.status_code == 302
    assert policy_active().version == 2
    assert policy_active().name == "Capacity first"


def test_admin_shows_weight_errors_on_the_field_and_publishes_nothing(admin_client):
    first = policy_active()
    url = reverse("admin:matchmaking_matchingpolicy_change", args=[first.pk])

    response = admin_client.post(
        url, policy_form(weights=json.dumps({**DEFAULT_WEIGHTS, "price": 1}))
    )

    assert response.status_code == 200
    assert "weights" in response.context["adminform"].form.errors
    assert list(MatchingPolicy.objects.all()) == [first]


def test_admin_pages_of_runs_matches_and_partnerships_open(admin_client):
    partnership = f.PartnershipFactory()
    policy_active()
    for name, args in [
        ("matchmaking_scoringrun_changelist", []),
        ("matchmaking_match_changelist", []),
        ("matchmaking_consortiumsuggestion_changelist", []),
        ("matchmaking_partnership_changelist", []),
        ("matchmaking_partnership_change", [partnership.pk]),
        ("matchmaking_match_change", [partnership.match.pk]),
        ("matchmaking_matchingpolicy_changelist", []),
    ]:
        response = admin_client.get(reverse(f"admin:{name}", args=args), {"q": "Ceper"})
        assert response.status_code == 200, name
