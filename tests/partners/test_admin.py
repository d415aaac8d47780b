"""The Django admin: every page opens, searches find, bad input is refused and nothing is
saved, actions go through the services, and list pages do not query per row."""

import datetime

import pytest
from django.contrib import admin
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from components.models import KbliCode, Regency
from partners import events, notices
from partners.choices import DemandStatus, SizeClass, VerificationStatus
from partners.models import (
    DeletionRequest,
    Demand,
    Manufacturer,
    Notification,
    Supplier,
    SupplierCapability,
    SupplierDraft,
)
from tests.components.factories import (
    ComponentCategoryFactory,
    ComponentTypeFactory,
    KbliCodeFactory,
    MaterialFactory,
    ProcessFactory,
    RegencyFactory,
)
from tests.partners.factories import (
    DemandFactory,
    ManufacturerFactory,
    PlantFactory,
    SupplierCapabilityFactory,
    SupplierCertificationFactory,
    SupplierFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

REGISTERED = sorted(
    (
        model
        for model in admin.site._registry
        if model._meta.app_label in {"components", "partners"}
    ),
    key=lambda model: model._meta.label,
)
# Rows the services write (self-service, workspace): shown in the admin, never edited there.
VIEW_ONLY = {Notification, DeletionRequest, SupplierDraft}
OUR_MODELS = [model for model in REGISTERED if model not in VIEW_ONLY]


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def inline_management(prefix, total=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def form_errors(response):
    return response.context["adminform"].form.errors


@pytest.fixture
def received_supplier_ids():
    ids = []

    def receiver(*, supplier_id):
        ids.append(supplier_id)

    events.supplier_changed.connect(receiver)
    yield ids
    events.supplier_changed.disconnect(receiver)


@pytest.fixture
def one_of_each():
    """At least one row of every model, so change lists and change pages have rows."""
    ComponentTypeFactory(category=ComponentCategoryFactory(), kbli=KbliCodeFactory())
    MaterialFactory()
    ProcessFactory()
    SupplierCapabilityFactory()
    SupplierCertificationFactory()
    DemandFactory()


@pytest.fixture
def supplier_form():
    data = {
        "legal_name": "UD Cor Logam Batur",
        "nib": "9120301234567",
        "legal_form": "perorangan",
        "workers": "8",
        "investment_idr": "350000000",
        "regency": RegencyFactory().pk,
        "sentra": "Sentra Pengecoran Logam Ceper",
        "address": "Batur, Ceper",
        "latitude": "",
        "longitude": "",
        "contact_person": "",
        "contact_phone": "",
        "contact_email": "",
        "owner": "",
        "is_active": "on",
    }
    return data | inline_management("capabilities") | inline_management("certifications")


@pytest.fixture
def demand_form():
    plant = PlantFactory()
    return {
        "manufacturer": plant.manufacturer.pk,
        "plant": plant.pk,
        "component_type": ComponentTypeFactory().pk,
        "title": "Blok rem komposit K-3",
        "specification": "",
        "material": "",
        "quantity_per_month": "20000",
        "unit": "pcs",
        "duration_months": "24",
        "unit_price_idr": "",
        "needed_by": (timezone.localdate() + datetime.timedelta(days=60)).isoformat(),
    }


# --- Every page opens -------------------------------------------------------------------------


def test_site_is_named_jembatan(admin_client):
    response = admin_client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert response.context["site_header"] == "Jembatan"


def test_every_catalogue_and_partner_model_is_registered():
    assert {model._meta.model_name for model in REGISTERED} == {
        "notification",
        "deletionrequest",
        "supplierdraft",
        "province",
        "regency",
        "kblicode",
        "sector",
        "componentcategory",
        "material",
        "process",
        "certification",
        "componenttype",
        "user",
        "supplier",
        "suppliercapability",
        "suppliercertification",
        "manufacturer",
        "plant",
        "demand",
    }


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda model: model._meta.label)
def test_changelist_add_and_change_pages_open(admin_client, one_of_each, model):
    obj = model.objects.first()

    assert admin_client.get(admin_url(model, "changelist")).status_code == 200
    assert admin_client.get(admin_url(model, "add")).status_code == 200
    assert admin_client.get(admin_url(model, "change", obj.pk)).status_code == 200


def test_service_written_rows_are_shown_but_not_editable(admin_client):
    supplier = SupplierFactory(owner=UserFactory(username="pemilik"))
    rows = {
        Notification: Notification.objects.create(
            user=supplier.owner, kind=notices.ORGANISATION_VERIFIED
        ),
        DeletionRequest: DeletionRequest.objects.create(
            supplier=supplier, requested_by=supplier.owner
        ),
        SupplierDraft: SupplierDraft.objects.create(owner=supplier.owner, step=2),
    }

    for model, row in rows.items():
        assert admin_client.get(admin_url(model, "changelist")).status_code == 200
        page = admin_client.get(admin_url(model, "change", row.pk))
        assert page.status_code == 200
        assert b'type="submit"' not in page.content.split(b'id="content"')[-1]
        assert admin_client.get(admin_url(model, "add")).status_code == 403


@pytest.mark.parametrize(
    ("model", "count"), [(Supplier, 30), (Demand, 30), (SupplierCapability, 30)]
)
def test_changelist_queries_do_not_grow_with_rows(
    admin_client, django_assert_max_num_queries, model, count
):
    factory = {
        Supplier: SupplierFactory,
        Demand: DemandFactory,
        SupplierCapability: SupplierCapabilityFactory,
    }[model]
    factory.create_batch(count)

    with django_assert_max_num_queries(12):
        response = admin_client.get(admin_url(model, "changelist"))

    assert response.context["cl"].result_count == count


# --- Search and filters -----------------------------------------------------------------------


@pytest.mark.parametrize("term", ["9120301234567", "Batur", "Ceper"])
def test_supplier_search_by_nib_name_or_sentra(admin_client, term):
    found = SupplierFactory(
        nib="9120301234567", legal_name="CV Batur Jaya", sentra="Sentra Logam Ceper"
    )
    SupplierFactory(legal_name="UD Rotan Trangsan", sentra="Sentra Rotan Trangsan")

    response = admin_client.get(admin_url(Supplier, "changelist"), {"q": term})

    assert list(response.context["cl"].result_list) == [found]


@pytest.mark.parametrize("term", ["33.28", "tegal"])
def test_regency_search_by_code_or_name(admin_client, term):
    RegencyFactory()
    tegal = RegencyFactory(code="33.28", name="Kab. Tegal")

    response = admin_client.get(admin_url(Regency, "changelist"), {"q": term})

    assert list(response.context["cl"].result_list) == [tegal]


@pytest.mark.parametrize("term", ["2431", "pengecoran"])
def test_kbli_search_by_code_or_title(admin_client, term):
    casting = KbliCodeFactory(code="24310", title="Industri Pengecoran Besi dan Baja")
    KbliCodeFactory(code="31002", title="Industri Furnitur dari Rotan")

    response = admin_client.get(admin_url(KbliCode, "changelist"), {"q": term})

    assert list(response.context["cl"].result_list) == [casting]


def test_supplier_list_filters_by_province(admin_client):
    in_central_java = SupplierFactory()
    SupplierFactory(
        regency=RegencyFactory(
            code="35.77", name="Kota Madiun", province__code="35", province__name="Jawa Timur"
        )
    )

    response = admin_client.get(
        admin_url(Supplier, "changelist"), {"regency__province__code__exact": "33"}
    )

    assert list(response.context["cl"].result_list) == [in_central_java]


def test_regency_autocomplete_finds_by_name(admin_client):
    RegencyFactory()
    RegencyFactory(code="33.28", name="Kab. Tegal")

    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "partners", "model_name": "supplier", "field_name": "regency", "term": "teg"},
    )

    assert [row["id"] for row in response.json()["results"]] == ["33.28"]


