"""Ranking hand-made cases: the INKA brake-block demand in Madiun."""

from datetime import date

import numpy as np
import pytest

from matchmaking.scoring.config import ALGORITHM_VERSION
from matchmaking.scoring.evaluation import micro_to_decimal
from matchmaking.scoring.ranking import best_per_supplier, rank_demand, score_demand, top_k
from matchmaking.scoring.reasons import ReasonCode

from .catalogue import (
    ALUMINIUM,
    AS_OF,
    BRAKE_BLOCK_HEAD,
    CAR_BODY,
    DOOR_FRAME,
    ISO_9001,
    ISO_22163,
    KAB_TEGAL,
    brake_block_demand,
    candidates,
    foundry,
)
from .generators import random_demand, random_rows


def ids(matches):
    return [m.supplier_id for m in matches]


def test_klaten_foundry_with_free_capacity_ranks_above_a_far_one_with_less():
    klaten = foundry(supplier_id=1, capability_id=11)
    tegal = foundry(
        supplier_id=2,
        capability_id=21,
        free_capacity=6_000,
        latitude=KAB_TEGAL[0],
        longitude=KAB_TEGAL[1],
    )
    result = score_demand(brake_block_demand(), candidates(tegal, klaten), as_of=AS_OF)
    assert ids(result.matches) == [1, 2]
    assert result.matches[0].score > result.matches[1].score
    assert result.algorithm_version == ALGORITHM_VERSION


def test_aluminium_die_caster_is_never_a_match_for_a_grey_iron_part():
    die_caster = foundry(supplier_id=3, capability_id=31, materials=frozenset({ALUMINIUM}))
    other_type = foundry(
        supplier_id=3,
        capability_id=32,
        component_type_id=BRAKE_BLOCK_HEAD,
        materials=frozenset({ALUMINIUM}),
    )
    result = score_demand(brake_block_demand(), candidates(die_caster, other_type), as_of=AS_OF)
    assert result.matches == ()
    assert [n.failure.code for n in result.near_misses] == [ReasonCode.MATERIAL_MISMATCH]


def test_supplier_lacking_a_mandatory_certification_is_a_near_miss_never_a_match():
    demand = brake_block_demand(mandatory_certifications=frozenset({ISO_9001, ISO_22163}))
    row = foundry(supplier_id=4, certifications={ISO_9001: None})
    result = score_demand(demand, candidates(row), as_of=AS_OF)
    assert result.matches == ()
    (near_miss,) = result.near_misses
    assert near_miss.supplier_id == 4
    assert near_miss.failure.code is ReasonCode.MISSING_CERTIFICATION
    assert near_miss.failure.params == {"certification_ids": (ISO_22163,)}


def test_certificate_expired_on_the_needed_by_date_fails():
    row = foundry(certifications={ISO_9001: date(2026, 12, 31)})
    result = score_demand(brake_block_demand(), candidates(row), as_of=AS_OF)
    assert result.matches == ()
    assert result.near_misses[0].failure.code is ReasonCode.EXPIRED_CERTIFICATION
    renewed = foundry(certifications={ISO_9001: date(2027, 1, 15)})
    assert ids(score_demand(brake_block_demand(), candidates(renewed), as_of=AS_OF).matches) == [1]


def test_one_row_per_supplier_keeps_its_best_capability():
    exact = foundry(capability_id=11)
    inferred = foundry(capability_id=12, component_type_id=BRAKE_BLOCK_HEAD)
    result = score_demand(brake_block_demand(), candidates(inferred, exact), as_of=AS_OF)
    assert [(m.supplier_id, m.capability_id) for m in result.matches] == [(1, 11)]


def test_supplier_with_a_match_is_not_also_a_near_miss():
    ok = foundry(capability_id=11)
    lacking = foundry(capability_id=12, component_type_id=BRAKE_BLOCK_HEAD, certifications={})
    result = score_demand(brake_block_demand(), candidates(ok, lacking), as_of=AS_OF)
    assert ids(result.matches) == [1]
    assert result.near_misses == ()


def test_rows_of_other_categories_are_not_candidates():
    door = foundry(supplier_id=5, category_id=CAR_BODY, component_type_id=DOOR_FRAME)
    result = score_demand(brake_block_demand(), candidates(door, foundry()), as_of=AS_OF)
    assert ids(result.matches) == [1]
    assert result.block.tolist() == [1]


def test_equal_scores_are_ordered_by_lower_supplier_id_and_cut_at_k():
    rows = [foundry(supplier_id=s, capability_id=s) for s in (9, 3, 7, 5)]
    result = score_demand(brake_block_demand(), candidates(*rows), as_of=AS_OF, k=3)
    assert ids(result.matches) == [3, 5, 7]
    assert len({m.score_micro for m in result.matches}) == 1


