"""Matching factories and a small hand-made scenario of grey-iron brake blocks.

The scenario is a buyer in Madiun asking for cast-iron brake blocks (grey iron, casting,
ISO 9001 mandatory) and a handful of IKM around it, each there to exercise one rule.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from components.choices import Unit
from components.models import Certification, ComponentType, Material, Process
from matchmaking.choices import MatchKind, MatchStatus, PartnershipStage
from matchmaking.engine.policies import policy_active
from matchmaking.models import ConsortiumSuggestion, Match, Partnership
from matchmaking.scoring.config import ALGORITHM_VERSION
from partners.choices import DemandStatus, VerificationStatus
from partners.models import Demand, Supplier, SupplierCapability
from tests.components.factories import (
    CertificationFactory,
    ComponentCategoryFactory,
    ComponentTypeFactory,
    MaterialFactory,
    ProcessFactory,
    RegencyFactory,
)
from tests.partners.factories import (
    DemandFactory,
    SupplierCapabilityFactory,
    SupplierCertificationFactory,
    SupplierFactory,
)


class MatchFactory(DjangoModelFactory):
    """A stored match as a rescore would leave it (without a breakdown)."""

    class Meta:
        model = Match

    demand = factory.SubFactory(DemandFactory, status=DemandStatus.OPEN)
    supplier = factory.SubFactory(SupplierFactory, verification_status=VerificationStatus.VERIFIED)
    kind = MatchKind.MATCH
    status = MatchStatus.SUGGESTED
    score = 0.5
    rank = 1
    algorithm_version = ALGORITHM_VERSION
    policy = factory.LazyFunction(policy_active)
    scored_at = factory.LazyFunction(timezone.now)


class PartnershipFactory(DjangoModelFactory):
    class Meta:
        model = Partnership

    match = factory.SubFactory(MatchFactory, status=MatchStatus.APPROVED)
    supplier = factory.SelfAttribute("match.supplier")
    demand = factory.SelfAttribute("match.demand")
    stage = PartnershipStage.CONTRACT
    stage_changed_at = factory.LazyFunction(timezone.now)


@dataclass
class Catalogue:
    brake_block: ComponentType
    brake_block_head: ComponentType
    chair: ComponentType
    grey_iron: Material
    aluminium: Material
    teak: Material
    casting: Process
    woodworking: Process
    iso_9001: Certification


def catalogue() -> Catalogue:
    """Two railway brake parts of one category and a furniture type of another."""
    brakes = ComponentCategoryFactory(code="sistem-rem", name_en="Railway brakes")
    furniture = ComponentCategoryFactory(code="furnitur", name_en="Furniture")
    casting = ProcessFactory(code="pengecoran", name_id="Pengecoran", name_en="Casting")
    woodworking = ProcessFactory(code="kayu", name_id="Pengolahan kayu", name_en="Woodworking")
    grey_iron = MaterialFactory(
        code="fc", name_id="Besi cor kelabu", name_en="Grey cast iron", family="ferrous"
    )
    brake_block = ComponentTypeFactory(
        code="blok-rem-metalik",
        name_id="Blok rem metalik",
        name_en="Cast-iron brake block",
        category=brakes,
        unit=Unit.PIECE,
        unit_weight_kg=Decimal("11"),
    )
    brake_block.required_processes.set([casting])
    brake_block_head = ComponentTypeFactory(
        code="brake-block-head",
        name_id="Brake block head",
        name_en="Brake block head",
        category=brakes,
        unit_weight_kg=Decimal("7.5"),
    )
    brake_block_head.required_processes.set([casting])
    chair = ComponentTypeFactory(
        code="kursi-jati", name_id="Kursi jati", name_en="Teak chair", category=furniture
    )
    return Catalogue(
        brake_block=brake_block,
        brake_block_head=brake_block_head,
        chair=chair,
        grey_iron=grey_iron,
        aluminium=MaterialFactory(
            code="al", name_id="Aluminium", name_en="Aluminium", family="non-ferrous"
        ),
        teak=MaterialFactory(code="jati", name_id="Kayu jati", name_en="Teak", family="wood"),
        casting=casting,
        woodworking=woodworking,
        iso_9001=CertificationFactory(code="iso-9001", name="ISO 9001"),
    )


def supplier(
    cat: Catalogue,
    *,
    name: str,
    component_type: ComponentType | None = None,
    material: Material | None = None,
    capacity: float = 5000,
    unit: str = Unit.PIECE,
    certified: bool = True,
    verified: bool = True,
    regency=None,
) -> Supplier:
    """A verified IKM with one capability (the brake block in grey iron by casting unless
    told otherwise) and, when ``certified``, a valid ISO 9001."""
    component_type = component_type or cat.brake_block
    is_furniture = component_type == cat.chair
    ikm = SupplierFactory(
        legal_name=name,
        verification_status=(
            VerificationStatus.VERIFIED if verified else VerificationStatus.PENDING
        ),
        **({"regency": regency} if regency is not None else {}),
    )
    capability_set(
        ikm,
        component_type,
        material=material or (cat.teak if is_furniture else cat.grey_iron),
        process=cat.woodworking if is_furniture else cat.casting,
        capacity=capacity,
        unit=unit,
    )
    if certified:
        SupplierCertificationFactory(supplier=ikm, certification=cat.iso_9001)
    return ikm


def capability_set(
    ikm: Supplier,
    component_type: ComponentType,
    *,
    material: Material,
    process: Process,
    capacity: float,
    unit: str = Unit.PIECE,
) -> SupplierCapability:
    capability = SupplierCapabilityFactory(
        supplier=ikm, component_type=component_type, monthly_capacity=capacity, capacity_unit=unit
    )
    capability.materials.set([material])
    capability.processes.set([process])
    return capability


def brake_block_demand(cat: Catalogue, *, quantity: float = 2000, **fields) -> Demand:
    """An open demand for grey-iron brake blocks delivered to Madiun, ISO 9001 mandatory."""
    defaults = {
        "component_type": cat.brake_block,
        "material": cat.grey_iron,
        "unit": Unit.PIECE,
        "status": DemandStatus.OPEN,
        "needed_by": timezone.localdate() + datetime.timedelta(days=60),
    }
    demand = DemandFactory(quantity_per_month=quantity, **{**defaults, **fields})
    demand.required_processes.set([cat.casting])
    demand.mandatory_certifications.set([cat.iso_9001])
    return demand


def far_regency():
    """Kabupaten Tegal, further from Madiun than Klaten."""
    return RegencyFactory(code="33.28", name="Kab. Tegal", latitude=-6.98, longitude=109.13)


def stored_results() -> list[tuple]:
    """Every stored match and consortium, without ids and timestamps, in a stable order:
    two runs that should agree compare equal."""
    matches = list(
        Match.objects.order_by("demand_id", "supplier_id").values_list(
            "demand_id",
            "supplier_id",
            "kind",
            "status",
            "rank",
            "score",
            "is_current",
            "breakdown",
            "explanation",
            "failed_constraints",
            "qualification_issue",
            "policy_id",
        )
    )
    consortia = list(
        ConsortiumSuggestion.objects.order_by("demand_id").values_list(
            "demand_id", "members", "total_quantity", "score"
        )
    )
    return matches + consortia
