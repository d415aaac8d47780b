from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from components.models import (
    Certification,
    ComponentCategory,
    ComponentType,
    KbliCode,
    Material,
    Process,
    Province,
    Regency,
    Sector,
)
from components.reference import load_reference

CATALOGUE_MODELS = [
    Province,
    Regency,
    KbliCode,
    Sector,
    Process,
    Material,
    Certification,
    ComponentCategory,
    ComponentType,
]
RAILWAY_PARTS = [
    "blok-rem-metalik",
    "blok-rem-komposit",
    "brake-block-head",
    "side-bearer-housing",
    "journal-spring-upper-seat",
    "journal-spring-bottom-seat",
    "upper-center-plate",
    "bottom-center-plate",
]
WRITES = ("INSERT", "UPDATE", "DELETE")


def _row_counts() -> dict[str, int]:
    counts = {model.__name__: model.objects.count() for model in CATALOGUE_MODELS}
    for model, field in [
        (Sector, "kbli_codes"),
        (ComponentType, "typical_materials"),
        (ComponentType, "required_processes"),
    ]:
        counts[f"{model.__name__}.{field}"] = getattr(model, field).through.objects.count()
    return counts


@pytest.mark.django_db
def test_load_reference_loads_all_provinces_regencies_and_kbli_codes():
    counts = load_reference()

    assert counts["provinces"] == Province.objects.count() == 38
    assert counts["regencies"] == Regency.objects.count() == 514
    assert counts["kbli_codes"] == KbliCode.objects.count() == 747
    assert KbliCode.objects.filter(code__regex=r"^\d{5}$").count() == 475
    klaten = Regency.objects.select_related("province").get(code="33.10")
    assert klaten.name == "Kabupaten Klaten"
    assert klaten.province.code == "33"
    assert (round(klaten.latitude, 2), round(klaten.longitude, 2)) == (-7.68, 110.62)
    assert KbliCode.objects.get(code="24310").title == "Industri Pengecoran Besi Dan Baja"


@pytest.mark.django_db
def test_load_reference_twice_writes_nothing_the_second_time():
    load_reference()
    before = _row_counts()
    stamps = list(ComponentType.objects.order_by("code").values_list("code", "updated_at"))

    with CaptureQueriesContext(connection) as queries:
        load_reference()

    assert _row_counts() == before
    assert list(ComponentType.objects.order_by("code").values_list("code", "updated_at")) == stamps
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(WRITES)]
    assert writes == []


@pytest.mark.django_db
def test_load_reference_uses_bulk_queries():
    with CaptureQueriesContext(connection) as queries:
        load_reference()

    # Some 1,300 reference rows and their links, loaded in a few dozen queries.
    assert len(queries.captured_queries) < 100


@pytest.mark.django_db
def test_load_reference_restores_edited_rows_and_keeps_rows_added_by_staff():
    load_reference()
    Regency.objects.filter(code="33.10").update(name="Klaten (edited)")
    brake_block = ComponentType.objects.get(code="blok-rem-metalik")
    brake_block.typical_materials.set([Material.objects.get(code="aluminium")])
    brake_block.unit_weight_kg = Decimal("99")
    brake_block.save()
    staff_sector = Sector.objects.create(code="perkapalan", name_id="Perkapalan")

    load_reference()

    assert Regency.objects.get(code="33.10").name == "Kabupaten Klaten"
    brake_block.refresh_from_db()
    assert brake_block.unit_weight_kg == Decimal("11")
    assert [m.code for m in brake_block.typical_materials.all()] == ["besi-cor-kelabu"]
    assert Sector.objects.filter(pk=staff_sector.pk).exists()


@pytest.mark.django_db
def test_catalogue_describes_the_cast_iron_brake_block():
    load_reference()

    block = ComponentType.objects.select_related("category__parent__sector", "kbli").get(
        code="blok-rem-metalik"
    )

    assert block.name_id == "Blok rem metalik"
    assert block.name_en == "Cast-iron brake block"
    assert block.category.code == "sistem-rem-kereta"
    assert block.category.parent.code == "sarana-kereta-api"
    assert block.sector.code == "perkeretaapian"
    assert [m.code for m in block.typical_materials.all()] == ["besi-cor-kelabu"]
    assert [p.code for p in block.required_processes.all()] == ["pengecoran"]
    assert block.unit == "pcs"
    assert block.kbli.code == "24310"
    assert Decimal("10") <= block.unit_weight_kg <= Decimal("12")
    assert Material.objects.get(code="besi-cor-kelabu").family == "ferrous"


@pytest.mark.django_db
def test_catalogue_has_a_component_type_for_every_railway_part():
    load_reference()

    railway = ComponentType.objects.filter(category__sector__code="perkeretaapian")

    assert set(RAILWAY_PARTS) <= set(railway.values_list("code", flat=True))


@pytest.mark.django_db
def test_catalogue_entries_are_complete_and_consistent():
    load_reference()

    for category in ComponentCategory.objects.select_related("parent"):
        if category.parent is not None:
            assert category.parent.sector_id == category.sector_id, category.code
    assert ComponentCategory.objects.filter(parent__isnull=False).exists()
    for sector in Sector.objects.all():
        assert sector.name_en and sector.kbli_codes.exists(), sector.code
    for component_type in ComponentType.objects.prefetch_related(
        "typical_materials", "required_processes"
    ):
        assert component_type.name_en, component_type.code
        assert component_type.kbli_id and len(component_type.kbli_id) == 5, component_type.code
        assert component_type.typical_materials.all(), component_type.code
        assert component_type.required_processes.all(), component_type.code
    assert set(Certification.objects.values_list("code", flat=True)) >= {
        "sni",
        "iso-9001",
        "iatf-16949",
        "iso-ts-22163",
        "svlk",
        "tkdn",
    }


@pytest.mark.django_db
def test_load_reference_command_prints_the_counts():
    out = StringIO()

    call_command("load_reference", stdout=out)

    assert "regencies" in out.getvalue()
    assert "514" in out.getvalue()
    assert Regency.objects.count() == 514
