"""Install pip into a virtual environment created with ``--without-pip``.

Debian and Ubuntu ship ``ensurepip`` in the separate ``python3-venv`` package, so on a fresh
machine ``python3 -m venv`` fails. ``make venv`` then creates the environment without pip
and runs this script with the environment's interpreter: it asks PyPI's JSON API for the
latest pip wheel, checks its SHA-256 against the digest PyPI publishes, and lets the wheel
install itself (a wheel is a zip file, and pip runs from a zip file).

Usage: .venv/bin/python scripts/bootstrap_pip.py
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

PYPI_JSON = "https://pypi.org/pypi/pip/json"
TIMEOUT_SECONDS = 60


def latest_wheel(release: dict) -> tuple[str, str, str]:
    """(filename, url, sha256) of the universal wheel in PyPI's JSON for a project."""
    for file in release["urls"]:
        if file["packagetype"] == "bdist_wheel" and file["filename"].endswith("-py3-none-any.whl"):
            # Mirrors may answer with URLs relative to the JSON document.
            url = urllib.parse.urljoin(PYPI_JSON, file["url"])
            return file["filename"], url, file["digests"]["sha256"]
    raise LookupError(f"no py3-none-any wheel in pip {release['info']['version']}")


def download(url: str, expected_sha256: str, target: Path) -> None:
    with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
        data = response.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != expected_sha256:
        raise ValueError(f"{url}: SHA-256 {digest} does not match PyPI's {expected_sha256}")
    target.write_bytes(data)


def main() -> int:
    with urllib.request.urlopen(PYPI_JSON, timeout=TIMEOUT_SECONDS) as response:
        filename, url, sha256 = latest_wheel(json.load(response))
    with tempfile.TemporaryDirectory() as directory:
        wheel = Path(directory) / filename
        print(f"Bootstrapping pip from {url}")
        download(url, sha256, wheel)
        command = [sys.executable, f"{wheel}/pip", "install", "--no-index", str(wheel)]
        return subprocess.run(command, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
