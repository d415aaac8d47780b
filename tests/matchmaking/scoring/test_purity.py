"""The scoring core imports no Django, DRF or Celery (checked on the source, since
importing ``matchmaking.scoring`` runs ``matchmaking/__init__.py``, which loads Celery)."""

import ast
from pathlib import Path

import pytest

import matchmaking.scoring

FORBIDDEN = {"django", "rest_framework", "celery"}
PACKAGE = Path(matchmaking.scoring.__file__).parent
MODULES = sorted(PACKAGE.rglob("*.py"))


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_package_has_modules():
    assert len(MODULES) >= 5


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_scoring_module_imports_no_framework(path):
    assert imported_roots(path) & FORBIDDEN == set()


def test_checker_sees_framework_imports(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text("import os\nfrom django.db import models\nimport celery.app\n")
    assert imported_roots(module) & FORBIDDEN == {"django", "celery"}
