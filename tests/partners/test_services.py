"""Partner services: valid input is saved and announced; bad input is refused field by field
and leaves the database as it was."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from components.choices import Unit
from partners import events, services
from partners.choices import DemandStatus, LegalForm, SizeClass, VerificationStatus
from partners.models import Demand, Manufacturer, Plant, Supplier, SupplierCapability
from tests.components.factories import (
    CertificationFactory,
    ComponentTypeFactory,
    KbliCodeFactory,
    MaterialFactory,
    ProcessFactory,
    RegencyFactory,
)
from tests.partners.factories import (
    DemandFactory,
    ManufacturerFactory,
    PlantFactory,
    SupplierCapabilityFactory,
    SupplierCertificationFactory,
    SupplierFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def error_codes(excinfo, field):
    return [error.code for error in excinfo.value.error_dict[field]]


@pytest.fixture
def received():
    """Every announcement on partners.events during the test, as (event name, kwargs)."""
    calls = []

    def on_supplier(**kwargs):
        calls.append(("supplier_changed", kwargs))

    def on_demand(**kwargs):
        calls.append(("demand_changed", kwargs))

    events.supplier_changed.connect(on_supplier)
    events.demand_changed.connect(on_demand)
    yield calls
    events.supplier_changed.disconnect(on_supplier)
    events.demand_changed.disconnect(on_demand)


@pytest.fixture
def supplier_data():
    return {
        "legal_name": "CV Baja Cor Batur",
        "nib": "9120301234567",
        "legal_form": LegalForm.CV,
        "workers": 25,
        "investment_idr": 2_500_000_000,
        "regency": RegencyFactory(),
        "sentra": "Sentra Pengecoran Logam Ceper",
    }


def demand_data(manufacturer, **overrides):
    data = {
        "plant": PlantFactory(manufacturer=manufacturer),
        "component_type": ComponentTypeFactory(),
        "title": "Blok rem komposit K-3",
        "quantity_per_month": Decimal("20000"),
        "unit": Unit.PIECE,
        "duration_months": 24,
        "needed_by": TODAY() + datetime.timedelta(days=60),
    }
    return data | overrides


# --- Events -------------------------------------------------------------------------------


def test_event_calls_each_connected_receiver_once_until_disconnected():
    event = events.Event("test_event")
    calls = []

    def receiver(**kwargs):
        calls.append(kwargs)

    event.connect(receiver)
    event.connect(receiver)
    event.send(supplier_id=7)
    event.disconnect(receiver)
    event.send(supplier_id=8)

    assert calls == [{"supplier_id": 7}]


def test_event_receiver_failure_rolls_the_change_back(supplier_data):
    def failing_receiver(**kwargs):
        raise RuntimeError("matching engine down")

    events.supplier_changed.connect(failing_receiver)
    try:
        with pytest.raises(RuntimeError):
            services.supplier_create(data=supplier_data)
    finally:
        events.supplier_changed.disconnect(failing_receiver)

    assert not Supplier.objects.exists()


# --- Suppliers ----------------------------------------------------------------------------


def test_supplier_create_computes_size_class_and_defaults_location(supplier_data, received):
    owner = UserFactory()
    kbli = KbliCodeFactory()

    supplier = services.supplier_create(owner=owner, data=supplier_data, kbli_codes=[kbli])

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
        services.supplier_create(data=supplier_data)
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
        services.supplier_create(data=supplier_data | {field: value})

    assert code in error_codes(excinfo, field)
    assert not Supplier.objects.exists()
    assert received == []


def test_supplier_create_with_missing_workers_reports_only_that_field(supplier_data):
    del supplier_data["workers"]

    with pytest.raises(ValidationError) as excinfo:
        services.supplier_create(data=supplier_data)

    assert set(excinfo.value.error_dict) == {"workers"}


def test_supplier_create_refuses_duplicate_nib(supplier_data):
    SupplierFactory(nib=supplier_data["nib"])

    with pytest.raises(ValidationError) as excinfo:
        services.supplier_create(data=supplier_data | {"legal_name": "UD Lain"})

    assert error_codes(excinfo, "nib") == ["unique"]
    assert Supplier.objects.count() == 1


def test_supplier_create_refuses_a_large_industry(supplier_data):
    data = supplier_data | {"workers": 120, "investment_idr": 15_000_000_001}

    with pytest.raises(ValidationError) as excinfo:
        services.supplier_create(data=data)

    # in the default UI language, Bahasa Indonesia
    assert "industri besar" in excinfo.value.message_dict["investment_idr"][0]
    assert not Supplier.objects.exists()


def test_supplier_create_refuses_only_one_coordinate(supplier_data):
    with pytest.raises(ValidationError) as excinfo:
        services.supplier_create(data=supplier_data | {"latitude": -7.7})

    assert "__all__" in excinfo.value.error_dict
    assert not Supplier.objects.exists()


def test_supplier_create_refuses_fields_the_staff_decide(supplier_data):
    with pytest.raises(TypeError, match="verification_status"):
        services.supplier_create(data=supplier_data | {"verification_status": "verified"})


def test_supplier_update_recomputes_size_class_and_announces(received):
    supplier = SupplierFactory(workers=5, investment_idr=100_000_000)
    assert supplier.size_class == SizeClass.SMALL

    services.supplier_update(supplier=supplier, data={"investment_idr": 1_000_000_000})

    supplier.refresh_from_db()
    assert supplier.size_class == SizeClass.MEDIUM
    assert received == [("supplier_changed", {"supplier_id": supplier.pk})]


def test_supplier_update_moves_default_coordinates_with_the_regency():
    supplier = SupplierFactory()
    tegal = RegencyFactory(code="33.28", name="Kab. Tegal", latitude=-6.98, longitude=109.14)

    services.supplier_update(supplier=supplier, data={"regency": tegal})

    supplier.refresh_from_db()
    assert (supplier.latitude, supplier.longitude) == (-6.98, 109.14)


def test_supplier_update_keeps_surveyed_coordinates_when_the_regency_changes():
    supplier = SupplierFactory(latitude=-7.7012, longitude=110.6443)
    tegal = RegencyFactory(code="33.28", name="Kab. Tegal", latitude=-6.98, longitude=109.14)

    services.supplier_update(supplier=supplier, data={"regency": tegal})

    supplier.refresh_from_db()
    assert (supplier.latitude, supplier.longitude) == (-7.7012, 110.6443)


def test_supplier_update_refuses_bad_nib_and_keeps_the_stored_one(received):
    supplier = SupplierFactory(nib="9120300000001")

    with pytest.raises(ValidationError) as excinfo:
        services.supplier_update(supplier=supplier, data={"nib": "123"})

    assert "nib" in excinfo.value.error_dict
    assert Supplier.objects.get(pk=supplier.pk).nib == "9120300000001"
    assert received == []


def test_supplier_verification_set_records_when_it_was_verified(received):
    supplier = SupplierFactory()

    services.supplier_verification_set(supplier=supplier, status=VerificationStatus.VERIFIED)
    verified_at = Supplier.objects.get(pk=supplier.pk).verified_at
    services.supplier_verification_set(supplier=supplier, status=VerificationStatus.VERIFIED)

    supplier.refresh_from_db()
    assert supplier.is_verified
    assert supplier.verified_at == verified_at is not None
    assert received == [("supplier_changed", {"supplier_id": supplier.pk})]


def test_supplier_verification_set_clears_verified_at_when_suspended():
    supplier = SupplierFactory(
        verification_status=VerificationStatus.VERIFIED, verified_at=timezone.now()
    )

    services.supplier_verification_set(supplier=supplier, status=VerificationStatus.SUSPENDED)

    supplier.refresh_from_db()
    assert supplier.verification_status == VerificationStatus.SUSPENDED
    assert supplier.verified_at is None


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

    first = services.capability_set(**capability_kwargs(supplier, component_type))
    casting = ProcessFactory()
    second = services.capability_set(
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
        services.capability_set(**capability_kwargs(supplier, component_type, **overrides))

    assert set(excinfo.value.error_dict) == {field}
    assert not SupplierCapability.objects.exists()
    assert received == []


def test_capability_set_refusal_keeps_the_existing_capability():
    capability = SupplierCapabilityFactory(monthly_capacity=Decimal("5000"))

    with pytest.raises(ValidationError):
        services.capability_set(
            **capability_kwargs(
                capability.supplier, capability.component_type, monthly_capacity=Decimal("-1")
            )
        )

    capability.refresh_from_db()
    assert capability.monthly_capacity == Decimal("5000")


def test_certification_add_records_the_certificate(received):
    supplier, iso = SupplierFactory(), CertificationFactory()

    held = services.certification_add(
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
        services.certification_add(
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
        services.certification_add(
            supplier=held.supplier,
            certification=held.certification,
            number="OTHER/1",
            issued_on=TODAY() + datetime.timedelta(days=400),
            valid_until=TODAY() + datetime.timedelta(days=10),
        )
    with pytest.raises(ValidationError) as duplicate:
        services.certification_add(
            supplier=held.supplier, certification=held.certification, number=held.number
        )

    assert "valid_until" in dates.value.error_dict
    assert "__all__" in duplicate.value.error_dict
    assert held.supplier.certifications.count() == 1


# --- Manufacturers and plants ----------------------------------------------------------------


def test_manufacturer_create_with_sectors_members_and_a_plant():
    member = UserFactory()

    manufacturer = services.manufacturer_create(
        data={"name": "PT Industri Kereta Api (Persero)", "nib": "8120000000999"},
        members=[member],
    )
    plant = services.plant_create(
        manufacturer=manufacturer,
        data={"name": "Pabrik Madiun", "regency": RegencyFactory(code="35.77", name="Madiun")},
    )

    assert list(member.manufacturers.all()) == [manufacturer]
    assert plant.latitude == -7.68333  # the factory's regency centre
    assert list(manufacturer.plants.all()) == [plant]


def test_manufacturer_create_refuses_bad_nib_and_duplicate_name():
    ManufacturerFactory(name="PT INKA")

    with pytest.raises(ValidationError) as excinfo:
        services.manufacturer_create(data={"name": "PT INKA", "nib": "12345"})

    assert set(excinfo.value.error_dict) == {"name", "nib"}
    assert Manufacturer.objects.count() == 1


def test_plant_create_refuses_duplicate_name_for_the_same_manufacturer():
    plant = PlantFactory()

    with pytest.raises(ValidationError):
        services.plant_create(
            manufacturer=plant.manufacturer, data={"name": plant.name, "regency": plant.regency}
        )

    assert Plant.objects.count() == 1


def test_manufacturer_verification_set_records_when_it_was_verified():
    manufacturer = ManufacturerFactory()

    services.manufacturer_verification_set(
        manufacturer=manufacturer, status=VerificationStatus.VERIFIED
    )

    manufacturer.refresh_from_db()
    assert manufacturer.is_verified
    assert manufacturer.verified_at is not None


# --- Demand -----------------------------------------------------------------------------------


def test_demand_create_saves_a_draft_with_its_requirements(received):
    manufacturer = ManufacturerFactory()
    forging, sni = ProcessFactory(), CertificationFactory()
    iso = CertificationFactory()

    demand = services.demand_create(
        manufacturer=manufacturer,
        data=demand_data(manufacturer),
        required_processes=[forging],
        mandatory_certifications=[sni],
        preferred_certifications=[iso],
    )

    demand.refresh_from_db()
    assert demand.status == DemandStatus.DRAFT
    assert list(demand.required_processes.all()) == [forging]
    assert list(demand.mandatory_certifications.all()) == [sni]
    assert list(demand.preferred_certifications.all()) == [iso]
    assert received == [("demand_changed", {"demand_id": demand.pk})]


def test_demand_create_without_component_type_is_refused_on_that_field(received):
    manufacturer = ManufacturerFactory()
    data = demand_data(manufacturer)
    del data["component_type"]

    with pytest.raises(ValidationError) as excinfo:
        services.demand_create(manufacturer=manufacturer, data=data)

    assert error_codes(excinfo, "component_type") == ["null"]
    assert not Demand.objects.exists()
    assert received == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"quantity_per_month": Decimal("0")}, "quantity_per_month"),
        ({"quantity_per_month": Decimal("-5")}, "quantity_per_month"),
        ({"duration_months": 0}, "duration_months"),
        ({"unit_price_idr": -1}, "unit_price_idr"),
        ({"title": ""}, "title"),
        ({"needed_by": datetime.date(2020, 1, 1)}, "needed_by"),
    ],
)
def test_demand_create_refuses_bad_values(overrides, field):
    manufacturer = ManufacturerFactory()

    with pytest.raises(ValidationError) as excinfo:
        services.demand_create(
            manufacturer=manufacturer, data=demand_data(manufacturer, **overrides)
        )

    assert set(excinfo.value.error_dict) == {field}
    assert not Demand.objects.exists()


def test_demand_create_refuses_a_plant_of_another_manufacturer():
    manufacturer = ManufacturerFactory()
    other_plant = PlantFactory()

    with pytest.raises(ValidationError) as excinfo:
        services.demand_create(
            manufacturer=manufacturer, data=demand_data(manufacturer, plant=other_plant)
        )

    assert "plant" in excinfo.value.error_dict
    assert not Demand.objects.exists()


def test_demand_create_refuses_a_certification_both_mandatory_and_preferred():
    manufacturer, sni = ManufacturerFactory(), CertificationFactory()

    with pytest.raises(ValidationError) as excinfo:
        services.demand_create(
            manufacturer=manufacturer,
            data=demand_data(manufacturer),
            mandatory_certifications=[sni],
            preferred_certifications=[sni],
        )

    assert error_codes(excinfo, "preferred_certifications") == ["certification_overlap"]
    assert not Demand.objects.exists()


def test_demand_update_changes_fields_and_announces(received):
    demand = DemandFactory()

    services.demand_update(demand=demand, data={"quantity_per_month": Decimal("2500")})

    demand.refresh_from_db()
    assert demand.quantity_per_month == Decimal("2500")
    assert received == [("demand_changed", {"demand_id": demand.pk})]


def test_demand_update_keeps_a_past_needed_by_date_it_did_not_change():
    demand = DemandFactory(needed_by=datetime.date(2020, 1, 1))

    services.demand_update(demand=demand, data={"title": "Blok rem, revisi"})

    assert Demand.objects.get(pk=demand.pk).title == "Blok rem, revisi"


def test_demand_update_refuses_a_new_past_date_and_closed_demands():
    demand = DemandFactory()
    closed = DemandFactory(status=DemandStatus.CLOSED)

    with pytest.raises(ValidationError) as past:
        services.demand_update(demand=demand, data={"needed_by": datetime.date(2020, 1, 1)})
    with pytest.raises(ValidationError) as final:
        services.demand_update(demand=closed, data={"title": "Changed"})

    assert error_codes(past, "needed_by") == ["needed_by_past"]
    assert final.value.code == "not_editable"
    assert Demand.objects.get(pk=closed.pk).title == closed.title


def test_demand_publish_then_close(received):
    demand = DemandFactory()

    services.demand_publish(demand=demand)
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.OPEN
    services.demand_close(demand=demand)

    assert demand.status == DemandStatus.CLOSED
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.CLOSED
    assert received == [("demand_changed", {"demand_id": demand.pk})] * 2


@pytest.mark.parametrize(
    ("status", "service"),
    [
        (DemandStatus.OPEN, services.demand_publish),
        (DemandStatus.CLOSED, services.demand_publish),
        (DemandStatus.DRAFT, services.demand_close),
        (DemandStatus.CANCELLED, services.demand_close),
        (DemandStatus.CLOSED, services.demand_cancel),
        (DemandStatus.CANCELLED, services.demand_cancel),
    ],
)
def test_demand_invalid_status_transition_is_refused(status, service, received):
    demand = DemandFactory(status=status)

    with pytest.raises(ValidationError) as excinfo:
        service(demand=demand)

    assert error_codes(excinfo, "status") == ["invalid_transition"]
    assert Demand.objects.get(pk=demand.pk).status == status
    assert received == []


@pytest.mark.parametrize("status", [DemandStatus.DRAFT, DemandStatus.OPEN])
def test_demand_cancel_from_draft_or_open(status):
    demand = DemandFactory(status=status)

    services.demand_cancel(demand=demand)

    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.CANCELLED


def test_demand_publish_refuses_a_needed_by_date_that_has_passed():
    demand = DemandFactory(needed_by=TODAY() - datetime.timedelta(days=1))

    with pytest.raises(ValidationError) as excinfo:
        services.demand_publish(demand=demand)

    assert error_codes(excinfo, "needed_by") == ["needed_by_past"]
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.DRAFT
