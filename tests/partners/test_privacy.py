"""Privacy services: the export of everything stored about an organisation, deletion
requests (one pending at a time, decided by staff) and anonymisation that erases personal
data while partnerships keep their history."""

from __future__ import annotations

import io
import json
import threading
import zipfile

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection
from django.forms.models import model_to_dict

from matchmaking.choices import MatchStatus, PartnershipStage
from matchmaking.engine import rescoring
from matchmaking.models import Match, MatchDecision, Partnership, PartnershipEvent
from partners import privacy
from partners.choices import DeletionStatus, DemandStatus, NotificationKind, VerificationStatus
from partners.models import (
    DeletionRequest,
    Demand,
    Manufacturer,
    Notification,
    NotificationSetting,
    Supplier,
    SupplierCertification,
    User,
)
from partners.uploads import private_storage
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

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% certificate of Ibu Sri Wahyuni\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n drawing of the brake block"


@pytest.fixture
def staff(db):
    return UserFactory(username="pembina-privasi", is_staff=True)


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


# --- export ---------------------------------------------------------------------------------


def test_ikm_export_holds_everything_stored_about_it_and_only_its_own_data(media, staff):
    supplier = ikm_with_personal_data()
    other = ikm_with_personal_data(name="UD Besi Tegal", prefix="other")
    manufacturer, demand = manufacturer_with_demand()
    partnership = partnership_between(supplier, demand, by=staff)
    mf.MatchFactory(supplier=other, demand=demand)  # someone else's suggestion
    Notification.objects.create(user=supplier.owner, kind=NotificationKind.NEW_INTRODUCTION)
    NotificationSetting.objects.create(
        user=supplier.owner, kind=NotificationKind.STAGE_CHANGED, email=False
    )
    privacy.deletion_request_create(organisation=supplier, by=supplier.owner, reason="Closing")

    export = privacy.organisation_export(organisation=supplier)

    assert export["format"] == privacy.EXPORT_FORMAT
    assert export["organisation"]["type"] == "ikm"
    assert export["organisation"]["legal_name"] == "CV Ceper Logam Utama"
    assert export["organisation"]["nib"] == supplier.nib
    assert export["organisation"]["contact_person"] == "Ibu Wahyuni Sri"
    assert export["organisation"]["contact_phone"] == "0272 321 456"
    assert export["organisation"]["address"] == supplier.address
    assert [u["email"] for u in export["users"]] == ["budi.sri@ceper.example.id"]
    assert export["users"][0]["notifications"][0]["kind"] == NotificationKind.NEW_INTRODUCTION
    assert export["users"][0]["notification_settings"] == [
        {"kind": NotificationKind.STAGE_CHANGED, "email": False}
    ]
    assert len(export["capabilities"]) == 1
    (certificate,) = export["certifications"]
    assert certificate["document"]["path_in_zip"].startswith("documents/certificates/")
    assert export["deletion_requests"][0]["reason"] == "Closing"
    # the matching engine's sections: its own match and the partnership with its timeline
    assert [m["demand"]["id"] for m in export["matches"]] == [demand.pk]
    (exported,) = export["partnerships"]
    assert exported["id"] == partnership.pk
    assert exported["manufacturer"]["name"] == "PT Kereta Madiun"
    assert exported["your_answer_reason"] == "Ibu Wahyuni Sri can visit the plant in May"
    assert "Private: our own reason" not in strings(exported)
    assert [e["note"] for e in exported["events"]][1] == "Samples look good"
    assert {e["by"] for e in exported["events"]} == {"ministry staff"}
    # nothing of the other IKM, nor the counterpart's people
    text = strings(export)
    for foreign in (
        "UD Besi Tegal",
        other.nib,
        other.contact_person,
        "budi.other@",
        "Pak Hendro",
        "rina@inka",
    ):
        assert foreign not in text


def test_manufacturer_export_has_plants_demands_and_partnerships_but_no_unreviewed_suggestions(
    media, staff
):
    manufacturer, demand = manufacturer_with_demand()
    partner = ikm_with_personal_data()
    partnership_between(partner, demand, by=staff)
    suggested = ikm_with_personal_data(name="UD Suggested Only", prefix="sugg")
    mf.MatchFactory(supplier=suggested, demand=demand)

    export = privacy.organisation_export(organisation=manufacturer)

    assert export["organisation"]["name"] == "PT Kereta Madiun"
    assert export["organisation"]["contact_email"] == "hendro@keretamadiun.example.id"
    assert [p["address"] for p in export["plants"]] == ["Jl. Yos Sudarso 71, Madiun"]
    (exported_demand,) = export["demands"]
    assert exported_demand["id"] == demand.pk
    assert exported_demand["drawing"]["path_in_zip"].startswith("documents/drawings/")
    assert [u["username"] for u in export["users"]] == ["rina-inka"]
    assert export["matches"] == []
    assert [p["supplier"]["name"] for p in export["partnerships"]] == ["CV Ceper Logam Utama"]
    text = strings(export)
    assert "UD Suggested Only" not in text
    # the IKM's contact person is named in a staff note, but its contact fields are not exported
    assert partner.contact_email not in text
    assert "budi.sri@" not in text


