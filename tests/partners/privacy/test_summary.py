"""Whose data is whose: an organisation only for its own people and staff."""

from __future__ import annotations

import pytest

from partners.privacy import summary
from tests.partners.factories import ManufacturerFactory, SupplierFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_organisation_get_gives_owners_members_and_staff_their_organisations_only(staff):
    supplier = SupplierFactory(owner=UserFactory())
    stranger = UserFactory()
    manufacturer = ManufacturerFactory()
    member = UserFactory()
    manufacturer.members.add(member)

    assert summary.organisation_get(user=supplier.owner, kind="ikm", pk=supplier.pk) == supplier
    assert summary.organisation_get(user=stranger, kind="ikm", pk=supplier.pk) is None
    assert summary.organisation_get(user=member, kind="ikm", pk=supplier.pk) is None
    assert (
        summary.organisation_get(user=member, kind="manufacturer", pk=manufacturer.pk)
        == manufacturer
    )
    assert summary.organisation_get(user=stranger, kind="manufacturer", pk=manufacturer.pk) is None
    assert summary.organisation_get(user=staff, kind="ikm", pk=supplier.pk) == supplier
    assert (
        summary.organisation_get(user=staff, kind="ikm", pk=supplier.pk, staff_sees_all=False)
        is None
    )
    assert summary.organisation_get(user=staff, kind="other", pk=supplier.pk) is None
