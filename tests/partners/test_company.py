"""The manufacturer side: company registration and profile, plants, demand drawings and
the announcement of specification changes (services), and what a member may read
(selectors in partners.company)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from partners import events, services
from partners.choices import DemandStatus, VerificationStatus
from partners.company import (
    company_demand_counts,
    company_demand_list,
    company_plants,
    component_type_choices,
    member_demand,
    member_plant,
    regency_choices,
)
from partners.models import Demand, Manufacturer, Plant
from partners.uploads import private_storage
from tests.components.factories import (
    CertificationFactory,
    ComponentCategoryFactory,
    ComponentTypeFactory,
    ProcessFactory,
    ProvinceFactory,
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

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


def stored_files(root):
    return sorted(path.name for path in root.rglob("*") if path.is_file())


@pytest.fixture
def announced():
    """Every demand announcement during the test, as (event name, kwargs)."""
    calls = []

    def on_changed(**kwargs):
        calls.append(("demand_changed", kwargs))

    def on_specification(**kwargs):
        calls.append(("demand_specification_changed", kwargs))

    events.demand_changed.connect(on_changed)
    events.demand_specification_changed.connect(on_specification)
    yield calls
    events.demand_changed.disconnect(on_changed)
    events.demand_specification_changed.disconnect(on_specification)


def specification_changes(calls):
    return [kwargs for name, kwargs in calls if name == "demand_specification_changed"]


def company_data(**overrides):
    return {
        "name": "PT Kereta Nusantara",
        "nib": "8120301234567",
        "website": "https://kereta.example.id",
        "contact_person": "Dewi Pengadaan",
        "contact_phone": "0351 000 0001",
        "contact_email": "pengadaan@kereta.example.id",
    } | overrides


# --- Company -------------------------------------------------------------------------------


def test_manufacturer_register_makes_a_pending_company_with_the_user_as_its_member():
    user = UserFactory(account_type="manufacturer")
    sector = SectorFactory()

    company = services.manufacturer_register(user=user, data=company_data(), sectors=[sector])

    company.refresh_from_db()
    assert company.verification_status == VerificationStatus.PENDING
    assert list(company.members.all()) == [user]
    assert list(company.sectors.all()) == [sector]


def test_manufacturer_register_a_second_time_by_the_same_user_creates_nothing():
    user = UserFactory(account_type="manufacturer")
    services.manufacturer_register(user=user, data=company_data())

    with pytest.raises(ValidationError) as excinfo:
        services.manufacturer_register(user=user, data=company_data(name="PT Lain"))

    assert excinfo.value.code == "already_member"
    assert Manufacturer.objects.count() == 1


def test_manufacturer_register_refuses_a_bad_nib_on_that_field_and_stores_nothing():
    user = UserFactory(account_type="manufacturer")

    with pytest.raises(ValidationError) as excinfo:
        services.manufacturer_register(user=user, data=company_data(nib="12345"))

    assert list(excinfo.value.error_dict) == ["nib"]
    assert not Manufacturer.objects.exists()


def test_manufacturer_update_changes_the_profile_but_not_the_verification():
    company = ManufacturerFactory(verification_status=VerificationStatus.PENDING)
    railway, automotive = SectorFactory(), SectorFactory()
    company.sectors.set([railway])

    services.manufacturer_update(
        manufacturer=company,
        data={"name": "PT Baru", "website": "https://baru.example.id"},
        sectors=[automotive],
    )

    company.refresh_from_db()
    assert (company.name, company.website) == ("PT Baru", "https://baru.example.id")
    assert list(company.sectors.all()) == [automotive]
    assert company.verification_status == VerificationStatus.PENDING
    with pytest.raises(TypeError):
        services.manufacturer_update(
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

    services.plant_update(plant=plant, data={"regency": klaten})

    plant.refresh_from_db()
    assert (plant.latitude, plant.longitude) == (klaten.latitude, klaten.longitude)
    assert announced == [
        ("demand_changed", {"demand_id": open_demand.pk}),
        ("demand_specification_changed", {"demand_id": open_demand.pk, "fields": ["plant"]}),
    ]


def test_plant_update_of_its_name_only_announces_nothing(announced):
    plant = PlantFactory()
    DemandFactory(manufacturer=plant.manufacturer, plant=plant, status=DemandStatus.OPEN)

    services.plant_update(plant=plant, data={"name": "Pabrik Madiun 2"})

    assert Plant.objects.get(pk=plant.pk).name == "Pabrik Madiun 2"
    assert announced == []


def test_plant_update_keeps_given_coordinates_and_refuses_half_a_pair():
    plant = PlantFactory()

    services.plant_update(
        plant=plant, data={"regency": RegencyFactory(), "latitude": -7.7, "longitude": 110.6}
    )
    plant.refresh_from_db()
    assert (plant.latitude, plant.longitude) == (-7.7, 110.6)

    with pytest.raises(ValidationError):
        services.plant_update(plant=plant, data={"latitude": None})


def test_plant_delete_removes_an_unused_plant_and_refuses_one_demands_deliver_to():
    unused = PlantFactory()
    used = DemandFactory(status=DemandStatus.CLOSED).plant

    services.plant_delete(plant=unused)
    with pytest.raises(ValidationError) as excinfo:
        services.plant_delete(plant=used)

    assert not Plant.objects.filter(pk=unused.pk).exists()
    assert excinfo.value.code == "plant_in_use"
    assert Plant.objects.filter(pk=used.pk).exists()


# --- Demand specification changes ----------------------------------------------------------


def test_demand_update_of_an_open_demand_announces_the_changed_specification_fields(announced):
    demand = DemandFactory(status=DemandStatus.OPEN, quantity_per_month=2000)
    casting, machining = ProcessFactory(), ProcessFactory()
    demand.required_processes.set([casting])

    services.demand_update(
        demand=demand,
        data={"quantity_per_month": Decimal("2500"), "title": demand.title},
        required_processes=[casting, machining],
        mandatory_certifications=[],
    )

    assert announced == [
        ("demand_changed", {"demand_id": demand.pk}),
        (
            "demand_specification_changed",
            {"demand_id": demand.pk, "fields": ["quantity_per_month", "required_processes"]},
        ),
    ]


def test_demand_update_of_title_and_price_only_is_no_specification_change(announced):
    demand = DemandFactory(status=DemandStatus.OPEN)

    services.demand_update(demand=demand, data={"title": "Judul baru", "unit_price_idr": 95_000})

    assert announced == [("demand_changed", {"demand_id": demand.pk})]


def test_demand_update_with_the_same_values_is_no_specification_change(announced):
    demand = DemandFactory(status=DemandStatus.OPEN, quantity_per_month=2000)
    certification = CertificationFactory()
    demand.mandatory_certifications.set([certification])
    demand = Demand.objects.get(pk=demand.pk)  # as a page loads it: 2000.000

    services.demand_update(
        demand=demand,
        data={
            "quantity_per_month": Decimal("2000"),
            "needed_by": demand.needed_by,
            "plant": demand.plant,
            "component_type": demand.component_type,
            "specification": "",
            "drawing": "",
        },
        required_processes=[],
        mandatory_certifications=[certification],
        preferred_certifications=[],
    )

    assert specification_changes(announced) == []


def test_demand_update_of_a_draft_announces_no_specification_change(announced):
    demand = DemandFactory(status=DemandStatus.DRAFT)

    services.demand_update(
        demand=demand, data={"quantity_per_month": 10, "component_type": ComponentTypeFactory()}
    )

    assert announced == [("demand_changed", {"demand_id": demand.pk})]


def test_demand_update_refused_announces_nothing_and_changes_nothing(announced):
    demand = DemandFactory(status=DemandStatus.OPEN)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    with pytest.raises(ValidationError):
        services.demand_update(demand=demand, data={"needed_by": yesterday, "specification": "x"})

    assert announced == []
    assert Demand.objects.get(pk=demand.pk).specification == ""


# --- Drawings ------------------------------------------------------------------------------


def drawing(content=PDF, name="gambar.pdf"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def demand_data(manufacturer, **overrides):
    return {
        "plant": PlantFactory(manufacturer=manufacturer),
        "component_type": ComponentTypeFactory(),
        "title": "Blok rem komposit K-3",
        "quantity_per_month": Decimal("20000"),
        "unit": "pcs",
        "duration_months": 24,
        "needed_by": timezone.localdate() + datetime.timedelta(days=60),
    } | overrides


def test_demand_create_stores_its_drawing_in_private_storage(media):
    company = ManufacturerFactory()

    demand = services.demand_create(
        manufacturer=company, data=demand_data(company, drawing=drawing())
    )

    demand.refresh_from_db()
    assert demand.drawing.name.startswith(f"drawings/{company.pk}/")
    assert demand.drawing.name.endswith(".pdf")
    with private_storage.open(demand.drawing.name, "rb") as stored:
        assert stored.read() == PDF


@pytest.mark.parametrize(
    ("content", "code"),
    [(b"just some text, not a drawing", "file_type"), (PDF + b"x" * 2048, "file_too_large")],
)
def test_demand_create_refuses_a_bad_drawing_before_storing_anything(
    media, settings, content, code
):
    settings.UPLOAD_MAX_BYTES = 1024
    company = ManufacturerFactory()

    with pytest.raises(ValidationError) as excinfo:
        services.demand_create(
            manufacturer=company, data=demand_data(company, drawing=drawing(content))
        )

    assert [error.code for error in excinfo.value.error_dict["drawing"]] == [code]
    assert not Demand.objects.exists()
    assert stored_files(media) == []


def test_demand_create_rolled_back_by_a_receiver_keeps_no_drawing(media):
    company = ManufacturerFactory()

    def failing(**kwargs):
        raise RuntimeError("engine down")

    events.demand_changed.connect(failing)
    try:
        with pytest.raises(RuntimeError):
            services.demand_create(
                manufacturer=company, data=demand_data(company, drawing=drawing())
            )
    finally:
        events.demand_changed.disconnect(failing)

    assert not Demand.objects.exists()
    assert stored_files(media) == []


def test_demand_update_replacing_the_drawing_deletes_the_old_file_once_committed(
    media, announced, django_capture_on_commit_callbacks
):
    company = ManufacturerFactory()
    demand = services.demand_create(
        manufacturer=company, data=demand_data(company, drawing=drawing())
    )
    services.demand_publish(demand=demand)
    old = demand.drawing.name
    announced.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.demand_update(
            demand=demand, data={"drawing": drawing(b"\x89PNG\r\n\x1a\n" + b"0" * 20, "v2.png")}
        )

    demand.refresh_from_db()
    assert demand.drawing.name.endswith(".png")
    assert not private_storage.exists(old)
    assert private_storage.exists(demand.drawing.name)
    assert specification_changes(announced) == [{"demand_id": demand.pk, "fields": ["drawing"]}]


def test_demand_update_removing_the_drawing_empties_it_and_deletes_the_file(
    media, django_capture_on_commit_callbacks
):
    company = ManufacturerFactory()
    demand = services.demand_create(
        manufacturer=company, data=demand_data(company, drawing=drawing())
    )
    old = demand.drawing.name

    with django_capture_on_commit_callbacks(execute=True):
        services.demand_update(demand=demand, data={"drawing": ""})

    assert Demand.objects.get(pk=demand.pk).drawing.name == ""
    assert not private_storage.exists(old)


# --- Selectors -----------------------------------------------------------------------------


def test_member_reads_reach_only_their_own_companies_demands_and_plants():
    member = UserFactory()
    own, other = ManufacturerFactory(), ManufacturerFactory()
    own.members.add(member)
    own_demand, other_demand = DemandFactory(manufacturer=own), DemandFactory(manufacturer=other)

    assert member_demand(user=member, pk=own_demand.pk) == own_demand
    assert member_plant(user=member, pk=own_demand.plant_id) == own_demand.plant
    with pytest.raises(Demand.DoesNotExist):
        member_demand(user=member, pk=other_demand.pk)
    with pytest.raises(Plant.DoesNotExist):
        member_plant(user=member, pk=other_demand.plant_id)


def test_company_demand_counts_and_list_by_status():
    company = ManufacturerFactory()
    plant = PlantFactory(manufacturer=company)
    for status in ["draft", "open", "open", "closed"]:
        DemandFactory(manufacturer=company, plant=plant, status=status)
    DemandFactory(status="open")  # another company's

    counts = company_demand_counts(company=company)

    assert counts == {"all": 4, "draft": 1, "open": 2, "closed": 1, "cancelled": 0}
    assert company_demand_list(company=company, status="open").count() == 2
    assert company_demand_list(company=company).count() == 4
    assert [p.demand_count for p in company_plants(company=company)] == [4]


def test_component_type_choices_are_grouped_by_category_in_the_readers_language():
    bogie = ComponentCategoryFactory(name_id="Komponen bogie", name_en="Bogie parts")
    ComponentTypeFactory(category=bogie, name_id="Blok rem", name_en="Brake block")
    ComponentTypeFactory(category=bogie, name_id="Anak pegas", name_en="Axle spring")
    other = ComponentTypeFactory(name_id="Kursi rotan", name_en="Rattan chair")

    with translation.override("en"):
        everything = component_type_choices()
        found = component_type_choices(q="brake")
    with translation.override("id"):
        by_indonesian_name = component_type_choices(q="rotan")

    bogie_group = dict(everything)["Bogie parts"]
    assert [name for _pk, name in bogie_group] == ["Axle spring", "Brake block"]
    assert found == [("Bogie parts", [(found[0][1][0][0], "Brake block")])]
    assert by_indonesian_name == [(other.category.name_id, [(other.pk, "Kursi rotan")])]


def test_regency_choices_of_a_province_or_all_grouped_by_province():
    klaten = RegencyFactory()
    madiun = RegencyFactory(
        code="35.77", name="Kota Madiun", province=ProvinceFactory(code="35", name="Jawa Timur")
    )

    assert regency_choices(province="33") == [(klaten.code, "Klaten (33.10)")]
    assert regency_choices(province=None) == [
        ("Jawa Tengah", [(klaten.code, "Klaten (33.10)")]),
        ("Jawa Timur", [(madiun.code, "Kota Madiun (35.77)")]),
    ]
