"""PostgreSQL fixtures: a fresh schema per test, dropped afterwards.

A schema per test (selected with ``search_path`` in the URL) keeps runs independent:
two developers or two CI jobs on one server do not see each other's tables, and a
run after a crashed one starts clean. The store keys its advisory locks by schema
for the same reason.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def store_url(pg_schema_url: str) -> str:
    return pg_schema_url


