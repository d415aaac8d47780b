"""The brokering package imports in one direction: parties ← announcements ← stages ←
reminders / introductions, and review ← announcements; nothing in it imports the workspace."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import matchmaking.partnerships as package

PACKAGE = Path(package.__file__).parent
# what each module may import of its siblings (module level)
ALLOWED = {
    "parties": set(),
    "announcements": {"parties"},
    "stages": {"announcements"},
    "reminders": {"stages"},
    "introductions": {"announcements", "stages", "parties"},
    "review": {"announcements"},
}


def module_imports(path: Path) -> set[str]:
    """Dotted names this module imports at module level (relative ones resolved)."""
    names: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level == 1:
                base = f"matchmaking.partnerships.{base}".rstrip(".")
            elif node.level == 2:
                base = f"matchmaking.{base}".rstrip(".")
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def siblings(path: Path) -> set[str]:
    prefix = "matchmaking.partnerships."
    return {
        name[len(prefix) :].split(".")[0]
        for name in module_imports(path)
        if name.startswith(prefix) and name[len(prefix) :].split(".")[0] in ALLOWED
    }


def test_every_module_of_the_package_is_placed_in_the_order():
    modules = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    assert modules == set(ALLOWED)


@pytest.mark.parametrize("module", sorted(ALLOWED))
def test_modules_import_only_the_siblings_below_them(module):
    assert siblings(PACKAGE / f"{module}.py") <= ALLOWED[module]


@pytest.mark.parametrize("module", sorted(ALLOWED))
def test_brokering_does_not_import_the_workspace(module):
    imported = module_imports(PACKAGE / f"{module}.py")
    assert not any(name.startswith("matchmaking.workspace") for name in imported)
