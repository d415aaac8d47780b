"""Uploaded documents (certificates, technical drawings): where they are stored and what is
accepted.

Files live under ``MEDIA_ROOT`` (``var/media`` by default), which no web server serves: they
are streamed only by views that check who is asking. Names are random, so a path reveals
nothing and cannot be guessed. A file is accepted only if it is small enough and its first
bytes are those of a PDF, PNG or JPEG, whatever its name or the browser's content type says."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible
from django.utils.functional import LazyObject
from django.utils.translation import gettext_lazy as _

SIGNATURES = {
    b"%PDF-": ".pdf",
    b"\x89PNG\r\n\x1a\n": ".png",
    b"\xff\xd8\xff": ".jpg",
}


class PrivateStorage(LazyObject):
    """``MEDIA_ROOT`` without a public URL (read at first use, so tests can override it)."""

    def _setup(self) -> None:
        self._wrapped = FileSystemStorage(location=settings.MEDIA_ROOT, base_url=None)


private_storage = PrivateStorage()


def sniff_extension(head: bytes) -> str | None:
    """The extension matching a file's first bytes, or None when it is not accepted."""
    for signature, extension in SIGNATURES.items():
        if head.startswith(signature):
            return extension
    return None


@deconstructible
class DocumentValidator:
    """Refuse files over ``UPLOAD_MAX_BYTES`` or not PDF/PNG/JPEG by content."""

    def __call__(self, file) -> None:
        limit = settings.UPLOAD_MAX_BYTES
        if file.size > limit:
            raise ValidationError(
                _("The file is %(size)s MB; at most %(limit)s MB is accepted."),
                code="file_too_large",
                params={"size": round(file.size / 1_048_576, 1), "limit": limit // 1_048_576},
            )
        position = file.tell() if hasattr(file, "tell") else 0
        file.seek(0)
        head = file.read(16)
        file.seek(position)
        if sniff_extension(head) is None:
            raise ValidationError(_("Only PDF, PNG or JPEG files are accepted."), code="file_type")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DocumentValidator)


def _random_name(folder: str, filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()
    if suffix not in {".pdf", ".png", ".jpg", ".jpeg"}:
        suffix = ""
    return f"{folder}/{uuid.uuid4().hex}{suffix}"


def certificate_path(instance, filename: str) -> str:
    return _random_name(f"certificates/{instance.supplier_id}", filename)


def drawing_path(instance, filename: str) -> str:
    return _random_name(f"drawings/{instance.manufacturer_id}", filename)
