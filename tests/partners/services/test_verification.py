"""Verification services (partners/services/verification.py): the status setters, and the
staff decision that records who decided, announces, notifies and rescores."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from matchmaking.choices import MatchKind
from matchmaking.engine import rescoring as matching
from matchmaking.models import Match
from partners import notices
from partners.choices import (
    DemandStatus,
    VerificationStatus,
)
from partners.models import (
    Notification,
    Supplier,
    User,
)
from partners.services.verification import (
    Decision,
    decisions_open,
    manufacturer_verification_set,
    organisation_verification_decide,
    supplier_verification_set,
)
from tests.matchmaking import factories as f
from tests.partners.factories import (
    ManufacturerFactory,
    SupplierFactory,
    UserFactory,
)
from tests.partners.services.helpers import error_codes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _tasks_in_process(eager_tasks):
    """Enqueued tasks run in-process here even when a Redis broker is configured."""


# --- status setters ---------------------------------------------------------------------------


def test_supplier_verification_set_records_when_it_was_verified(received):
    supplier = SupplierFactory()

    supplier_verification_set(supplier=supplier, status=VerificationStatus.VERIFIED)
    verified_at = Supplier.objects.get(pk=supplier.pk).verified_at
    supplier_verification_set(supplier=supplier, status=VerificationStatus.VERIFIED)

    supplier.refresh_from_db()
    assert supplier.is_verified
    assert supplier.verified_at == verified_at is not None
    assert received == [("supplier_changed", {"supplier_id": supplier.pk})]


def test_supplier_verification_set_clears_verified_at_when_suspended():
    supplier = SupplierFactory(
        verification_status=VerificationStatus.VERIFIED, verified_at=timezone.now()
    )

    supplier_verification_set(supplier=supplier, status=VerificationStatus.SUSPENDED)

    supplier.refresh_from_db()
    assert supplier.verification_status == VerificationStatus.SUSPENDED
    assert supplier.verified_at is None


def test_manufacturer_verification_set_records_when_it_was_verified():
    manufacturer = ManufacturerFactory()

    manufacturer_verification_set(manufacturer=manufacturer, status=VerificationStatus.VERIFIED)

    manufacturer.refresh_from_db()
    assert manufacturer.is_verified
    assert manufacturer.verified_at is not None


# --- verification decisions -------------------------------------------------------------------


@pytest.fixture
def staff(db):
    return UserFactory(username="pembina-verifikasi", is_staff=True)


@pytest.fixture
def cat():
    return f.catalogue()


def owner(username="owner") -> User:
    return UserFactory(username=username, email_confirmed_at=timezone.now())


def test_verifying_an_ikm_notifies_its_owner_and_matches_it_to_a_fitting_open_demand(
    cat, staff, django_capture_on_commit_callbacks
):
    demand = f.brake_block_demand(cat)
    matching.rescore_demand(demand_id=demand.pk)
    ikm = f.supplier(cat, name="CV Logam Baru", verified=False)
    ikm.owner = owner()
    ikm.save(update_fields=["owner"])
    assert not Match.objects.filter(supplier=ikm).exists()

    with django_capture_on_commit_callbacks(execute=True):
        organisation_verification_decide(organisation=ikm, decision=Decision.VERIFY, by=staff)

    ikm.refresh_from_db()
    assert ikm.verification_status == VerificationStatus.VERIFIED
    assert ikm.verified_at is not None
    notification = Notification.objects.get(user=ikm.owner)
    assert notification.kind == notices.ORGANISATION_VERIFIED
    assert notification.params == {"organisation": "CV Logam Baru"}
    assert [message.to for message in mail.outbox] == [[ikm.owner.email]]
    assert Match.objects.filter(supplier=ikm, demand=demand, kind=MatchKind.MATCH).exists()


def test_verifying_twice_notifies_once_and_says_it_is_already_done(
    staff, django_capture_on_commit_callbacks
):
    ikm = SupplierFactory(owner=owner())
    organisation_verification_decide(organisation=ikm, decision=Decision.VERIFY, by=staff)

    with pytest.raises(ValidationError) as excinfo:
        organisation_verification_decide(
            organisation=Supplier.objects.get(pk=ikm.pk),
            decision=Decision.VERIFY,
            by=staff,
        )

    assert error_codes(excinfo, "decision") == ["not_allowed"]
    assert Notification.objects.filter(user=ikm.owner).count() == 1


@pytest.mark.parametrize("decision", [Decision.REJECT, Decision.SUSPEND])
def test_rejecting_or_suspending_without_a_reason_changes_nothing(decision, staff):
    status = (
        VerificationStatus.PENDING if decision == Decision.REJECT else VerificationStatus.VERIFIED
    )
    ikm = SupplierFactory(owner=owner(), verification_status=status)

    with pytest.raises(ValidationError) as excinfo:
        organisation_verification_decide(
            organisation=ikm, decision=decision, reason="   ", by=staff
        )

    assert error_codes(excinfo, "reason") == ["required"]
    ikm.refresh_from_db()
    assert ikm.verification_status == status
    assert mail.outbox == []


def test_the_owner_reads_the_rejection_reason_on_their_ikm_page(staff, client):
    ikm = SupplierFactory(legal_name="UD Cor Klaten", owner=owner())
    organisation_verification_decide(
        organisation=ikm, decision=Decision.REJECT, reason="Foto sertifikat buram.", by=staff
    )
    client.force_login(ikm.owner)

    page = client.get("/ikm/").content.decode()

    assert "Foto sertifikat buram." in page
    assert "data-verification-reason" in page


def test_rejecting_mails_the_reason_to_the_owner_without_an_in_app_notification(
    staff, django_capture_on_commit_callbacks
):
    ikm = SupplierFactory(legal_name="UD Cor Klaten", owner=owner())

    with django_capture_on_commit_callbacks(execute=True):
        organisation_verification_decide(
            organisation=ikm,
            decision=Decision.REJECT,
            reason="NIB tidak cocok dengan data OSS.",
            by=staff,
        )

    ikm.refresh_from_db()
    assert ikm.verification_status == VerificationStatus.REJECTED
    assert ikm.verified_at is None
    assert (ikm.verification_decided_by, ikm.verification_note) == (
        staff,
        "NIB tidak cocok dengan data OSS.",
    )
    assert ikm.verification_decided_at is not None
    assert [message.to for message in mail.outbox] == [[ikm.owner.email]]
    assert "NIB tidak cocok dengan data OSS." in mail.outbox[0].body
    assert "UD Cor Klaten" in mail.outbox[0].subject
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("status", "decision"),
    [
        (VerificationStatus.VERIFIED, Decision.REJECT),
        (VerificationStatus.PENDING, Decision.SUSPEND),
        (VerificationStatus.REJECTED, Decision.SUSPEND),
    ],
)
def test_decisions_not_open_from_the_current_status_are_refused(status, decision, staff):
    ikm = SupplierFactory(verification_status=status)

    with pytest.raises(ValidationError) as excinfo:
        organisation_verification_decide(
            organisation=ikm, decision=decision, reason="alasan", by=staff
        )

    assert error_codes(excinfo, "decision") == ["not_allowed"]
    ikm.refresh_from_db()
    assert ikm.verification_status == status


def test_an_anonymised_organisation_cannot_be_verified(staff):
    ikm = SupplierFactory(anonymised_at=timezone.now())

    assert decisions_open(ikm) == []
    with pytest.raises(ValidationError):
        organisation_verification_decide(organisation=ikm, decision=Decision.VERIFY, by=staff)


def test_suspending_a_verified_ikm_takes_it_out_of_the_matches(
    cat, staff, django_capture_on_commit_callbacks
):
    demand = f.brake_block_demand(cat)
    ikm = f.supplier(cat, name="CV Akan Ditangguhkan")
    matching.rescore_demand(demand_id=demand.pk)
    assert Match.objects.filter(supplier=ikm, demand=demand).exists()

    with django_capture_on_commit_callbacks(execute=True):
        organisation_verification_decide(
            organisation=ikm, decision=Decision.SUSPEND, reason="Izin usaha dicabut.", by=staff
        )

    assert not Match.objects.filter(supplier=ikm, demand=demand).exists()


def test_verifying_a_manufacturer_notifies_every_active_member_and_rescores_its_open_demands(
    cat, staff, django_capture_on_commit_callbacks
):
    ikm = f.supplier(cat, name="CV Siap Pasok")
    demand = f.brake_block_demand(cat)
    manufacturer = demand.manufacturer
    manufacturer.verification_status = VerificationStatus.PENDING
    manufacturer.save(update_fields=["verification_status"])
    active, inactive = owner("buyer-1"), owner("buyer-2")
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    manufacturer.members.add(active, inactive)

    with django_capture_on_commit_callbacks(execute=True):
        organisation_verification_decide(
            organisation=manufacturer, decision=Decision.VERIFY, by=staff
        )

    manufacturer.refresh_from_db()
    assert manufacturer.verification_status == VerificationStatus.VERIFIED
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["buyer-1"]
    assert Match.objects.filter(demand=demand, supplier=ikm, kind=MatchKind.MATCH).exists()


# --- the engine leaves out demands of manufacturers that are not verified ---------------------


@pytest.mark.parametrize(
    ("status", "active"),
    [
        (VerificationStatus.PENDING, True),
        (VerificationStatus.REJECTED, True),
        (VerificationStatus.SUSPENDED, True),
        (VerificationStatus.VERIFIED, False),
    ],
)
def test_an_open_demand_of_an_unverified_or_inactive_manufacturer_gets_no_matches(
    cat, status, active
):
    f.supplier(cat, name="CV Cocok")
    manufacturer = ManufacturerFactory(verification_status=status, is_active=active)
    demand = f.brake_block_demand(cat, manufacturer=manufacturer)
    assert demand.status == DemandStatus.OPEN

    matching.rescore_demand(demand_id=demand.pk)

    assert not Match.objects.filter(demand=demand).exists()


def test_an_open_demand_of_a_verified_manufacturer_gets_matches(cat):
    ikm = f.supplier(cat, name="CV Cocok")
    manufacturer = ManufacturerFactory(verification_status=VerificationStatus.VERIFIED)
    demand = f.brake_block_demand(cat, manufacturer=manufacturer)

    matching.rescore_demand(demand_id=demand.pk)

    assert list(Match.objects.filter(demand=demand).values_list("supplier_id", flat=True)) == [
        ikm.pk
    ]
