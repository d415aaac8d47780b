"""The database itself refuses bad rows, even when a write bypasses validation."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from partners.models import Demand, Manufacturer, Supplier, SupplierCapability
from partners.models import SupplierCertification as Held
from tests.components.factories import RegencyFactory
from tests.partners.factories import (
    DemandFactory,
    ManufacturerFactory,
    SupplierCapabilityFactory,
    SupplierCertificationFactory,
    SupplierFactory,
)

pytestmark = pytest.mark.django_db


def refused(write):
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


@pytest.mark.parametrize("nib", ["123", "912030123456", "91203O1234567", ""])
def test_supplier_nib_must_be_13_digits(nib):
    supplier = SupplierFactory()

    refused(lambda: Supplier.objects.filter(pk=supplier.pk).update(nib=nib))

    assert Supplier.objects.get(pk=supplier.pk).nib == supplier.nib


def test_supplier_with_12_digit_nib_cannot_be_bulk_created():
    unsaved = SupplierFactory.build(nib="912030123456", regency=RegencyFactory())

    refused(lambda: Supplier.objects.bulk_create([unsaved]))

    assert not Supplier.objects.exists()


def test_supplier_nib_is_unique():
    existing = SupplierFactory()
    twin = SupplierFactory.build(nib=existing.nib, regency=existing.regency)

    refused(lambda: Supplier.objects.bulk_create([twin]))

    assert Supplier.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("investment_idr", -1),
        ("size_class", "raksasa"),
        ("verification_status", "maybe"),
        ("legal_form", "llc"),
    ],
)
def test_supplier_fields_must_hold_valid_values(field, value):
    supplier = SupplierFactory()

    refused(lambda: Supplier.objects.filter(pk=supplier.pk).update(**{field: value}))


@pytest.mark.parametrize("capacity", [Decimal("0"), Decimal("-1")])
def test_capability_capacity_must_be_positive(capacity):
    capability = SupplierCapabilityFactory()

    refused(
        lambda: SupplierCapability.objects.filter(pk=capability.pk).update(
            monthly_capacity=capacity
        )
    )

    capability.refresh_from_db()
    assert capability.monthly_capacity == Decimal("5000")


@pytest.mark.parametrize(
    ("field", "value"),
    [("minimum_order", Decimal("-1")), ("lead_time_days", 0), ("capacity_unit", "bag")],
)
def test_capability_fields_must_hold_valid_values(field, value):
    capability = SupplierCapabilityFactory()

    refused(lambda: SupplierCapability.objects.filter(pk=capability.pk).update(**{field: value}))


def test_capability_is_unique_per_supplier_and_component_type():
    capability = SupplierCapabilityFactory()
    twin = SupplierCapability(
        supplier=capability.supplier,
        component_type=capability.component_type,
        monthly_capacity=1,
        capacity_unit="pcs",
        lead_time_days=7,
    )

    refused(lambda: SupplierCapability.objects.bulk_create([twin]))


def test_certificate_cannot_expire_before_it_is_issued():
    held = SupplierCertificationFactory()

    refused(
        lambda: Held.objects.filter(pk=held.pk).update(
            issued_on=datetime.date(2025, 6, 1), valid_until=datetime.date(2025, 5, 31)
        )
    )


def test_manufacturer_nib_is_13_digits_when_given():
    manufacturer = ManufacturerFactory()

    refused(lambda: Manufacturer.objects.filter(pk=manufacturer.pk).update(nib="81200"))
    Manufacturer.objects.filter(pk=manufacturer.pk).update(nib=None)

    assert Manufacturer.objects.get(pk=manufacturer.pk).nib is None


@pytest.mark.parametrize("quantity", [Decimal("0"), Decimal("-100")])
def test_demand_quantity_must_be_positive(quantity):
    demand = DemandFactory()

    refused(lambda: Demand.objects.filter(pk=demand.pk).update(quantity_per_month=quantity))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("status", "archived"),
        ("status", ""),
        ("duration_months", 0),
        ("unit", "bag"),
        ("unit_price_idr", -1),
    ],
)
def test_demand_fields_must_hold_valid_values(field, value):
    demand = DemandFactory()

    refused(lambda: Demand.objects.filter(pk=demand.pk).update(**{field: value}))

    assert Demand.objects.get(pk=demand.pk).status == demand.status