def test_contributions_add_up_exactly_to_the_score():
    result = score_demand(brake_block_demand(), candidates(foundry()), as_of=AS_OF)
    match = result.matches[0]
    assert sum(c.contribution_micro for c in match.breakdown) == match.score_micro
    assert sum(micro_to_decimal(c.contribution_micro) for c in match.breakdown) == (
        micro_to_decimal(match.score_micro)
    )
    assert [c.factor for c in match.breakdown][:2] == ["component_fit", "capacity_fit"]


def test_weights_change_the_ranking():
    close_small = foundry(supplier_id=1, free_capacity=5_000)
    far_big = foundry(supplier_id=2, latitude=KAB_TEGAL[0], longitude=KAB_TEGAL[1])
    rows = candidates(close_small, far_big)
    by_capacity = score_demand(brake_block_demand(), rows, as_of=AS_OF)
    by_distance = score_demand(brake_block_demand(), rows, as_of=AS_OF, weights={"distance": 1})
    assert ids(by_capacity.matches) == [2, 1]
    assert ids(by_distance.matches) == [1, 2]
    assert by_distance.weights["distance"] == 1.0


@pytest.mark.parametrize("k", [0, 1, 2, 5, 10, 20])
def test_top_k_equals_a_full_sort_with_ties(k):
    rng = np.random.default_rng(k)
    scores = rng.integers(0, 4, size=12)
    tiebreak = rng.permutation(12)
    expected = sorted(range(12), key=lambda i: (-scores[i], tiebreak[i]))[:k]
    assert top_k(scores, tiebreak, k).tolist() == expected


def test_best_per_supplier_prefers_score_then_lower_capability_id():
    rows = np.arange(5)
    supplier = np.array([1, 1, 2, 2, 2])
    score = np.array([5, 7, 3, 3, 1])
    capability = np.array([10, 11, 22, 21, 20])
    assert best_per_supplier(rows, supplier, score, capability).tolist() == [1, 3]


def test_rank_demand_picks_the_rows_score_demand_reports():
    rows = candidates(
        foundry(supplier_id=1, capability_id=11),
        foundry(supplier_id=1, capability_id=12, free_capacity=1_000),
        foundry(supplier_id=2, capability_id=21, latitude=KAB_TEGAL[0], longitude=KAB_TEGAL[1]),
        foundry(supplier_id=3, capability_id=31, certifications={}),
        foundry(
            supplier_id=4, capability_id=41, category_id=CAR_BODY, component_type_id=DOOR_FRAME
        ),
    )
    ranking = rank_demand(brake_block_demand(demand_id=9), rows, as_of=AS_OF)
    result = score_demand(brake_block_demand(demand_id=9), rows, as_of=AS_OF)
    capabilities = ranking.evaluation.candidates.capability_id
    assert ranking.demand_id == 9
    assert ranking.block.tolist() == [0, 1, 2, 3]
    assert capabilities[ranking.match_rows].tolist() == [11, 21]
    assert capabilities[ranking.near_rows].tolist() == [31]
    assert [m.capability_id for m in result.matches] == [11, 21]
    assert [m.capability_id for m in result.near_misses] == [31]
    assert ranking.evaluation.score_micro[ranking.match_rows].tolist() == [
        m.score_micro for m in result.matches
    ]


@pytest.mark.parametrize("seed", range(10))
def test_rank_demand_agrees_with_score_demand_on_random_rows(seed):
    demand = random_demand(seed)
    rows = candidates(*random_rows(seed, suppliers=80))
    ranking = rank_demand(demand, rows, as_of=AS_OF, k=15, near_miss_k=5)
    result = score_demand(demand, rows, as_of=AS_OF, k=15, near_miss_k=5)
    chosen = ranking.evaluation.candidates.capability_id
    assert chosen[ranking.match_rows].tolist() == [m.capability_id for m in result.matches]
    assert chosen[ranking.near_rows].tolist() == [n.capability_id for n in result.near_misses]
    assert len(ranking.match_rows) <= 15 and len(ranking.near_rows) <= 5
    assert ranking.match_rows.dtype == np.int64 and ranking.near_rows.dtype == np.int64


def test_rank_demand_without_candidates_in_the_category():
    rows = candidates(foundry(category_id=CAR_BODY, component_type_id=DOOR_FRAME))
    ranking = rank_demand(brake_block_demand(), rows, as_of=AS_OF)
    assert len(ranking.block) == 0
    assert ranking.match_rows.tolist() == [] and ranking.near_rows.tolist() == []
