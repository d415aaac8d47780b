"""Reasons rebuilt from compact facts equal the reasons built from the arrays."""

import json
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings

from bench.reference_reasons import reference_failures, reference_reasons
from matchmaking.scoring.evaluation import evaluate
from matchmaking.scoring.facts import demand_context, round_as_python, row_facts
from matchmaking.scoring.inputs import Candidates, CapabilityRow, Vocabularies
from matchmaking.scoring.ranking import rank_demand
from matchmaking.scoring.reasons import (
    ReasonCode,
    failures_from_facts,
    reasons_from_facts,
    row_failures,
    row_reasons,
)

from .catalogue import (
    AS_OF,
    BRAKE_BLOCK_HEAD,
    GREY_IRON,
    ISO_9001,
    ISO_22163,
    MACHINING,
    NEEDED_BY,
    SNI,
    brake_block_demand,
    candidates,
    foundry,
)
from .generators import AS_OF_CHOICES, random_demand, random_rows
from .test_properties import demands, row_sets


def roundtrip(value):
    return json.loads(json.dumps(value))


def assert_rebuilds_every_row(evaluation):
    rows = np.arange(len(evaluation.candidates), dtype=np.int64)
    context = roundtrip(demand_context(evaluation.encoding))
    facts = roundtrip(row_facts(evaluation, rows))
    assert len(facts) == len(rows)
    for row, fact in zip(rows.tolist(), facts, strict=True):
        assert reasons_from_facts(context, fact) == reference_reasons(evaluation, row)
        assert failures_from_facts(context, fact) == reference_failures(evaluation, row)


@pytest.mark.parametrize("seed", range(30))
def test_random_rows_rebuild_exactly(seed):
    demand = random_demand(seed)
    rows = candidates(*random_rows(seed, suppliers=40))
    for as_of in AS_OF_CHOICES:
        assert_rebuilds_every_row(evaluate(demand, rows, as_of=as_of))


@settings(max_examples=60, deadline=None)
@given(rows=row_sets(), demand=demands)
def test_any_rows_rebuild_exactly(rows, demand):
    assert_rebuilds_every_row(evaluate(demand, candidates(*rows), as_of=AS_OF))


def test_hand_made_rows_cover_every_branch():
    demand = brake_block_demand(
        extra_processes=frozenset({MACHINING}),
        mandatory_certifications=frozenset({ISO_9001, ISO_22163}),
        preferred_certifications=frozenset({ISO_9001, SNI}),
    )
    rows = candidates(
        foundry(supplier_id=1, capability_id=11),
        foundry(
            supplier_id=2,
            capability_id=21,
            component_type_id=BRAKE_BLOCK_HEAD,
            free_capacity=0,
            capacity_unit="m3",
            latitude=None,
            longitude=None,
            certifications={ISO_9001: NEEDED_BY - timedelta(days=1), SNI: None},
            completed=5,
            on_time=9,
            verified_active=False,
        ),
        foundry(supplier_id=3, capability_id=31, capacity_unit="ton", free_capacity=0.0004),
        foundry(supplier_id=4, capability_id=41, materials=frozenset(), kbli_codes=frozenset()),
    )
    evaluation = evaluate(demand, rows, as_of=AS_OF)
    assert_rebuilds_every_row(evaluation)
    codes = {
        r.code
        for row in range(4)
        for r in row_reasons(evaluation, row) + row_failures(evaluation, row)
    }
    assert {
        ReasonCode.INFERRED_TYPE,
        ReasonCode.CAPACITY_INCOMPARABLE,
        ReasonCode.DISTANCE_UNKNOWN,
        ReasonCode.NOT_VERIFIED,
        ReasonCode.MISSING_PROCESS,
        ReasonCode.MISSING_CERTIFICATION,
        ReasonCode.EXPIRED_CERTIFICATION,
        ReasonCode.NO_FREE_CAPACITY,
        ReasonCode.MATERIAL_UNDECLARED,
        ReasonCode.TRACK_RECORD,
    } <= codes
    assert any(
        r.code is ReasonCode.CAPACITY and r.params["conversion"] == "unit_weight"
        for r in row_reasons(evaluation, 2)
    )


