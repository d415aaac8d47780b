"""What the IKM page tests post: each registration step's data, uploads, and where the
pages are."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from components.choices import Unit
from partners.models import (
    SupplierDraft,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


PASSWORD = "jembatan-test-password"


def step_url(number: int) -> str:
    return reverse("partners:register_step", args=[number])


REVIEW = "/ikm/register/review/"


SUBMIT = "/ikm/register/submit/"


MY_IKM = "/ikm/"


def english_client() -> Client:
    from django.conf import settings

    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def identity(cat, **overrides) -> dict:
    return {
        "legal_name": "CV Logam Jaya",
        "nib": "9120000000999",
        "legal_form": "cv",
        "kbli_codes": [cat["kbli"].code],
        "workers": "12",
        "investment_idr": "450.000.000",
        "action": "next",
        **overrides,
    }


def location(cat, **overrides) -> dict:
    return {
        "province": "33",
        "regency": "33.10",
        "sentra": "Sentra Pengecoran Logam Ceper",
        "address": "Jl. Raya Ceper 12, Klaten",
        "latitude": "",
        "longitude": "",
        "action": "next",
        **overrides,
    }


def capabilities(cat, rows: list[dict] | None = None, action: str = "next") -> dict:
    rows = rows if rows is not None else [{}]
    data = {
        "capabilities-TOTAL_FORMS": str(len(rows)),
        "capabilities-INITIAL_FORMS": "0",
        "capabilities-MIN_NUM_FORMS": "1",
        "capabilities-MAX_NUM_FORMS": "30",
        "action": action,
    }
    for index, row in enumerate(rows):
        values = {
            "component_type": cat["component"].pk,
            "processes": [cat["process"].pk],
            "materials": [cat["material"].pk],
            "monthly_capacity": "5000",
            "capacity_unit": Unit.PIECE,
            "minimum_order": "100",
            "lead_time_days": "30",
            **row,
        }
        data |= {f"capabilities-{index}-{key}": value for key, value in values.items()}
    return data


def certifications(cat, rows: list[dict], initial: int = 0) -> dict:
    data = {
        "certifications-TOTAL_FORMS": str(len(rows)),
        "certifications-INITIAL_FORMS": str(initial),
        "certifications-MIN_NUM_FORMS": "0",
        "certifications-MAX_NUM_FORMS": "20",
        "action": "next",
    }
    for index, row in enumerate(rows):
        values = {
            "certification": cat["certification"].pk,
            "number": "QMS/0042/2025",
            "issued_on": "2024-03-01",
            "valid_until": (timezone.localdate() + datetime.timedelta(days=400)).isoformat(),
            **row,
        }
        data |= {f"certifications-{index}-{key}": value for key, value in values.items()}
    return data


def pdf(name="sertifikat-iso.pdf", content=PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def contact(**overrides) -> dict:
    return {
        "contact_person": "Budi Santoso",
        "contact_phone": "0272 321 456",
        "contact_email": "budi@logamjaya.id",
        "action": "next",
        **overrides,
    }


def fill_all_steps(client, cat) -> None:
    assert client.post(step_url(1), identity(cat)).status_code == 302
    assert client.post(step_url(2), location(cat)).status_code == 302
    assert client.post(step_url(3), capabilities(cat)).status_code == 302
    response = client.post(
        step_url(4), certifications(cat, [{"document": pdf()}]), format="multipart"
    )
    assert response.status_code == 302
    assert client.post(step_url(5), contact()).status_code == 302


def draft_of(user) -> SupplierDraft:
    return SupplierDraft.objects.get(owner=user)
