"""The IKM registration services (partners/services/registration.py): the draft, scans checked
before they are stored, submission as one transaction (all or nothing, once)."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation

from components.choices import Unit
from partners.choices import AccountType, VerificationStatus
from partners.models import (
    Supplier,
    SupplierCapability,
    SupplierCertification,
    SupplierDraft,
)
from partners.selectors.registration import REVIEW, draft_document_name, draft_documents, draft_get
from partners.services.registration import (
    DraftCertificate,
    DraftMissing,
    RegistrationRefused,
    draft_certifications_save,
    draft_step_save,
    registration_submit,
)
from tests.components.factories import (
    CertificationFactory,
    ComponentTypeFactory,
    KbliCodeFactory,
    MaterialFactory,
    ProcessFactory,
    RegencyFactory,
)
from tests.partners.factories import (
    SupplierFactory,
    UserFactory,
)
from tests.partners.services.helpers import PDF, stored_files, upload

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def in_a_year() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=365)


def certificate(cat, **fields) -> DraftCertificate:
    return DraftCertificate(
        **{
            "certification": cat["certification"],
            "number": "QMS/1",
            "issued_on": None,
            "valid_until": in_a_year(),
            **fields,
        }
    )


def fill_draft(owner, cat, *, nib="9120000000999", certificates=None) -> SupplierDraft:
    draft_step_save(
        owner=owner,
        step=1,
        data={
            "legal_name": "CV Logam Jaya",
            "nib": nib,
            "legal_form": "cv",
            "kbli_codes": [cat["kbli"].code],
            "workers": 12,
            "investment_idr": 450_000_000,
        },
    )
    draft_step_save(
        owner=owner,
        step=2,
        data={
            "province": "33",
            "regency": cat["regency"].pk,
            "sentra": "Sentra Pengecoran Logam Ceper",
            "address": "",
            "latitude": None,
            "longitude": None,
        },
    )
    draft_step_save(
        owner=owner,
        step=3,
        data=[
            {
                "component_type": cat["component"].pk,
                "processes": [cat["process"].pk],
                "materials": [cat["material"].pk],
                "monthly_capacity": "5000",
                "capacity_unit": Unit.PIECE,
                "minimum_order": None,
                "lead_time_days": 30,
            }
        ],
    )
    draft_certifications_save(
        owner=owner,
        certificates=certificates
        if certificates is not None
        else [certificate(cat, upload=upload())],
    )
    return draft_step_save(
        owner=owner,
        step=5,
        data={
            "contact_person": "Budi",
            "contact_phone": "0272 321 456",
            "contact_email": "budi@example.id",
        },
    )


# --- Drafts -------------------------------------------------------------------------------


def test_saving_an_earlier_step_keeps_the_step_reached(owner, cat, media):
    fill_draft(owner, cat)

    draft = draft_step_save(owner=owner, step=1, data={"legal_name": "CV Baru"})

    assert draft.step == REVIEW
    assert set(draft.data) == {"identity", "location", "capabilities", "certifications", "contact"}


def test_an_unknown_step_is_refused(owner):
    with pytest.raises(ValueError):
        draft_step_save(owner=owner, step=7, data={})


@pytest.mark.parametrize(
    "content", [b"plain text pretending", b"GIF89a......", PDF + b"0" * 2048], ids=str
)
def test_a_bad_scan_is_refused_before_anything_is_stored(owner, cat, media, settings, content):
    settings.UPLOAD_MAX_BYTES = 1024

    with pytest.raises(ValidationError):
        draft_certifications_save(
            owner=owner, certificates=[certificate(cat, upload=upload(content))]
        )

    assert stored_files(media) == []
    assert not SupplierDraft.objects.filter(owner=owner).exists()


def test_a_good_scan_is_stored_with_the_extension_of_its_content(owner, cat, media):
    draft = draft_certifications_save(
        owner=owner, certificates=[certificate(cat, upload=upload(PNG, name="photo.pdf"))]
    )

    row = draft.data["certifications"][0]
    assert row["document"].startswith(f"drafts/{owner.pk}/") and row["document"].endswith(".png")
    assert row["document_name"] == "photo.pdf"
    assert stored_files(media) == [row["document"]]


def test_a_kept_scan_must_be_one_of_the_owner_s_own(owner, cat, media):
    other = UserFactory(username="other-owner", account_type=AccountType.IKM_OWNER)
    theirs = draft_certifications_save(
        owner=other, certificates=[certificate(cat, upload=upload())]
    ).data["certifications"][0]["document"]

    with pytest.raises(ValidationError):
        draft_certifications_save(owner=owner, certificates=[certificate(cat, document=theirs)])

    assert draft_document_name(owner=owner, key=theirs.rsplit("/", 1)[-1]) is None


def test_scans_no_longer_in_the_draft_are_deleted_after_commit(
    owner, cat, media, django_capture_on_commit_callbacks
):
    first = draft_certifications_save(
        owner=owner, certificates=[certificate(cat, upload=upload())]
    ).data["certifications"][0]["document"]

    with django_capture_on_commit_callbacks(execute=True):
        draft_certifications_save(owner=owner, certificates=[])

    assert stored_files(media) == []
    assert first not in draft_documents(draft_get(owner=owner))


# --- Submission ---------------------------------------------------------------------------


def test_submit_creates_a_pending_ikm_owned_by_the_user_and_announces_it(
    owner, cat, media, changes, django_capture_on_commit_callbacks
):
    draft = fill_draft(owner, cat)
    draft_scan = draft.data["certifications"][0]["document"]

    with django_capture_on_commit_callbacks(execute=True):
        supplier = registration_submit(owner=owner)

    assert supplier.owner == owner
    assert supplier.verification_status == VerificationStatus.PENDING
    assert supplier.capabilities.get().monthly_capacity == Decimal("5000")
    held = supplier.certifications.get()
    assert held.valid_until == in_a_year()
    assert stored_files(media) == [held.document.name]
    assert draft_scan != held.document.name
    assert not SupplierDraft.objects.filter(owner=owner).exists()
    assert set(changes) == {supplier.pk}


def test_a_second_submission_finds_no_draft(owner, cat, media):
    fill_draft(owner, cat)
    registration_submit(owner=owner)

    with pytest.raises(DraftMissing):
        registration_submit(owner=owner)

    assert Supplier.objects.filter(owner=owner).count() == 1


def test_submit_with_a_step_missing_names_that_step(owner, cat):
    draft_step_save(owner=owner, step=1, data={"legal_name": "CV"})

    with pytest.raises(RegistrationRefused) as refused:
        registration_submit(owner=owner)

    assert refused.value.step == 2
    assert len(refused.value.messages) == 4


def test_submit_is_all_or_nothing_when_a_certificate_expired_meanwhile(owner, cat, media):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    fill_draft(
        owner,
        cat,
        certificates=[
            certificate(cat, upload=upload(), number="OK/1"),
            certificate(cat, upload=upload(PNG), number="OLD/1"),
        ],
    )
    draft = draft_get(owner=owner)
    draft.data["certifications"][1]["valid_until"] = yesterday.isoformat()
    draft.save()
    before = stored_files(media)

    with translation.override("en"), pytest.raises(RegistrationRefused) as refused:
        registration_submit(owner=owner)

    assert refused.value.step == 4
    assert "OLD/1" in refused.value.messages[0] and "expired" in refused.value.messages[0]
    assert not Supplier.objects.filter(owner=owner).exists()
    assert not SupplierCapability.objects.exists()
    assert not SupplierCertification.objects.exists()
    assert stored_files(media) == before  # the first certificate's copy was removed again
    assert SupplierDraft.objects.filter(owner=owner).exists()


def test_submit_refuses_an_owner_who_already_has_an_ikm(owner, cat, media):
    fill_draft(owner, cat)
    SupplierFactory(owner=owner)

    with pytest.raises(RegistrationRefused):
        registration_submit(owner=owner)

    assert Supplier.objects.filter(owner=owner).count() == 1


@pytest.mark.postgres
def test_two_submissions_at_the_same_moment_create_one_ikm(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    catalogue = {
        "regency": RegencyFactory(),
        "kbli": KbliCodeFactory(),
        "component": ComponentTypeFactory(),
        "process": ProcessFactory(),
        "material": MaterialFactory(),
        "certification": CertificationFactory(),
    }
    owner = UserFactory(username="double-click", account_type=AccountType.IKM_OWNER)
    fill_draft(owner, catalogue)
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def submit() -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(registration_submit(owner=owner))
        except Exception as exc:  # noqa: BLE001 - recorded and asserted below
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(type(o).__name__ for o in outcomes) == ["DraftMissing", "Supplier"], outcomes
    assert Supplier.objects.filter(owner=owner).count() == 1
    assert SupplierCertification.objects.count() == 1
