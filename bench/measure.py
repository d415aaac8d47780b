"""What every figure is measured with: wall time, CPU seconds and the machine's load.

- :class:`LoadSampler` samples the 1-minute load average every second in a thread;
  a run whose highest sample exceeds the cores is flagged ``loaded``.
- :func:`measured` times a block: wall (``perf_counter``), this process's CPU
  (``process_time``: the benchmark and, with eager tasks, the engine), reaped children's
  CPU (``RUSAGE_CHILDREN``) and, on a local PostgreSQL, the CPU of the server backends
  connected to the bench database (``pg_stat_activity``, ``/proc/<pid>/stat``), else
  ``None``.
- :func:`pinned_today` freezes "today" (``django.utils.timezone.localdate``, which the
  engine reads for certificate expiry and lead times) for the whole run, so a run that
  crosses midnight in Jakarta scores every pass on the same date.
- :func:`debug_off` turns ``DEBUG`` (and so the query log) off for the run.
"""

from __future__ import annotations

import datetime
import os
import resource
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from unittest import mock

from django.conf import settings
from django.db import connection
from django.utils import timezone

AS_OF_ENV = "JEMBATAN_BENCH_AS_OF"
"""The pinned date (ISO) handed to the benchmark's worker subprocess."""


class LoadSampler:
    """The 1-minute load average, sampled every ``interval`` seconds in a daemon thread."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bench-load", daemon=True)

    def _sample(self) -> None:
        self.samples.append(os.getloadavg()[0])

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> LoadSampler:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def since(self, index: int) -> float:
        """The highest sample taken since sample ``index`` (the last one if none since)."""
        return max(self.samples[index:] or self.samples[-1:] or [os.getloadavg()[0]])


def cores() -> int:
    return os.cpu_count() or 1


def _proc_cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process from ``/proc/<pid>/stat`` (Linux), else ``None``."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # after the command: state is field 3, utime and stime are fields 14 and 15
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float | None:
    return _proc_cpu_seconds(pid)


def _backends_cpu() -> dict[int, float] | None:
    """CPU seconds of every server backend connected to the bench database (PostgreSQL on
    this host: the benchmark's connection and the worker's), by pid; else None."""
    if connection.vendor != "postgresql":
        return None
    host = connection.settings_dict.get("HOST") or ""
    if host not in ("", "localhost", "127.0.0.1", "::1") and not host.startswith("/"):
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        pids = [int(pid) for (pid,) in cursor.fetchall()]
    cpu = {pid: _proc_cpu_seconds(pid) for pid in pids}
    if not any(v is not None for v in cpu.values()):
        return None  # /proc of the server's processes is not readable here
    return {pid: v for pid, v in cpu.items() if v is not None}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Measurement:
    """A timed block: seconds of wall and CPU, and the highest load seen during it."""

    wall_s: float = 0.0
    cpu_s: float = 0.0
    children_cpu_s: float = 0.0
    db_cpu_s: float | None = None
    load_max: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def total_cpu_s(self) -> float:
        return self.cpu_s + self.children_cpu_s


@contextmanager
def measured(sampler: LoadSampler) -> Iterator[Measurement]:
    """Time the body: wall, this process's CPU, reaped children's CPU, the bench database's
    backends' CPU when it can be read (a backend that ended meanwhile is missed), peak
    load."""
    m = Measurement()
    db_before = _backends_cpu()
    first_sample = len(sampler.samples)
    children = _children_cpu()
    cpu = time.process_time()
    wall = time.perf_counter()
    try:
        yield m
    finally:
        m.wall_s = time.perf_counter() - wall
        m.cpu_s = time.process_time() - cpu
        m.children_cpu_s = _children_cpu() - children
        db_after = _backends_cpu() if db_before is not None else None
        if db_before is not None and db_after is not None:
            # a backend that appeared meanwhile started meanwhile: all its CPU counts
            m.db_cpu_s = sum(cpu - db_before.get(pid, 0.0) for pid, cpu in db_after.items())
        m.load_max = max(sampler.since(first_sample), os.getloadavg()[0])


def pin_date(as_of: datetime.date) -> mock._patch:
    """A patch of ``timezone.localdate()`` (no argument) returning ``as_of``; with a value
    it converts as before. Engine modules call it as ``timezone.localdate()``."""
    original = timezone.localdate

    def localdate(value=None, timezone=None):  # noqa: A002 (Django's signature)
        if value is None:
            return as_of
        return original(value, timezone)

    return mock.patch.object(timezone, "localdate", localdate)


@contextmanager
def pinned_today(as_of: datetime.date | None = None) -> Iterator[datetime.date]:
    """Freeze "today" in Jakarta for the body (default: today as the body starts)."""
    as_of = as_of or timezone.localdate()
    with pin_date(as_of):
        yield as_of


@contextmanager
def debug_off() -> Iterator[None]:
    """``DEBUG`` off and no query log on the default connection for the body."""
    previous, forced = settings.DEBUG, connection.force_debug_cursor
    settings.DEBUG = False
    connection.force_debug_cursor = False
    try:
        yield
    finally:
        settings.DEBUG, connection.force_debug_cursor = previous, forced
