"""Helpers of the partner service tests: error codes of a refusal, stored files, uploads."""

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

PDF = b"%PDF-1.4\n%%EOF\n"


def error_codes(excinfo, field):
    return [error.code for error in excinfo.value.error_dict[field]]


def stored_files(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def upload(content=PDF, name="scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)
