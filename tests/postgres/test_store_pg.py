"""The store on PostgreSQL (many kiosks, one database): the shared contract and more.

Needs ``KIOSK_TEST_PG_URL``; skipped with the reason otherwise. The contract's
process tests matter most here: ``load_for_update`` (``SELECT … FOR UPDATE`` after an
insert-if-missing) keeps wrong-code counts exact across kiosks (R-OTP-3), the audit
head lock serialises one chain (R-KSK-7), and the advisory sync lock admits one
worker (R-SYNC-5).
"""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from kiosk.services.ports import StoreError
from kiosk.store import migrate
from kiosk.store.database import Store, open_store
from kiosk.store.models import METADATA
from tests.integration.test_store_contract import StoreContract, run_in_processes, try_sync_lock

pytestmark = pytest.mark.postgres


class TestPostgresStore(StoreContract):
    """The repository contract on PostgreSQL."""


def test_migrations_match_models_on_postgresql(store: Store, store_url: str) -> None:
    assert migrate.current(store_url) == migrate.head()
    with store.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), METADATA
        )
    assert diff == []


def test_upgrade_on_empty_schema(store_url: str) -> None:
    assert migrate.current(store_url) is None
    migrate.upgrade(store_url)
    migrate.upgrade(store_url)
    assert migrate.current(store_url) == "0003"


def test_sync_lock_per_schema_r_sync_5(store: Store, pg_base_url: str) -> None:
    """R-SYNC-5: the lock is per store; another schema (another store) is not blocked."""
    lock = store.sync_lock()
    assert lock.try_acquire()
    try:
        assert run_in_processes(try_sync_lock, [(pg_base_url,)]) == [0]
    finally:
        lock.release()


def test_unreachable_server_gives_store_error() -> None:
    s = open_store("postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2")
    try:
        with pytest.raises(StoreError, match="cannot be reached"):
            s.ping()
        with pytest.raises(StoreError, match="cannot be reached"), s.uow_factory() as uow:
            uow.patients.get("x")
        lock = s.sync_lock()
        with pytest.raises(StoreError):
            lock.try_acquire()
    finally:
        s.dispose()


def test_a_connection_the_server_closed_is_replaced_without_pinging(
    store: Store, pg_base_url: str
) -> None:
    """Issue 18: no ``SELECT 1`` round trip per unit of work (``pool_pre_ping`` cost a
    quarter of a list page); a pooled connection the server has closed (a restart, an
    idle timeout, ``pg_terminate_backend``) is still never handed to a unit: it is found
    at checkout, without a round trip, and replaced."""
    import select

    import psycopg
    from sqlalchemy.engine import make_url

    pings: list[object] = []
    dialect = store.engine.dialect
    real_ping = dialect.do_ping
    dialect.do_ping = lambda conn: pings.append(conn) or real_ping(conn)  # type: ignore[method-assign]
    with store.uow_factory() as uow:
        conn = uow.connection()
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        socket = conn.connection.driver_connection.pgconn.socket
    admin_url = make_url(pg_base_url).set(drivername="postgresql")
    with psycopg.connect(admin_url.render_as_string(hide_password=False),
                         autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)
    # The pooled connection is idle; the server's goodbye makes its socket readable.
    readable, _, _ = select.select([socket], [], [], 10)
    assert readable
    with store.uow_factory(write=True) as uow:  # a write unit: no StoreError, a new backend
        uow.patients.upsert_many([])
        new_pid = uow.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
        uow.commit()
    assert new_pid != pid
    for _ in range(5):
        with store.uow_factory() as uow:
            assert uow.patients.get("nobody") is None
    assert pings == []


def test_an_unchanged_document_is_not_written_again_issue_18(store: Store) -> None:
    """Issue 18 (open_field_ms): re-upserting documents that have not changed leaves their
    rows as they were (no new row version: ``xmin`` stays); a changed one is written."""
    from msgspec import structs

    from tests.integration.test_store_contract import doc

    docs = [doc(f"d{i}") for i in range(20)]
    with store.uow_factory(write=True) as uow:
        uow.documents.upsert_many(docs)
        uow.commit()

    def versions() -> dict[str, str]:
        with store.engine.connect() as conn:
            return dict(conn.exec_driver_sql("SELECT doc_id, xmin::text FROM documents").all())

    before = versions()
    changed = structs.replace(docs[7], title="Новое название")
    with store.uow_factory(write=True) as uow:
        uow.documents.upsert_many([*docs[:7], changed, *docs[8:]])
        uow.commit()
    after = versions()
    assert {d for d in before if before[d] != after[d]} == {"d7"}
    with store.uow_factory() as uow:
        assert uow.documents.get_visible("emr-1", "d7") == changed


