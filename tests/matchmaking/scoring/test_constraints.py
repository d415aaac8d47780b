"""Hard constraints: which rows fail, with which structured reason, and near misses."""

from datetime import date

import pytest

from matchmaking.scoring.evaluation import evaluate
from matchmaking.scoring.reasons import ReasonCode, row_failures

from .catalogue import (
    ALUMINIUM,
    AS_OF,
    BRAKE_BLOCK_HEAD,
    CASTING,
    DUCTILE_IRON,
    GREY_IRON,
    HEAT_TREATMENT,
    ISO_9001,
    ISO_22163,
    MACHINING,
    brake_block_demand,
    candidates,
    foundry,
)

STRICT_DEMAND = brake_block_demand(
    # the demand's own list: cast and machined (the type's catalogue list is casting only)
    extra_processes=frozenset({CASTING, MACHINING}),
    mandatory_certifications=frozenset({ISO_9001, ISO_22163}),
)
BOTH_CERTS = {ISO_9001: date(2028, 1, 1), ISO_22163: None}


def shop(**overrides):
    """The foundry declaring both processes the strict demand asks for."""
    return foundry(**{"processes": frozenset({CASTING, MACHINING}), **overrides})


def check(row, demand=STRICT_DEMAND):
    evaluation = evaluate(demand, candidates(row), as_of=AS_OF)
    failures = [(r.code, dict(r.params)) for r in row_failures(evaluation, 0)]
    return failures, bool(evaluation.check.feasible[0]), bool(evaluation.check.near_miss[0])


@pytest.mark.parametrize(
    ("row", "failures", "near_miss"),
    [
        (
            foundry(processes=frozenset({CASTING, MACHINING}), certifications=BOTH_CERTS),
            [],
            False,
        ),
        # exact type, declaring processes: each asked process it does not declare fails
        (
            foundry(certifications=BOTH_CERTS),
            [(ReasonCode.MISSING_PROCESS, {"process_ids": (MACHINING,)})],
            True,
        ),
        # exact type declaring none: assumed to do the type's processes (casting), no more
        (
            foundry(processes=frozenset(), certifications=BOTH_CERTS),
            [(ReasonCode.MISSING_PROCESS, {"process_ids": (MACHINING,)})],
            True,
        ),
        (
            shop(verified_active=False, certifications=BOTH_CERTS),
            [(ReasonCode.NOT_VERIFIED, {})],
            False,
        ),
        (
            shop(certifications={ISO_9001: None}),
            [(ReasonCode.MISSING_CERTIFICATION, {"certification_ids": (ISO_22163,)})],
            True,
        ),
        (
            shop(certifications={}),
            [(ReasonCode.MISSING_CERTIFICATION, {"certification_ids": (ISO_9001, ISO_22163)})],
            False,
        ),
        (
            shop(certifications={ISO_9001: date(2027, 1, 14), ISO_22163: None}),
            [(ReasonCode.EXPIRED_CERTIFICATION, {"certification_ids": (ISO_9001,)})],
            True,
        ),
        (
            shop(materials=frozenset({ALUMINIUM}), certifications=BOTH_CERTS),
            [(ReasonCode.MATERIAL_MISMATCH, {"material_id": GREY_IRON})],
            True,
        ),
        (
            shop(free_capacity=0, certifications=BOTH_CERTS),
            [(ReasonCode.NO_FREE_CAPACITY, {"shortfall_pct": 100})],
            True,
        ),
        # another type of the category: must declare every required process and the material
        (
            foundry(
                component_type_id=BRAKE_BLOCK_HEAD,
                processes=frozenset({CASTING, MACHINING, HEAT_TREATMENT}),
                certifications=BOTH_CERTS,
            ),
            [],
            False,
        ),
        (
            foundry(component_type_id=BRAKE_BLOCK_HEAD, certifications=BOTH_CERTS),
            [(ReasonCode.MISSING_PROCESS, {"process_ids": (MACHINING,)})],
            True,
        ),
        (
            foundry(
                component_type_id=BRAKE_BLOCK_HEAD,
                processes=frozenset(),
                certifications=BOTH_CERTS,
            ),
            [(ReasonCode.MISSING_PROCESS, {"process_ids": (CASTING, MACHINING)})],
            False,
        ),
        (
            foundry(
                component_type_id=BRAKE_BLOCK_HEAD,
                processes=frozenset({CASTING, MACHINING}),
                materials=frozenset(),
                certifications=BOTH_CERTS,
            ),
            [(ReasonCode.MATERIAL_MISMATCH, {"material_id": GREY_IRON})],
            True,
        ),
        (
            shop(verified_active=False, certifications={ISO_9001: None}),
            [
                (ReasonCode.NOT_VERIFIED, {}),
                (ReasonCode.MISSING_CERTIFICATION, {"certification_ids": (ISO_22163,)}),
            ],
            False,
        ),
    ],
    ids=[
        "feasible",
        "exact-type-declaring-casting-only-lacks-machining",
        "exact-type-declaring-none-is-assumed-the-type-processes-only",
        "unverified-is-never-a-near-miss",
        "one-missing-certification",
        "two-missing-certifications",
        "expired-on-needed-by",
        "exact-type-other-material",
        "no-free-capacity",
        "inferred-type-feasible",
        "inferred-type-missing-one-process",
        "inferred-type-missing-two-processes",
        "inferred-type-without-material",
        "unverified-and-missing-certification",
    ],
)
def test_hard_constraints(row, failures, near_miss):
    got_failures, feasible, got_near_miss = check(row)
    assert got_failures == failures
    assert feasible == (failures == [])
    assert got_near_miss == near_miss


def test_exact_type_without_declared_materials_is_accepted():
    failures, feasible, _ = check(shop(materials=frozenset(), certifications=BOTH_CERTS))
    assert feasible and failures == []


def test_declared_materials_must_include_the_demand_material():
    row = foundry(materials=frozenset({GREY_IRON, DUCTILE_IRON}), certifications=BOTH_CERTS)
    assert check(row, brake_block_demand(material_id=DUCTILE_IRON))[1]


def test_certificate_that_never_expires_is_valid():
    row = shop(certifications={ISO_9001: None, ISO_22163: None})
    assert check(row)[1]


def test_demand_naming_an_unknown_certification_is_rejected():
    with pytest.raises(ValueError, match="not in the vocabulary"):
        check(foundry(), brake_block_demand(mandatory_certifications=frozenset({999})))


def test_exact_type_declaring_no_process_meets_a_demand_asking_only_the_type_processes():
    demand = brake_block_demand(mandatory_certifications=frozenset())
    failures, feasible, _ = check(foundry(processes=frozenset()), demand)
    assert (failures, feasible) == ([], True)


def test_the_demand_own_list_is_asked_not_the_type_catalogue_list():
    """A demand buying raw castings lists casting only: a foundry that does not machine is
    not held to the machining step of the type's catalogue list."""
    demand = brake_block_demand(
        type_processes=frozenset({CASTING, MACHINING}), extra_processes=frozenset({CASTING})
    )
    failures, feasible, _ = check(foundry(processes=frozenset({CASTING})), demand)
    assert (failures, feasible) == ([], True)