def test_zip_export_holds_the_json_and_the_uploaded_documents(media):
    supplier = ikm_with_personal_data()

    with zipfile.ZipFile(
        io.BytesIO(privacy.organisation_export_zip(organisation=supplier).read())
    ) as archive:
        data = json.loads(archive.read("data.json"))
        (certificate,) = data["certifications"]
        assert archive.read(certificate["document"]["path_in_zip"]) == PDF
    assert data["missing_documents"] == []


def test_zip_export_lists_a_document_missing_from_storage_instead_of_failing(media):
    supplier = ikm_with_personal_data()
    held = SupplierCertification.objects.get(supplier=supplier)
    private_storage.delete(held.document.name)

    with zipfile.ZipFile(privacy.organisation_export_zip(organisation=supplier)) as archive:
        data = json.loads(archive.read("data.json"))
        names = archive.namelist()

    assert names == ["data.json"]
    assert data["missing_documents"] == [data["certifications"][0]["document"]["path_in_zip"]]


def test_organisation_get_gives_owners_members_and_staff_their_organisations_only(staff):
    supplier = SupplierFactory(owner=UserFactory())
    stranger = UserFactory()
    manufacturer = ManufacturerFactory()
    member = UserFactory()
    manufacturer.members.add(member)

    assert privacy.organisation_get(user=supplier.owner, kind="ikm", pk=supplier.pk) == supplier
    assert privacy.organisation_get(user=stranger, kind="ikm", pk=supplier.pk) is None
    assert privacy.organisation_get(user=member, kind="ikm", pk=supplier.pk) is None
    assert (
        privacy.organisation_get(user=member, kind="manufacturer", pk=manufacturer.pk)
        == manufacturer
    )
    assert privacy.organisation_get(user=stranger, kind="manufacturer", pk=manufacturer.pk) is None
    assert privacy.organisation_get(user=staff, kind="ikm", pk=supplier.pk) == supplier
    assert (
        privacy.organisation_get(user=staff, kind="ikm", pk=supplier.pk, staff_sees_all=False)
        is None
    )
    assert privacy.organisation_get(user=staff, kind="other", pk=supplier.pk) is None


# --- deletion requests ----------------------------------------------------------------------


def test_a_second_deletion_request_while_one_is_pending_is_refused():
    supplier = SupplierFactory(owner=UserFactory())
    first = privacy.deletion_request_create(organisation=supplier, by=supplier.owner)

    with pytest.raises(ValidationError) as refused:
        privacy.deletion_request_create(organisation=supplier, by=supplier.owner, reason="again")

    assert refused.value.code == "pending_exists"
    assert list(DeletionRequest.objects.all()) == [first]
    assert first.status == DeletionStatus.PENDING and first.requested_by == supplier.owner


def test_a_refused_request_can_be_followed_by_a_new_one(staff):
    manufacturer = ManufacturerFactory()
    member = UserFactory()
    manufacturer.members.add(member)
    first = privacy.deletion_request_create(organisation=manufacturer, by=member)
    privacy.deletion_request_refuse(deletion_request=first, by=staff, note="Open contract with KAI")

    second = privacy.deletion_request_create(organisation=manufacturer, by=member, reason="Now")

    assert second.manufacturer == manufacturer and second.supplier is None
    assert DeletionRequest.objects.filter(status=DeletionStatus.PENDING).get() == second


def test_refusing_needs_a_note_and_changes_nothing(staff):
    supplier = SupplierFactory(owner=UserFactory())
    request = privacy.deletion_request_create(organisation=supplier, by=supplier.owner)

    with pytest.raises(ValidationError) as refused:
        privacy.deletion_request_refuse(deletion_request=request, by=staff, note="   ")

    assert "decision_note" in refused.value.message_dict
    request.refresh_from_db()
    assert request.status == DeletionStatus.PENDING and request.decided_by is None


def test_only_staff_may_confirm_and_a_refused_confirmation_changes_nothing(media):
    supplier = ikm_with_personal_data()
    request = privacy.deletion_request_create(organisation=supplier, by=supplier.owner)

    with pytest.raises(PermissionDenied):
        privacy.deletion_request_confirm(deletion_request=request, by=supplier.owner)

    request.refresh_from_db()
    supplier.refresh_from_db()
    assert request.status == DeletionStatus.PENDING
    assert supplier.legal_name == "CV Ceper Logam Utama" and supplier.anonymised_at is None


def test_a_request_is_decided_once(staff, media):
    supplier = ikm_with_personal_data()
    request = privacy.deletion_request_create(organisation=supplier, by=supplier.owner)
    privacy.deletion_request_refuse(deletion_request=request, by=staff, note="Not now")

    with pytest.raises(ValidationError) as refused:
        privacy.deletion_request_confirm(deletion_request=request, by=staff)

    assert refused.value.code == "already_decided"
    supplier.refresh_from_db()
    assert supplier.anonymised_at is None


