"""Rescoring services on hand-made cases: what is stored, what survives, what is flagged."""

from __future__ import annotations

import random

import pytest
from django.utils import translation
from django.utils.translation import gettext

from matchmaking.choices import MatchKind, MatchStatus, PartnershipStage
from matchmaking.engine import rescoring, runs, scheduling
from matchmaking.engine.explanations import match_reasons
from matchmaking.engine.loading import load_labels
from matchmaking.engine.policies import policy_active
from matchmaking.engine.publishing import policy_publish
from matchmaking.models import ConsortiumSuggestion, Match, PartnershipEvent
from matchmaking.scoring.config import ALGORITHM_VERSION, DEFAULT_WEIGHTS, FACTORS
from partners.choices import VerificationStatus
from partners.models import SupplierCapability
from partners.services.demands import demand_close, demand_update
from partners.services.suppliers import capability_set, certification_add
from partners.services.verification import supplier_verification_set
from tests.matchmaking import factories as f
from tests.partners.factories import SupplierCertificationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


@pytest.fixture
def cat():
    return f.catalogue()


def rows(demand) -> list[tuple]:
    """The stored rows of a demand, without ids and timestamps."""
    return list(
        Match.objects.filter(demand=demand)
        .order_by("kind", "-score", "supplier_id")
        .values_list(
            "supplier__legal_name",
            "kind",
            "status",
            "rank",
            "score",
            "is_current",
            "qualification_issue",
            "breakdown",
            "explanation",
        )
    )


def ranking(demand, kind=MatchKind.MATCH) -> list[str]:
    return list(
        Match.objects.filter(demand=demand, kind=kind, is_current=True)
        .order_by("-score", "supplier_id")
        .values_list("supplier__legal_name", flat=True)
    )


def factor(match: Match, name: str) -> dict:
    """A factor's stored value and contribution (in millionths)."""
    column = FACTORS.index(name)
    return {
        "value": match.breakdown["v"][column],
        "contribution_micro": match.breakdown["c"][column],
    }


def reasons(match: Match, lang: str) -> list[str]:
    return match_reasons(match, load_labels(), lang)


# --- rescore_demand ---------------------------------------------------------------------------


def test_rescore_demand_ranks_capable_suppliers_and_keeps_one_failure_as_near_miss(cat):
    demand = f.brake_block_demand(cat)
    f.supplier(cat, name="Near and big")
    f.supplier(cat, name="Far", regency=f.far_regency())
    f.supplier(cat, name="Small", capacity=500)
    f.supplier(cat, name="No ISO", certified=False)
    f.supplier(cat, name="Aluminium", material=cat.aluminium, certified=False)
    f.supplier(cat, name="Chairs", component_type=cat.chair)
    f.supplier(cat, name="Unverified", verified=False)

    rescoring.rescore_demand(demand_id=demand.pk)

    assert ranking(demand) == ["Near and big", "Far", "Small"]
    assert list(
        Match.objects.filter(demand=demand, kind=MatchKind.MATCH)
        .order_by("rank")
        .values_list("rank", flat=True)
    ) == [1, 2, 3]
    assert ranking(demand, MatchKind.NEAR_MISS) == ["No ISO"]
    near = Match.objects.get(demand=demand, kind=MatchKind.NEAR_MISS)
    assert near.rank is None
    assert near.failed_constraints and len(near.failed_constraints) == 1
    assert "ISO 9001" in reasons(near, "en")[0]
    assert "ISO 9001" in reasons(near, "id")[0]
    assert reasons(near, "id")[0] != reasons(near, "en")[0]


