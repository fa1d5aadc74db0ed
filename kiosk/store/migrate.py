"""Alembic, configured in code: the migrations ship inside the package, no alembic.ini.

``upgrade``/``current`` take a URL for the CLI and the installer; ``Store.upgrade``
uses the ``*_connection`` variants on its own engine so that the SQLite connection
set-up (WAL, busy timeout, ``BEGIN IMMEDIATE``) applies to migrations too.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    """The newest revision shipped with this version of the kiosk."""
    revision = ScriptDirectory.from_config(config()).get_current_head()
    assert revision is not None
    return revision


def upgrade_connection(connection: Connection, revision: str = "head") -> None:
    command.upgrade(config(connection), revision)


def current_connection(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(url: str, revision: str = "head") -> None:
    """Create or update the schema of the store at ``url``."""
    from kiosk.store.database import open_store

    store = open_store(url)
    try:
        store.upgrade(revision)
    finally:
        store.dispose()


def current(url: str) -> str | None:
    """The store's schema revision; ``None`` for an empty database."""
    from kiosk.store.database import open_store

    store = open_store(url)
    try:
        return store.current_revision()
    finally:
        store.dispose()