# --- anonymisation --------------------------------------------------------------------------


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
    Notification.objects.create(user=owner, kind=NotificationKind.ORGANISATION_VERIFIED)
    request = privacy.deletion_request_create(organisation=supplier, by=owner, reason="Closing")

    with django_capture_on_commit_callbacks(execute=True):
        decided = privacy.deletion_request_confirm(deletion_request=request, by=staff, note="ok")

    assert decided.status == DeletionStatus.CONFIRMED
    assert decided.decided_by == staff and decided.decided_at is not None
    supplier.refresh_from_db()
    owner.refresh_from_db()
    assert supplier.legal_name == privacy.anonymised_label(supplier)
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
    erased, label = privacy.erased_text(), privacy.anonymised_label(supplier)
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
    rescoring.rescore_demand(demand_id=demand.pk)
    assert set(Match.objects.values_list("supplier_id", flat=True)) == {leaving.pk, staying.pk}
    request = privacy.deletion_request_create(organisation=leaving, by=staff)

    with django_capture_on_commit_callbacks(execute=True):
        privacy.deletion_request_confirm(deletion_request=request, by=staff)
    rescoring.rescore_demand(demand_id=demand.pk)

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

    privacy.organisation_anonymise(organisation=supplier)

    match.refresh_from_db()
    assert match.status == MatchStatus.REJECTED
    erased = privacy.erased_text()
    assert match.review_note == f"{erased} says the furnace is too small"
    assert match.decisions.get().note == f"Phoned {erased}"


def test_other_users_notifications_name_the_anonymised_ikm_by_its_label(media, staff):
    supplier = ikm_with_personal_data()
    counterpart = UserFactory()
    notification = Notification.objects.create(
        user=counterpart,
        kind=NotificationKind.NEW_INTRODUCTION,
        params={"supplier": "CV Ceper Logam Utama", "manufacturer": "PT X", "demand": "Blok"},
    )

    privacy.organisation_anonymise(organisation=supplier)

    notification.refresh_from_db()
    assert notification.params == {
        "supplier": privacy.anonymised_label(supplier),
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
    request = privacy.deletion_request_create(organisation=manufacturer, by=member)

    with django_capture_on_commit_callbacks(execute=True):
        privacy.deletion_request_confirm(deletion_request=request, by=staff)

    manufacturer.refresh_from_db()
    demand.refresh_from_db()
    member.refresh_from_db()
    assert manufacturer.name == privacy.anonymised_label(manufacturer)
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

    privacy.organisation_anonymise(organisation=supplier)

    assert sorted(LogEntry.objects.values_list("object_repr", flat=True)) == sorted(
        [privacy.anonymised_label(supplier), f"anonymised-{owner.pk}"]
    )


def test_a_person_who_owns_another_ikm_only_loses_the_link(media):
    supplier = ikm_with_personal_data()
    owner = supplier.owner
    SupplierFactory(owner=owner, legal_name="CV Second Business")

    privacy.organisation_anonymise(organisation=supplier)

    owner.refresh_from_db()
    supplier.refresh_from_db()
    assert owner.is_active and owner.email == "budi.sri@ceper.example.id"
    assert supplier.owner is None


def test_staff_accounts_are_never_erased_through_an_organisation(staff):
    manufacturer = ManufacturerFactory()
    manufacturer.members.add(staff)

    privacy.organisation_anonymise(organisation=manufacturer)

    staff.refresh_from_db()
    assert staff.is_active and staff.username == "pembina-privasi"


def test_anonymising_twice_changes_nothing_more(media):
    supplier = ikm_with_personal_data()
    first = privacy.organisation_anonymise(organisation=supplier)

    second = privacy.organisation_anonymise(organisation=supplier)

    assert second.anonymised_at == first.anonymised_at
    assert second.legal_name == first.legal_name


def test_the_placeholder_nib_avoids_one_already_taken(db):
    supplier = SupplierFactory()
    SupplierFactory(nib=f"9{supplier.pk:012d}")

    assert privacy.placeholder_nib(supplier) == f"8{supplier.pk:012d}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Called Ibu Sri today", "Called [x] today"),
        ("called IBU SRI.", "called [x]."),
        ("Ibu Srikandi is someone else", "Ibu Srikandi is someone else"),
        ("Bud is too short to be replaced", "Bud is too short to be replaced"),
        ("mail budi.s@x.id", "mail [x]"),
    ],
)
def test_replacements_change_whole_words_case_insensitively_and_skip_short_strings(text, expected):
    replacements = privacy.Replacements({"Ibu Sri": "[x]", "budi.s@x.id": "[x]", "Bud": "[x]"})

    assert replacements.apply(text) == expected


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
            outcomes[member.username] = privacy.deletion_request_create(
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