def test_rescore_demand_stores_exact_breakdown_version_and_policy(cat):
    demand = f.brake_block_demand(cat)
    f.supplier(cat, name="A")
    f.supplier(cat, name="B", capacity=700)

    rescoring.rescore_demand(demand_id=demand.pk)

    policy = policy_active()
    for match in Match.objects.filter(demand=demand):
        assert match.algorithm_version == ALGORITHM_VERSION
        assert match.policy == policy
        assert sum(match.breakdown["c"]) == round(match.score * 1_000_000)
        assert len(match.breakdown["v"]) == len(match.breakdown["c"]) == len(DEFAULT_WEIGHTS)
        assert reasons(match, "id") and reasons(match, "en")


def test_rescore_demand_twice_leaves_the_same_rows(cat):
    demand = f.brake_block_demand(cat)
    f.supplier(cat, name="A")
    f.supplier(cat, name="B", capacity=700)
    f.supplier(cat, name="C", certified=False)
    rescoring.rescore_demand(demand_id=demand.pk)
    first = rows(demand)

    rescoring.rescore_demand(demand_id=demand.pk)

    assert rows(demand) == first
    assert Match.objects.filter(demand=demand).count() == 3


def test_capacity_in_tonnes_converts_through_the_unit_weight(cat):
    demand = f.brake_block_demand(cat, quantity=2000)
    f.supplier(cat, name="Tonnes", capacity=11, unit="ton")  # 11 t = 1,000 blocks of 11 kg

    rescoring.rescore_demand(demand_id=demand.pk)

    match = Match.objects.get(demand=demand)
    assert factor(match, "capacity_fit")["value"] == pytest.approx(0.5)


def test_committed_partnership_volume_reduces_free_capacity(cat):
    demand = f.brake_block_demand(cat, quantity=2000)
    ikm = f.supplier(cat, name="Busy", capacity=5000)
    other = f.brake_block_demand(cat)
    f.PartnershipFactory(
        match__demand=other,
        match__supplier=ikm,
        match__capability=ikm.capabilities.get(),
        committed_monthly_volume=4000,
        committed_unit="pcs",
    )

    rescoring.rescore_demand(demand_id=demand.pk)
    assert factor(Match.objects.get(demand=demand, supplier=ikm), "capacity_fit")[
        "value"
    ] == pytest.approx(0.5)

    f.PartnershipFactory(
        match__demand=f.brake_block_demand(cat),
        match__supplier=ikm,
        match__capability=ikm.capabilities.get(),
        committed_monthly_volume=1000,
        committed_unit="pcs",
    )
    rescoring.rescore_demand(demand_id=demand.pk)
    match = Match.objects.get(demand=demand, supplier=ikm)
    assert match.kind == MatchKind.NEAR_MISS
    assert match.failed_constraints[0]["code"] == "no_free_capacity"


def test_consortium_suggested_when_no_single_supplier_has_the_capacity(cat):
    demand = f.brake_block_demand(cat, quantity=10_000)
    members = [f.supplier(cat, name=f"Foundry {i}", capacity=4000) for i in range(4)]

    rescoring.rescore_demand(demand_id=demand.pk)

    consortium = ConsortiumSuggestion.objects.get(demand=demand)
    assert float(consortium.total_quantity) == pytest.approx(10_000)
    assert 3 <= len(consortium.members) <= 4
    assert {m["supplier_id"] for m in consortium.members} <= {s.pk for s in members}
    assert all(m["quantity"] <= 4000 + 1e-6 for m in consortium.members)
    assert consortium.algorithm_version == ALGORITHM_VERSION
    assert consortium.reasons_id and consortium.reasons_en


def test_no_consortium_when_one_supplier_covers_the_demand(cat):
    demand = f.brake_block_demand(cat, quantity=3000)
    f.supplier(cat, name="Big", capacity=4000)
    f.supplier(cat, name="Small", capacity=1000)

    rescoring.rescore_demand(demand_id=demand.pk)

    assert not ConsortiumSuggestion.objects.filter(demand=demand).exists()


# --- reviewed matches ----------------------------------------------------------------------