# --- Saving respects validation ---------------------------------------------------------------


def test_supplier_added_in_admin_gets_size_class_and_location(
    admin_client, supplier_form, received_supplier_ids
):
    response = admin_client.post(admin_url(Supplier, "add"), supplier_form)

    assert response.status_code == 302
    supplier = Supplier.objects.get()
    assert supplier.size_class == SizeClass.SMALL
    assert (supplier.latitude, supplier.longitude) == (-7.68333, 110.61667)
    assert received_supplier_ids == [supplier.pk]


def test_supplier_edited_in_admin_recomputes_size_class(admin_client, supplier_form):
    supplier = SupplierFactory(workers=8, investment_idr=350_000_000)
    form = supplier_form | {"nib": supplier.nib, "workers": "45", "investment_idr": "3000000000"}

    response = admin_client.post(admin_url(Supplier, "change", supplier.pk), form)

    assert response.status_code == 302
    supplier.refresh_from_db()
    assert supplier.size_class == SizeClass.MEDIUM


def test_supplier_add_with_12_digit_nib_shows_the_error_and_creates_nothing(
    admin_client, supplier_form, received_supplier_ids
):
    response = admin_client.post(
        admin_url(Supplier, "add"), supplier_form | {"nib": "912030123456"}
    )

    assert response.status_code == 200
    assert [error.code for error in form_errors(response).as_data()["nib"]] == ["invalid_nib"]
    assert not Supplier.objects.exists()
    assert received_supplier_ids == []


