"""The layering holds, and the import-linter contracts would catch a change that breaks it.

The first test runs the contracts of ``pyproject.toml`` over the tree as it is. The others
copy the packages to a temporary folder, add one forbidden import and check that
import-linter fails naming the contract — so a contract that silently stopped matching
(a renamed package, a typo) cannot pass unnoticed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("common", "components", "partners", "matchmaking", "bench", "tests")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(
    not LINT_IMPORTS.exists(), reason="import-linter is not installed (make venv installs it)"
)


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", "pyproject.toml"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
    )


def test_the_tree_keeps_every_contract():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture(scope="module")
def copy(tmp_path_factory):
    """The packages and the contracts, copied once (sources only)."""
    root = tmp_path_factory.mktemp("tree")
    shutil.copy(ROOT / "pyproject.toml", root)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "data", "migrations")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, root / package, ignore=ignore)
    return root


@pytest.mark.parametrize(
    "module, line, contract",
    [
        ("matchmaking/scoring/geo.py", "import django.db", "scoring-core-is-pure"),
        ("matchmaking/scoring/geo.py", "import partners.models", "scoring-core-is-pure"),
        ("components/models.py", "import partners.models", "apps-point-one-way"),
        ("partners/models/__init__.py", "import matchmaking.models", "apps-point-one-way"),
        ("common/forms.py", "import components.models", "common-imports-no-app"),
        ("matchmaking/engine/__init__.py", "import matchmaking.workspace", "matchmaking-layers"),
        ("partners/choices.py", "import tests.partners.factories", "apps-import-no-tests"),
        (
            "partners/selectors/suppliers.py",
            "import partners.services.suppliers",
            "partners-layers",
        ),
        (
            "matchmaking/partnerships/stages.py",
            "import matchmaking.partnerships.review",
            "brokering-layers",
        ),
        (
            "matchmaking/engine/rescoring.py",
            "import matchmaking.engine.scheduling",
            "engine-layers",
        ),
        ("common/paging.py", "import common.htmx", None),  # allowed: one way inside common
        ("common/htmx.py", "import common.paging", "no-cycles"),  # ... but not both ways
    ],
)
def test_a_forbidden_import_breaks_its_contract(copy, module, line, contract):
    path = copy / module
    original = path.read_text()
    path.write_text(f"{original}\n{line}  # added by the test\n")
    try:
        if contract == "no-cycles":
            # one direction first, so the added line closes a cycle
            other = copy / "common/paging.py"
            other_original = other.read_text()
            other.write_text(f"{other_original}\nimport common.htmx  # added by the test\n")
        result = _lint(copy)
    finally:
        path.write_text(original)
        if contract == "no-cycles":
            other.write_text(other_original)
    output = result.stdout + result.stderr
    if contract is None:
        assert result.returncode == 0, output
    else:
        assert result.returncode != 0, output
        assert "BROKEN" in output.upper()
        names = _contract_names()
        assert f"{names[contract]} BROKEN" in " ".join(output.split()), output


def _contract_names() -> dict[str, str]:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {c["id"]: c["name"] for c in config["tool"]["importlinter"]["contracts"]}
