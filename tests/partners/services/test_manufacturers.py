"""Manufacturer services (partners/services/manufacturers.py): registration, profile, plants."""

import pytest
from django.core.exceptions import ValidationError

from partners.choices import DemandStatus, VerificationStatus
from partners.models import Manufacturer, Plant
from partners.services.manufacturers import (
    manufacturer_create,
    manufacturer_register,
    manufacturer_update,
    plant_create,
    plant_delete,
    plant_update,
)
from tests.components.factories import (
    RegencyFactory,
    SectorFactory,
)
from tests.partners.factories import (
    DemandFactory,
    ManufacturerFactory,
    PlantFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def company_data(**overrides):
    return {
        "name": "PT Kereta Nusantara",
        "nib": "8120301234567",
        "website": "https://kereta.example.id",
        "contact_person": "Dewi Pengadaan",
        "contact_phone": "0351 000 0001",
        "contact_email": "pengadaan@kereta.example.id",
    } | overrides


# --- Manufacturers and plants ----------------------------------------------------------------


def test_manufacturer_create_with_sectors_members_and_a_plant():
    member = UserFactory()

    manufacturer = manufacturer_create(
        data={"name": "PT Industri Kereta Api (Persero)", "nib": "8120000000999"},
        members=[member],
    )
    plant = plant_create(
        manufacturer=manufacturer,
        data={"name": "Pabrik Madiun", "regency": RegencyFactory(code="35.77", name="Madiun")},
    )

    assert list(member.manufacturers.all()) == [manufacturer]
    assert plant.latitude == -7.68333  # the factory's regency centre
    assert list(manufacturer.plants.all()) == [plant]


def test_manufacturer_create_refuses_bad_nib_and_duplicate_name():
    ManufacturerFactory(name="PT INKA")

    with pytest.raises(ValidationError) as excinfo:
        manufacturer_create(data={"name": "PT INKA", "nib": "12345"})

    assert set(excinfo.value.error_dict) == {"name", "nib"}
    assert Manufacturer.objects.count() == 1


def test_plant_create_refuses_duplicate_name_for_the_same_manufacturer():
    plant = PlantFactory()

    with pytest.raises(ValidationError):
        plant_create(
            manufacturer=plant.manufacturer, data={"name": plant.name, "regency": plant.regency}
        )

    assert Plant.objects.count() == 1


# --- Company -------------------------------------------------------------------------------


def test_manufacturer_register_makes_a_pending_company_with_the_user_as_its_member():
    user = UserFactory(account_type="manufacturer")
    sector = SectorFactory()

    company = manufacturer_register(user=user, data=company_data(), sectors=[sector])

    company.refresh_from_db()
    assert company.verification_status == VerificationStatus.PENDING
    assert list(company.members.all()) == [user]
    assert list(company.sectors.all()) == [sector]


def test_manufacturer_register_a_second_time_by_the_same_user_creates_nothing():
    user = UserFactory(account_type="manufacturer")
    manufacturer_register(user=user, data=company_data())

    with pytest.raises(ValidationError) as excinfo:
        manufacturer_register(user=user, data=company_data(name="PT Lain"))

    assert excinfo.value.code == "already_member"
    assert Manufacturer.objects.count() == 1


def test_manufacturer_register_refuses_a_bad_nib_on_that_field_and_stores_nothing():
    user = UserFactory(account_type="manufacturer")

    with pytest.raises(ValidationError) as excinfo:
        manufacturer_register(user=user, data=company_data(nib="12345"))

    assert list(excinfo.value.error_dict) == ["nib"]
    assert not Manufacturer.objects.exists()


def test_manufacturer_update_changes_the_profile_but_not_the_verification():
    company = ManufacturerFactory(verification_status=VerificationStatus.PENDING)
    railway, automotive = SectorFactory(), SectorFactory()
    company.sectors.set([railway])

    manufacturer_update(
        manufacturer=company,
        data={"name": "PT Baru", "website": "https://baru.example.id"},
        sectors=[automotive],
    )

    company.refresh_from_db()
    assert (company.name, company.website) == ("PT Baru", "https://baru.example.id")
    assert list(company.sectors.all()) == [automotive]
    assert company.verification_status == VerificationStatus.PENDING
    with pytest.raises(TypeError):
        manufacturer_update(
            manufacturer=company, data={"verification_status": VerificationStatus.VERIFIED}
        )


# --- Plants --------------------------------------------------------------------------------


def test_plant_update_to_another_regency_moves_its_centre_and_announces_open_demands(announced):
    plant = PlantFactory()
    open_demand = DemandFactory(
        manufacturer=plant.manufacturer, plant=plant, status=DemandStatus.OPEN
    )
    DemandFactory(manufacturer=plant.manufacturer, plant=plant, status=DemandStatus.DRAFT)
    klaten = RegencyFactory()

    plant_update(plant=plant, data={"regency": klaten})

    plant.refresh_from_db()
    assert (plant.latitude, plant.longitude) == (klaten.latitude, klaten.longitude)
    assert announced == [
        ("demand_changed", {"demand_id": open_demand.pk}),
        ("demand_specification_changed", {"demand_id": open_demand.pk, "fields": ["plant"]}),
    ]


def test_plant_update_of_its_name_only_announces_nothing(announced):
    plant = PlantFactory()
    DemandFactory(manufacturer=plant.manufacturer, plant=plant, status=DemandStatus.OPEN)

    plant_update(plant=plant, data={"name": "Pabrik Madiun 2"})

    assert Plant.objects.get(pk=plant.pk).name == "Pabrik Madiun 2"
    assert announced == []


def test_plant_update_keeps_given_coordinates_and_refuses_half_a_pair():
    plant = PlantFactory()

    plant_update(
        plant=plant, data={"regency": RegencyFactory(), "latitude": -7.7, "longitude": 110.6}
    )
    plant.refresh_from_db()
    assert (plant.latitude, plant.longitude) == (-7.7, 110.6)

    with pytest.raises(ValidationError):
        plant_update(plant=plant, data={"latitude": None})


def test_plant_delete_removes_an_unused_plant_and_refuses_one_demands_deliver_to():
    unused = PlantFactory()
    used = DemandFactory(status=DemandStatus.CLOSED).plant

    plant_delete(plant=unused)
    with pytest.raises(ValidationError) as excinfo:
        plant_delete(plant=used)

    assert not Plant.objects.filter(pk=unused.pk).exists()
    assert excinfo.value.code == "plant_in_use"
    assert Plant.objects.filter(pk=used.pk).exists()
