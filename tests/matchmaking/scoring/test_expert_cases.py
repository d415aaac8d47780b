"""The expert rules of issue 11 in the pure scoring core: hand-made cases an industry expert
would check, and Hypothesis properties for each rule.

1. Declared processes count: an IKM that declares processes for a capability must declare
   every process the demand asks for (its own list, else its type's); only a capability
   declaring none is assumed to do its type's processes.
2. Near misses reach related (sibling) categories, never as matches.
3. When no feasible IKM covers the monthly quantity, capacity weighs
   ``Params.shortfall_capacity_weight`` of the score and the ranking says so.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.reference import reference_evaluate, reference_rank
from matchmaking.scoring.config import (
    DEFAULT_PARAMS,
    DEFAULT_WEIGHTS,
    FACTORS,
    normalise_weights,
    shortfall_weights,
)
from matchmaking.scoring.evaluation import evaluate
from matchmaking.scoring.facts import (
    PROCESSES_ASSUMED,
    PROCESSES_CHECKED,
    demand_context,
    row_facts,
)
from matchmaking.scoring.ranking import covers_quantity, score_demand
from matchmaking.scoring.reasons import ReasonCode, failures_from_facts

from .catalogue import (
    AS_OF,
    BOGIE_PARTS,
    CAR_BODY,
    CASTING,
    DOOR_FRAME,
    HEAT_TREATMENT,
    KAB_TEGAL,
    MACHINING,
    MADIUN,
    WELDING,
    brake_block_demand,
    candidates,
    foundry,
)
from .test_properties import demands, row_sets

CAST_AND_MACHINED = brake_block_demand(extra_processes=frozenset({CASTING, MACHINING}))


def names(result):
    return [m.supplier_id for m in result.matches], [n.supplier_id for n in result.near_misses]


# --- 1. declared processes ----------------------------------------------------------------


def test_a_lathe_shop_is_a_near_miss_not_a_match_above_the_foundries():
    """The lathe shop next to the plant declares machining only: before issue 11 it was a
    match ("processes covered 2 of 2") ranked above the foundries further away."""
    lathe = foundry(
        supplier_id=1,
        capability_id=1,
        processes=frozenset({MACHINING}),
        latitude=MADIUN[0],
        longitude=MADIUN[1],
    )
    foundries = [
        foundry(supplier_id=n, capability_id=n, processes=frozenset({CASTING, MACHINING}))
        for n in (2, 3)
    ]
    result = score_demand(CAST_AND_MACHINED, candidates(lathe, *foundries), as_of=AS_OF)
    matches, near = names(result)
    assert matches == [2, 3]
    assert near == [1]
    (miss,) = result.near_misses
    assert miss.failure.code == ReasonCode.MISSING_PROCESS
    assert miss.failure.params == {"process_ids": (CASTING,)}
    processes = next(r for r in miss.reasons if r.code == ReasonCode.PROCESSES)
    assert (processes.params["covered"], processes.params["required"]) == (1, 2)


def test_a_capability_declaring_no_process_is_assumed_to_do_its_type_and_says_so():
    silent = foundry(processes=frozenset())
    result = score_demand(brake_block_demand(), candidates(silent), as_of=AS_OF)
    (match,) = result.matches
    processes = next(r for r in match.reasons if r.code == ReasonCode.PROCESSES)
    assert processes.params == {"covered": 1, "required": 1, "missing_ids": (), "assumed": 1}
    # the assumption stops at the type's list: a process the demand adds is missing
    asked_more = brake_block_demand(extra_processes=frozenset({CASTING, HEAT_TREATMENT}))
    result = score_demand(asked_more, candidates(silent), as_of=AS_OF)
    assert not result.matches
    assert result.near_misses[0].failure.params == {"process_ids": (HEAT_TREATMENT,)}


@settings(max_examples=80, deadline=None)
@given(rows=row_sets(), demand=demands)
def test_every_match_declares_or_is_assumed_every_asked_process(rows, demand):
    rows = [replace(r, capability_id=n) for n, r in enumerate(rows, start=1)]
    result = score_demand(demand, candidates(*rows), as_of=AS_OF, k=None)
    by_capability = {r.capability_id: r for r in rows}
    coverage = FACTORS.index("process_coverage")
    for match in result.matches:
        row = by_capability[match.capability_id]
        exact = row.component_type_id == demand.component_type_id
        effective = row.processes or (demand.type_processes if exact else frozenset())
        assert demand.required_processes <= effective
        assert match.breakdown[coverage].value == 1.0


@settings(max_examples=80, deadline=None)
@given(rows=row_sets(), demand=demands, data=st.data())
def test_declaring_one_process_less_never_turns_a_near_miss_into_a_match(rows, demand, data):
    """Dropping a declared process that the demand asks for makes the row fail it."""
    row = data.draw(st.sampled_from(rows))
    asked_and_declared = sorted(row.processes & demand.required_processes)
    if not asked_and_declared or len(row.processes) < 2:
        return
    dropped = data.draw(st.sampled_from(asked_and_declared))
    fewer = replace(row, processes=row.processes - {dropped})
    before = evaluate(demand, candidates(row), as_of=AS_OF).check
    after = evaluate(demand, candidates(fewer), as_of=AS_OF).check
    assert after.failed_items[0] == before.failed_items[0] + 1
    assert not after.feasible[0]


# --- 2. near misses from related categories -----------------------------------------------


def welder(**overrides):
    """A Tegal door-frame fabricator (another category): grey iron, welding, no casting."""
    row = foundry(
        supplier_id=9,
        capability_id=9,
        component_type_id=DOOR_FRAME,
        category_id=CAR_BODY,
        processes=frozenset({WELDING, MACHINING}),
        latitude=KAB_TEGAL[0],
        longitude=KAB_TEGAL[1],
    )
    return replace(row, **overrides)


def test_a_related_fabricator_is_a_near_miss_only_when_the_category_is_related():
    demand = brake_block_demand(extra_processes=frozenset({WELDING, CASTING}))
    rows = candidates(foundry(processes=frozenset({WELDING, CASTING})), welder())
    alone = score_demand(demand, rows, as_of=AS_OF)
    assert names(alone) == ([1], [])
    related = replace(demand, related_category_ids=frozenset({CAR_BODY}))
    result = score_demand(related, rows, as_of=AS_OF)
    assert names(result) == ([1], [9])
    (miss,) = result.near_misses
    assert miss.failure.params == {"process_ids": (CASTING,)}
    assert miss.reasons[0].code == ReasonCode.RELATED_TYPE
    component_fit = result.evaluation.factors.values[1, FACTORS.index("component_fit")]
    assert component_fit == DEFAULT_PARAMS.related_type_fit


def test_a_related_row_failing_nothing_is_a_near_miss_whose_failure_is_its_type():
    demand = brake_block_demand(
        extra_processes=frozenset({WELDING}), related_category_ids=frozenset({CAR_BODY})
    )
    result = score_demand(demand, candidates(welder()), as_of=AS_OF)
    assert names(result) == ([], [9])
    failure = result.near_misses[0].failure
    assert failure.code == ReasonCode.RELATED_TYPE
    assert failure.params == {"component_type_id": DOOR_FRAME}


def test_a_related_row_failing_two_items_is_not_listed():
    demand = brake_block_demand(
        extra_processes=frozenset({CASTING, HEAT_TREATMENT}),
        related_category_ids=frozenset({CAR_BODY}),
    )
    result = score_demand(demand, candidates(welder()), as_of=AS_OF)
    assert names(result) == ([], [])


@settings(max_examples=80, deadline=None)
@given(rows=row_sets(), demand=demands)
def test_related_categories_add_near_misses_and_never_change_the_matches(rows, demand):
    rows = [replace(r, capability_id=n) for n, r in enumerate(rows, start=1)]
    own = replace(demand, related_category_ids=frozenset())
    other = CAR_BODY if demand.category_id == BOGIE_PARTS else BOGIE_PARTS
    wide = replace(demand, related_category_ids=frozenset({other}))
    narrow = score_demand(own, candidates(*rows), as_of=AS_OF, k=None)
    widened = score_demand(wide, candidates(*rows), as_of=AS_OF, k=None)
    assert [(m.supplier_id, m.score_micro) for m in widened.matches] == [
        (m.supplier_id, m.score_micro) for m in narrow.matches
    ]
    assert {n.supplier_id for n in narrow.near_misses} <= {
        n.supplier_id for n in widened.near_misses
    }
    check = widened.evaluation.check
    assert not (check.feasible & check.related).any()
    assert (
        (check.failed_items <= 1) & check.related & widened.evaluation.candidates.verified_active
        == (check.near_miss & check.related)
    ).all()


@settings(max_examples=60, deadline=None)
@given(rows=row_sets(), demand=demands)
def test_the_reference_agrees_on_related_near_misses(rows, demand):
    rows = [replace(r, capability_id=n) for n, r in enumerate(rows, start=1)]
    demand = replace(demand, related_category_ids=frozenset({BOGIE_PARTS, CAR_BODY}))
    result = score_demand(demand, candidates(*rows), as_of=AS_OF, k=None)
    matches, near = reference_rank(
        reference_evaluate(demand, rows, as_of=AS_OF, weights=DEFAULT_WEIGHTS)
    )
    assert [(m.supplier_id, m.score_micro) for m in result.matches] == [
        (m.supplier_id, m.score_micro) for m in matches
    ]
    assert [(n.supplier_id, n.score_micro) for n in result.near_misses] == [
        (n.supplier_id, n.score_micro) for n in near
    ]


# --- 3. no single IKM covers the volume ---------------------------------------------------


def test_when_nobody_covers_the_volume_the_larger_shares_lead_not_the_nearest():
    """INKA (Madiun) needs 15,000 blocks a month. A small Madiun shop next door with a fine
    record can cast 7% of them; three Tegal foundries 60%, 45% and 30%. With the policy's
    weights distance put the small shop second, above IKM with four to six times its share."""
    small = foundry(
        supplier_id=1,
        capability_id=1,
        free_capacity=1_050,
        latitude=MADIUN[0],
        longitude=MADIUN[1],
        completed=10,
        on_time=10,
    )
    tegal = [
        foundry(
            supplier_id=n,
            capability_id=n,
            free_capacity=free,
            latitude=KAB_TEGAL[0],
            longitude=KAB_TEGAL[1],
        )
        for n, free in ((2, 9_000), (3, 6_750), (4, 4_500))
    ]
    rows = candidates(small, *tegal)
    result = score_demand(brake_block_demand(), rows, as_of=AS_OF)
    assert result.shortfall
    assert names(result)[0] == [2, 3, 4, 1]
    weights = result.evaluation.weights
    assert weights["capacity_fit"] == pytest.approx(DEFAULT_PARAMS.shortfall_capacity_weight)
    for match in result.matches:
        assert sum(c.contribution_micro for c in match.breakdown) == match.score_micro
    # with the policy's weights (no shortfall rule) the small shop came second
    policy = replace(DEFAULT_PARAMS, shortfall_capacity_weight=0.0)
    unchanged = score_demand(brake_block_demand(), rows, as_of=AS_OF, params=policy)
    assert names(unchanged)[0] == [2, 1, 3, 4]


def test_one_ikm_covering_the_volume_ends_the_shortfall_weights():
    covering = foundry(supplier_id=4, capability_id=4, free_capacity=15_000)
    rows = candidates(foundry(free_capacity=1_050), covering)
    result = score_demand(brake_block_demand(), rows, as_of=AS_OF)
    assert not result.shortfall
    assert result.evaluation.weights == normalise_weights(DEFAULT_WEIGHTS)


weight_maps = st.dictionaries(st.sampled_from(FACTORS), st.floats(0.01, 5.0), min_size=2).filter(
    lambda w: any(f != "capacity_fit" for f in w)
)


@given(weights=weight_maps, target=st.floats(0.0, 1.0))
def test_shortfall_weights_raise_capacity_and_keep_the_other_proportions(weights, target):
    base = normalise_weights(weights)
    short = shortfall_weights(weights, target)
    assert math.isclose(math.fsum(short.values()), 1.0, rel_tol=1e-9)
    assert short["capacity_fit"] == pytest.approx(max(base["capacity_fit"], target))
    others = [f for f in FACTORS if f != "capacity_fit" and base[f] > 0]
    ratios = [short[f] / base[f] for f in others]
    assert all(r == pytest.approx(ratios[0]) for r in ratios)


@settings(max_examples=80, deadline=None)
@given(rows=row_sets(), demand=demands)
def test_shortfall_is_exactly_no_feasible_row_covering(rows, demand):
    result = score_demand(demand, candidates(*rows), as_of=AS_OF, k=None)
    assert result.shortfall == (not covers_quantity(result.evaluation).any())
    expected = (
        shortfall_weights(DEFAULT_WEIGHTS, DEFAULT_PARAMS.shortfall_capacity_weight)
        if result.shortfall
        else normalise_weights(DEFAULT_WEIGHTS)
    )
    assert result.evaluation.weights == expected


def test_facts_stored_before_issue_11_keep_their_reading():
    """Rows stored before carry no PROCESSES_CHECKED bit: their exact-type rows did not
    fail a missing process, and still do not when shown."""
    row = foundry(processes=frozenset({CASTING}))
    evaluation = evaluate(CAST_AND_MACHINED, candidates(row), as_of=AS_OF)
    (facts,) = row_facts(evaluation, np.array([0]))
    context = demand_context(evaluation.encoding)
    assert facts.flags & PROCESSES_CHECKED
    assert [f.code for f in failures_from_facts(context, facts)] == [ReasonCode.MISSING_PROCESS]
    old = facts._replace(flags=facts.flags & ~(PROCESSES_CHECKED | PROCESSES_ASSUMED))
    stored = json.loads(json.dumps({"ctx": context, "row": old}))
    assert failures_from_facts(stored["ctx"], stored["row"]) == ()
