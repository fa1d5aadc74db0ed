"""The repository stands alone: nothing the suite, the docs or the code reads points
outside it (issue 19). A clone with no directory beside it must be able to follow every
link and run every test; what tests need from elsewhere is copied into ``tests/data``
with its licence."""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE = re.compile(r"\.\./shared|/(?:work|root|home)/")
SCANNED = ("README.md", "dev", "pyproject.toml", "docs", "kiosk", "tests", "bench", "installer")
SKIPPED_DIRS = {"node_modules", "__pycache__", ".venv", "data"}
SUFFIXES = {".py", ".md", ".toml", ".sh", ".mjs", ".json", ".service", ".cfg", ".ini", ""}


def scanned_files() -> list[Path]:
    out: list[Path] = []
    for name in SCANNED:
        top = ROOT / name
        if top.is_file():
            out.append(top)
            continue
        for folder, dirs, files in os.walk(top):
            dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
            out += [Path(folder, f) for f in files if Path(f).suffix in SUFFIXES]
    return out


def test_nothing_points_outside_the_repository() -> None:
    here = Path(__file__).resolve()
    found = []
    for p in scanned_files():
        rel = p.relative_to(ROOT).as_posix()
        if p.resolve() == here:
            continue
        text = p.read_text(encoding="utf-8", errors="replace")
        found += [f"{rel}:{text.count(chr(10), 0, m.start()) + 1}: {m.group()}"
                  for m in OUTSIDE.finditer(text)]
    assert found == [], "\n".join(found)


def test_test_data_carries_its_licence() -> None:
    data = ROOT / "tests" / "data"
    folders = [d for d in data.iterdir() if d.is_dir() and d.name != "__pycache__"]
    assert folders
    for d in folders:
        readme = (d / "README.md").read_text(encoding="utf-8")
        assert "Licence" in readme, d.name
