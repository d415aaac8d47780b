"""Selectors filter as documented and load related rows in a fixed number of queries."""

import pytest

from partners import selectors
from partners.choices import DemandStatus, SizeClass, VerificationStatus
from tests.components.factories import ComponentTypeFactory, RegencyFactory
from tests.partners.factories import (
    DemandFactory,
    SupplierCapabilityFactory,
    SupplierCertificationFactory,
    SupplierFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def madiun():
    return RegencyFactory(
        code="35.77", name="Kota Madiun", province__code="35", province__name="Jawa Timur"
    )


def test_supplier_list_leaves_out_inactive_suppliers():
    active = SupplierFactory()
    SupplierFactory(is_active=False)

    assert list(selectors.supplier_list()) == [active]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"q": "ceper"}, ["CV Logam Ceper"]),
        ({"q": "9120300000002"}, ["UD Rotan Madiun"]),
        ({"verification_status": VerificationStatus.VERIFIED}, ["CV Logam Ceper"]),
        ({"size_class": SizeClass.MEDIUM}, ["UD Rotan Madiun"]),
        ({"province": "35"}, ["UD Rotan Madiun"]),
        ({"regency": "33.10"}, ["CV Logam Ceper"]),
        ({"province": "", "q": None}, ["CV Logam Ceper", "UD Rotan Madiun"]),
    ],
)
def test_supplier_list_filters(madiun, filters, expected):
    SupplierFactory(
        legal_name="CV Logam Ceper",
        nib="9120300000001",
        verification_status=VerificationStatus.VERIFIED,
    )
    SupplierFactory(
        legal_name="UD Rotan Madiun",
        nib="9120300000002",
        sentra="Sentra Rotan",
        regency=madiun,
        investment_idr=2_000_000_000,
    )

    assert [s.legal_name for s in selectors.supplier_list(filters=filters)] == expected


def test_supplier_list_by_component_type_they_can_make():
    capability = SupplierCapabilityFactory()
    SupplierCapabilityFactory()

    found = selectors.supplier_list(filters={"component_type": capability.component_type})

    assert list(found) == [capability.supplier]


def test_supplier_list_refuses_unknown_filters():
    with pytest.raises(TypeError, match="colour"):
        selectors.supplier_list(filters={"colour": "red"})


def test_supplier_list_loads_related_rows_in_fixed_queries(django_assert_num_queries):
    for supplier in SupplierFactory.create_batch(10):
        SupplierCapabilityFactory.create_batch(2, supplier=supplier)
        SupplierCertificationFactory(supplier=supplier)

    # suppliers, KBLI codes, capabilities, their materials, their processes, certificates
    with django_assert_num_queries(6):
        for supplier in selectors.supplier_list():
            _ = supplier.regency.province.name
            _ = [c.component_type.name for c in supplier.capabilities.all()]
            _ = [
                list(c.materials.all()) + list(c.processes.all())
                for c in supplier.capabilities.all()
            ]
            _ = [h.certification.name for h in supplier.certifications.all()]
            _ = list(supplier.kbli_codes.all())


def test_demand_list_filters_by_status_and_component():
    brake_block = ComponentTypeFactory()
    open_demand = DemandFactory(status=DemandStatus.OPEN, component_type=brake_block)
    DemandFactory(status=DemandStatus.DRAFT, component_type=brake_block)
    DemandFactory(status=DemandStatus.OPEN)

    found = selectors.demand_list(
        filters={"status": DemandStatus.OPEN, "component_type": brake_block}
    )

    assert list(found) == [open_demand]
    assert list(selectors.demand_list(filters={"category": brake_block.category})) == list(
        selectors.demand_list(filters={"component_type": brake_block})
    )
