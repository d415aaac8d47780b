"""Catalogue factories. Region defaults are real: Jawa Tengah (33) and Klaten (33.10)."""

import factory
from factory.django import DjangoModelFactory

from components.choices import CertificationKind, Unit
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


class ProvinceFactory(DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ("code",)

    code = "33"
    name = "Jawa Tengah"
    latitude = -7.15
    longitude = 110.14


class RegencyFactory(DjangoModelFactory):
    class Meta:
        model = Regency
        django_get_or_create = ("code",)

    code = "33.10"
    name = "Klaten"
    province = factory.SubFactory(ProvinceFactory)
    latitude = -7.68333
    longitude = 110.61667


class KbliCodeFactory(DjangoModelFactory):
    class Meta:
        model = KbliCode
        django_get_or_create = ("code",)

    code = "24310"
    title = "Industri Pengecoran Besi dan Baja"


class SectorFactory(DjangoModelFactory):
    class Meta:
        model = Sector

    code = factory.Sequence(lambda n: f"sector-{n}")
    name_id = factory.Sequence(lambda n: f"Perkeretaapian {n}")
    name_en = factory.Sequence(lambda n: f"Railway {n}")


class ComponentCategoryFactory(DjangoModelFactory):
    class Meta:
        model = ComponentCategory

    code = factory.Sequence(lambda n: f"category-{n}")
    name_id = factory.Sequence(lambda n: f"Komponen bogie {n}")
    name_en = factory.Sequence(lambda n: f"Bogie parts {n}")
    sector = factory.SubFactory(SectorFactory)


class MaterialFactory(DjangoModelFactory):
    class Meta:
        model = Material

    code = factory.Sequence(lambda n: f"material-{n}")
    name_id = factory.Sequence(lambda n: f"Besi cor kelabu {n}")
    name_en = factory.Sequence(lambda n: f"Grey cast iron {n}")
    family = "ferrous"


class ProcessFactory(DjangoModelFactory):
    class Meta:
        model = Process

    code = factory.Sequence(lambda n: f"process-{n}")
    name_id = factory.Sequence(lambda n: f"Pengecoran {n}")
    name_en = factory.Sequence(lambda n: f"Casting {n}")


class CertificationFactory(DjangoModelFactory):
    class Meta:
        model = Certification

    code = factory.Sequence(lambda n: f"certification-{n}")
    name = factory.Sequence(lambda n: f"ISO 9001:2015 ({n})")
    kind = CertificationKind.QUALITY
    issuer = "Lembaga Sertifikasi"


class ComponentTypeFactory(DjangoModelFactory):
    class Meta:
        model = ComponentType

    code = factory.Sequence(lambda n: f"component-{n}")
    name_id = factory.Sequence(lambda n: f"Blok rem metalik {n}")
    name_en = factory.Sequence(lambda n: f"Metallic brake block {n}")
    category = factory.SubFactory(ComponentCategoryFactory)
    unit = Unit.PIECE