def test_demand_without_processes_material_or_certifications():
    demand = brake_block_demand(
        type_processes=frozenset(),
        material_id=None,
        mandatory_certifications=frozenset(),
        preferred_certifications=frozenset(),
        kbli_codes=frozenset(),
    )
    evaluation = evaluate(demand, candidates(foundry()), as_of=AS_OF)
    assert_rebuilds_every_row(evaluation)
    assert {r.code for r in row_reasons(evaluation, 0)} >= {
        ReasonCode.NO_PROCESS_REQUIRED,
        ReasonCode.NO_MATERIAL_REQUIRED,
        ReasonCode.NO_CERTIFICATION_REQUIRED,
        ReasonCode.KBLI_UNKNOWN,
    }


def test_more_certifications_than_fit_in_a_machine_word():
    certifications = list(range(1000, 1070))
    vocab = Vocabularies.build(
        processes=[1], materials=[GREY_IRON], certifications=certifications, kbli_codes=[]
    )
    demand = brake_block_demand(
        type_processes=frozenset({1}),
        mandatory_certifications=frozenset(certifications[::2]),
        preferred_certifications=frozenset(certifications[1::3]),
        kbli_codes=frozenset(),
    )
    row = replace(foundry(), processes=frozenset({1}), kbli_codes=frozenset())
    held = {c: (None if c % 3 else NEEDED_BY - timedelta(days=c % 5)) for c in certifications}
    rows = Candidates.from_rows(
        vocab,
        [
            replace(row, certifications={c: v for c, v in held.items() if c % 7}),
            replace(row, supplier_id=2, certifications={}),
            replace(row, supplier_id=3, certifications=dict.fromkeys(certifications)),
        ],
    )
    evaluation = evaluate(demand, rows, as_of=date(2026, 11, 1))
    assert_rebuilds_every_row(evaluation)


def test_facts_of_selected_rows_follow_the_given_order():
    ranking = rank_demand(random_demand(3), candidates(*random_rows(3, 60)), as_of=AS_OF, k=20)
    evaluation = ranking.evaluation
    rows = np.concatenate([ranking.match_rows, ranking.near_rows])
    context = demand_context(evaluation.encoding)
    for row, fact in zip(rows.tolist(), row_facts(evaluation, rows), strict=True):
        assert reasons_from_facts(context, fact) == reference_reasons(evaluation, row)
    assert row_facts(evaluation, np.empty(0, dtype=np.int64)) == []


def test_facts_are_small():
    demand = random_demand(7)
    evaluation = evaluate(demand, candidates(*random_rows(7, 200)), as_of=AS_OF)
    rows = np.arange(len(evaluation.candidates), dtype=np.int64)
    sizes = [len(json.dumps(fact, separators=(",", ":"))) for fact in row_facts(evaluation, rows)]
    assert max(sizes) < 300
    assert sum(sizes) / len(sizes) < 120
    assert len(json.dumps(demand_context(evaluation.encoding))) < 300


def test_capability_row_defaults_rebuild():
    row = CapabilityRow(
        supplier_id=1,
        capability_id=1,
        component_type_id=BRAKE_BLOCK_HEAD,
        category_id=brake_block_demand().category_id,
        free_capacity=12.5,
        capacity_unit="kg",
        lead_time_days=200,
    )
    assert_rebuilds_every_row(evaluate(brake_block_demand(), candidates(row), as_of=AS_OF))


def test_vectorised_rounding_equals_python_round():
    rng = np.random.default_rng(0)
    halfway = (np.arange(-3000, 3000) + 0.5) / 1000
    values = np.concatenate(
        [
            rng.uniform(-50_000, 50_000, 20_000),
            rng.uniform(0, 2, 20_000),
            halfway,
            np.nextafter(halfway, np.inf),
            np.nextafter(halfway, -np.inf),
            halfway * 100,
            [0.0, -0.0, 0.0005, 2.675, 1.0005, 0.05, 0.15, 0.25, 1e300, -1e300, 4.5e12 + 0.125],
            [2.0**60 + 2048, np.inf, -np.inf, np.nan],
        ]
    )
    for digits in (1, 3):
        expected = [None if np.isnan(v) else float(round(v, digits)) for v in values.tolist()]
        assert round_as_python(values, np.full(len(values), digits)) == expected
