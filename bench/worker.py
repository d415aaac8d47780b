"""``python -m bench.worker <celery worker options>``: the Celery worker B2 starts, with the
benchmark's pinned date (``JEMBATAN_BENCH_AS_OF``, see :func:`bench.measure.pin_date`),
``DEBUG`` off, and a report line per finished ``rescore_supplier_task`` appended to the file
named by ``JEMBATAN_BENCH_EVENTS`` (:mod:`bench.edits`). Otherwise the worker
``celery -A matchmaking worker`` runs, with the same tasks."""

from __future__ import annotations

import datetime
import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matchmaking.settings")
    import django

    django.setup()

    from django.conf import settings

    from bench.edits import EVENTS_ENV, file_emitter, install_observers
    from bench.measure import AS_OF_ENV, pin_date
    from matchmaking.celery import app

    settings.DEBUG = False
    pin_date(datetime.date.fromisoformat(os.environ[AS_OF_ENV])).start()
    install_observers(file_emitter(os.environ[EVENTS_ENV]))
    app.worker_main(["worker", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
