"""Uploaded documents (certificates, technical drawings): where they are stored and what is
accepted.

Files live under ``MEDIA_ROOT`` (``var/media`` by default), which no web server serves: they
are streamed only by views that check who is asking. Names are random, so a path reveals
nothing and cannot be guessed. A file is accepted only if it is small enough and its first
bytes are those of a PDF, PNG or JPEG, whatever its name or the browser's content type says."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import UploadedFile
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

SIGNATURES = {
    b"%PDF-": ".pdf",
    b"\x89PNG\r\n\x1a\n": ".png",
    b"\xff\xd8\xff": ".jpg",
}


class PrivateStorage(FileSystemStorage):
    """``MEDIA_ROOT`` (followed when the setting changes, e.g. in tests) with no public URL."""

    def url(self, name: str | None) -> str:
        raise ValueError("private documents have no URL; serve them through a view")


private_storage = PrivateStorage()


def select_private_storage() -> PrivateStorage:
    """The storage of uploaded documents (a callable, so migrations name it instead of
    freezing a machine's MEDIA_ROOT path into the migration)."""
    return private_storage


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
                _("The file is %(size)s; at most %(limit)s is accepted."),
                code="file_too_large",
                params={"size": human_size(file.size), "limit": human_size(limit)},
            )
        position = file.tell() if hasattr(file, "tell") else 0
        file.seek(0)
        head = file.read(16)
        file.seek(position)
        if sniff_extension(head) is None:
            raise ValidationError(_("Only PDF, PNG or JPEG files are accepted."), code="file_type")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DocumentValidator)


def human_size(size: int) -> str:
    """A file size for messages: whole KB below 1 MB ("4 KB"), else MB with at most one
    decimal ("1.1 MB", "5 MB")."""
    if size < 1_048_576:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / 1_048_576:.1f}".removesuffix(".0") + " MB"


def _random_name(folder: str, filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()
    if suffix not in {".pdf", ".png", ".jpg", ".jpeg"}:
        suffix = ""
    return f"{folder}/{uuid.uuid4().hex}{suffix}"


def certificate_path(instance, filename: str) -> str:
    return _random_name(f"certificates/{instance.supplier_id}", filename)


def drawing_path(instance, filename: str) -> str:
    return _random_name(f"drawings/{instance.manufacturer_id}", filename)


def checked_extension(upload: UploadedFile) -> str:
    """Validate an upload (size, PDF/PNG/JPEG by content) and return its true extension."""
    DocumentValidator()(upload)
    upload.seek(0)
    extension = sniff_extension(upload.read(16)) or ""
    upload.seek(0)
    return extension


@contextlib.contextmanager
def removed_on_error() -> Iterator[list[str]]:
    """Collect names of files stored in the block; delete them if the block fails, so a
    refused or rolled-back change leaves no file behind."""
    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        for name in stored:
            private_storage.delete(name)
        raise
