"""Organisations with personal data, shared by the privacy tests."""

from __future__ import annotations

import json

from django.core.files.base import ContentFile

from matchmaking.choices import PartnershipStage
from matchmaking.models import Partnership, PartnershipEvent
from partners.choices import DemandStatus, VerificationStatus
from partners.models import Demand, Manufacturer, Supplier, User
from tests.matchmaking import factories as mf
from tests.partners.factories import (
    DemandFactory,
    ManufacturerFactory,
    PlantFactory,
    SupplierCapabilityFactory,
    SupplierCertificationFactory,
    SupplierFactory,
    UserFactory,
)

PDF = b"%PDF-1.4\n% certificate of Ibu Sri Wahyuni\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n drawing of the brake block"


def ikm_with_personal_data(*, name: str = "CV Ceper Logam Utama", prefix: str = "sri") -> Supplier:
    """An IKM whose owner and contact person are real-looking people, with a capability
    and a certificate whose scan is uploaded."""
    owner = UserFactory(
        username=f"{prefix}-owner",
        first_name="Budi",
        last_name=f"Santoso{prefix.capitalize()}",
        email=f"budi.{prefix}@ceper.example.id",
        account_type="ikm_owner",
    )
    supplier = SupplierFactory(
        legal_name=name,
        owner=owner,
        contact_person=f"Ibu Wahyuni {prefix.capitalize()}",
        contact_phone="0272 321 456" if prefix == "sri" else "0272 999 888",
        contact_email=f"{prefix}@cvceper.example.id",
        address=f"Jl. Raya Ceper {len(prefix)}2, Klaten",
        verification_status=VerificationStatus.VERIFIED,
    )
    SupplierCapabilityFactory(supplier=supplier)
    held = SupplierCertificationFactory(supplier=supplier)
    held.document.save("iso-9001.pdf", ContentFile(PDF), save=True)
    return supplier


def manufacturer_with_demand() -> tuple[Manufacturer, Demand]:
    member = UserFactory(
        username="rina-inka",
        first_name="Rina",
        last_name="Kusumawati",
        email="rina@inka.example.id",
        account_type="manufacturer",
    )
    manufacturer = ManufacturerFactory(
        name="PT Kereta Madiun",
        contact_person="Pak Hendro Wibowo",
        contact_phone="0351 452 271",
        contact_email="hendro@keretamadiun.example.id",
        website="https://keretamadiun.example.id",
        verification_status=VerificationStatus.VERIFIED,
    )
    manufacturer.members.add(member)
    plant = PlantFactory(manufacturer=manufacturer, address="Jl. Yos Sudarso 71, Madiun")
    demand = DemandFactory(manufacturer=manufacturer, plant=plant, status=DemandStatus.OPEN)
    demand.drawing.save("drawing.png", ContentFile(PNG), save=True)
    return manufacturer, demand


def partnership_between(supplier: Supplier, demand: Demand, *, by: User) -> Partnership:
    partnership = mf.PartnershipFactory(
        match__supplier=supplier,
        match__demand=demand,
        stage=PartnershipStage.MEETING_HELD,
        supplier_answer="interested",
        supplier_answer_reason=f"{supplier.contact_person} can visit the plant in May",
        manufacturer_answer="interested",
        manufacturer_answer_reason="Private: our own reason",
    )
    PartnershipEvent.objects.create(
        partnership=partnership,
        from_stage=PartnershipStage.INTRODUCED,
        to_stage=PartnershipStage.MEETING_HELD,
        note=f"Met {supplier.contact_person} of {supplier.legal_name}; call {supplier.contact_phone}",
        by=by,
    )
    PartnershipEvent.objects.create(partnership=partnership, note="Samples look good", by=by)
    return partnership


def strings(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