def test_reviewed_match_dropped_from_top_k_keeps_status_and_leaves_the_ranking(cat):
    policy_publish(by=None, weights=DEFAULT_WEIGHTS, top_k=2)
    demand = f.brake_block_demand(cat)
    weakest = f.supplier(cat, name="Weakest", capacity=400)
    f.supplier(cat, name="Middle", capacity=1500)
    rescoring.rescore_demand(demand_id=demand.pk)
    Match.objects.filter(demand=demand, supplier=weakest).update(status=MatchStatus.SHORTLISTED)

    f.supplier(cat, name="Strong", capacity=5000)
    rescoring.rescore_demand(demand_id=demand.pk)

    kept = Match.objects.get(demand=demand, supplier=weakest)
    assert kept.status == MatchStatus.SHORTLISTED
    assert kept.is_current is False
    assert kept.rank is None
    assert kept.qualification_issue == ""
    assert ranking(demand) == ["Strong", "Middle"]


def test_rejected_match_is_refreshed_not_deleted(cat):
    demand = f.brake_block_demand(cat)
    ikm = f.supplier(cat, name="Rejected", capacity=1000)
    rescoring.rescore_demand(demand_id=demand.pk)
    match = Match.objects.get(demand=demand, supplier=ikm)
    Match.objects.filter(pk=match.pk).update(status=MatchStatus.REJECTED)

    SupplierCapability.objects.filter(supplier=ikm).update(monthly_capacity=2000)
    rescoring.rescore_demand(demand_id=demand.pk)

    refreshed = Match.objects.get(pk=match.pk)
    assert refreshed.status == MatchStatus.REJECTED
    assert refreshed.score > match.score


def test_specification_change_flags_approved_match_and_live_partnership(
    cat, django_capture_on_commit_callbacks
):
    demand = f.brake_block_demand(cat)
    ikm = f.supplier(cat, name="Grey iron foundry")
    rescoring.rescore_demand(demand_id=demand.pk)
    match = Match.objects.get(demand=demand, supplier=ikm)
    match.status = MatchStatus.APPROVED
    match.save()
    partnership = f.PartnershipFactory(match=match, stage=PartnershipStage.ACTIVE_SUPPLY)

    # the buyer moves to aluminium: the foundry's declared material no longer fits
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        demand_update(demand=demand, data={"material": cat.aluminium})
    # the demand's rescore, and the notice to IKM in a partnership on this demand
    assert len(callbacks) == 2

    match.refresh_from_db()
    assert match.status == MatchStatus.APPROVED
    assert match.qualification_issue and match.qualification_issue_en
    assert "Aluminium" in match.qualification_issue_en
    assert match.flagged_at is not None
    partnership.refresh_from_db()
    assert partnership.stage == PartnershipStage.ACTIVE_SUPPLY
    assert partnership.qualification_issue == match.qualification_issue
    assert partnership.flagged_at is not None
    event = PartnershipEvent.objects.get(partnership=partnership)
    with translation.override("id"):
        expected = gettext("Supplier no longer qualifies: %(issue)s") % {
            "issue": match.qualification_issue
        }
    assert event.note == expected

    # a second rescore neither duplicates the timeline entry nor moves the flag's time
    flagged_at = match.flagged_at
    rescoring.rescore_demand(demand_id=demand.pk)
    match.refresh_from_db()
    assert match.flagged_at == flagged_at
    assert PartnershipEvent.objects.filter(partnership=partnership).count() == 1


def test_new_mandatory_certification_flags_reviewed_match_with_the_missing_certificate(
    cat, django_capture_on_commit_callbacks
):
    demand = f.brake_block_demand(cat)
    ikm = f.supplier(cat, name="Foundry")
    rescoring.rescore_demand(demand_id=demand.pk)
    Match.objects.filter(demand=demand, supplier=ikm).update(status=MatchStatus.SHORTLISTED)
    railway = f.CertificationFactory(code="iso-ts-22163", name="ISO/TS 22163")

    with django_capture_on_commit_callbacks(execute=True):
        demand_update(demand=demand, data={}, mandatory_certifications=[cat.iso_9001, railway])

    match = Match.objects.get(demand=demand, supplier=ikm)
    assert match.status == MatchStatus.SHORTLISTED
    assert match.kind == MatchKind.NEAR_MISS
    assert "ISO/TS 22163" in match.qualification_issue_en
    assert match.flagged_at is not None


