"""Deletion requests: one pending at a time, decided by staff."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from partners.choices import DeletionStatus
from partners.models import DeletionRequest
from partners.privacy import deletion
from tests.partners.factories import ManufacturerFactory, SupplierFactory, UserFactory
from tests.partners.privacy.data import ikm_with_personal_data

pytestmark = pytest.mark.django_db


def test_a_second_deletion_request_while_one_is_pending_is_refused():
    supplier = SupplierFactory(owner=UserFactory())
    first = deletion.deletion_request_create(organisation=supplier, by=supplier.owner)

    with pytest.raises(ValidationError) as refused:
        deletion.deletion_request_create(organisation=supplier, by=supplier.owner, reason="again")

    assert refused.value.code == "pending_exists"
    assert list(DeletionRequest.objects.all()) == [first]
    assert first.status == DeletionStatus.PENDING and first.requested_by == supplier.owner


def test_a_refused_request_can_be_followed_by_a_new_one(staff):
    manufacturer = ManufacturerFactory()
    member = UserFactory()
    manufacturer.members.add(member)
    first = deletion.deletion_request_create(organisation=manufacturer, by=member)
    deletion.deletion_request_refuse(
        deletion_request=first, by=staff, note="Open contract with KAI"
    )

    second = deletion.deletion_request_create(organisation=manufacturer, by=member, reason="Now")

    assert second.manufacturer == manufacturer and second.supplier is None
    assert DeletionRequest.objects.filter(status=DeletionStatus.PENDING).get() == second


def test_refusing_needs_a_note_and_changes_nothing(staff):
    supplier = SupplierFactory(owner=UserFactory())
    request = deletion.deletion_request_create(organisation=supplier, by=supplier.owner)

    with pytest.raises(ValidationError) as refused:
        deletion.deletion_request_refuse(deletion_request=request, by=staff, note="   ")

    assert "decision_note" in refused.value.message_dict
    request.refresh_from_db()
    assert request.status == DeletionStatus.PENDING and request.decided_by is None


def test_only_staff_may_confirm_and_a_refused_confirmation_changes_nothing(media):
    supplier = ikm_with_personal_data()
    request = deletion.deletion_request_create(organisation=supplier, by=supplier.owner)

    with pytest.raises(PermissionDenied):
        deletion.deletion_request_confirm(deletion_request=request, by=supplier.owner)

    request.refresh_from_db()
    supplier.refresh_from_db()
    assert request.status == DeletionStatus.PENDING
    assert supplier.legal_name == "CV Ceper Logam Utama" and supplier.anonymised_at is None


def test_a_request_is_decided_once(staff, media):
    supplier = ikm_with_personal_data()
    request = deletion.deletion_request_create(organisation=supplier, by=supplier.owner)
    deletion.deletion_request_refuse(deletion_request=request, by=staff, note="Not now")

    with pytest.raises(ValidationError) as refused:
        deletion.deletion_request_confirm(deletion_request=request, by=staff)

    assert refused.value.code == "already_decided"
    supplier.refresh_from_db()
    assert supplier.anonymised_at is None


@pytest.mark.postgres
def test_two_members_asking_at_the_same_moment_leave_one_pending_request(transactional_db):
    manufacturer = ManufacturerFactory()
    members = [UserFactory(username=name) for name in ("ani", "budi")]
    manufacturer.members.add(*members)
    barrier = threading.Barrier(len(members))
    outcomes: dict[str, object] = {}

    def ask(member) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[member.username] = deletion.deletion_request_create(
                organisation=manufacturer, by=member
            )
        except Exception as exc:  # noqa: BLE001 - recorded and asserted below
            outcomes[member.username] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=ask, args=(member,)) for member in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(type(o).__name__ for o in outcomes.values()) == [
        "DeletionRequest",
        "ValidationError",
    ], outcomes
    assert DeletionRequest.objects.filter(status=DeletionStatus.PENDING).count() == 1
