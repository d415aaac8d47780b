"""Stored files that outlive their rows only until the transaction commits."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.files.storage import Storage
from django.db import transaction


def delete_files_on_commit(storage: Storage, names: Iterable[str | None]) -> None:
    """Delete these files from ``storage`` once the current transaction commits (at once
    outside one); a rollback keeps them, so a row never points at a missing file. Empty
    names are skipped; a file already gone is not an error."""
    wanted = sorted({name for name in names if name})
    if not wanted:
        return

    def delete() -> None:
        for name in wanted:
            storage.delete(name)

    transaction.on_commit(delete)
