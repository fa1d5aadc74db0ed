"""PostgreSQL fixtures: a fresh schema per test, dropped afterwards.

A schema per test (selected with ``search_path`` in the URL) keeps runs independent:
two developers or two CI jobs on one server do not see each other's tables, and a
run after a crashed one starts clean. The store keys its advisory locks by schema
for the same reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from kiosk.store.database import Store, open_store

ENV = "KIOSK_TEST_PG_URL"


@pytest.fixture(scope="session")
def pg_base_url() -> str:
    url = os.environ.get(ENV)
    if not url:
        pytest.skip(f"{ENV} is not set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    return url


@pytest.fixture
def store_url(pg_base_url: str) -> Iterator[str]:
    schema = f"kiosk_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_base_url, poolclass=NullPool)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(pg_base_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        admin.dispose()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    s.upgrade()
    try:
        yield s
    finally:
        s.dispose()
