"""The engine side of the expert rules (issue 11): sibling categories feed near misses,
a supplier edit reaches them, and the shortfall weights stay exact under incremental
rescoring (a supplier that starts or stops covering the volume changes every row)."""

from __future__ import annotations

import pytest

from matchmaking.choices import MatchKind
from matchmaking.engine import rescoring
from matchmaking.engine.loading import load_demand_specs, related_categories
from matchmaking.models import Match
from matchmaking.scoring.config import FACTORS
from tests.components.factories import ComponentCategoryFactory, ComponentTypeFactory
from tests.matchmaking import factories as f

from .test_rescoring import rows

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


@pytest.fixture
def cat():
    return f.catalogue()


@pytest.fixture
def bogie_type(cat):
    """A bogie part in a sibling category of the railway brakes (same parent)."""
    parent = ComponentCategoryFactory(code="sarana", name_en="Rolling stock")
    brakes = cat.brake_block.category
    brakes.parent = parent
    brakes.save()
    bogie = ComponentCategoryFactory(code="bogie", name_en="Bogie parts", parent=parent)
    part = ComponentTypeFactory(code="side-bearer", name_en="Side bearer", category=bogie)
    part.required_processes.set([cat.casting])
    return part


def test_a_demand_knows_its_sibling_categories(cat, bogie_type):
    demand = f.brake_block_demand(cat)
    (spec,) = load_demand_specs([demand.pk])
    assert spec.related_category_ids == {bogie_type.category_id}
    assert related_categories([cat.chair.category_id]) == {}


def test_a_sibling_category_supplier_is_a_near_miss_and_its_edit_reaches_the_demand(
    cat, bogie_type
):
    demand = f.brake_block_demand(cat, quantity=1000)
    f.supplier(cat, name="Brake foundry", capacity=2000)
    bogie = f.supplier(cat, name="Bogie foundry", component_type=bogie_type, capacity=900)
    rescoring.rescore_demand(demand_id=demand.pk)
    near = Match.objects.get(demand=demand, supplier=bogie)
    assert near.kind == MatchKind.NEAR_MISS
    assert [c["code"] for c in near.failed_constraints] == ["related_type"]

    capability = bogie.capabilities.get()
    capability.monthly_capacity = 400
    capability.save()
    rescoring.rescore_supplier(supplier_id=bogie.pk)
    incremental = rows(demand)
    rescoring.rescore_demand(demand_id=demand.pk)
    assert rows(demand) == incremental
    near = Match.objects.get(demand=demand, supplier=bogie)
    assert near.kind == MatchKind.NEAR_MISS
    assert near.breakdown["v"][FACTORS.index("capacity_fit")] == pytest.approx(0.4)


def short(demand) -> set[bool]:
    return {
        bool(m.explanation["ctx"].get("sf"))
        for m in Match.objects.filter(demand=demand, is_current=True)
    }


def test_a_supplier_that_starts_covering_the_volume_ends_the_shortfall_for_everyone(cat):
    demand = f.brake_block_demand(cat, quantity=6000)
    small = [f.supplier(cat, name=f"Foundry {i}", capacity=c) for i, c in enumerate([900, 2500])]
    grower = f.supplier(cat, name="Grower", capacity=1500)
    rescoring.rescore_demand(demand_id=demand.pk)
    assert short(demand) == {True}
    assert all("w" in m.breakdown for m in Match.objects.filter(demand=demand))

    capability = grower.capabilities.get()
    capability.monthly_capacity = 8000
    capability.save()
    rescoring.rescore_supplier(supplier_id=grower.pk)

    assert short(demand) == {False}
    incremental = rows(demand)
    rescoring.rescore_demand(demand_id=demand.pk)
    assert rows(demand) == incremental
    assert len(small) == 2


def test_the_only_supplier_covering_the_volume_shrinking_starts_the_shortfall(cat):
    demand = f.brake_block_demand(cat, quantity=6000)
    f.supplier(cat, name="Small", capacity=900)
    big = f.supplier(cat, name="Big", capacity=8000)
    rescoring.rescore_demand(demand_id=demand.pk)
    assert short(demand) == {False}

    capability = big.capabilities.get()
    capability.monthly_capacity = 3000
    capability.save()
    rescoring.rescore_supplier(supplier_id=big.pk)

    assert short(demand) == {True}
    incremental = rows(demand)
    rescoring.rescore_demand(demand_id=demand.pk)
    assert rows(demand) == incremental
