"""The xdist plan of tests/conftest.py names files that exist: a renamed file would
silently lose its place (long files first) or its worker (the bundle built twice)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import LONG_FIRST, SAME_WORKER

ROOT = Path(__file__).resolve().parents[2]


def test_every_file_the_parallel_plan_names_exists() -> None:
    named = set(LONG_FIRST) | set(SAME_WORKER)
    assert sorted(p for p in named if not (ROOT / p).is_file()) == []
