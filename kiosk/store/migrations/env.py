"""Alembic environment: runs on the connection ``kiosk.store.migrate`` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from kiosk.store.models import METADATA

target_metadata = METADATA


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection or sqlalchemy.url given to the migrations")
    from kiosk.store.database import open_store

    store = open_store(url)
    try:
        with store.engine.begin() as conn:
            run_on(conn)
    finally:
        store.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
