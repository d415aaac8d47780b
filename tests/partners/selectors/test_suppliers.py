"""Supplier selectors (partners/selectors/suppliers.py): the staff's list filters as
documented and loads related rows in a fixed number of queries; the registration lookups."""

import pytest

from partners.choices import SizeClass, VerificationStatus
from partners.selectors.suppliers import kbli_search, sentra_names, supplier_list
from tests.components.factories import KbliCodeFactory, RegencyFactory
from tests.partners.factories import (
    SupplierCapabilityFactory,
    SupplierCertificationFactory,
    SupplierFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def madiun():
    return RegencyFactory(
        code="35.77", name="Kota Madiun", province__code="35", province__name="Jawa Timur"
    )


def test_supplier_list_leaves_out_inactive_suppliers():
    active = SupplierFactory()
    SupplierFactory(is_active=False)

    assert list(supplier_list()) == [active]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"q": "ceper"}, ["CV Logam Ceper"]),
        ({"q": "9120300000002"}, ["UD Rotan Madiun"]),
        ({"verification_status": VerificationStatus.VERIFIED}, ["CV Logam Ceper"]),
        ({"size_class": SizeClass.MEDIUM}, ["UD Rotan Madiun"]),
        ({"province": "35"}, ["UD Rotan Madiun"]),
        ({"regency": "33.10"}, ["CV Logam Ceper"]),
        ({"province": "", "q": None}, ["CV Logam Ceper", "UD Rotan Madiun"]),
    ],
)
def test_supplier_list_filters(madiun, filters, expected):
    SupplierFactory(
        legal_name="CV Logam Ceper",
        nib="9120300000001",
        verification_status=VerificationStatus.VERIFIED,
    )
    SupplierFactory(
        legal_name="UD Rotan Madiun",
        nib="9120300000002",
        sentra="Sentra Rotan",
        regency=madiun,
        investment_idr=2_000_000_000,
    )

    assert [s.legal_name for s in supplier_list(filters=filters)] == expected


def test_supplier_list_by_component_type_they_can_make():
    capability = SupplierCapabilityFactory()
    SupplierCapabilityFactory()

    found = supplier_list(filters={"component_type": capability.component_type})

    assert list(found) == [capability.supplier]


def test_supplier_list_refuses_unknown_filters():
    with pytest.raises(TypeError, match="colour"):
        supplier_list(filters={"colour": "red"})


def test_supplier_list_loads_related_rows_in_fixed_queries(django_assert_num_queries):
    for supplier in SupplierFactory.create_batch(10):
        SupplierCapabilityFactory.create_batch(2, supplier=supplier)
        SupplierCertificationFactory(supplier=supplier)

    # suppliers, KBLI codes, capabilities, their materials, their processes, certificates
    with django_assert_num_queries(6):
        for supplier in supplier_list():
            _ = supplier.regency.province.name
            _ = [c.component_type.name for c in supplier.capabilities.all()]
            _ = [
                list(c.materials.all()) + list(c.processes.all())
                for c in supplier.capabilities.all()
            ]
            _ = [h.certification.name for h in supplier.certifications.all()]
            _ = list(supplier.kbli_codes.all())


def test_kbli_search_needs_words_and_matches_all_of_them(db):
    KbliCodeFactory(code="24310", title="Industri Pengecoran Besi dan Baja")
    KbliCodeFactory(code="24320", title="Industri Pengecoran Logam Bukan Besi")

    assert list(kbli_search(q="")) == []
    assert [k.code for k in kbli_search(q="pengecoran")] == ["24310", "24320"]
    assert [k.code for k in kbli_search(q="pengecoran bukan")] == ["24320"]
    assert [k.code for k in kbli_search(q="2432")] == ["24320"]


def test_sentra_names_put_the_regency_s_own_first(db):
    tegal = RegencyFactory(code="33.28", name="Kab. Tegal", latitude=-6.98, longitude=109.13)
    verified = VerificationStatus.VERIFIED
    SupplierFactory(sentra="A Sentra Klaten", verification_status=verified)
    SupplierFactory(sentra="Z Sentra Tegal", regency=tegal, verification_status=verified)

    assert sentra_names(regency="33.28") == ["Z Sentra Tegal", "A Sentra Klaten"]
    assert sentra_names() == ["A Sentra Klaten", "Z Sentra Tegal"]
