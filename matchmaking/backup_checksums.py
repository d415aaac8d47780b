"""Checksums that describe a database and a media folder, for a backup's manifest and
for verifying a restore against it (see :mod:`matchmaking.backup`): row counts and a
SHA-256 of the primary keys per table, and a SHA-256 of every document."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

CHUNK = 10_000
"""Rows fetched at a time while checksumming a table."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def document_hashes(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root``, by POSIX path relative to it."""
    if not root.exists():
        return {}
    return {
        path.relative_to(root).as_posix(): sha256_file(path)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _rows(cursor, sql: str) -> Iterator[tuple]:
    cursor.execute(sql)
    while batch := cursor.fetchmany(CHUNK):
        yield from batch


def without_timeouts(cursor) -> None:
    """A backup or a verification may take minutes and keeps a snapshot open while pg_dump
    runs: lift the request-sized timeouts the site's connection options may set."""
    cursor.execute(
        "SET statement_timeout = 0; SET lock_timeout = 0; "
        "SET idle_in_transaction_session_timeout = 0"
    )


def table_names(wrapper: BaseDatabaseWrapper, cursor) -> list[str]:
    """The database's tables, without PostgreSQL's session-local temporary tables (the
    engine's COPY staging table), which no dump contains."""
    if wrapper.vendor == "postgresql":
        cursor.execute(
            "SELECT c.relname FROM pg_catalog.pg_class c "
            "WHERE c.relkind IN ('r', 'p') AND c.relpersistence <> 't' "
            "AND pg_catalog.pg_table_is_visible(c.oid) "
            "AND c.relnamespace NOT IN (SELECT oid FROM pg_catalog.pg_namespace "
            "WHERE nspname IN ('pg_catalog', 'information_schema'))"
        )
        return sorted(row[0] for row in cursor.fetchall())
    return sorted(wrapper.introspection.table_names(cursor))


def table_checksums(wrapper: BaseDatabaseWrapper) -> dict[str, dict[str, Any]]:
    """Per table: row count and SHA-256 of its primary key values in key order (of whole
    rows, sorted, for a table without a primary key). Call inside the snapshot to describe."""
    result: dict[str, dict[str, Any]] = {}
    qn = wrapper.ops.quote_name
    with wrapper.cursor() as cursor:
        if wrapper.vendor == "postgresql":
            without_timeouts(cursor)
        for table in table_names(wrapper, cursor):
            keys = wrapper.introspection.get_primary_key_columns(cursor, table) or []
            digest = hashlib.sha256()
            count = 0
            if keys:
                columns = ", ".join(qn(key) for key in keys)
                # bandit B608: table and column names come from the database's own
                # catalogue, quoted by quote_name; there are no values in this SQL.
                sql = f"SELECT {columns} FROM {qn(table)} ORDER BY {columns}"  # nosec B608
                for row in _rows(cursor, sql):
                    digest.update(repr(row).encode())
                    digest.update(b"\n")
                    count += 1
            else:
                lines = sorted(
                    repr(row)
                    for row in _rows(cursor, f"SELECT * FROM {qn(table)}")  # nosec B608
                )
                for line in lines:
                    digest.update(line.encode())
                    digest.update(b"\n")
                count = len(lines)
            result[table] = {"rows": count, "key": ",".join(keys), "sha256": digest.hexdigest()}
    return result
