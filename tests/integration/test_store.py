"""The store on real SQLite files: the shared contract plus what is SQLite's own.

SQLite specifics proven here: the list query walks the index (no sort), write units
take the database lock up front (BEGIN IMMEDIATE), a locked database gives a plain
``StoreError`` and keeps nothing, migrations run from the package.
"""

from __future__ import annotations

import sqlite3
import stat
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event

from kiosk.domain.documents import DocKind
from kiosk.domain.otp import AccountState
from kiosk.services.ports import StoreError
from kiosk.store import migrate
from kiosk.store.database import Store, open_store
from kiosk.store.models import METADATA, from_sqlite_text, to_sqlite_text
from tests.integration.test_store_contract import T0, StoreContract, doc


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'kiosk.db'}"




class TestSqliteStore(StoreContract):
    """The repository contract on a SQLite file."""


# ---------------------------------------------------------------- the list index


def test_list_visible_uses_index_without_sort_r_show_5(store: Store, store_url: str) -> None:
    """R-SHOW-5: the newest-first list is read from the index, with no temporary B-tree."""
    with store.uow_factory(write=True) as uow:
        uow.documents.upsert_many(
            [doc(f"d{i}", emr_id=f"e{i % 3}", kind=list(DocKind)[i % 4]) for i in range(200)]
        )
        uow.commit()
    # The list page goes to the driver connection directly, past the engine's events,
    # so the statements are captured where both paths end: sqlite3's trace callback,
    # which reports each statement as run, with its bound values written in.
    seen: list[str] = []

    def capture(statement: str) -> None:
        if "FROM documents" in statement:
            seen.append(statement)

    with store.uow_factory() as uow:
        driver = uow.connection().connection.driver_connection
        driver.set_trace_callback(capture)
        try:
            first = uow.documents.list_visible("e1", DocKind.LAB_RESULT, 5)
            page = uow.documents.list_visible("e1", DocKind.LAB_RESULT, 50, first[-1])
            uow.documents.count_visible("e1")
        finally:
            driver.set_trace_callback(None)
    assert page  # the statement that ran is the one that found the rows
    assert len(seen) == 3
    assert "LIMIT 50 OFFSET 0" in seen[1], seen[1]
    # Issue 18: the next page starts in the index at the last row's instant.
    assert "created_at <= '" in seen[1], seen[1]
    raw = sqlite3.connect(store_url.removeprefix("sqlite:///"))
    try:
        for statement in seen:
            plan = raw.execute("EXPLAIN QUERY PLAN " + statement).fetchall()
            details = " | ".join(row[-1] for row in plan)
            assert "ix_documents_list" in details, details
            assert "TEMP B-TREE" not in details.upper(), details
    finally:
        raw.close()


# ---------------------------------------------------------------- connection set-up


def test_sqlite_settings_and_private_file(store: Store, store_url: str) -> None:
    """WAL for readers during sync; the file holds personal data, so it is 0600."""
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    path = Path(store_url.removeprefix("sqlite:///"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_in_memory_url_refused() -> None:
    with pytest.raises(ValueError, match="file path"):
        open_store("sqlite://")


def test_write_unit_locks_at_start_read_unit_does_not(store: Store, store_url: str) -> None:
    """A write unit holds the write lock from ``__enter__``; WAL readers still read."""
    other = open_store(store_url, busy_timeout=0.1)
    try:
        with store.uow_factory(write=True):
            with pytest.raises(StoreError, match="busy"), other.uow_factory(write=True):
                pass
            with other.uow_factory() as reader:
                assert reader.sync_state.get_cursor("fhir") is None
    finally:
        other.dispose()


def test_locked_database_gives_plain_store_error_nothing_written(
    store: Store, store_url: str
) -> None:
    """Store bad input: a locked database → a plain message, no partial write."""
    secret = "subject-ПЕРСОНАЛЬНОЕ"
    path = store_url.removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        impatient = open_store(store_url, busy_timeout=0.1)

        def write_batch() -> None:
            with impatient.uow_factory() as uow:
                uow.documents.upsert_many([doc("d1")])
                uow.accounts.save(AccountState(secret), "digest-" + secret)
                uow.commit()

        try:
            with pytest.raises(StoreError) as caught:
                write_batch()
        finally:
            impatient.dispose()
        holder.execute("ROLLBACK")
    finally:
        holder.close()
    message = str(caught.value)
    assert "busy" in message
    assert secret not in message
    assert "INSERT" not in message.upper()
    # SQLAlchemy chains the driver's own exception (no SQL, no parameters in it).
    for chained in (caught.value.__cause__, caught.value.__context__):
        assert secret not in str(chained)
        assert "INSERT" not in str(chained).upper()
    with store.uow_factory() as uow:
        assert uow.accounts.find_by_login_digest("digest-" + secret) is None
        assert uow.documents.get_visible("emr-1", "d1") is None


def test_unreachable_database_gives_store_error(tmp_path: Path) -> None:
    s = open_store(f"sqlite:///{tmp_path / 'no-such-dir' / 'kiosk.db'}")
    try:
        with pytest.raises(StoreError, match="cannot be reached"):
            s.ping()
        with pytest.raises(StoreError), s.uow_factory(write=True):
            pass
    finally:
        s.dispose()


def test_integrity_bug_is_not_disguised(store: Store) -> None:
    """A programming error (duplicate audit seq) stays an IntegrityError, not StoreError."""
    from sqlalchemy.exc import IntegrityError

    from kiosk.services.ports import AuditRecord

    rec = AuditRecord("k", 0, T0, "e", "a", {}, "0", "h")
    with store.uow_factory(write=True) as uow:
        uow.audit.append(rec)
        with pytest.raises(IntegrityError):
            uow.audit.append(rec)


# ---------------------------------------------------------------- migrations


def test_migrations_upgrade_empty_file_to_head(tmp_path: Path) -> None:
    """The packaged migrations build the schema the models describe, and say so."""
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert migrate.current(url) is None
    migrate.upgrade(url)
    assert migrate.current(url) == migrate.head() == "0003"
    migrate.upgrade(url)  # idempotent: a second start changes nothing
    s = open_store(url)
    try:
        with s.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), METADATA
            )
    finally:
        s.dispose()
    assert diff == []