def test_supplier_add_of_a_large_industry_is_refused(admin_client, supplier_form):
    form = supplier_form | {"workers": "150", "investment_idr": "20000000000"}

    response = admin_client.post(admin_url(Supplier, "add"), form)

    assert response.status_code == 200
    assert "investment_idr" in form_errors(response)
    assert not Supplier.objects.exists()


def test_capability_inline_with_negative_capacity_is_refused(admin_client, supplier_form):
    component_type = ComponentTypeFactory()
    form = supplier_form | inline_management("capabilities", total=1)
    form |= {
        "capabilities-0-component_type": component_type.pk,
        "capabilities-0-monthly_capacity": "-100",
        "capabilities-0-capacity_unit": "pcs",
        "capabilities-0-minimum_order": "",
        "capabilities-0-lead_time_days": "30",
    }

    response = admin_client.post(admin_url(Supplier, "add"), form)

    assert response.status_code == 200
    capability_errors = response.context["inline_admin_formsets"][0].formset.errors
    assert "monthly_capacity" in capability_errors[0]
    assert not Supplier.objects.exists()
    assert not SupplierCapability.objects.exists()


def test_capability_inline_with_minimum_order_above_capacity_is_refused(
    admin_client, supplier_form
):
    form = supplier_form | inline_management("capabilities", total=1)
    form |= {
        "capabilities-0-component_type": ComponentTypeFactory().pk,
        "capabilities-0-monthly_capacity": "100",
        "capabilities-0-capacity_unit": "pcs",
        "capabilities-0-minimum_order": "500",
        "capabilities-0-lead_time_days": "30",
    }

    response = admin_client.post(admin_url(Supplier, "add"), form)

    assert response.status_code == 200
    assert "minimum_order" in response.context["inline_admin_formsets"][0].formset.errors[0]
    assert not Supplier.objects.exists()


def test_demand_without_component_type_is_refused(admin_client, demand_form):
    response = admin_client.post(admin_url(Demand, "add"), demand_form | {"component_type": ""})

    assert response.status_code == 200
    assert "component_type" in form_errors(response)
    assert not Demand.objects.exists()


def test_demand_with_plant_of_another_manufacturer_is_refused(admin_client, demand_form):
    response = admin_client.post(
        admin_url(Demand, "add"), demand_form | {"plant": PlantFactory().pk}
    )

    assert response.status_code == 200
    assert "plant" in form_errors(response)
    assert not Demand.objects.exists()


def test_demand_needed_by_in_the_past_is_refused_on_add(admin_client, demand_form):
    response = admin_client.post(
        admin_url(Demand, "add"), demand_form | {"needed_by": "2020-01-01"}
    )

    assert response.status_code == 200
    assert "needed_by" in form_errors(response)
    assert not Demand.objects.exists()


def test_demand_added_in_admin_is_a_draft(admin_client, demand_form):
    response = admin_client.post(admin_url(Demand, "add"), demand_form)

    assert response.status_code == 302
    assert Demand.objects.get().status == DemandStatus.DRAFT


def test_closed_demand_cannot_be_edited_in_admin(admin_client, demand_form):
    demand = DemandFactory(status=DemandStatus.CLOSED)

    response = admin_client.post(
        admin_url(Demand, "change", demand.pk), demand_form | {"title": "Changed"}
    )

    assert response.status_code == 403
    assert Demand.objects.get(pk=demand.pk).title == demand.title


# --- Actions ----------------------------------------------------------------------------------


def test_verify_action_verifies_selected_suppliers(admin_client, received_supplier_ids):
    chosen, other = SupplierFactory(), SupplierFactory()

    admin_client.post(
        admin_url(Supplier, "changelist"),
        {"action": "mark_verified", "_selected_action": [chosen.pk]},
    )

    chosen.refresh_from_db()
    other.refresh_from_db()
    assert chosen.verification_status == VerificationStatus.VERIFIED
    assert chosen.verified_at is not None
    assert other.verification_status == VerificationStatus.PENDING
    assert received_supplier_ids == [chosen.pk]


