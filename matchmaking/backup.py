"""Backup and restore of the database and the uploaded documents (``make backup``,
``make restore``; docs/operations.md, Backups).

A backup is one folder ``jembatan-backup-<UTC time>/`` holding

- ``database.dump``: ``pg_dump -Fc`` of the PostgreSQL database, or ``database.sqlite3``: a
  consistent copy of the SQLite file (embedded mode, SQLite's online backup);
- ``media/``: a copy of ``MEDIA_ROOT`` (certificate scans, technical drawings);
- ``manifest.json``: per table the row count and a SHA-256 of its primary keys in key
  order, the SHA-256 of the dump and of every document, and the versions involved.

On PostgreSQL the counts and checksums are read in the very snapshot that ``pg_dump`` dumps
(``pg_export_snapshot``), so a backup taken while users work still matches its manifest.
The folder is written under a ``.partial`` name and renamed when complete.

A restore goes into an EMPTY database and an empty media folder (refused otherwise unless
forced), then recomputes every count, checksum and document hash and fails on any
difference. Nothing here runs in a request: only the two management commands import it.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sqlite3

# bandit B404/B603: pg_dump and pg_restore run from PATH with an argument list, no shell;
# the only variable arguments are file paths and the database name from settings.
import subprocess  # nosec B404
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import django
from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.sqlite3.creation import DatabaseCreation as SQLiteCreation

from .backup_checksums import (
    document_hashes,
    sha256_file,
    table_checksums,
    table_names,
    without_timeouts,
)

FORMAT = 1
MANIFEST = "manifest.json"
POSTGRES_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
MEDIA_DIR = "media"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class Verification:
    """What a restore compared, and every difference found."""

    tables: int = 0
    rows: int = 0
    documents: int = 0
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


# --- Connections ------------------------------------------------------------------------


def target_wrapper(alias: str = "default", name: str | None = None) -> BaseDatabaseWrapper:
    """A fresh connection like ``alias``'s, optionally to another database ``name``."""
    base = connections[alias]
    settings_dict = dict(base.settings_dict)
    if name is not None:
        settings_dict["NAME"] = name
    wrapper_class: Any = type(base)
    wrapper: BaseDatabaseWrapper = wrapper_class(settings_dict, alias=f"{alias}-backup")
    return wrapper


def _vendor(wrapper: BaseDatabaseWrapper) -> str:
    if wrapper.vendor not in ("postgresql", "sqlite"):
        raise BackupError(
            f"Backups support PostgreSQL and SQLite, not {wrapper.vendor}: "
            "use the database's own tools."
        )
    return wrapper.vendor


def _pg_environment(settings_dict: dict[str, Any]) -> dict[str, str]:
    """libpq variables for pg_dump/pg_restore: the password never appears on a command line."""
    env = dict(os.environ)
    options = settings_dict.get("OPTIONS") or {}
    for variable, value in (
        ("PGHOST", settings_dict.get("HOST")),
        ("PGPORT", settings_dict.get("PORT")),
        ("PGUSER", settings_dict.get("USER")),
        ("PGPASSWORD", settings_dict.get("PASSWORD")),
        ("PGDATABASE", settings_dict.get("NAME")),
        ("PGSSLMODE", options.get("sslmode")),
    ):
        if value:
            env[variable] = str(value)
    return env


