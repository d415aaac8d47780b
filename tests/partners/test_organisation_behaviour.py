"""What an organisation says about itself, whichever kind it is."""

import pytest
from django.core.files.base import ContentFile

from partners.choices import OrganisationKind
from partners.models import Manufacturer, Organisation, Supplier
from tests.partners.factories import (
    DemandFactory,
    ManufacturerFactory,
    SupplierCertificationFactory,
    SupplierFactory,
    UserFactory,
)

PDF = b"%PDF-1.4\n%%EOF\n"

pytestmark = pytest.mark.django_db


def test_kind_and_model_for_name_each_other():
    assert Supplier.kind == OrganisationKind.IKM
    assert Manufacturer.kind == OrganisationKind.MANUFACTURER
    assert Organisation.model_for("ikm") is Supplier
    assert Organisation.model_for("manufacturer") is Manufacturer
    assert Organisation.model_for("partner") is None


def test_display_name_is_the_legal_name_or_the_company_name():
    assert SupplierFactory(legal_name="CV Ceper Logam").display_name == "CV Ceper Logam"
    assert ManufacturerFactory(name="PT INKA (Persero)").display_name == "PT INKA (Persero)"


def test_people_are_the_owner_or_the_members_oldest_first():
    owner = UserFactory()
    assert SupplierFactory(owner=owner).people() == [owner]
    assert SupplierFactory(owner=None).people() == []
    company = ManufacturerFactory()
    first, second = UserFactory(), UserFactory()
    company.members.add(second, first)
    assert company.people() == [first, second]


def test_documents_are_the_certificate_scans_or_the_demand_drawings(media):
    supplier = SupplierFactory()
    scanned = SupplierCertificationFactory(supplier=supplier)
    scanned.document.save("sni.pdf", ContentFile(PDF))
    SupplierCertificationFactory(supplier=supplier)  # no scan
    assert [(kind, row) for kind, row, _ in supplier.documents()] == [("certificates", scanned)]

    demand = DemandFactory()
    demand.drawing.save("brake-block.pdf", ContentFile(PDF))
    DemandFactory(manufacturer=demand.manufacturer)  # no drawing
    ((kind, row, stored),) = demand.manufacturer.documents()
    assert (kind, row, stored.name) == ("drawings", demand, demand.drawing.name)