def test_verify_action_verifies_selected_manufacturers(admin_client):
    manufacturer = ManufacturerFactory()

    admin_client.post(
        admin_url(Manufacturer, "changelist"),
        {"action": "mark_verified", "_selected_action": [manufacturer.pk]},
    )

    manufacturer.refresh_from_db()
    assert manufacturer.is_verified
    assert manufacturer.verified_at is not None


def test_publish_action_opens_drafts_and_reports_refusals(admin_client):
    draft, closed = DemandFactory(), DemandFactory(status=DemandStatus.CLOSED)

    response = admin_client.post(
        admin_url(Demand, "changelist"),
        {"action": "publish", "_selected_action": [draft.pk, closed.pk]},
        follow=True,
    )

    assert Demand.objects.get(pk=draft.pk).status == DemandStatus.OPEN
    assert Demand.objects.get(pk=closed.pk).status == DemandStatus.CLOSED
    levels = sorted(message.level_tag for message in response.context["messages"])
    assert levels == ["error", "success"]


def test_close_action_closes_open_demands(admin_client):
    demand = DemandFactory(status=DemandStatus.OPEN)

    admin_client.post(
        admin_url(Demand, "changelist"), {"action": "close", "_selected_action": [demand.pk]}
    )

    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.CLOSED


def test_deleting_a_capability_in_admin_announces_its_supplier(admin_client, received_supplier_ids):
    capability = SupplierCapabilityFactory()

    response = admin_client.post(
        admin_url(SupplierCapability, "delete", capability.pk), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not SupplierCapability.objects.exists()
    assert received_supplier_ids == [capability.supplier_id]


def test_bulk_deleting_suppliers_in_admin_announces_each_once(admin_client, received_supplier_ids):
    suppliers = SupplierFactory.create_batch(2)

    admin_client.post(
        admin_url(Supplier, "changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [s.pk for s in suppliers],
            "post": "yes",
        },
    )

    assert not Supplier.objects.exists()
    assert sorted(received_supplier_ids) == sorted(s.pk for s in suppliers)


# --- bug 3: change pages of rows with a private document -------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


@pytest.fixture
def stored_certificate(media):
    from django.core.files.base import ContentFile

    held = SupplierCertificationFactory()
    held.document.save("scan.pdf", ContentFile(PDF))
    return held


@pytest.fixture
def stored_drawing(media):
    from django.core.files.base import ContentFile

    demand = DemandFactory()
    demand.drawing.save("gambar.pdf", ContentFile(PDF))
    return demand


def test_demand_change_page_with_a_drawing_links_to_the_checked_download(
    admin_client, stored_drawing
):
    response = admin_client.get(admin_url(Demand, "change", stored_drawing.pk))

    assert response.status_code == 200
    page = response.content.decode()
    download = reverse("partners:drawing_document", args=[stored_drawing.pk])
    assert f'href="{download}"' in page
    assert stored_drawing.drawing.name not in page  # no path into the private storage


def test_certificate_change_page_with_a_document_links_to_the_checked_download(
    admin_client, stored_certificate
):
    from partners.models import SupplierCertification

    response = admin_client.get(admin_url(SupplierCertification, "change", stored_certificate.pk))

    assert response.status_code == 200
    page = response.content.decode()
    download = reverse("partners:certificate_document", args=[stored_certificate.pk])
    assert f'href="{download}"' in page
    assert stored_certificate.document.name not in page


def test_supplier_change_page_with_a_certificate_document_opens(admin_client, stored_certificate):
    response = admin_client.get(admin_url(Supplier, "change", stored_certificate.supplier_id))

    assert response.status_code == 200
    page = response.content.decode()
    assert stored_certificate.number in page
    assert stored_certificate.document.name not in page


def test_document_link_on_the_admin_page_streams_only_through_the_permission_check(
    admin_client, client, stored_certificate
):
    download = reverse("partners:certificate_document", args=[stored_certificate.pk])
    assert admin_client.get(download).status_code == 200
    stranger = UserFactory()
    client.force_login(stranger)
    assert client.get(download).status_code == 404


def test_closed_demand_with_a_drawing_shows_read_only_with_the_checked_link(
    admin_client, stored_drawing
):
    Demand.objects.filter(pk=stored_drawing.pk).update(status=DemandStatus.CLOSED)

    response = admin_client.get(admin_url(Demand, "change", stored_drawing.pk))

    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("partners:drawing_document", args=[stored_drawing.pk]) in page
    assert stored_drawing.drawing.name not in page


# --- Verification actions go through the one verification service ------------------------------


def test_suspending_a_manufacturer_in_admin_withdraws_suggestions_and_records_the_decider(
    admin_client, admin_user, eager_tasks, django_capture_on_commit_callbacks
):
    """Bug 2 of issue #9: the admin action left the demands' suggestions in place and
    recorded no decider; the workspace route withdrew them and recorded the officer."""
    from matchmaking.engine import rescoring as matching
    from matchmaking.models import Match
    from tests.matchmaking import factories as mf

    cat = mf.catalogue()
    demand = mf.brake_block_demand(cat)
    company = demand.manufacturer
    Manufacturer.objects.filter(pk=company.pk).update(
        verification_status=VerificationStatus.VERIFIED, verified_at=timezone.now()
    )
    company.members.add(UserFactory(email="direksi@pt.id"))
    mf.supplier(cat, name="CV Logam Jaya")
    matching.rescore_demand(demand_id=demand.pk)
    assert Match.objects.filter(demand=demand, is_current=True).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            admin_url(Manufacturer, "changelist"),
            {
                "action": "mark_suspended",
                "_selected_action": [company.pk],
                "apply": "1",
                "reason": "Pabrik tidak beroperasi lagi.",
            },
        )

    assert response.status_code == 302
    company.refresh_from_db()
    assert company.verification_status == VerificationStatus.SUSPENDED
    assert company.verification_decided_by == admin_user
    assert company.verification_decided_at is not None
    assert company.verification_note == "Pabrik tidak beroperasi lagi."
    assert not Match.objects.filter(demand=demand, is_current=True).exists()
    assert [message.to for message in mail.outbox] == [["direksi@pt.id"]]
    assert "Pabrik tidak beroperasi lagi." in mail.outbox[0].body