def _run(command: list[str], env: dict[str, str]) -> str:
    executable = shutil.which(command[0])
    if executable is None:
        raise BackupError(
            f"{command[0]} is not installed: install the PostgreSQL client "
            "(Debian: apt-get install postgresql-client) in the server's major version."
        )
    completed = subprocess.run(  # nosec B603
        [executable, *command[1:]], env=env, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise BackupError(f"{command[0]} failed: {completed.stderr.strip()}")
    return completed.stdout


def _migrations(wrapper: BaseDatabaseWrapper) -> dict[str, str]:
    """The last applied migration of every app."""
    with wrapper.cursor() as cursor:
        if "django_migrations" not in wrapper.introspection.table_names(cursor):
            return {}
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        latest: dict[str, str] = {}
        for app, name in cursor.fetchall():
            latest[app] = name
    return latest


def _versions(wrapper: BaseDatabaseWrapper) -> dict[str, str]:
    pyproject = Path(settings.BASE_DIR) / "pyproject.toml"
    try:
        jembatan = tomllib.loads(pyproject.read_text())["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        jembatan = "unknown"
    versions = {
        "jembatan": jembatan,
        "django": django.get_version(),
        "python": platform.python_version(),
    }
    if wrapper.vendor == "postgresql":
        with wrapper.cursor() as cursor:
            cursor.execute("SHOW server_version")
            versions["postgresql"] = cursor.fetchone()[0]
        versions["pg_dump"] = (
            _run(["pg_dump", "--version"], dict(os.environ)).strip().removeprefix("pg_dump ")
        )
    else:
        versions["sqlite"] = sqlite3.sqlite_version
    return versions


# --- Backup -----------------------------------------------------------------------------


def create_backup(
    destination: Path, *, media_root: Path | None = None, alias: str = "default"
) -> Path:
    """Write a complete backup folder under ``destination`` and return its path."""
    media_root = Path(media_root if media_root is not None else settings.MEDIA_ROOT)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    final = Path(destination) / f"jembatan-backup-{stamp}"
    partial = final.with_name(final.name + ".partial")
    Path(destination).mkdir(parents=True, exist_ok=True)
    # Personal data and documents: readable by the backup's owner only.
    partial.mkdir(mode=0o700)
    try:
        _write_backup(partial, media_root, alias)
    except BaseException:
        # A failed backup leaves no half-written copy of personal data behind.
        shutil.rmtree(partial, ignore_errors=True)
        raise
    partial.rename(final)
    return final


def _write_backup(partial: Path, media_root: Path, alias: str) -> None:
    wrapper = target_wrapper(alias)
    try:
        vendor = _vendor(wrapper)
        if vendor == "postgresql":
            dump, tables = _dump_postgres(wrapper, partial / POSTGRES_DUMP)
        else:
            dump, tables = _copy_sqlite(wrapper, partial / SQLITE_COPY)
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(),
            "database": {
                "vendor": vendor,
                "file": dump.name,
                "sha256": sha256_file(dump),
                "tables": tables,
                "migrations": _migrations(wrapper),
            },
            "versions": _versions(wrapper),
        }
    finally:
        wrapper.close()
    if media_root.exists():
        shutil.copytree(media_root, partial / MEDIA_DIR, symlinks=False)
    else:
        (partial / MEDIA_DIR).mkdir()
    manifest["documents"] = document_hashes(partial / MEDIA_DIR)
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def _dump_postgres(wrapper: BaseDatabaseWrapper, target: Path) -> tuple[Path, dict[str, Any]]:
    """pg_dump in the snapshot the checksums are read in."""
    wrapper.ensure_connection()
    with wrapper.cursor() as cursor:
        without_timeouts(cursor)
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                ],
                _pg_environment(wrapper.settings_dict),
            )
            tables = table_checksums(wrapper)
        finally:
            cursor.execute("ROLLBACK")
    return target, tables


def _copy_sqlite(wrapper: BaseDatabaseWrapper, target: Path) -> tuple[Path, dict[str, Any]]:
    """SQLite's online backup: a consistent copy even while the site writes."""
    wrapper.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        wrapper.connection.backup(copy)
    finally:
        copy.close()
    reader = _sqlite_wrapper(wrapper, target)
    try:
        return target, table_checksums(reader)
    finally:
        reader.close()


def _sqlite_wrapper(like: BaseDatabaseWrapper, path: Path) -> BaseDatabaseWrapper:
    settings_dict = dict(like.settings_dict, NAME=str(path))
    settings_dict.pop("TEST", None)
    wrapper_class: Any = type(like)
    wrapper: BaseDatabaseWrapper = wrapper_class(settings_dict, alias="sqlite-backup")
    return wrapper


def prune_backups(destination: Path, keep: int) -> list[Path]:
    """Delete all but the ``keep`` newest complete backups in ``destination`` (folders named
    ``jembatan-backup-<time>`` holding a manifest; names sort by time). Returns the deleted."""
    if keep < 1:
        raise BackupError("Keep at least one backup.")
    complete = sorted(
        path
        for path in Path(destination).glob("jembatan-backup-*")
        if path.is_dir() and not path.name.endswith(".partial") and (path / MANIFEST).is_file()
    )
    doomed = complete[:-keep]
    for path in doomed:
        shutil.rmtree(path)
    return doomed


# --- Restore ----------------------------------------------------------------------------


def read_manifest(backup: Path) -> dict[str, Any]:
    path = Path(backup) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{backup} is not a complete backup: it has no {MANIFEST}.")
    manifest: dict[str, Any] = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    return manifest


