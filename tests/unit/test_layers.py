"""The layer rule of docs/design.md, checked on the source (a test, not a convention)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "kiosk"

# package → top-level modules it must not import
FORBIDDEN: dict[str, set[str]] = {
    "domain": {"PySide6", "sqlalchemy", "requests", "alembic", "kiosk"},
    "services": {"PySide6", "sqlalchemy", "requests", "alembic", "kiosk.store", "kiosk.upstream",
                 "kiosk.ui", "kiosk.sim"},
    "store": {"PySide6", "requests", "kiosk.ui", "kiosk.upstream", "kiosk.sim"},
    "upstream": {"PySide6", "sqlalchemy", "kiosk.ui", "kiosk.store", "kiosk.sim"},
    "sim": {"PySide6", "sqlalchemy", "kiosk.ui", "kiosk.store"},
    "ui": {"sqlalchemy", "requests", "alembic", "kiosk.store", "kiosk.upstream"},
}
ALLOWED_IN_DOMAIN = {"kiosk.domain"}


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def violates(name: str, banned: set[str]) -> bool:
    return any(name == b or name.startswith(b + ".") for b in banned)


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layer_rule(package: str) -> None:
    """No PySide6 outside kiosk/ui; no SQL or HTTP in domain or ui; domain imports nothing."""
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in imports_of(path):
            if package == "domain" and violates(name, ALLOWED_IN_DOMAIN):
                continue
            if violates(name, FORBIDDEN[package]):
                bad.append(f"{path.relative_to(ROOT.parent)} imports {name}")
    assert not bad, "\n".join(bad)


def test_no_qt_outside_ui() -> None:
    """PySide6 only in kiosk/ui (the entry point imports the UI lazily)."""
    bad = [
        str(p.relative_to(ROOT.parent))
        for p in ROOT.rglob("*.py")
        if "ui" not in p.relative_to(ROOT).parts[:1]
        and any(violates(n, {"PySide6"}) for n in imports_of(p))
    ]
    assert not bad
