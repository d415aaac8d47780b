"""Supplier services (partners/services/suppliers.py): the profile, capabilities and
certificates; valid input is saved and announced, bad input is refused field by field and
leaves the database (and the storage) as it was."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from components.choices import Unit
from partners import events
from partners.choices import SizeClass, VerificationStatus
from partners.models import (
    Supplier,
    SupplierCapability,
)
from partners.services.suppliers import (
    capability_remove,
    capability_set,
    capability_update,
    certificate_add,
    certificate_update,
    certification_add,
    supplier_create,
    supplier_update,
)
from tests.components.factories import (
    CertificationFactory,
    ComponentTypeFactory,
    KbliCodeFactory,
    MaterialFactory,
    ProcessFactory,
    RegencyFactory,
)
from tests.partners.factories import (
    SupplierCapabilityFactory,
    SupplierCertificationFactory,
    SupplierFactory,
    UserFactory,
)
from tests.partners.services.helpers import error_codes, stored_files, upload

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


# --- Suppliers ----------------------------------------------------------------------------


def test_supplier_create_computes_size_class_and_defaults_location(supplier_data, received):
    owner = UserFactory()
    kbli = KbliCodeFactory()

    supplier = supplier_create(owner=owner, data=supplier_data, kbli_codes=[kbli])

    supplier.refresh_from_db()
    assert supplier.owner == owner
    assert supplier.size_class == SizeClass.MEDIUM
    assert (supplier.latitude, supplier.longitude) == (-7.68333, 110.61667)
    assert list(supplier.kbli_codes.all()) == [kbli]
    assert supplier.verification_status == VerificationStatus.PENDING
    assert received == [("supplier_changed", {"supplier_id": supplier.pk})]


def test_supplier_create_announces_inside_its_own_transaction(supplier_data):
    depths = []

    def receiver(*, supplier_id):
        depths.append(len(connection.savepoint_ids))

    baseline = len(connection.savepoint_ids)
    events.supplier_changed.connect(receiver)
    try:
        supplier_create(data=supplier_data)
    finally:
        events.supplier_changed.disconnect(receiver)

    assert depths == [baseline + 1]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("nib", "912030123456", "invalid_nib"),  # 12 digits
        ("nib", "91203012345678", "max_length"),  # 14 digits
        ("nib", "91203O1234567", "invalid_nib"),  # a letter O
        ("workers", -3, "min_value"),
        ("investment_idr", -1, "min_value"),
        ("legal_form", "llc", "invalid_choice"),
        ("contact_phone", "call me", "invalid_phone"),
        ("latitude", 30.0, "max_value"),
    ],
)
def test_supplier_create_refuses_bad_field_and_saves_nothing(
    supplier_data, received, field, value, code
):
    with pytest.raises(ValidationError) as excinfo:
        supplier_create(data=supplier_data | {field: value})

    assert code in error_codes(excinfo, field)
    assert not Supplier.objects.exists()
    assert received == []


def test_supplier_create_with_missing_workers_reports_only_that_field(supplier_data):
    del supplier_data["workers"]

    with pytest.raises(ValidationError) as excinfo:
        supplier_create(data=supplier_data)

    assert set(excinfo.value.error_dict) == {"workers"}


def test_supplier_create_refuses_duplicate_nib(supplier_data):
    SupplierFactory(nib=supplier_data["nib"])

    with pytest.raises(ValidationError) as excinfo:
        supplier_create(data=supplier_data | {"legal_name": "UD Lain"})

    assert error_codes(excinfo, "nib") == ["unique"]
    assert Supplier.objects.count() == 1


def test_supplier_create_refuses_a_large_industry(supplier_data):
    data = supplier_data | {"workers": 120, "investment_idr": 15_000_000_001}

    with pytest.raises(ValidationError) as excinfo:
        supplier_create(data=data)

    # in the default UI language, Bahasa Indonesia
    assert "industri besar" in excinfo.value.message_dict["investment_idr"][0]
    assert not Supplier.objects.exists()


def test_supplier_create_refuses_only_one_coordinate(supplier_data):
    with pytest.raises(ValidationError) as excinfo:
        supplier_create(data=supplier_data | {"latitude": -7.7})

    assert "__all__" in excinfo.value.error_dict
    assert not Supplier.objects.exists()


def test_supplier_create_refuses_fields_the_staff_decide(supplier_data):
    with pytest.raises(TypeError, match="verification_status"):
        supplier_create(data=supplier_data | {"verification_status": "verified"})


def test_supplier_update_recomputes_size_class_and_announces(received):
    supplier = SupplierFactory(workers=5, investment_idr=100_000_000)
    assert supplier.size_class == SizeClass.SMALL

    supplier_update(supplier=supplier, data={"investment_idr": 1_000_000_000})

    supplier.refresh_from_db()
    assert supplier.size_class == SizeClass.MEDIUM
    assert received == [("supplier_changed", {"supplier_id": supplier.pk})]


def test_supplier_update_moves_default_coordinates_with_the_regency():
    supplier = SupplierFactory()
    tegal = RegencyFactory(code="33.28", name="Kab. Tegal", latitude=-6.98, longitude=109.14)

    supplier_update(supplier=supplier, data={"regency": tegal})

    supplier.refresh_from_db()
    assert (supplier.latitude, supplier.longitude) == (-6.98, 109.14)


def test_supplier_update_keeps_surveyed_coordinates_when_the_regency_changes():
    supplier = SupplierFactory(latitude=-7.7012, longitude=110.6443)
    tegal = RegencyFactory(code="33.28", name="Kab. Tegal", latitude=-6.98, longitude=109.14)

    supplier_update(supplier=supplier, data={"regency": tegal})

    supplier.refresh_from_db()
    assert (supplier.latitude, supplier.longitude) == (-7.7012, 110.6443)


def test_supplier_update_refuses_bad_nib_and_keeps_the_stored_one(received):
    supplier = SupplierFactory(nib="9120300000001")

    with pytest.raises(ValidationError) as excinfo:
        supplier_update(supplier=supplier, data={"nib": "123"})

    assert "nib" in excinfo.value.error_dict
    assert Supplier.objects.get(pk=supplier.pk).nib == "9120300000001"
    assert received == []


# --- Capabilities and certifications --------------------------------------------------------


def capability_kwargs(supplier, component_type, **overrides):
    kwargs = {
        "supplier": supplier,
        "component_type": component_type,
        "materials": [MaterialFactory()],
        "processes": [ProcessFactory(), ProcessFactory()],
        "monthly_capacity": Decimal("15000"),
        "capacity_unit": Unit.PIECE,
        "lead_time_days": 45,
    }
    return kwargs | overrides


def test_capability_set_creates_then_replaces_one_row_per_component_type(received):
    supplier, component_type = SupplierFactory(), ComponentTypeFactory()

    first = capability_set(**capability_kwargs(supplier, component_type))
    casting = ProcessFactory()
    second = capability_set(
        **capability_kwargs(
            supplier,
            component_type,
            processes=[casting],
            monthly_capacity=Decimal("18000"),
            minimum_order=Decimal("500"),
        )
    )

    assert second.pk == first.pk
    capability = SupplierCapability.objects.get()
    assert capability.monthly_capacity == Decimal("18000")
    assert capability.minimum_order == Decimal("500")
    assert list(capability.processes.all()) == [casting]
    assert received == [("supplier_changed", {"supplier_id": supplier.pk})] * 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"monthly_capacity": Decimal("-10")}, "monthly_capacity"),
        ({"monthly_capacity": Decimal("0")}, "monthly_capacity"),
        ({"minimum_order": Decimal("20000")}, "minimum_order"),
        ({"lead_time_days": 0}, "lead_time_days"),
        ({"capacity_unit": "bushel"}, "capacity_unit"),
    ],
)
def test_capability_set_refuses_bad_values_and_saves_nothing(overrides, field, received):
    supplier, component_type = SupplierFactory(), ComponentTypeFactory()

    with pytest.raises(ValidationError) as excinfo:
        capability_set(**capability_kwargs(supplier, component_type, **overrides))

    assert set(excinfo.value.error_dict) == {field}
    assert not SupplierCapability.objects.exists()
    assert received == []


def test_capability_set_refusal_keeps_the_existing_capability():
    capability = SupplierCapabilityFactory(monthly_capacity=Decimal("5000"))

    with pytest.raises(ValidationError):
        capability_set(
            **capability_kwargs(
                capability.supplier, capability.component_type, monthly_capacity=Decimal("-1")
            )
        )

    capability.refresh_from_db()
    assert capability.monthly_capacity == Decimal("5000")


def test_certification_add_records_the_certificate(received):
    supplier, iso = SupplierFactory(), CertificationFactory()

    held = certification_add(
        supplier=supplier,
        certification=iso,
        number="QMS/0042/2025",
        issued_on=TODAY() - datetime.timedelta(days=30),
        valid_until=TODAY() + datetime.timedelta(days=1000),
    )

    assert list(supplier.certifications.all()) == [held]
    assert received == [("supplier_changed", {"supplier_id": supplier.pk})]


def test_certification_add_refuses_an_expired_certificate():
    supplier = SupplierFactory()

    with pytest.raises(ValidationError) as excinfo:
        certification_add(
            supplier=supplier,
            certification=CertificationFactory(),
            number="QMS/0001/2019",
            valid_until=TODAY() - datetime.timedelta(days=1),
        )

    assert error_codes(excinfo, "valid_until") == ["expired"]
    assert not supplier.certifications.exists()


def test_certification_add_refuses_expiry_before_issue_and_duplicates():
    held = SupplierCertificationFactory()

    with pytest.raises(ValidationError) as dates:
        certification_add(
            supplier=held.supplier,
            certification=held.certification,
            number="OTHER/1",
            issued_on=TODAY() + datetime.timedelta(days=400),
            valid_until=TODAY() + datetime.timedelta(days=10),
        )
    with pytest.raises(ValidationError) as duplicate:
        certification_add(
            supplier=held.supplier, certification=held.certification, number=held.number
        )

    assert "valid_until" in dates.value.error_dict
    assert "__all__" in duplicate.value.error_dict
    assert held.supplier.certifications.count() == 1


# --- My IKM -------------------------------------------------------------------------------


@pytest.fixture
def supplier(owner, cat):
    supplier = SupplierFactory(owner=owner)
    SupplierCapabilityFactory(supplier=supplier, component_type=cat["component"])
    return supplier


def test_capability_update_changes_the_row_in_place_and_announces_it(supplier, cat, changes):
    capability = supplier.capabilities.get()

    updated = capability_update(
        capability=capability,
        component_type=cat["other_component"],
        materials=[cat["material"]],
        processes=[],
        monthly_capacity=Decimal("12.5"),
        capacity_unit=Unit.TONNE,
        lead_time_days=14,
    )

    assert updated.pk == capability.pk
    capability.refresh_from_db()
    assert capability.component_type == cat["other_component"]
    assert capability.capacity_unit == Unit.TONNE
    assert list(capability.materials.all()) == [cat["material"]]
    assert changes == [supplier.pk]


def test_capability_update_to_a_type_already_listed_is_refused(supplier, cat, changes):
    other = SupplierCapabilityFactory(supplier=supplier, component_type=cat["other_component"])

    with pytest.raises(ValidationError) as refused:
        capability_update(
            capability=other,
            component_type=cat["component"],
            materials=[],
            processes=[],
            monthly_capacity=1,
            capacity_unit=Unit.PIECE,
            lead_time_days=1,
        )

    assert "component_type" in refused.value.error_dict
    other.refresh_from_db()
    assert other.component_type == cat["other_component"]
    assert changes == []


def test_capability_update_validates_the_numbers(supplier, cat):
    with pytest.raises(ValidationError) as refused:
        capability_update(
            capability=supplier.capabilities.get(),
            component_type=cat["component"],
            materials=[],
            processes=[],
            monthly_capacity=10,
            minimum_order=20,
            capacity_unit=Unit.PIECE,
            lead_time_days=0,
        )

    assert set(refused.value.error_dict) >= {"lead_time_days"}


def test_the_last_capability_stays(supplier, changes):
    with pytest.raises(ValidationError):
        capability_remove(capability=supplier.capabilities.get())

    assert supplier.capabilities.count() == 1
    assert changes == []


def test_certificate_add_with_a_refused_row_stores_no_file(supplier, cat, media, changes):
    SupplierCertificationFactory(supplier=supplier, certification=cat["certification"], number="X")

    with pytest.raises(ValidationError):
        certificate_add(
            supplier=supplier, certification=cat["certification"], number="X", document=upload()
        )

    assert stored_files(media) == []
    assert changes == []


def test_certificate_update_with_a_bad_scan_changes_nothing(supplier, cat, media):
    held = certificate_add(
        supplier=supplier, certification=cat["certification"], number="A-1", document=upload()
    )
    before = stored_files(media)

    with pytest.raises(ValidationError):
        certificate_update(
            held=held,
            certification=cat["certification"],
            number="A-2",
            document=upload(b"MZ\x90\x00 an executable"),
        )

    held.refresh_from_db()
    assert held.number == "A-1"
    assert stored_files(media) == before


def test_certificate_update_refuses_an_expiry_in_the_past(supplier, cat, media):
    held = certificate_add(supplier=supplier, certification=cat["certification"], number="A")

    with pytest.raises(ValidationError) as refused:
        certificate_update(
            held=held,
            certification=cat["certification"],
            number="A",
            valid_until=timezone.localdate() - datetime.timedelta(days=3),
        )

    assert "valid_until" in refused.value.error_dict