def test_a_list_page_alone_costs_one_round_trip(store: Store) -> None:
    """Issue 18 (pg_open_query_ratio): a screen's list page, the first statement of its
    unit, runs without the unit's BEGIN and ROLLBACK (two round trips of three); another
    statement after it begins the unit's transaction as before, and a page read after
    that is read inside it."""
    from psycopg.pq import TransactionStatus

    from kiosk.domain.documents import DocKind
    from tests.integration.test_store_contract import doc

    with store.uow_factory(write=True) as uow:
        uow.documents.upsert_many([doc(f"d{i}") for i in range(3)])
        uow.commit()
    with store.uow_factory() as uow:
        page = uow.documents.list_visible("emr-1", DocKind.EXAM_PROTOCOL, 2)
        driver = uow.connection().connection.driver_connection
        assert driver.info.transaction_status == TransactionStatus.IDLE  # no BEGIN sent
        assert not driver.autocommit
        assert uow.patients.get("nobody") is None
        assert driver.info.transaction_status == TransactionStatus.INTRANS
        rest = uow.documents.list_visible("emr-1", DocKind.EXAM_PROTOCOL, 2, page[-1])
        assert driver.info.transaction_status == TransactionStatus.INTRANS  # inside it
    assert [d.doc_id for d in page + rest] == ["d0", "d1", "d2"]


def test_list_times_are_utc_whatever_the_session_time_zone(store: Store, store_url: str) -> None:
    """The list page, read on the driver connection, gives what the column type gives:
    the instant in UTC, also when the server speaks Moscow time to the session."""
    from datetime import timedelta

    from sqlalchemy.engine import make_url

    from kiosk.domain.documents import DocKind
    from tests.integration.test_store_contract import MSK, T0, doc

    with store.uow_factory(write=True) as uow:
        uow.documents.upsert_many([doc("d", created_at=T0.astimezone(MSK))])
        uow.commit()
    url = make_url(store_url)
    moscow = url.update_query_dict(
        {"options": url.query["options"] + " -ctimezone=Europe/Moscow"})
    other = open_store(moscow.render_as_string(hide_password=False))
    try:
        with other.uow_factory() as uow:
            shown = uow.documents.list_visible("emr-1", DocKind.EXAM_PROTOCOL, 5)
            zone = uow.connection().exec_driver_sql("SHOW timezone").scalar()
    finally:
        other.dispose()
    assert zone == "Europe/Moscow"
    assert shown[0].created_at == T0
    assert shown[0].created_at.utcoffset() == timedelta(0)


def test_bulk_documents_go_through_copy_twice_in_a_unit_and_after_a_rollback(
    store: Store,
) -> None:
    """Issue 18 (pg_sync_ratio): documents are written by COPY into a staging table and
    one upsert from it. Two batches in one unit each land once (the staging table is
    emptied between them); a unit rolled back leaves nothing, and the next one works."""
    from msgspec import structs

    from tests.integration.test_store_contract import count_rows, doc

    with store.uow_factory(write=True) as uow:
        uow.documents.upsert_many([doc("a"), doc("b")])
        uow.documents.upsert_many([structs.replace(doc("b"), version="2"), doc("c")])
        uow.commit()
    with store.uow_factory(write=True) as uow:
        uow.documents.upsert_many([doc("rolled-back")])
        uow.rollback()
    with store.uow_factory(write=True) as uow:
        uow.documents.upsert_many([doc("d")])
        uow.commit()
    assert count_rows(store, "documents") == 4
    with store.uow_factory() as uow:
        got = uow.documents.get_visible("emr-1", "b")
        assert got is not None and got.version == "2"
        assert uow.documents.get_visible("emr-1", "rolled-back") is None