@pytest.mark.parametrize("action", ["mark_rejected", "mark_suspended"])
def test_reject_and_suspend_actions_ask_for_the_reason_first(admin_client, action):
    ikm = SupplierFactory(verification_status=VerificationStatus.VERIFIED)

    response = admin_client.post(
        admin_url(Supplier, "changelist"), {"action": action, "_selected_action": [ikm.pk]}
    )

    assert response.status_code == 200
    assert 'name="reason"' in response.content.decode()
    assert ikm.legal_name in response.content.decode()
    ikm.refresh_from_db()
    assert ikm.verification_status == VerificationStatus.VERIFIED
    assert ikm.verification_decided_by is None


def test_reject_action_without_a_reason_asks_again_and_changes_nothing(admin_client):
    ikm = SupplierFactory()

    response = admin_client.post(
        admin_url(Supplier, "changelist"),
        {"action": "mark_rejected", "_selected_action": [ikm.pk], "apply": "1", "reason": " "},
    )

    assert response.status_code == 200
    assert 'name="reason"' in response.content.decode()
    ikm.refresh_from_db()
    assert ikm.verification_status == VerificationStatus.PENDING


def test_verify_action_records_the_decider_and_notifies_the_owner(admin_client, admin_user):
    owner = UserFactory(email="pemilik@cv.id")
    ikm = SupplierFactory(owner=owner)

    admin_client.post(
        admin_url(Supplier, "changelist"),
        {"action": "mark_verified", "_selected_action": [ikm.pk]},
    )

    ikm.refresh_from_db()
    assert ikm.verification_decided_by == admin_user
    assert Notification.objects.get(user=owner).kind == notices.ORGANISATION_VERIFIED


def test_a_move_the_service_does_not_allow_is_reported_and_changes_nothing(admin_client):
    pending = SupplierFactory()

    response = admin_client.post(
        admin_url(Supplier, "changelist"),
        {
            "action": "mark_suspended",
            "_selected_action": [pending.pk],
            "apply": "1",
            "reason": "Tidak aktif.",
        },
        follow=True,
    )

    pending.refresh_from_db()
    assert pending.verification_status == VerificationStatus.PENDING
    assert [message.level_tag for message in response.context["messages"]] == ["error"]