def _check_backup_intact(backup: Path, manifest: dict[str, Any]) -> None:
    dump = backup / manifest["database"]["file"]
    if not dump.is_file() or sha256_file(dump) != manifest["database"]["sha256"]:
        raise BackupError(f"{dump} is missing or does not match the manifest's SHA-256.")
    found = document_hashes(backup / MEDIA_DIR)
    if found != manifest["documents"]:
        damaged = sorted(set(found.items()) ^ set(manifest["documents"].items()))
        names = sorted({name for name, _ in damaged})
        raise BackupError(f"The backup's documents differ from its manifest: {names[:10]}")


def restore_backup(
    backup: Path,
    *,
    media_root: Path | None = None,
    alias: str = "default",
    database_name: str | None = None,
    force: bool = False,
) -> Verification:
    """Restore ``backup`` into the (empty) database and media folder, then verify it.

    ``force`` restores over existing contents: on PostgreSQL ``pg_restore --clean`` drops
    the backup's objects first, on SQLite the file is replaced, and the media folder's
    files are deleted before the copy."""
    backup = Path(backup)
    media_root = Path(media_root if media_root is not None else settings.MEDIA_ROOT)
    manifest = read_manifest(backup)
    _check_backup_intact(backup, manifest)
    wrapper = target_wrapper(alias, database_name)
    try:
        vendor = _vendor(wrapper)
        if vendor != manifest["database"]["vendor"]:
            raise BackupError(
                f"The backup is of a {manifest['database']['vendor']} database; "
                f"the target is {vendor}."
            )
        if vendor == "sqlite" and SQLiteCreation.is_in_memory_db(wrapper.settings_dict["NAME"]):
            raise BackupError("Cannot restore into an in-memory SQLite database.")
        with wrapper.cursor() as cursor:
            existing = table_names(wrapper, cursor)
        if existing and not force:
            raise BackupError(
                f"The target database {wrapper.settings_dict['NAME']} is not empty "
                f"({len(existing)} tables). Restore into an empty database, or force it."
            )
        media_files = list(media_root.rglob("*")) if media_root.exists() else []
        if media_files and not force:
            raise BackupError(
                f"The media folder {media_root} is not empty. Restore into an empty "
                "folder, or force it."
            )
        if vendor == "postgresql":
            _restore_postgres(wrapper, backup / POSTGRES_DUMP, clean=bool(existing))
        else:
            wrapper.close()
            _restore_sqlite(backup / SQLITE_COPY, Path(wrapper.settings_dict["NAME"]))
        wrapper.close()
        if media_root.exists():
            for child in media_root.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        shutil.copytree(backup / MEDIA_DIR, media_root, dirs_exist_ok=True)
        return verify(manifest, wrapper, media_root)
    finally:
        wrapper.close()


def _restore_postgres(wrapper: BaseDatabaseWrapper, dump: Path, *, clean: bool) -> None:
    command = [
        "pg_restore",
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        f"--dbname={wrapper.settings_dict['NAME']}",
    ]
    if clean:
        command += ["--clean", "--if-exists"]
    env = _pg_environment(wrapper.settings_dict)
    env.pop("PGDATABASE", None)
    wrapper.close()
    _run([*command, str(dump)], env)


def _restore_sqlite(copy: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(copy)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)
    finally:
        destination.close()
        source.close()


def verify(
    manifest: dict[str, Any], wrapper: BaseDatabaseWrapper, media_root: Path
) -> Verification:
    """Compare a database and a media folder with a backup's manifest."""
    result = Verification()
    expected = manifest["database"]["tables"]
    found = table_checksums(wrapper)
    for table in sorted(set(expected) | set(found)):
        if table not in found:
            result.differences.append(f"table {table}: missing")
        elif table not in expected:
            result.differences.append(f"table {table}: not in the backup")
        elif found[table] != expected[table]:
            result.differences.append(
                f"table {table}: {found[table]['rows']} rows, "
                f"expected {expected[table]['rows']} (or its keys differ)"
            )
    result.tables = len(found)
    result.rows = sum(entry["rows"] for entry in found.values())
    documents = document_hashes(media_root)
    for name in sorted(set(documents) | set(manifest["documents"])):
        if documents.get(name) != manifest["documents"].get(name):
            state = "missing" if name not in documents else "differs"
            result.differences.append(f"document {name}: {state}")
    result.documents = len(documents)
    return result


def describe(verification: Verification) -> str:
    return (
        f"{verification.tables} tables, {verification.rows} rows and "
        f"{verification.documents} documents"
    )
