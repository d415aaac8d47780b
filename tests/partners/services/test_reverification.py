"""Re-verification (partners/services/verification.py, ``reverification_apply``): a verified
IKM or manufacturer that changes its NIB or legal name goes back to pending verification,
is withdrawn from the suggestions until staff verify it again, its people are told, and the
audit trail records why — through the services, the self-service pages and the admin."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from matchmaking.choices import MatchStatus
from matchmaking.engine import rescoring as matching
from matchmaking.models import Match
from partners import notices
from partners.choices import AuditReason, VerificationStatus
from partners.models import Manufacturer, Notification
from partners.services.manufacturers import manufacturer_update
from partners.services.suppliers import supplier_update
from partners.services.verification import Decision, organisation_verification_decide
from tests.matchmaking import factories as f
from tests.partners.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _tasks_in_process(eager_tasks):
    """Enqueued tasks (the rescore an edit announces) run in-process."""


@pytest.fixture
def cat():
    return f.catalogue()


@pytest.fixture
def staff(db):
    return UserFactory(username="pembina-identitas", is_staff=True)


def owned_ikm(cat, name="CV Logam Identitas"):
    ikm = f.supplier(cat, name=name)
    ikm.owner = UserFactory(username="pemilik", email_confirmed_at=timezone.now())
    ikm.save(update_fields=["owner"])
    return ikm


def latest_record(organisation):
    return type(organisation).history.filter(id=organisation.pk).latest()


@pytest.mark.parametrize("field", ["nib", "legal_name"])
def test_a_verified_ikm_changing_its_identity_goes_back_to_verification_and_out_of_the_list(
    cat, field, django_capture_on_commit_callbacks
):
    demand = f.brake_block_demand(cat)
    ikm = owned_ikm(cat)
    matching.rescore_demand(demand_id=demand.pk)
    assert Match.objects.filter(supplier=ikm, demand=demand, is_current=True).exists()
    new = {"nib": "1234509876123", "legal_name": "CV Nama Baru"}[field]

    with django_capture_on_commit_callbacks(execute=True):
        supplier_update(supplier=ikm, data={field: new})

    ikm.refresh_from_db()
    assert getattr(ikm, field) == new
    assert ikm.verification_status == VerificationStatus.PENDING
    assert ikm.verified_at is None
    assert not Match.objects.filter(supplier=ikm, is_current=True).exists()
    notification = Notification.objects.get(user=ikm.owner)
    assert notification.kind == notices.ORGANISATION_REVERIFYING
    record = latest_record(ikm)
    assert record.history_change_reason == AuditReason.REVERIFY
    assert record.verification_status == VerificationStatus.PENDING
    assert getattr(record, field) == new
    assert getattr(record.prev_record, field) != new


def test_a_reviewed_match_stays_on_record_while_the_ikm_is_verified_again(
    cat, staff, django_capture_on_commit_callbacks
):
    demand = f.brake_block_demand(cat)
    ikm = owned_ikm(cat)
    matching.rescore_demand(demand_id=demand.pk)
    match = Match.objects.get(supplier=ikm, demand=demand)
    Match.objects.filter(pk=match.pk).update(status=MatchStatus.APPROVED)

    with django_capture_on_commit_callbacks(execute=True):
        supplier_update(supplier=ikm, data={"nib": "1234509876124"})

    match.refresh_from_db()
    assert match.status == MatchStatus.APPROVED
    assert not match.is_current

    with django_capture_on_commit_callbacks(execute=True):
        organisation_verification_decide(organisation=ikm, decision=Decision.VERIFY, by=staff)

    match.refresh_from_db()
    assert match.is_current
    assert latest_record(ikm).history_user == staff
    assert latest_record(ikm).history_change_reason == AuditReason.VERIFY


def test_other_edits_and_unverified_organisations_keep_their_status(cat):
    ikm = owned_ikm(cat)
    supplier_update(supplier=ikm, data={"contact_phone": "081234567890", "sentra": "Ceper"})
    ikm.refresh_from_db()
    assert ikm.verification_status == VerificationStatus.VERIFIED

    pending = f.supplier(cat, name="CV Belum Diperiksa", verified=False)
    supplier_update(supplier=pending, data={"nib": "1234509876125"})
    pending.refresh_from_db()
    assert pending.verification_status == VerificationStatus.PENDING
    assert not Notification.objects.exists()
    assert latest_record(pending).history_change_reason is None


def test_saving_the_same_name_and_nib_again_changes_nothing(cat):
    ikm = owned_ikm(cat)
    supplier_update(supplier=ikm, data={"nib": ikm.nib, "legal_name": ikm.legal_name})
    ikm.refresh_from_db()
    assert ikm.is_verified


def test_a_verified_manufacturer_renamed_goes_back_to_verification_and_its_demands_unmatched(
    cat, django_capture_on_commit_callbacks
):
    f.supplier(cat, name="CV Pemasok")
    demand = f.brake_block_demand(cat)
    manufacturer = demand.manufacturer
    member = UserFactory(username="pembeli")
    manufacturer.members.add(member)
    matching.rescore_demand(demand_id=demand.pk)
    assert Match.objects.filter(demand=demand, is_current=True).exists()

    with django_capture_on_commit_callbacks(execute=True):
        manufacturer_update(manufacturer=manufacturer, data={"name": "PT Nama Lain"})

    manufacturer.refresh_from_db()
    assert manufacturer.verification_status == VerificationStatus.PENDING
    assert not Match.objects.filter(demand=demand, is_current=True).exists()
    assert Notification.objects.get(user=member).kind == notices.ORGANISATION_REVERIFYING
    assert latest_record(manufacturer).history_change_reason == AuditReason.REVERIFY


def test_staff_changing_a_verified_manufacturers_name_in_the_admin_sends_it_back_too(
    admin_client, cat
):
    manufacturer = f.brake_block_demand(cat).manufacturer
    assert manufacturer.is_verified
    url = reverse("admin:partners_manufacturer_change", args=[manufacturer.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {
        name: form.initial.get(name) for name in form.fields if form.initial.get(name) is not None
    }
    data["name"] = "PT Diubah Admin"
    data["sectors"] = [sector.pk for sector in manufacturer.sectors.all()]
    data["members"] = [member.pk for member in manufacturer.members.all()]
    plants = list(manufacturer.plants.all())
    data.update(
        {
            "plants-TOTAL_FORMS": str(len(plants)),
            "plants-INITIAL_FORMS": str(len(plants)),
            "plants-MIN_NUM_FORMS": "0",
            "plants-MAX_NUM_FORMS": "1000",
        }
    )
    for index, plant in enumerate(plants):
        data.update(
            {
                f"plants-{index}-id": plant.pk,
                f"plants-{index}-manufacturer": manufacturer.pk,
                f"plants-{index}-name": plant.name,
                f"plants-{index}-regency": plant.regency_id,
                f"plants-{index}-address": plant.address,
                f"plants-{index}-latitude": plant.latitude or "",
                f"plants-{index}-longitude": plant.longitude or "",
            }
        )

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    manufacturer.refresh_from_db()
    assert manufacturer.name == "PT Diubah Admin"
    assert manufacturer.verification_status == VerificationStatus.PENDING
    assert Manufacturer.history.filter(id=manufacturer.pk).latest().history_user.is_superuser
