"""Anonymisation erases personal data while partnerships keep their history."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.forms.models import model_to_dict

from common.models import OutgoingMail
from matchmaking.choices import MatchStatus, PartnershipStage
from matchmaking.engine import rescoring as matching
from matchmaking.models import Match, MatchDecision
from matchmaking.partnerships import notices as matching_notices
from partners import notices
from partners.choices import DeletionStatus, DemandStatus, VerificationStatus
from partners.models import (
    Demand,
    Manufacturer,
    Notification,
    Plant,
    Supplier,
    SupplierCertification,
)
from partners.privacy import anonymisation, deletion
from partners.services.manufacturers import manufacturer_update
from partners.services.suppliers import supplier_update
from partners.uploads import private_storage
from tests.matchmaking import factories as mf
from tests.partners.factories import ManufacturerFactory, SupplierFactory, UserFactory
from tests.partners.privacy.data import (
    ikm_with_personal_data,
    manufacturer_with_demand,
    partnership_between,
    strings,
)

pytestmark = pytest.mark.django_db


def test_confirming_anonymises_the_ikm_and_erases_every_personal_string(
    media, staff, django_capture_on_commit_callbacks
):
    supplier = ikm_with_personal_data()
    owner = supplier.owner
    _, demand = manufacturer_with_demand()
    partnership = partnership_between(supplier, demand, by=staff)
    kept_events = list(partnership.events.values_list("pk", flat=True))
    document = SupplierCertification.objects.get(supplier=supplier).document.name
    old = [
        "CV Ceper Logam Utama",
        supplier.nib,
        "Ibu Wahyuni Sri",
        "0272 321 456",
        "sri@cvceper.example.id",
        supplier.address,
        "Budi",
        "SantosoSri",
        "budi.sri@ceper.example.id",
        "sri-owner",
    ]
    Notification.objects.create(user=owner, kind=notices.ORGANISATION_VERIFIED)
    request = deletion.deletion_request_create(organisation=supplier, by=owner, reason="Closing")

    with django_capture_on_commit_callbacks(execute=True):
        decided = deletion.deletion_request_confirm(deletion_request=request, by=staff, note="ok")

    assert decided.status == DeletionStatus.CONFIRMED
    assert decided.decided_by == staff and decided.decided_at is not None
    supplier.refresh_from_db()
    owner.refresh_from_db()
    assert supplier.legal_name == anonymisation.anonymised_label(supplier)
    assert supplier.nib == f"9{supplier.pk:012d}"
    assert supplier.anonymised_at is not None
    assert supplier.verification_status == VerificationStatus.SUSPENDED
    assert not supplier.is_active
    assert (supplier.latitude, supplier.longitude) == (
        supplier.regency.latitude,
        supplier.regency.longitude,
    )
    rows = strings(
        [
            model_to_dict(supplier),
            model_to_dict(owner),
            [model_to_dict(c) for c in SupplierCertification.objects.filter(supplier=supplier)],
        ]
    )
    for value in old:
        assert value not in rows
    assert (supplier.contact_person, supplier.contact_phone, supplier.contact_email) == ("", "", "")
    assert (owner.first_name, owner.last_name, owner.email) == ("", "", "")
    assert owner.username == f"anonymised-{owner.pk}" and not owner.is_active
    assert authenticate(username="sri-owner", password="jembatan-test-password") is None
    assert not Notification.objects.filter(user=owner).exists()
    # documents: the field is empty and the file is gone from storage
    held = SupplierCertification.objects.get(supplier=supplier)
    assert not held.document
    assert not private_storage.exists(document)
    # the partnership and its timeline stay, pointing at the anonymised IKM, notes scrubbed
    partnership.refresh_from_db()
    assert partnership.supplier_id == supplier.pk and partnership.match.supplier_id == supplier.pk
    assert partnership.stage == PartnershipStage.MEETING_HELD
    events = list(partnership.events.filter(pk__in=kept_events).order_by("pk"))
    assert len(events) == 2
    assert partnership.events.count() >= 2  # the rescore may add a flag: no longer qualifies
    erased, label = anonymisation.erased_text(), anonymisation.anonymised_label(supplier)
    assert events[0].note == f"Met {erased} of {label}; call {erased}"
    assert partnership.supplier_answer_reason == f"{erased} can visit the plant in May"
    assert events[1].note == "Samples look good"


def test_an_anonymised_ikm_is_no_longer_matched_after_the_rescore(
    media, staff, django_capture_on_commit_callbacks
):
    cat = mf.catalogue()
    demand = mf.brake_block_demand(cat)
    leaving = mf.supplier(cat, name="CV Leaving Ceper")
    staying = mf.supplier(cat, name="CV Staying Ceper")
    matching.rescore_demand(demand_id=demand.pk)
    assert set(Match.objects.values_list("supplier_id", flat=True)) == {leaving.pk, staying.pk}
    request = deletion.deletion_request_create(organisation=leaving, by=staff)

    with django_capture_on_commit_callbacks(execute=True):
        deletion.deletion_request_confirm(deletion_request=request, by=staff)
    matching.rescore_demand(demand_id=demand.pk)

    assert list(Match.objects.values_list("supplier_id", flat=True)) == [staying.pk]


def test_reviewed_matches_and_decisions_of_an_anonymised_ikm_stay_with_scrubbed_notes(media, staff):
    supplier = ikm_with_personal_data()
    match = mf.MatchFactory(
        supplier=supplier,
        status=MatchStatus.REJECTED,
        review_note="Ibu Wahyuni Sri says the furnace is too small",
    )
    MatchDecision.objects.create(
        match=match,
        from_status=MatchStatus.SUGGESTED,
        to_status=MatchStatus.REJECTED,
        note="Phoned ibu wahyuni sri",
        by=staff,
    )

    anonymisation.organisation_anonymise(organisation=supplier)

    match.refresh_from_db()
    assert match.status == MatchStatus.REJECTED
    erased = anonymisation.erased_text()
    assert match.review_note == f"{erased} says the furnace is too small"
    assert match.decisions.get().note == f"Phoned {erased}"


def test_other_users_notifications_name_the_anonymised_ikm_by_its_label(media, staff):
    supplier = ikm_with_personal_data()
    counterpart = UserFactory()
    notification = Notification.objects.create(
        user=counterpart,
        kind=matching_notices.NEW_INTRODUCTION,
        params={"supplier": "CV Ceper Logam Utama", "manufacturer": "PT X", "demand": "Blok"},
    )

    anonymisation.organisation_anonymise(organisation=supplier)

    notification.refresh_from_db()
    assert notification.params == {
        "supplier": anonymisation.anonymised_label(supplier),
        "manufacturer": "PT X",
        "demand": "Blok",
    }


def test_confirming_anonymises_the_manufacturer_cancels_its_open_demands_and_keeps_partnerships(
    media, staff, django_capture_on_commit_callbacks
):
    manufacturer, demand = manufacturer_with_demand()
    member = manufacturer.members.get()
    drawing = demand.drawing.name
    partnership = partnership_between(ikm_with_personal_data(), demand, by=staff)
    request = deletion.deletion_request_create(organisation=manufacturer, by=member)

    with django_capture_on_commit_callbacks(execute=True):
        deletion.deletion_request_confirm(deletion_request=request, by=staff)

    manufacturer.refresh_from_db()
    demand.refresh_from_db()
    member.refresh_from_db()
    assert manufacturer.name == anonymisation.anonymised_label(manufacturer)
    assert manufacturer.nib is None and manufacturer.website == ""
    assert (manufacturer.contact_person, manufacturer.contact_email) == ("", "")
    assert manufacturer.verification_status == VerificationStatus.SUSPENDED
    assert manufacturer.plants.get().address == ""
    assert demand.status == DemandStatus.CANCELLED and not demand.drawing
    assert not private_storage.exists(drawing)
    assert not member.is_active and member.email == "" and member.first_name == ""
    rows = strings([model_to_dict(manufacturer), model_to_dict(member)])
    for value in ("PT Kereta Madiun", "Hendro", "0351 452 271", "keretamadiun", "Rina", "rina@"):
        assert value not in rows
    partnership.refresh_from_db()
    assert partnership.demand_id == demand.pk and partnership.events.count() == 2


def test_the_audit_trail_keeps_its_records_without_the_personal_data(
    media, staff, django_capture_on_commit_callbacks
):
    supplier = ikm_with_personal_data()
    old_nib = supplier.nib
    supplier_update(supplier=supplier, data={"contact_phone": "0812 9999 0000"})
    manufacturer, demand = manufacturer_with_demand()
    manufacturer_update(manufacturer=manufacturer, data={"website": "https://km.example.id"})
    recorded = Supplier.history.filter(id=supplier.pk).count()
    for address in (supplier.owner.email, "someone.else@example.id"):
        OutgoingMail.objects.create(subject="Halo", body="...", from_email="j@x.id", to=[address])

    for organisation in (supplier, manufacturer):
        request = deletion.deletion_request_create(
            organisation=organisation, by=organisation.people()[0]
        )
        with django_capture_on_commit_callbacks(execute=True):
            deletion.deletion_request_confirm(deletion_request=request, by=staff)

    trail = strings(
        [
            list(Supplier.history.filter(id=supplier.pk).values()),
            list(SupplierCertification.history.filter(supplier_id=supplier.pk).values()),
            list(Manufacturer.history.filter(id=manufacturer.pk).values()),
            list(Plant.history.filter(manufacturer_id=manufacturer.pk).values()),
            list(Demand.history.filter(manufacturer_id=manufacturer.pk).values()),
        ]
    )
    for value in (
        "CV Ceper Logam Utama",
        old_nib,
        "Ibu Wahyuni Sri",
        "0272 321 456",
        "0812 9999 0000",
        "sri@cvceper.example.id",
        "PT Kereta Madiun",
        "Hendro",
        "0351 452 271",
        "keretamadiun",
        "km.example.id",
        "drawings/",
        "certificates/",
    ):
        assert value not in trail
    assert Supplier.history.filter(id=supplier.pk).count() > recorded  # kept, one more
    # the e-mail stored for the erased owner goes too; another person's stays
    assert list(OutgoingMail.objects.values_list("to", flat=True)) == [["someone.else@example.id"]]


def test_the_admin_history_no_longer_names_the_ikm_or_its_owner(media, staff):
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.contenttypes.models import ContentType

    supplier = ikm_with_personal_data()
    owner = supplier.owner
    for obj in (supplier, owner):
        LogEntry.objects.create(
            user=staff,
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            object_repr=str(obj),
            action_flag=CHANGE,
            change_message="[]",
        )

    anonymisation.organisation_anonymise(organisation=supplier)

    assert sorted(LogEntry.objects.values_list("object_repr", flat=True)) == sorted(
        [anonymisation.anonymised_label(supplier), f"anonymised-{owner.pk}"]
    )


def test_a_person_who_owns_another_ikm_only_loses_the_link(media):
    supplier = ikm_with_personal_data()
    owner = supplier.owner
    SupplierFactory(owner=owner, legal_name="CV Second Business")

    anonymisation.organisation_anonymise(organisation=supplier)

    owner.refresh_from_db()
    supplier.refresh_from_db()
    assert owner.is_active and owner.email == "budi.sri@ceper.example.id"
    assert supplier.owner is None


def test_staff_accounts_are_never_erased_through_an_organisation(staff):
    manufacturer = ManufacturerFactory()
    manufacturer.members.add(staff)

    anonymisation.organisation_anonymise(organisation=manufacturer)

    staff.refresh_from_db()
    assert staff.is_active and staff.username == "pembina-privasi"


def test_anonymising_twice_changes_nothing_more(media):
    supplier = ikm_with_personal_data()
    first = anonymisation.organisation_anonymise(organisation=supplier)

    second = anonymisation.organisation_anonymise(organisation=supplier)

    assert second.anonymised_at == first.anonymised_at
    assert second.legal_name == first.legal_name


def test_the_placeholder_nib_avoids_one_already_taken(db):
    supplier = SupplierFactory()
    SupplierFactory(nib=f"9{supplier.pk:012d}")

    assert anonymisation.placeholder_nib(supplier) == f"8{supplier.pk:012d}"
