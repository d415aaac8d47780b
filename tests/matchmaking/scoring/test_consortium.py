"""A consortium for one demand that no single supplier can cover."""

import pytest

from matchmaking.scoring.consortium import (
    ConsortiumCandidate,
    ConsortiumParams,
    consortium_for_demand,
)

from .catalogue import CEPER_KLATEN, KAB_TEGAL


def ceper(supplier_id, capacity, score, **extra):
    return ConsortiumCandidate(
        supplier_id=supplier_id,
        capacity=capacity,
        score=score,
        sentra="Ceper",
        latitude=CEPER_KLATEN[0],
        longitude=CEPER_KLATEN[1],
        **extra,
    )


def tegal(supplier_id, capacity, score, **extra):
    return ConsortiumCandidate(
        supplier_id=supplier_id,
        capacity=capacity,
        score=score,
        sentra="Tegal",
        latitude=KAB_TEGAL[0],
        longitude=KAB_TEGAL[1],
        **extra,
    )


def assert_covers(consortium, quantity, candidates, max_members=5):
    by_id = {c.supplier_id: c for c in candidates}
    assert sum(m.quantity for m in consortium.members) == pytest.approx(quantity)
    assert sum(m.share_pct for m in consortium.members) == pytest.approx(100)
    assert len(consortium.members) <= max_members
    for member in consortium.members:
        assert member.quantity <= by_id[member.supplier_id].capacity * (1 + 1e-6)
        assert member.quantity >= by_id[member.supplier_id].minimum_order * (1 - 1e-6)


def test_consortium_prefers_one_sentra_over_a_scattered_group():
    pool = [ceper(1, 8_000, 0.80), ceper(2, 8_000, 0.78), tegal(3, 9_000, 0.81)]
    consortium = consortium_for_demand(15_000, pool)
    assert {m.supplier_id for m in consortium.members} == {1, 2}
    assert_covers(consortium, 15_000, pool)


def test_consortium_prefers_higher_scores_and_few_members():
    pool = [ceper(i, 6_000, score) for i, score in [(1, 0.9), (2, 0.5), (3, 0.85), (4, 0.4)]]
    pool.append(ceper(5, 16_000, 0.6))
    consortium = consortium_for_demand(12_000, pool)
    assert {m.supplier_id for m in consortium.members} == {1, 3}
    assert_covers(consortium, 12_000, pool)


def test_consortium_respects_minimum_orders():
    pool = [ceper(1, 10_000, 0.9), ceper(2, 9_000, 0.8, minimum_order=8_000)]
    consortium = consortium_for_demand(15_000, pool)
    assert_covers(consortium, 15_000, pool)
    quantities = {m.supplier_id: m.quantity for m in consortium.members}
    # without the minimum the better supplier 1 would take 10,000 and supplier 2 only 5,000
    assert quantities == pytest.approx({1: 7_000, 2: 8_000})


def test_consortium_is_none_when_capacity_cannot_cover_the_demand():
    assert consortium_for_demand(15_000, [ceper(1, 5_000, 0.9), ceper(2, 5_000, 0.9)]) is None
    three_small = [ceper(i, 6_000, 0.9) for i in (1, 2, 3)]
    assert consortium_for_demand(15_000, three_small, ConsortiumParams(max_members=2)) is None


def test_consortium_is_none_when_minimum_orders_cannot_fit():
    pool = [ceper(1, 9_000, 0.9, minimum_order=9_000), ceper(2, 9_000, 0.9, minimum_order=9_000)]
    assert consortium_for_demand(10_000, pool) is None