def test_component_type_change_flags_reviewed_match_of_a_supplier_that_cannot_make_it(
    cat, django_capture_on_commit_callbacks
):
    """Like KAI moving from metallic to composite brake blocks: the foundry's brake-block
    capability is of the same category but lacks the new type's processes and material."""
    composite = f.MaterialFactory(code="komposit", name_en="Friction composite")
    moulding = f.ProcessFactory(code="cetak-komposit", name_en="Composite moulding")
    composite_block = f.ComponentTypeFactory(
        code="blok-rem-komposit",
        name_en="Composite brake block",
        category=cat.brake_block.category,
    )
    composite_block.required_processes.set([moulding])
    demand = f.brake_block_demand(cat)
    ikm = f.supplier(cat, name="Foundry")
    rescoring.rescore_demand(demand_id=demand.pk)
    match = Match.objects.get(demand=demand, supplier=ikm)
    Match.objects.filter(pk=match.pk).update(status=MatchStatus.APPROVED)
    partnership = f.PartnershipFactory(match=match, stage=PartnershipStage.CONTRACT)

    with django_capture_on_commit_callbacks(execute=True):
        demand_update(
            demand=demand,
            data={"component_type": composite_block, "material": composite},
            required_processes=[moulding],
        )

    match.refresh_from_db()
    assert match.status == MatchStatus.APPROVED
    assert match.is_current is False
    assert "Composite moulding" in match.qualification_issue_en
    assert "Friction composite" in match.qualification_issue_en
    partnership.refresh_from_db()
    assert partnership.qualification_issue_en == match.qualification_issue_en
    assert PartnershipEvent.objects.filter(partnership=partnership).count() == 1


def test_flag_clears_when_the_supplier_qualifies_again(cat, django_capture_on_commit_callbacks):
    demand = f.brake_block_demand(cat)
    ikm = f.supplier(cat, name="Foundry", certified=False)
    SupplierCertificationFactory(
        supplier=ikm, certification=cat.iso_9001, valid_until=demand.needed_by
    )
    rescoring.rescore_demand(demand_id=demand.pk)
    match = Match.objects.get(demand=demand, supplier=ikm)
    Match.objects.filter(pk=match.pk).update(status=MatchStatus.APPROVED)
    partnership = f.PartnershipFactory(match=match)
    later = demand.needed_by.replace(year=demand.needed_by.year + 1)
    with django_capture_on_commit_callbacks(execute=True):
        demand_update(demand=demand, data={"needed_by": later})
    match.refresh_from_db()
    assert match.kind == MatchKind.NEAR_MISS and match.qualification_issue

    with django_capture_on_commit_callbacks(execute=True):
        certification_add(
            supplier=ikm, certification=cat.iso_9001, number="ISO-NEW", valid_until=later
        )

    match.refresh_from_db()
    assert match.kind == MatchKind.MATCH
    assert match.qualification_issue == ""
    assert match.flagged_at is None
    partnership.refresh_from_db()
    assert partnership.qualification_issue == ""
    assert PartnershipEvent.objects.filter(partnership=partnership).count() == 2


# --- closed demands and incremental rescoring -----------------------------------------------


