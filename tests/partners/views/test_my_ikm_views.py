"""The owner's IKM pages (/ikm/…) through the web: the page, the edits of its profile,
capabilities and certificates, and what one owner can reach of another's IKM."""

from __future__ import annotations

import pytest

from components.choices import Unit
from partners import events
from partners.choices import VerificationStatus
from partners.models import (
    Supplier,
    SupplierCapability,
    SupplierCertification,
)
from tests.components.factories import (
    ComponentTypeFactory,
)
from tests.partners.factories import (
    SupplierCapabilityFactory,
    SupplierCertificationFactory,
    SupplierFactory,
    UserFactory,
)
from tests.partners.views.ikm_helpers import (
    MY_IKM,
    PNG,
    capabilities,
    contact,
    draft_of,
    identity,
    location,
    pdf,
    step_url,
    stored_files,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


# --- My IKM -------------------------------------------------------------------------------


@pytest.fixture
def registered(owner, cat):
    supplier = SupplierFactory(
        owner=owner, legal_name="CV Logam Jaya", nib="9120000000111", regency=cat["regency"]
    )
    supplier.kbli_codes.set([cat["kbli"]])
    capability = SupplierCapabilityFactory(supplier=supplier, component_type=cat["component"])
    return supplier, capability


@pytest.fixture
def changes():
    """The supplier ids announced on ``supplier_changed`` (what the engine rescores)."""
    seen: list[int] = []

    def receiver(*, supplier_id):
        seen.append(supplier_id)

    events.supplier_changed.connect(receiver)
    yield seen
    events.supplier_changed.disconnect(receiver)


def test_my_ikm_shows_the_status_capabilities_and_certificates(owner_client, registered):
    supplier, capability = registered
    SupplierCertificationFactory(supplier=supplier, number="SNI-77")

    html = owner_client.get(MY_IKM).content.decode()

    assert 'data-verification="pending"' in html
    assert f'data-capability-id="{capability.pk}"' in html
    assert "SNI-77" in html


def test_editing_a_capability_announces_a_rescore_of_the_ikm(
    owner_client, registered, cat, changes
):
    supplier, capability = registered
    data = {
        "component_type": cat["component"].pk,
        "processes": [cat["process"].pk],
        "materials": [cat["material"].pk],
        "monthly_capacity": "7500",
        "capacity_unit": Unit.PIECE,
        "minimum_order": "",
        "lead_time_days": "21",
    }

    response = owner_client.post(f"/ikm/capabilities/{capability.pk}/edit/", data)

    assert response.status_code == 302 and response.url == MY_IKM
    capability.refresh_from_db()
    assert capability.monthly_capacity == 7500 and capability.lead_time_days == 21
    assert list(capability.processes.all()) == [cat["process"]]
    assert changes == [supplier.pk]


def test_adding_a_capability_for_a_type_already_listed_is_refused(owner_client, registered, cat):
    response = owner_client.post(
        "/ikm/capabilities/add/",
        {
            "component_type": cat["component"].pk,
            "monthly_capacity": "10",
            "capacity_unit": Unit.PIECE,
            "lead_time_days": "5",
        },
    )

    assert response.status_code == 200
    assert "already listed" in response.context["form"].errors["component_type"][0]
    assert SupplierCapability.objects.filter(supplier=registered[0]).count() == 1


def test_the_last_capability_cannot_be_removed_but_another_can(
    owner_client, registered, cat, changes
):
    supplier, capability = registered
    other = SupplierCapabilityFactory(supplier=supplier)

    owner_client.post(f"/ikm/capabilities/{other.pk}/delete/")
    refused = owner_client.post(f"/ikm/capabilities/{capability.pk}/delete/", follow=True)

    assert list(supplier.capabilities.all()) == [capability]
    assert "at least one capability" in refused.content.decode()
    assert changes == [supplier.pk]


def test_another_owner_s_capability_and_certificate_answer_404(owner_client, registered, cat):
    someone_else = SupplierFactory(owner=UserFactory(username="other-owner"))
    capability = SupplierCapabilityFactory(supplier=someone_else)
    held = SupplierCertificationFactory(supplier=someone_else)

    for url in [
        f"/ikm/capabilities/{capability.pk}/edit/",
        f"/ikm/capabilities/{capability.pk}/delete/",
        f"/ikm/certifications/{held.pk}/edit/",
        f"/ikm/certifications/{held.pk}/delete/",
    ]:
        assert owner_client.get(url).status_code == 404
        assert owner_client.post(url, {"monthly_capacity": "1"}).status_code == 404
    assert SupplierCapability.objects.filter(pk=capability.pk).exists()
    assert SupplierCertification.objects.filter(pk=held.pk).exists()


def test_owner_without_an_ikm_gets_404_on_the_edit_pages(owner_client):
    for url in ["/ikm/edit/", "/ikm/capabilities/add/", "/ikm/certifications/add/"]:
        assert owner_client.get(url).status_code == 404


def test_editing_the_profile_keeps_typed_values_on_error_and_saves_when_valid(
    owner_client, registered, cat, changes
):
    supplier, _capability = registered
    SupplierFactory(nib="9120000000222")
    data = {
        **identity(cat, nib="9120000000222", legal_name="CV Logam Jaya Abadi"),
        **location(cat, regency="33.28", sentra="Sentra Logam Tegal"),
        **contact(),
    }

    refused = owner_client.post("/ikm/edit/", data)
    saved = owner_client.post("/ikm/edit/", {**data, "nib": "9120000000111"})

    assert "already registered" in refused.context["identity"].errors["nib"][0]
    assert 'value="CV Logam Jaya Abadi"' in refused.content.decode()
    assert saved.status_code == 302
    supplier.refresh_from_db()
    assert supplier.legal_name == "CV Logam Jaya Abadi"
    assert supplier.regency_id == "33.28" and supplier.sentra == "Sentra Logam Tegal"
    assert (supplier.latitude, supplier.longitude) == (-6.98, 109.13)  # the new regency's centre
    assert supplier.contact_phone == "0272 321 456"
    assert changes == [supplier.pk]


def test_a_verified_owner_changing_the_nib_is_told_the_ikm_is_verified_again(
    owner_client, registered, cat, owner
):
    supplier, _capability = registered
    supplier.verification_status = VerificationStatus.VERIFIED
    supplier.save(update_fields=["verification_status"])
    data = {
        **identity(cat, nib="9120000000333", legal_name="CV Logam Jaya"),
        **location(cat, regency="33.28", sentra="Sentra Logam Tegal"),
        **contact(),
    }

    response = owner_client.post("/ikm/edit/", data, follow=True)

    supplier.refresh_from_db()
    assert supplier.nib == "9120000000333"
    assert supplier.verification_status == VerificationStatus.PENDING
    assert "the ministry verifies them again" in response.content.decode()
    record = Supplier.history.filter(id=supplier.pk).latest()
    assert record.history_user == owner
    assert (record.prev_record.nib, record.nib) == ("9120000000111", "9120000000333")


def test_adding_a_certificate_with_a_scan_stores_it_and_announces_a_rescore(
    owner_client, registered, cat, media, changes
):
    supplier, _capability = registered

    response = owner_client.post(
        "/ikm/certifications/add/",
        {
            "certification": cat["certification"].pk,
            "number": "QMS/9",
            "valid_until": "",
            "issued_on": "",
            "document": pdf(),
        },
    )

    assert response.status_code == 302
    held = SupplierCertification.objects.get(supplier=supplier)
    assert held.document.name.startswith(f"certificates/{supplier.pk}/")
    assert stored_files(media) == [media / held.document.name]
    assert changes == [supplier.pk]


def test_adding_a_certificate_with_a_bad_scan_stores_nothing(owner_client, registered, cat, media):
    response = owner_client.post(
        "/ikm/certifications/add/",
        {
            "certification": cat["certification"].pk,
            "number": "QMS/9",
            "document": pdf(content=b"<html>not a pdf</html>"),
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["document"] == [
        "Only PDF, PNG or JPEG files are accepted."
    ]
    assert not SupplierCertification.objects.filter(supplier=registered[0]).exists()
    assert stored_files(media) == []


def test_editing_a_certificate_replaces_its_scan_and_removing_it_deletes_the_file(
    owner_client, registered, cat, media, changes, django_capture_on_commit_callbacks
):
    supplier, _capability = registered
    owner_client.post(
        "/ikm/certifications/add/",
        {"certification": cat["certification"].pk, "number": "QMS/9", "document": pdf()},
    )
    held = SupplierCertification.objects.get(supplier=supplier)
    old = held.document.name

    with django_capture_on_commit_callbacks(execute=True):
        kept = owner_client.post(
            f"/ikm/certifications/{held.pk}/edit/",
            {"certification": cat["certification"].pk, "number": "QMS/10"},
        )
        replaced = owner_client.post(
            f"/ikm/certifications/{held.pk}/edit/",
            {
                "certification": cat["certification"].pk,
                "number": "QMS/10",
                "document": pdf(name="scan.png", content=PNG),
            },
        )
    held.refresh_from_db()
    assert kept.status_code == 302 and replaced.status_code == 302
    assert held.number == "QMS/10" and held.document.name.endswith(".png")
    assert stored_files(media) == [media / held.document.name]
    assert old != held.document.name

    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(f"/ikm/certifications/{held.pk}/delete/")

    assert not SupplierCertification.objects.filter(pk=held.pk).exists()
    assert stored_files(media) == []
    assert changes == [supplier.pk] * 4


def test_my_ikm_page_reads_a_bounded_number_of_queries(
    owner_client, registered, cat, django_assert_max_num_queries
):
    supplier, _capability = registered
    for _ in range(10):
        capability = SupplierCapabilityFactory(supplier=supplier)
        capability.processes.set([cat["process"]])
        SupplierCertificationFactory(supplier=supplier)

    with django_assert_max_num_queries(12):
        assert owner_client.get(MY_IKM).status_code == 200


def test_a_new_capability_row_left_untouched_is_ignored(owner_client, owner, cat):
    owner_client.post(step_url(1), identity(cat))
    owner_client.post(step_url(2), location(cat))
    data = capabilities(cat, rows=[{}, {}])
    for key in ["component_type", "monthly_capacity", "minimum_order", "lead_time_days"]:
        data[f"capabilities-1-{key}"] = ""
    del data["capabilities-1-processes"], data["capabilities-1-materials"]  # none ticked
    data["capabilities-1-capacity_unit"] = Unit.PIECE  # the select's preselected unit

    response = owner_client.post(step_url(3), data)

    assert response.status_code == 302
    assert len(draft_of(owner).data["capabilities"]) == 1


def test_a_removed_capability_row_is_dropped_from_the_draft(owner_client, owner, cat):
    owner_client.post(step_url(1), identity(cat))
    owner_client.post(step_url(2), location(cat))
    other = ComponentTypeFactory()
    owner_client.post(step_url(3), capabilities(cat, rows=[{}, {"component_type": other.pk}]))
    data = capabilities(cat, rows=[{}, {"component_type": other.pk, "DELETE": "on"}])
    data["capabilities-INITIAL_FORMS"] = "2"

    owner_client.post(step_url(3), data)

    rows = draft_of(owner).data["capabilities"]
    assert [row["component_type"] for row in rows] == [cat["component"].pk]


def test_capabilities_step_reads_the_catalogue_once_whatever_the_number_of_rows(
    owner_client, owner, cat, django_assert_max_num_queries
):
    owner_client.post(step_url(1), identity(cat))
    owner_client.post(step_url(2), location(cat))
    types = [ComponentTypeFactory() for _ in range(8)]
    owner_client.post(
        step_url(3), capabilities(cat, rows=[{"component_type": t.pk} for t in types])
    )

    with django_assert_max_num_queries(12):
        response = owner_client.get(step_url(3))

    assert response.content.decode().count("data-formset-row") == 9  # 8 rows + the template
