"""Partner factories. Rows are valid as if they had passed the services' validation."""

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from components.choices import Unit
from partners.choices import DemandStatus, LegalForm, VerificationStatus
from partners.models import (
    Demand,
    Manufacturer,
    Plant,
    Supplier,
    SupplierCapability,
    SupplierCertification,
    User,
)
from partners.sizing import size_class
from tests.components.factories import (
    CertificationFactory,
    ComponentTypeFactory,
    RegencyFactory,
)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.id")
    password = factory.django.Password("jembatan-test-password")


class SupplierFactory(DjangoModelFactory):
    class Meta:
        model = Supplier

    legal_name = factory.Sequence(lambda n: f"CV Logam Ceper {n}")
    nib = factory.Sequence(lambda n: f"{9120000000000 + n:013d}")
    legal_form = LegalForm.CV
    workers = 12
    investment_idr = 450_000_000
    size_class = factory.LazyAttribute(
        lambda s: size_class(workers=s.workers, investment_idr=s.investment_idr)
    )
    regency = factory.SubFactory(RegencyFactory)
    sentra = "Sentra Pengecoran Logam Ceper"
    latitude = factory.SelfAttribute("regency.latitude")
    longitude = factory.SelfAttribute("regency.longitude")


class SupplierCapabilityFactory(DjangoModelFactory):
    class Meta:
        model = SupplierCapability

    supplier = factory.SubFactory(SupplierFactory)
    component_type = factory.SubFactory(ComponentTypeFactory)
    monthly_capacity = 5000
    capacity_unit = Unit.PIECE
    lead_time_days = 30


class SupplierCertificationFactory(DjangoModelFactory):
    class Meta:
        model = SupplierCertification

    supplier = factory.SubFactory(SupplierFactory)
    certification = factory.SubFactory(CertificationFactory)
    number = factory.Sequence(lambda n: f"QMS/{n:05d}/2025")
    valid_until = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=365))


class ManufacturerFactory(DjangoModelFactory):
    class Meta:
        model = Manufacturer

    name = factory.Sequence(lambda n: f"PT Industri Kereta {n}")
    nib = factory.Sequence(lambda n: f"{8120000000000 + n:013d}")


class PlantFactory(DjangoModelFactory):
    class Meta:
        model = Plant

    manufacturer = factory.SubFactory(ManufacturerFactory)
    name = factory.Sequence(lambda n: f"Pabrik {n}")
    regency = factory.SubFactory(
        RegencyFactory,
        code="35.77",
        name="Kota Madiun",
        province__code="35",
        province__name="Jawa Timur",
        latitude=-7.62988,
        longitude=111.52389,
    )
    latitude = factory.SelfAttribute("regency.latitude")
    longitude = factory.SelfAttribute("regency.longitude")


class DemandFactory(DjangoModelFactory):
    class Meta:
        model = Demand
        skip_postgeneration_save = True

    # verified: only demands of verified manufacturers are matched
    manufacturer = factory.SubFactory(
        ManufacturerFactory, verification_status=VerificationStatus.VERIFIED
    )
    plant = factory.SubFactory(PlantFactory, manufacturer=factory.SelfAttribute("..manufacturer"))
    component_type = factory.SubFactory(ComponentTypeFactory)
    title = factory.Sequence(lambda n: f"Blok rem komposit, batch {n}")
    quantity_per_month = 2000
    unit = Unit.PIECE
    duration_months = 12
    needed_by = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=90))
    status = DemandStatus.DRAFT
