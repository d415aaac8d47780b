"""Catalogue models: bilingual names follow the active language; the database refuses
rows that break the catalogue's invariants."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from components.models import Certification, ComponentCategory, ComponentType
from tests.components.factories import (
    CertificationFactory,
    ComponentCategoryFactory,
    ComponentTypeFactory,
    KbliCodeFactory,
    MaterialFactory,
    RegencyFactory,
)

pytestmark = pytest.mark.django_db


def refused(write):
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


@pytest.mark.parametrize(
    ("language", "expected"),
    [("id", "Blok rem metalik"), ("en", "Metallic brake block"), ("en-gb", "Metallic brake block")],
)
def test_bilingual_name_follows_the_active_language(language, expected):
    brake_block = ComponentTypeFactory(name_id="Blok rem metalik", name_en="Metallic brake block")

    with translation.override(language):
        assert brake_block.name == expected
        assert str(brake_block) == expected


def test_bilingual_name_falls_back_to_indonesian_without_english():
    grey_iron = MaterialFactory(name_id="Besi cor kelabu (FC)", name_en="")

    with translation.override("en"):
        assert str(grey_iron) == "Besi cor kelabu (FC)"


def test_str_of_reference_data():
    klaten = RegencyFactory()
    kbli = KbliCodeFactory(code="24310", title="Industri Pengecoran Besi dan Baja")

    assert str(klaten) == "Klaten"
    assert str(klaten.province) == "Jawa Tengah"
    assert str(kbli) == "24310 Industri Pengecoran Besi dan Baja"
    assert kbli.level == 5
    assert str(CertificationFactory(name="SNI 8846:2019")) == "SNI 8846:2019"


def test_component_type_sector_is_its_category_sector():
    component_type = ComponentTypeFactory()

    assert component_type.sector == component_type.category.sector


def test_category_cannot_be_its_own_parent():
    category = ComponentCategoryFactory()

    refused(lambda: ComponentCategory.objects.filter(pk=category.pk).update(parent=category))


def test_category_codes_are_unique():
    category = ComponentCategoryFactory()

    refused(lambda: ComponentCategoryFactory(code=category.code))


@pytest.mark.parametrize(("field", "value"), [("unit", "bag"), ("unit_weight_kg", 0)])
def test_component_type_fields_must_hold_valid_values(field, value):
    component_type = ComponentTypeFactory()

    refused(lambda: ComponentType.objects.filter(pk=component_type.pk).update(**{field: value}))


def test_certification_kind_must_be_valid():
    certification = CertificationFactory()

    refused(lambda: Certification.objects.filter(pk=certification.pk).update(kind="vibes"))