def test_closed_demand_keeps_its_last_scores(cat, django_capture_on_commit_callbacks):
    demand = f.brake_block_demand(cat)
    ikm = f.supplier(cat, name="Foundry", capacity=1000)
    rescoring.rescore_demand(demand_id=demand.pk)
    before = rows(demand)
    with django_capture_on_commit_callbacks(execute=True):
        demand_close(demand=demand)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        capability_set(
            supplier=ikm,
            component_type=cat.brake_block,
            materials=[cat.grey_iron],
            processes=[cat.casting],
            monthly_capacity=2000,
            capacity_unit="pcs",
            lead_time_days=30,
        )
    assert len(callbacks) == 1
    rescoring.rescore_demand(demand_id=demand.pk)
    run = scheduling.full_rescore_start()
    runs.full_rescore_run(run_id=run.pk)

    assert rows(demand) == before


def test_supplier_edit_enqueues_a_rescore_of_that_supplier_on_commit(
    cat, django_capture_on_commit_callbacks
):
    demand = f.brake_block_demand(cat)
    ikm = f.supplier(cat, name="Newcomer", certified=False)
    rescoring.rescore_demand(demand_id=demand.pk)
    assert Match.objects.get(demand=demand, supplier=ikm).kind == MatchKind.NEAR_MISS

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        certification_add(supplier=ikm, certification=cat.iso_9001, number="ISO-1")
    assert len(callbacks) == 1
    assert Match.objects.get(demand=demand, supplier=ikm).kind == MatchKind.NEAR_MISS
    callbacks[0]()

    assert Match.objects.get(demand=demand, supplier=ikm).kind == MatchKind.MATCH


@pytest.mark.parametrize("top_k", [2, 20])
def test_unverified_supplier_leaves_the_ranking_and_ranks_close_up(
    cat, django_capture_on_commit_callbacks, top_k
):
    policy_publish(by=None, weights=DEFAULT_WEIGHTS, top_k=top_k)
    demand = f.brake_block_demand(cat)
    best = f.supplier(cat, name="Best", capacity=5000)
    f.supplier(cat, name="Second", capacity=1500)
    f.supplier(cat, name="Third", capacity=1000)
    rescoring.rescore_demand(demand_id=demand.pk)

    with django_capture_on_commit_callbacks(execute=True):
        supplier_verification_set(supplier=best, status=VerificationStatus.SUSPENDED)

    assert ranking(demand) == ["Second", "Third"]
    assert not Match.objects.filter(supplier=best).exists()
    assert list(
        Match.objects.filter(demand=demand, kind=MatchKind.MATCH)
        .order_by("rank")
        .values_list("rank", flat=True)
    ) == [1, 2]


@pytest.mark.parametrize("seed", [1, 5, 20261101])
def test_incremental_supplier_rescores_agree_with_full_demand_rescores(cat, seed):
    """Random supplier edits, each followed by ``rescore_supplier`` only, leave the same
    stored rows as rescoring every demand from scratch."""
    policy_publish(by=None, weights=DEFAULT_WEIGHTS, top_k=3)
    rng = random.Random(seed)
    demands = [
        f.brake_block_demand(cat, quantity=1500),
        f.brake_block_demand(cat, quantity=6000),
        f.brake_block_demand(cat, quantity=800, component_type=cat.brake_block_head),
    ]
    suppliers = [
        f.supplier(
            cat,
            name=f"IKM {i}",
            capacity=rng.choice([300, 900, 2000, 5000]),
            certified=rng.random() < 0.7,
            regency=f.far_regency() if i % 3 == 0 else None,
        )
        for i in range(9)
    ]
    for demand in demands:
        rescoring.rescore_demand(demand_id=demand.pk)
    reviewed = Match.objects.filter(demand=demands[0]).order_by("-score")[1]
    Match.objects.filter(pk=reviewed.pk).update(status=MatchStatus.SHORTLISTED)
    rescoring.rescore_demand(demand_id=demands[0].pk)

    for _ in range(25):
        ikm = rng.choice(suppliers)
        edit = rng.choice(["capacity", "certificate", "verification", "material"])
        capability = ikm.capabilities.get()
        if edit == "capacity":
            capability.monthly_capacity = rng.choice([100, 600, 1500, 3000, 8000])
            capability.save()
        elif edit == "certificate":
            if ikm.certifications.exists():
                ikm.certifications.all().delete()
            else:
                SupplierCertificationFactory(supplier=ikm, certification=cat.iso_9001)
        elif edit == "verification":
            ikm.verification_status = rng.choice(
                [VerificationStatus.VERIFIED, VerificationStatus.SUSPENDED]
            )
            ikm.save()
        else:
            capability.materials.set([rng.choice([cat.grey_iron, cat.aluminium])])
        rescoring.rescore_supplier(supplier_id=ikm.pk)

        incremental = {d.pk: rows(d) for d in demands}
        for demand in demands:
            rescoring.rescore_demand(demand_id=demand.pk)
        assert {d.pk: rows(d) for d in demands} == incremental, edit