def test_migration_files_are_package_data() -> None:
    """The wheel carries the migrations: env.py as a module, the rest by package-data globs."""
    root = migrate.MIGRATIONS
    assert (root / "__init__.py").is_file()
    assert (root / "env.py").is_file()
    assert (root / "script.py.mako").is_file()
    assert (root / "versions" / "0001_initial.py").is_file()


def test_out_of_disk_gives_plain_store_error_nothing_written(store: Store) -> None:
    """Store bad input: out of disk → a plain message and no partial write.

    A full disk is simulated with ``PRAGMA max_page_count``, which makes SQLite answer
    exactly as it does on ENOSPC (``SQLITE_FULL``).
    """

    def cap(dbapi_conn: Any, record: Any) -> None:
        dbapi_conn.execute("PRAGMA max_page_count = 40")

    store.dispose()  # new connections get the cap
    event.listen(store.engine, "connect", cap)
    big = [doc(f"big{i}", text="я" * 4000) for i in range(200)]

    def write_batch() -> None:
        with store.uow_factory(write=True) as uow:
            uow.sync_state.set_cursor("fhir", "after-big-batch")
            uow.documents.upsert_many(big)
            uow.commit()

    try:
        with pytest.raises(StoreError, match="out of disk space"):
            write_batch()
        with store.uow_factory() as uow:
            assert uow.sync_state.get_cursor("fhir") is None
            assert uow.documents.count_visible("emr-1")[DocKind.EXAM_PROTOCOL] == 0
    finally:
        event.remove(store.engine, "connect", cap)


def test_audit_log_verifies_through_the_store_r_ksk_7(store: Store) -> None:
    """R-KSK-7 end to end: the service's chain verifies after a round trip through SQLite,
    and an entry changed in the database is found."""
    from kiosk.services.audit import AuditLog, verify_chain

    class Clock:
        def __init__(self) -> None:
            self.t = T0

        def now(self) -> Any:
            self.t += timedelta(seconds=1, microseconds=7)
            return self.t

    log = AuditLog(store.uow_factory, Clock(), "kiosk-7")
    log.record("signin.start", "anon", step=1)
    log.record("emr.open", "Иван С.", emr="e-1", printed=False)
    log.record("doc.print", "Иван С.", doc="d-1", pages=3)
    result = verify_chain(store.uow_factory)
    assert result.ok
    assert result.checked == 3
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE audit SET actor = 'Пётр С.' WHERE seq = 2")
    broken = verify_chain(store.uow_factory)
    assert not broken.ok
    assert broken.bad_seq == 2


def test_store_conforms_to_the_ports(store: Store) -> None:
    """The adapter satisfies the service ports (checked by mypy; run here as a smoke test)."""
    from kiosk.services.ports import SyncLock, UnitOfWork, UnitOfWorkFactory

    factory: UnitOfWorkFactory = store.uow_factory
    lock: SyncLock = store.sync_lock()
    with factory() as uow:
        unit: UnitOfWork = uow
        assert unit.documents.count_visible("none") == dict.fromkeys(DocKind, 0)
    assert lock.try_acquire()
    lock.release()


@given(
    moment=st.datetimes(
        min_value=datetime(1900, 1, 1),  # naive bounds, zone added by hypothesis
        max_value=datetime(2200, 1, 1),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=3)), timezone(timedelta(hours=-9, minutes=-30))]
        ),
    )
)
def test_sqlite_time_text_is_fixed_width_utc(moment: datetime) -> None:
    """Stored times sort as times: fixed-width UTC text, and they come back equal."""
    text = to_sqlite_text(moment)
    assert len(text) == 26
    assert text == moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
    assert from_sqlite_text(text) == moment


def test_an_unchanged_document_is_not_written_again_issue_18(store: Store) -> None:
    """Issue 18 (open_field_ms): a sign-in refresh re-reads every document of an EMR; the
    ones that have not changed are not rewritten (SQLite counts no change for them), so
    the refresh holds the write lock briefly. Any changed column is written, shape
    changes included."""
    from msgspec import structs

    from kiosk.domain.documents import LabRow

    docs = [doc(f"d{i}") for i in range(50)]
    rich = structs.replace(doc("r"), narrative="<p>Статус</p>", results=(LabRow("Hb", "1", ""),))
    with store.uow_factory(write=True) as uow:
        uow.documents.upsert_many([*docs, rich])
        uow.commit()
    changed = [structs.replace(docs[3], text="другой текст"),  # same version, new text
               structs.replace(rich, narrative="")]  # the narrative cleared
    with store.uow_factory(write=True) as uow:
        driver = uow.connection().connection.driver_connection
        before = driver.total_changes
        uow.documents.upsert_many([*docs[:3], *changed, *docs[4:]])
        written = driver.total_changes - before
        uow.commit()
    assert written == 2
    with store.uow_factory() as uow:
        assert uow.documents.get_visible("emr-1", "d3") == changed[0]
        assert uow.documents.get_visible("emr-1", "r") == changed[1]
        assert uow.documents.get_visible("emr-1", "d4") == docs[4]
