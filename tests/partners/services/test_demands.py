"""Demand services (partners/services/demands.py): create, edit, publish, close, cancel; the
announcement of specification changes; technical drawings."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from components.choices import Unit
from partners import events
from partners.choices import DemandStatus
from partners.models import Demand
from partners.services.demands import (
    demand_cancel,
    demand_close,
    demand_create,
    demand_publish,
    demand_update,
)
from partners.uploads import private_storage
from tests.components.factories import (
    CertificationFactory,
    ComponentTypeFactory,
    ProcessFactory,
)
from tests.partners.factories import (
    DemandFactory,
    ManufacturerFactory,
    PlantFactory,
)
from tests.partners.services.helpers import error_codes

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


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


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


def stored_files(root):
    return sorted(path.name for path in root.rglob("*") if path.is_file())


def specification_changes(calls):
    return [kwargs for name, kwargs in calls if name == "demand_specification_changed"]


# --- Demand -----------------------------------------------------------------------------------


def test_demand_create_saves_a_draft_with_its_requirements(received):
    manufacturer = ManufacturerFactory()
    forging, sni = ProcessFactory(), CertificationFactory()
    iso = CertificationFactory()

    demand = demand_create(
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
        demand_create(manufacturer=manufacturer, data=data)

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
        demand_create(manufacturer=manufacturer, data=demand_data(manufacturer, **overrides))

    assert set(excinfo.value.error_dict) == {field}
    assert not Demand.objects.exists()


def test_demand_create_refuses_a_plant_of_another_manufacturer():
    manufacturer = ManufacturerFactory()
    other_plant = PlantFactory()

    with pytest.raises(ValidationError) as excinfo:
        demand_create(manufacturer=manufacturer, data=demand_data(manufacturer, plant=other_plant))

    assert "plant" in excinfo.value.error_dict
    assert not Demand.objects.exists()


def test_demand_create_refuses_a_certification_both_mandatory_and_preferred():
    manufacturer, sni = ManufacturerFactory(), CertificationFactory()

    with pytest.raises(ValidationError) as excinfo:
        demand_create(
            manufacturer=manufacturer,
            data=demand_data(manufacturer),
            mandatory_certifications=[sni],
            preferred_certifications=[sni],
        )

    assert error_codes(excinfo, "preferred_certifications") == ["certification_overlap"]
    assert not Demand.objects.exists()


def test_demand_update_changes_fields_and_announces(received):
    demand = DemandFactory()

    demand_update(demand=demand, data={"quantity_per_month": Decimal("2500")})

    demand.refresh_from_db()
    assert demand.quantity_per_month == Decimal("2500")
    assert received == [("demand_changed", {"demand_id": demand.pk})]


def test_demand_update_keeps_a_past_needed_by_date_it_did_not_change():
    demand = DemandFactory(needed_by=datetime.date(2020, 1, 1))

    demand_update(demand=demand, data={"title": "Blok rem, revisi"})

    assert Demand.objects.get(pk=demand.pk).title == "Blok rem, revisi"


def test_demand_update_refuses_a_new_past_date_and_closed_demands():
    demand = DemandFactory()
    closed = DemandFactory(status=DemandStatus.CLOSED)

    with pytest.raises(ValidationError) as past:
        demand_update(demand=demand, data={"needed_by": datetime.date(2020, 1, 1)})
    with pytest.raises(ValidationError) as final:
        demand_update(demand=closed, data={"title": "Changed"})

    assert error_codes(past, "needed_by") == ["needed_by_past"]
    assert final.value.code == "not_editable"
    assert Demand.objects.get(pk=closed.pk).title == closed.title


def test_demand_publish_then_close(received):
    demand = DemandFactory()

    demand_publish(demand=demand)
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.OPEN
    demand_close(demand=demand)

    assert demand.status == DemandStatus.CLOSED
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.CLOSED
    assert received == [("demand_changed", {"demand_id": demand.pk})] * 2


@pytest.mark.parametrize(
    ("status", "service"),
    [
        (DemandStatus.OPEN, demand_publish),
        (DemandStatus.CLOSED, demand_publish),
        (DemandStatus.DRAFT, demand_close),
        (DemandStatus.CANCELLED, demand_close),
        (DemandStatus.CLOSED, demand_cancel),
        (DemandStatus.CANCELLED, demand_cancel),
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

    demand_cancel(demand=demand)

    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.CANCELLED


def test_demand_publish_refuses_a_needed_by_date_that_has_passed():
    demand = DemandFactory(needed_by=TODAY() - datetime.timedelta(days=1))

    with pytest.raises(ValidationError) as excinfo:
        demand_publish(demand=demand)

    assert error_codes(excinfo, "needed_by") == ["needed_by_past"]
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.DRAFT


# --- Demand specification changes ----------------------------------------------------------


def test_demand_update_of_an_open_demand_announces_the_changed_specification_fields(announced):
    demand = DemandFactory(status=DemandStatus.OPEN, quantity_per_month=2000)
    casting, machining = ProcessFactory(), ProcessFactory()
    demand.required_processes.set([casting])

    demand_update(
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

    demand_update(demand=demand, data={"title": "Judul baru", "unit_price_idr": 95_000})

    assert announced == [("demand_changed", {"demand_id": demand.pk})]


def test_demand_update_with_the_same_values_is_no_specification_change(announced):
    demand = DemandFactory(status=DemandStatus.OPEN, quantity_per_month=2000)
    certification = CertificationFactory()
    demand.mandatory_certifications.set([certification])
    demand = Demand.objects.get(pk=demand.pk)  # as a page loads it: 2000.000

    demand_update(
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

    demand_update(
        demand=demand, data={"quantity_per_month": 10, "component_type": ComponentTypeFactory()}
    )

    assert announced == [("demand_changed", {"demand_id": demand.pk})]


def test_demand_update_refused_announces_nothing_and_changes_nothing(announced):
    demand = DemandFactory(status=DemandStatus.OPEN)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    with pytest.raises(ValidationError):
        demand_update(demand=demand, data={"needed_by": yesterday, "specification": "x"})

    assert announced == []
    assert Demand.objects.get(pk=demand.pk).specification == ""


# --- Drawings ------------------------------------------------------------------------------


def drawing(content=PDF, name="gambar.pdf"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_demand_create_stores_its_drawing_in_private_storage(media):
    company = ManufacturerFactory()

    demand = demand_create(manufacturer=company, data=demand_data(company, drawing=drawing()))

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
        demand_create(manufacturer=company, data=demand_data(company, drawing=drawing(content)))

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
            demand_create(manufacturer=company, data=demand_data(company, drawing=drawing()))
    finally:
        events.demand_changed.disconnect(failing)

    assert not Demand.objects.exists()
    assert stored_files(media) == []


def test_demand_update_replacing_the_drawing_deletes_the_old_file_once_committed(
    media, announced, django_capture_on_commit_callbacks
):
    company = ManufacturerFactory()
    demand = demand_create(manufacturer=company, data=demand_data(company, drawing=drawing()))
    demand_publish(demand=demand)
    old = demand.drawing.name
    announced.clear()

    with django_capture_on_commit_callbacks(execute=True):
        demand_update(
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
    demand = demand_create(manufacturer=company, data=demand_data(company, drawing=drawing()))
    old = demand.drawing.name

    with django_capture_on_commit_callbacks(execute=True):
        demand_update(demand=demand, data={"drawing": ""})

    assert Demand.objects.get(pk=demand.pk).drawing.name == ""
    assert not private_storage.exists(old)
