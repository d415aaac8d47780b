"""The export of everything stored about an organisation (JSON, ZIP)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.utils import translation

from matchmaking.partnerships import notices as matching_notices
from partners.models import Notification, NotificationSetting, SupplierCertification
from partners.privacy import deletion, export
from partners.services.suppliers import supplier_update
from partners.services.verification import organisation_verification_decide
from partners.uploads import private_storage
from tests.matchmaking import factories as mf
from tests.partners.privacy.data import (
    PDF,
    ikm_with_personal_data,
    manufacturer_with_demand,
    partnership_between,
    strings,
)

pytestmark = pytest.mark.django_db


def test_ikm_export_holds_everything_stored_about_it_and_only_its_own_data(media, staff):
    supplier = ikm_with_personal_data()
    other = ikm_with_personal_data(name="UD Besi Tegal", prefix="other")
    manufacturer, demand = manufacturer_with_demand()
    partnership = partnership_between(supplier, demand, by=staff)
    mf.MatchFactory(supplier=other, demand=demand)  # someone else's suggestion
    Notification.objects.create(user=supplier.owner, kind=matching_notices.NEW_INTRODUCTION)
    NotificationSetting.objects.create(
        user=supplier.owner, kind=matching_notices.STAGE_CHANGED, email=False
    )
    deletion.deletion_request_create(organisation=supplier, by=supplier.owner, reason="Closing")

    exported = export.organisation_export(organisation=supplier)

    assert exported["format"] == export.EXPORT_FORMAT
    assert exported["organisation"]["type"] == "ikm"
    assert exported["organisation"]["legal_name"] == "CV Ceper Logam Utama"
    assert exported["organisation"]["nib"] == supplier.nib
    assert exported["organisation"]["contact_person"] == "Ibu Wahyuni Sri"
    assert exported["organisation"]["contact_phone"] == "0272 321 456"
    assert exported["organisation"]["address"] == supplier.address
    assert [u["email"] for u in exported["users"]] == ["budi.sri@ceper.example.id"]
    assert exported["users"][0]["notifications"][0]["kind"] == matching_notices.NEW_INTRODUCTION
    assert exported["users"][0]["notification_settings"] == [
        {"kind": matching_notices.STAGE_CHANGED, "email": False}
    ]
    assert len(exported["capabilities"]) == 1
    (certificate,) = exported["certifications"]
    assert certificate["document"]["path_in_zip"].startswith("documents/certificates/")
    assert exported["deletion_requests"][0]["reason"] == "Closing"
    # the matching engine's sections: its own match and the partnership with its timeline
    assert [m["demand"]["id"] for m in exported["matches"]] == [demand.pk]
    (exported,) = exported["partnerships"]
    assert exported["id"] == partnership.pk
    assert exported["manufacturer"]["name"] == "PT Kereta Madiun"
    assert exported["your_answer_reason"] == "Ibu Wahyuni Sri can visit the plant in May"
    assert "Private: our own reason" not in strings(exported)
    assert [e["note"] for e in exported["events"]][1] == "Samples look good"
    assert {e["by"] for e in exported["events"]} == {"ministry staff"}
    # nothing of the other IKM, nor the counterpart's people
    text = strings(exported)
    for foreign in (
        "UD Besi Tegal",
        other.nib,
        other.contact_person,
        "budi.other@",
        "Pak Hendro",
        "rina@inka",
    ):
        assert foreign not in text


def test_the_export_holds_the_audit_trail_naming_its_own_people_but_not_the_officers(staff):
    supplier = ikm_with_personal_data()
    supplier._history_user = supplier.owner
    supplier_update(supplier=supplier, data={"contact_phone": "0812 1111 2222"})
    organisation_verification_decide(
        organisation=supplier, decision="suspend", reason="Izin usaha dicabut", by=staff
    )

    with translation.override("en"):
        history = export.organisation_export(organisation=supplier)["history"]

    decision, edit = history[0], history[1]
    assert (decision["by"], decision["reason"]) == (
        "ministry staff",
        "Verification decision: suspended",
    )
    assert edit["by"] == "Budi SantosoSri"
    assert {"field": "contact phone", "before": "0272 321 456", "after": "0812 1111 2222"} in edit[
        "changes"
    ]
    assert ("Profile", "created", "system") in {
        (h["record"], h["action"], h["by"]) for h in history
    }
    assert staff.username not in strings(history)


def test_manufacturer_export_has_plants_demands_and_partnerships_but_no_unreviewed_suggestions(
    media, staff
):
    manufacturer, demand = manufacturer_with_demand()
    partner = ikm_with_personal_data()
    partnership_between(partner, demand, by=staff)
    suggested = ikm_with_personal_data(name="UD Suggested Only", prefix="sugg")
    mf.MatchFactory(supplier=suggested, demand=demand)

    exported = export.organisation_export(organisation=manufacturer)

    assert exported["organisation"]["name"] == "PT Kereta Madiun"
    assert exported["organisation"]["contact_email"] == "hendro@keretamadiun.example.id"
    assert [p["address"] for p in exported["plants"]] == ["Jl. Yos Sudarso 71, Madiun"]
    (exported_demand,) = exported["demands"]
    assert exported_demand["id"] == demand.pk
    assert exported_demand["drawing"]["path_in_zip"].startswith("documents/drawings/")
    assert [u["username"] for u in exported["users"]] == ["rina-inka"]
    assert exported["matches"] == []
    assert [p["supplier"]["name"] for p in exported["partnerships"]] == ["CV Ceper Logam Utama"]
    text = strings(exported)
    assert "UD Suggested Only" not in text
    # the IKM's contact person is named in a staff note, but its contact fields are not exported
    assert partner.contact_email not in text
    assert "budi.sri@" not in text


def test_zip_export_holds_the_json_and_the_uploaded_documents(media):
    supplier = ikm_with_personal_data()

    with zipfile.ZipFile(
        io.BytesIO(export.organisation_export_zip(organisation=supplier).read())
    ) as archive:
        data = json.loads(archive.read("data.json"))
        (certificate,) = data["certifications"]
        assert archive.read(certificate["document"]["path_in_zip"]) == PDF
    assert data["missing_documents"] == []


def test_zip_export_lists_a_document_missing_from_storage_instead_of_failing(media):
    supplier = ikm_with_personal_data()
    held = SupplierCertification.objects.get(supplier=supplier)
    private_storage.delete(held.document.name)

    with zipfile.ZipFile(export.organisation_export_zip(organisation=supplier)) as archive:
        data = json.loads(archive.read("data.json"))
        names = archive.namelist()

    assert names == ["data.json"]
    assert data["missing_documents"] == [data["certifications"][0]["document"]["path_in_zip"]]
