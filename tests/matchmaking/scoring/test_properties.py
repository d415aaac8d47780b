"""Properties of the score that must hold for any input (Hypothesis)."""

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bench.reference import reference_row
from matchmaking.scoring.config import FACTORS
from matchmaking.scoring.evaluation import micro_to_decimal
from matchmaking.scoring.inputs import CapabilityRow
from matchmaking.scoring.ranking import score_demand, top_k

from .catalogue import AS_OF, NEEDED_BY, VOCAB, candidates
from .generators import TYPES, random_demand


def subsets(keys):
    flags = st.tuples(*[st.booleans() for _ in keys])
    return flags.map(lambda bits: frozenset(k for k, b in zip(keys, bits, strict=True) if b))


PROCESSES = subsets(VOCAB.processes.keys)
MATERIALS = subsets(VOCAB.materials.keys)
CERTIFICATIONS = subsets(VOCAB.certifications.keys)
KBLI_CODES = subsets(VOCAB.kbli.keys)
EXPIRY = st.none() | st.integers(-90, 400).map(lambda d: NEEDED_BY + timedelta(days=d))


@st.composite
def capability_rows(draw, supplier_id):
    type_id, category_id = draw(st.sampled_from(TYPES))
    completed = draw(st.integers(0, 30))
    expiry = st.none() | st.integers(-90, 400).map(lambda d: NEEDED_BY + timedelta(days=d))
    certifications = {
        certification: draw(expiry) for certification in draw(subsets(VOCAB.certifications.keys))
    }
    return CapabilityRow(
        supplier_id=supplier_id,
        capability_id=draw(st.integers(1, 10**6)),
        component_type_id=type_id,
        category_id=category_id,
        free_capacity=draw(st.floats(0, 50_000, allow_nan=False)),
        capacity_unit=draw(st.sampled_from(["pcs", "ton", "kg", "set", "m3"])),
        lead_time_days=draw(st.integers(1, 200)),
        latitude=draw(st.floats(-8.5, -6.0)),
        longitude=draw(st.floats(106.0, 114.0)),
        processes=draw(PROCESSES),
        materials=draw(MATERIALS),
        certifications=certifications,
        kbli_codes=draw(KBLI_CODES),
        completed=completed,
        on_time=draw(st.integers(0, completed)),
        load=draw(st.integers(0, 20)),
        verified_active=draw(st.booleans()),
    )


@st.composite
def row_sets(draw, min_suppliers=1, max_suppliers=8):
    count = draw(st.integers(min_suppliers, max_suppliers))
    rows = []
    for supplier_id in range(1, count + 1):
        rows += draw(st.lists(capability_rows(supplier_id), min_size=1, max_size=3))
    return rows


demands = st.integers(0, 10_000).map(random_demand)
weights = st.dictionaries(st.sampled_from(FACTORS), st.floats(0.01, 10), min_size=1)


@settings(max_examples=40, deadline=None)
@given(rows=row_sets(), demand=demands, weights=weights)
def test_contributions_sum_exactly_to_the_score(rows, demand, weights):
    evaluation = score_demand(
        demand, candidates(*rows), as_of=AS_OF, weights=weights, k=None
    ).evaluation
    assert (evaluation.contributions_micro.sum(axis=1) == evaluation.score_micro).all()
    for row in range(len(evaluation.candidates)):
        breakdown = evaluation.breakdown(row)
        stored = [Decimal(f"{c.contribution:.6f}") for c in breakdown]
        assert sum(stored) == micro_to_decimal(int(evaluation.score_micro[row]))
        assert all(0 <= c.value <= 1 for c in breakdown)


@settings(max_examples=40, deadline=None)
@given(rows=row_sets(max_suppliers=4), demand=demands, extra=st.floats(0, 20_000))
def test_more_free_capacity_never_lowers_a_score(rows, demand, extra):
    more = [replace(row, free_capacity=row.free_capacity + extra) for row in rows]
    before = score_demand(demand, candidates(*rows), as_of=AS_OF, k=None)
    after = score_demand(demand, candidates(*more), as_of=AS_OF, k=None)
    assert (after.evaluation.check.feasible >= before.evaluation.check.feasible).all()
    # a supplier that now covers the volume ends the shortfall weighting (issue 11)
    assume(before.shortfall == after.shortfall)
    assert (after.evaluation.score_micro >= before.evaluation.score_micro).all()


@settings(max_examples=40, deadline=None)
@given(rows=row_sets(), newcomer=row_sets(max_suppliers=3), demand=demands)
def test_adding_a_supplier_never_reorders_the_others(rows, newcomer, demand):
    offset = max(r.supplier_id for r in rows)
    added = [replace(r, supplier_id=r.supplier_id + offset) for r in newcomer]
    before = score_demand(demand, candidates(*rows), as_of=AS_OF, k=None)
    after = score_demand(demand, candidates(*rows, *added), as_of=AS_OF, k=None)
    # the one exception, by design: a newcomer covering the volume ends the shortfall weights
    assume(before.shortfall == after.shortfall)
    old = {m.supplier_id for m in before.matches}
    kept = [(m.supplier_id, m.score_micro) for m in after.matches if m.supplier_id in old]
    assert kept == [(m.supplier_id, m.score_micro) for m in before.matches]


@settings(max_examples=40, deadline=None)
@given(rows=row_sets(), demand=demands)
def test_no_match_breaks_a_hard_constraint(rows, demand):
    # capability ids drawn at random may repeat; each row needs its own to be looked up
    rows = [replace(r, capability_id=number) for number, r in enumerate(rows, start=1)]
    result = score_demand(demand, candidates(*rows), as_of=AS_OF, k=None)
    by_capability = {(r.supplier_id, r.capability_id): r for r in rows}
    for match in result.matches:
        row = by_capability[(match.supplier_id, match.capability_id)]
        assert row.verified_active
        assert row.category_id == demand.category_id
        assert row.free_capacity > 0
        for certification in demand.mandatory_certifications:
            assert certification in row.certifications
            valid_until = row.certifications[certification]
            assert valid_until is None or valid_until >= demand.needed_by
        checked = reference_row(
            demand, row, as_of=AS_OF, weights=result.weights, params=result.params
        )
        assert checked.failed_items == 0
    for near_miss in result.near_misses:
        row = by_capability[(near_miss.supplier_id, near_miss.capability_id)]
        assert row.verified_active
        assert near_miss.supplier_id not in {m.supplier_id for m in result.matches}


@settings(max_examples=200, deadline=None)
@given(
    scores=st.lists(st.integers(0, 5), min_size=0, max_size=40),
    k=st.integers(0, 45),
)
def test_top_k_matches_a_full_sort(scores, k):
    tiebreak = np.arange(len(scores))[::-1].copy()
    expected = sorted(range(len(scores)), key=lambda i: (-scores[i], tiebreak[i]))[:k]
    assert top_k(np.array(scores, dtype=np.int64), tiebreak, k).tolist() == expected
