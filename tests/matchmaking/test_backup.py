"""Backup and restore drill (issue #10): the demo database with uploaded documents is backed
up, restored into an empty database and an empty media folder, and every table's row count
and key checksum and every document's hash are compared with the original's.

The PostgreSQL drill (``pg_dump -Fc`` / ``pg_restore``) runs in CI against the real server;
the SQLite one (embedded mode, a consistent file copy) in the embedded run."""

from __future__ import annotations

import hashlib
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from matchmaking.backup import (
    BackupError,
    create_backup,
    prune_backups,
    read_manifest,
    restore_backup,
    target_wrapper,
    verify,
)
from matchmaking.backup_checksums import table_checksums
from partners.models import Demand, SupplierCertification

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
JPEG = b"\xff\xd8\xff\xe0" + b"scan of a certificate" * 50


def _hashes(root: Path) -> dict[str, str]:
    """Independent of the module under test: SHA-256 of every file below ``root``."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*")
        if path.is_file()
    }


@pytest.fixture
def demo_with_documents(transactional_db, media):
    """The demo scenario (scored, with partnerships) plus certificate scans and a drawing,
    committed, since pg_dump reads from its own connection."""
    call_command("load_demo", stdout=StringIO())
    held = list(SupplierCertification.objects.order_by("pk")[:3])
    assert len(held) == 3, "the demo has certificates to attach scans to"
    for certificate, (name, content) in zip(
        held, [("scan.pdf", PDF), ("foto.png", PNG), ("scan.jpg", JPEG)], strict=True
    ):
        certificate.document.save(name, ContentFile(content))
    demand = Demand.objects.order_by("pk").first()
    assert demand is not None
    demand.drawing.save("gambar.pdf", ContentFile(PDF + b"drawing"))
    documents = _hashes(media)
    assert len(documents) == 4
    return media


def _drill(tmp_path: Path, media: Path, database_name: str) -> None:
    before = table_checksums(connection)
    assert before["partners_suppliercertification"]["rows"] >= 3
    assert before["matchmaking_match"]["rows"] > 0

    folder = create_backup(tmp_path / "backups")
    manifest = read_manifest(folder)
    assert folder.stat().st_mode & 0o077 == 0, "only the owner may read a backup"
    assert manifest["database"]["tables"] == before
    assert set(manifest["documents"]) == set(_hashes(media))
    assert {"jembatan", "django", "python"} <= set(manifest["versions"])
    assert manifest["database"]["migrations"]["partners"]

    # A media folder with files is refused and left alone (the database is empty).
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "keep.pdf").write_bytes(PDF)
    with pytest.raises(BackupError, match="media folder .* is not empty"):
        restore_backup(folder, media_root=occupied, database_name=database_name)
    assert _hashes(occupied) == {"keep.pdf": hashlib.sha256(PDF).hexdigest()}

    restored_media = tmp_path / "restored-media"
    verification = restore_backup(folder, media_root=restored_media, database_name=database_name)
    assert verification.ok, verification.differences
    assert verification.documents == 4

    # Compared again here, table by table and file by file, without trusting verify().
    target = target_wrapper(name=database_name)
    try:
        after = table_checksums(target)
        assert set(after) == set(before)
        for table, entry in before.items():
            assert after[table] == entry, table
        assert _hashes(restored_media) == _hashes(media)

        # The comparison notices a lost row and a damaged document.
        with target.cursor() as cursor:
            cursor.execute(
                "DELETE FROM partners_suppliercertification WHERE id = %s",
                [SupplierCertification.objects.order_by("pk").first().pk],
            )
        damaged = next(path for path in restored_media.rglob("*.png"))
        damaged.write_bytes(PNG + b"bit rot")
        differences = verify(manifest, target, restored_media).differences
        assert any(d.startswith("table partners_suppliercertification") for d in differences)
        assert any(d.startswith("document ") and "differs" in d for d in differences)

        # A non-empty target is refused, unless forced; forced, it is replaced and verified.
        with pytest.raises(BackupError, match="not empty"):
            restore_backup(folder, media_root=tmp_path / "empty", database_name=database_name)
        forced = restore_backup(
            folder, media_root=restored_media, database_name=database_name, force=True
        )
        assert forced.ok, forced.differences
        assert _hashes(restored_media) == _hashes(media)
    finally:
        target.close()


@pytest.mark.postgres
def test_backup_restores_the_demo_into_an_empty_postgres_database(demo_with_documents, tmp_path):
    scratch = f"{connection.settings_dict['NAME']}_restore"
    admin = target_wrapper()
    admin.ensure_connection()
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{scratch}"')
        try:
            _drill(tmp_path, demo_with_documents, scratch)
        finally:
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
    finally:
        admin.close()


def test_backup_restores_the_demo_into_an_empty_sqlite_file(demo_with_documents, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the embedded (SQLite) drill; the PostgreSQL one runs in this mode")
    _drill(tmp_path, demo_with_documents, str(tmp_path / "restored.sqlite3"))


def test_commands_and_refusals(demo_with_documents, tmp_path):
    """One demo load for the commands, a non-empty media folder and a damaged backup."""
    out = StringIO()
    call_command("backup", "--output", str(tmp_path / "backups"), stdout=out)
    assert "Backup written to" in out.getvalue()
    (older,) = (tmp_path / "backups").iterdir()
    call_command("backup", "--output", str(tmp_path / "backups"), "--keep", "1", stdout=out)
    (folder,) = (tmp_path / "backups").iterdir()
    assert folder.name.startswith("jembatan-backup-") and folder != older
    assert not folder.name.endswith(".partial")
    assert f"Deleted the older backup {older}" in out.getvalue()

    # Never over the live database (SQLite in tests: in memory, refused as such).
    with pytest.raises(CommandError, match="not empty|in-memory"):
        call_command("restore", str(folder), stdout=StringIO())
    with pytest.raises(CommandError, match="no manifest.json"):
        call_command("restore", str(tmp_path), stdout=StringIO())

    # A backup that no longer matches its manifest is refused before anything is touched.
    scan = next((folder / "media").rglob("*.jpg"))
    scan.write_bytes(JPEG + b"tampered")
    with pytest.raises(BackupError, match="documents differ"):
        restore_backup(folder, media_root=tmp_path / "new-media", database_name="unused")
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / manifest["database"]["file"]).write_bytes(b"truncated")
    with pytest.raises(BackupError, match="SHA-256"):
        restore_backup(folder, media_root=tmp_path / "new-media", database_name="unused")
    assert not (tmp_path / "new-media").exists()


def test_retention_keeps_the_newest_complete_backups_and_ignores_other_folders(tmp_path):
    names = [f"jembatan-backup-2026120{day}T020000000000Z" for day in range(1, 6)]
    for name in names:
        (tmp_path / name).mkdir()
        (tmp_path / name / "manifest.json").write_text("{}")
    (tmp_path / "jembatan-backup-20261209T020000000000Z.partial").mkdir()
    (tmp_path / "jembatan-backup-20261210T020000000000Z").mkdir()  # no manifest: unknown
    (tmp_path / "photos").mkdir()

    deleted = prune_backups(tmp_path, keep=2)

    assert [path.name for path in deleted] == names[:3]
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        [
            *names[3:],
            "jembatan-backup-20261209T020000000000Z.partial",
            "jembatan-backup-20261210T020000000000Z",
            "photos",
        ]
    )
    with pytest.raises(BackupError):
        prune_backups(tmp_path, keep=0)


def test_a_failed_backup_leaves_nothing_behind(transactional_db, media, tmp_path, monkeypatch):
    (media / "scan.pdf").write_bytes(PDF)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("matchmaking.backup.shutil.copytree", disk_full)
    with pytest.raises(OSError, match="No space left"):
        create_backup(tmp_path / "backups")
    assert list((tmp_path / "backups").iterdir()) == []