def test_suspending_the_manufacturer_withdraws_its_demands_suggestions(cat):
    demand = f.brake_block_demand(cat)
    suggested = f.supplier(cat, name="Foundry A")
    reviewed = f.supplier(cat, name="Foundry B")
    rescoring.rescore_demand(demand_id=demand.pk)
    Match.objects.filter(demand=demand, supplier=reviewed).update(status=MatchStatus.SHORTLISTED)
    assert Match.objects.filter(demand=demand, supplier=suggested, is_current=True).exists()

    demand.manufacturer.verification_status = VerificationStatus.SUSPENDED
    demand.manufacturer.save()
    rescoring.rescore_demand(demand_id=demand.pk)

    assert not Match.objects.filter(demand=demand, supplier=suggested).exists()
    kept = Match.objects.get(demand=demand, supplier=reviewed)
    assert kept.status == MatchStatus.SHORTLISTED
    assert (kept.is_current, kept.rank) == (False, None)
    assert not ConsortiumSuggestion.objects.filter(demand=demand).exists()


def test_a_committed_match_moved_to_another_capability_is_counted_there_at_once(
    cat, eager_tasks, django_capture_on_commit_callbacks
):
    """Deleting the capability a partnership delivers from moves its reviewed match onto the
    IKM's other capability, where the committed volume then counts: the IKM's other rows are
    scored again, so the lists equal a full rescore (found by the bench: b2_equal_full)."""
    from matchmaking.choices import MatchStatus, PartnershipStage
    from partners.services.suppliers import capability_remove

    ikm = f.supplier(cat, name="Dua Kemampuan", capacity=5000)
    head = f.capability_set(
        ikm, cat.brake_block_head, material=cat.grey_iron, process=cat.casting, capacity=5000
    )
    committed_to = f.brake_block_demand(cat, quantity=3000)
    head_demand = f.brake_block_demand(cat, quantity=4000, component_type=cat.brake_block_head)
    f.supplier(cat, name="Besar", component_type=cat.brake_block_head, capacity=10_000)
    f.supplier(cat, name="Kecil", component_type=cat.brake_block_head, capacity=1000)
    f.PartnershipFactory(
        match__demand=committed_to,
        match__supplier=ikm,
        match__capability=ikm.capabilities.get(component_type=cat.brake_block),
        match__status=MatchStatus.APPROVED,
        stage=PartnershipStage.ACTIVE_SUPPLY,
        committed_monthly_volume=2500,
        committed_unit="pcs",
    )
    for demand in (committed_to, head_demand):
        rescoring.rescore_demand(demand_id=demand.pk)
    assert Match.objects.get(demand=committed_to, supplier=ikm).capability_id != head.pk

    with django_capture_on_commit_callbacks(execute=True):
        capability_remove(capability=ikm.capabilities.get(component_type=cat.brake_block))

    assert Match.objects.get(demand=committed_to, supplier=ikm).capability_id == head.pk
    after_edit = f.stored_results()
    for demand in (committed_to, head_demand):
        rescoring.rescore_demand(demand_id=demand.pk)
    assert f.stored_results() == after_edit
