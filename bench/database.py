"""A database of the benchmark's own, so it never touches the development data.

PostgreSQL: ``<name>_bench`` on the same server, created (and migrated) on entry and
dropped on exit. SQLite: a temporary file. Both through Django's test-database creation,
which switches the default connection over and back.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.db import connection


@contextmanager
def bench_database() -> Iterator[None]:
    """Run the body in a fresh, migrated database of its own; drop it afterwards."""
    settings_dict = connection.settings_dict
    original_name = settings_dict["NAME"]
    original_test = dict(settings_dict.get("TEST") or {})
    with tempfile.TemporaryDirectory(prefix="jembatan-bench-") as folder:
        if connection.vendor == "sqlite":
            bench_name = str(Path(folder) / "bench.sqlite3")
        else:
            bench_name = f"{original_name}_bench"
        settings_dict["TEST"] = {**original_test, "NAME": bench_name}
        connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False, keepdb=False
        )
        try:
            yield
        finally:
            connection.creation.destroy_test_db(original_name, verbosity=0)
            settings_dict["TEST"] = original_test


def database_url() -> str:
    """A ``DATABASE_URL`` for the database the default connection uses now (for a worker
    started as a subprocess)."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    user = quote(s.get("USER") or "", safe="")
    password = f":{quote(s['PASSWORD'], safe='')}" if s.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = s.get("HOST") or "localhost"
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{s['NAME']}"
