"""SQLAlchemy implementations of the repository ports.

Every repository works on the unit of work's one ``Connection`` and speaks Core to
the tables: bulk writes are ``INSERT … ON CONFLICT DO UPDATE`` with a list of parameter
sets (one ``executemany`` per chunk), reads select only the columns they return.
The SQL differs per backend in two places only: the upsert construct, and the row
locks that SQLite does not need because a write unit already holds the database lock
(``BEGIN IMMEDIATE``).

Statements are built once, at import or on first use, never per call: building a Core
construct costs more than running a small query. The hot paths on SQLite — the list
page and the sync's bulk upserts — go one step further and hand SQL text compiled from
those constructs, with ready positional values, to the driver (``exec_driver_sql``),
doing by hand exactly the value conversion the column types would do.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar, cast

import msgspec
from sqlalchemy import (
    Column,
    Connection,
    Dialect,
    Executable,
    MetaData,
    Table,
    bindparam,
    delete,
    func,
    literal_column,
    null,
    or_,
    select,
    text,
    true,
    tuple_,
    update,
)
from sqlalchemy.dialects import sqlite

from kiosk.domain.documents import (
    DocKind,
    Document,
    DocumentSummary,
    LabRow,
    visible_from,
)
from kiosk.domain.moscow import moscow_midnight
from kiosk.domain.otp import AccountState
from kiosk.domain.people import Patient, Sex
from kiosk.services.ports import (
    AuditAnchor,
    AuditRecord,
    Department,
    OutboxMessage,
    PinState,
    Rejected,
    SupportTopic,
)
from kiosk.store.errors import raise_driver_error
from kiosk.store.models import (
    AccountRow,
    AuditRow,
    DocumentRow,
    EmrSyncRow,
    MetaRow,
    OutboxRow,
    PatientRow,
    StaffPinRow,
    SyncCursorRow,
    SyncRejectRow,
    to_sqlite_text,
)

PATIENTS = cast(Table, PatientRow.__table__)
DOCUMENTS = cast(Table, DocumentRow.__table__)
SYNC_CURSORS = cast(Table, SyncCursorRow.__table__)
EMR_SYNC = cast(Table, EmrSyncRow.__table__)
SYNC_REJECTS = cast(Table, SyncRejectRow.__table__)
META = cast(Table, MetaRow.__table__)
ACCOUNTS = cast(Table, AccountRow.__table__)
AUDIT = cast(Table, AuditRow.__table__)
OUTBOX = cast(Table, OutboxRow.__table__)
STAFF_PIN = cast(Table, StaffPinRow.__table__)

#: Rows per executemany. Large enough that per-statement overhead vanishes, small
#: enough that a snapshot of a big EMR does not build one huge parameter list.
CHUNK = 2000
#: Rows per ``IN (…)`` list; SQLite's default cap on bound variables is 32766.
IN_CHUNK = 500
#: Free text from upstream or from errors is cut to this before it is stored.
MAX_NOTE = 1000

LAST_SYNC_KEY = "last_full_sync"
LAST_COMPLETE_SYNC_KEY = "last_complete_sync"


_T = TypeVar("_T")


def _chunks(items: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _pg_insert(table: Table) -> Any:
    """PostgreSQL's ``INSERT … ON CONFLICT`` construct. Its dialect is imported on first
    use: with it come the asyncpg dialect and asyncio, ~35 ms of a SQLite kiosk's start
    for nothing (issue 18, ``ready_ms``)."""
    from sqlalchemy.dialects import postgresql

    return postgresql.insert(table)


class _Unit(Protocol):
    def connection(self) -> Connection: ...


#: (dialect, table, keys, updated columns, cleared, only_changed) → the construct.
_UPSERTS: dict[tuple[Any, ...], Executable] = {}


def _upsert_statement(
    dialect: str, table: Table, keys: Sequence[str], names: Sequence[str],
    cleared: Sequence[str] = (), only_changed: bool = False,
) -> Executable:
    """``cleared``: columns not inserted, set back to their default on update.

    ``only_changed``: a row whose every column already holds the new value is left
    alone (``WHERE (columns) IS DISTINCT FROM (new values)``): the same table after, but
    an unchanged row is neither rewritten nor re-indexed. A sign-in refresh re-reads
    every document of the patient's EMRs and most have not changed since the last one:
    it then holds the write lock, which every audit append waits for, for a few
    milliseconds instead of seconds (issue 18, ``open_field_ms``).
    """
    cache_key = (dialect, table.name, tuple(keys), tuple(names), tuple(cleared), only_changed)
    stmt = _UPSERTS.get(cache_key)
    if stmt is None:
        defaults = {name: table.c[name].server_default.arg if table.c[name].server_default
                    is not None else null() for name in cleared}
        insert = _pg_insert(table) if dialect == "postgresql" else sqlite.insert(table)
        new = {**{name: insert.excluded[name] for name in names}, **defaults}
        where = None
        if only_changed:
            where = tuple_(*(table.c[name] for name in new)).is_distinct_from(
                tuple_(*new.values()))
        stmt = insert.on_conflict_do_update(index_elements=list(keys), set_=new, where=where)
        _UPSERTS[cache_key] = stmt
    return stmt


class _SqliteUpsert:
    """A whole-row upsert by primary key as SQLite text with ``?`` in ``columns`` order.

    Compiled once from the same Core construct as the generic path; callers pass
    tuples already converted the way the column types would convert them.
    """

    def __init__(self, table: Table, columns: Sequence[str], keys: Sequence[str],
                 cleared: Sequence[str] = (), only_changed: bool = False) -> None:
        self.table = table
        self.columns = list(columns)
        self.keys = list(keys)
        self.cleared = list(cleared)
        self.only_changed = only_changed
        self._sql: str | None = None

    def sql(self, dialect: Dialect) -> str:
        if self._sql is None:
            names = [c for c in self.columns if c not in self.keys]
            stmt = _upsert_statement("sqlite", self.table, self.keys, names, self.cleared,
                                     self.only_changed)
            compiled = stmt.compile(dialect=dialect, column_keys=self.columns)
            if compiled.positiontup != self.columns:  # pragma: no cover - SQLAlchemy change
                raise RuntimeError(f"unexpected parameter order in the {self.table.name} upsert")
            self._sql = str(compiled)
        return self._sql

    def run(self, conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
        """One executemany per ``CHUNK`` rows; nothing at all for no rows."""
        if not rows:
            return
        sql = self.sql(conn.dialect)
        if len(rows) <= CHUNK:
            conn.exec_driver_sql(sql, list(rows))
            return
        for chunk in _chunks(rows, CHUNK):
            conn.exec_driver_sql(sql, list(chunk))


class _Repository:
    def __init__(self, unit: _Unit, dialect: str) -> None:
        self._unit = unit
        self._dialect = dialect
        self._sqlite = dialect == "sqlite"

    @property
    def _conn(self) -> Connection:
        """The unit's connection; the first use begins its transaction."""
        return self._unit.connection()

    def _upsert(
        self,
        table: Table,
        rows: Sequence[Mapping[str, Any]],
        keys: Sequence[str],
        update_columns: Iterable[str] | None = None,
        only_changed: bool = False,
    ) -> None:
        """Insert or replace by primary key, ``CHUNK`` rows per executemany
        (``only_changed``: see ``_upsert_statement``)."""
        if not rows:
            return
        names = (
            list(update_columns)
            if update_columns is not None
            else [c.name for c in table.columns if c.name not in keys]
        )
        stmt = _upsert_statement(self._dialect, table, keys, names, only_changed=only_changed)
        conn = self._conn
        for chunk in _chunks(rows, CHUNK):
            conn.execute(stmt, list(chunk))

    def _delete_in(self, table: Table, column: str, values: Sequence[str]) -> None:
        if not values:
            return
        conn = self._conn
        col = table.c[column]
        for chunk in _chunks(sorted(set(values)), IN_CHUNK):
            conn.execute(delete(table).where(col.in_(chunk)))


# ---------------------------------------------------------------- patients


def _patient_row(p: Patient) -> dict[str, Any]:
    return {
        "emr_id": p.emr_id,
        "family": p.family,
        "given": p.given,
        "patronymic": p.patronymic,
        "birth_date": p.birth_date,
        "sex": Sex(p.sex).value,
    }


_PATIENT_COLUMNS = ("emr_id", "family", "given", "patronymic", "birth_date", "sex")
_PATIENT_GET = select(*(PATIENTS.c[name] for name in _PATIENT_COLUMNS)).where(
    PATIENTS.c.emr_id == bindparam("emr_id")
)
_PATIENT_UPSERT = _SqliteUpsert(PATIENTS, _PATIENT_COLUMNS, ["emr_id"])
#: Sex member (or its plain value) → stored text; a lookup also rejects unknown values.
_SEX_VALUES: dict[str, str] = {sex: sex.value for sex in Sex}


class SqlPatientRepository(_Repository):
    def get(self, emr_id: str) -> Patient | None:
        row = self._conn.execute(_PATIENT_GET, {"emr_id": emr_id}).first()
        if row is None:
            return None
        return Patient(
            emr_id=row.emr_id,
            family=row.family,
            given=row.given,
            patronymic=row.patronymic,
            birth_date=row.birth_date,
            sex=Sex(row.sex),
        )

    def upsert_many(self, patients: Sequence[Patient]) -> None:
        if not patients:
            return
        if not self._sqlite:
            self._upsert(PATIENTS, [_patient_row(p) for p in patients], ["emr_id"])
            return
        conn = self._conn
        # What the Date type stores on SQLite (ISO text), from the dialect itself.
        as_date = _bind_processor(PATIENTS.c.birth_date, conn.dialect)
        sex = _SEX_VALUES.get
        _PATIENT_UPSERT.run(
            conn,
            [
                (
                    p.emr_id,
                    p.family,
                    p.given,
                    p.patronymic,
                    as_date(p.birth_date),
                    sex(p.sex) or Sex(p.sex).value,  # an unknown value fails as before
                )
                for p in patients
            ],
        )

    def delete_many(self, emr_ids: Sequence[str]) -> None:
        """A withdrawn patient takes the EMR's documents and sync mark with it (R-SYNC-3).

        Documents of an EMR whose patient is gone could never be shown correctly (no
        name, no age), so keeping them would only keep personal data for nothing.
        """
        self._delete_in(DOCUMENTS, "emr_id", emr_ids)
        self._delete_in(EMR_SYNC, "emr_id", emr_ids)
        self._delete_in(PATIENTS, "emr_id", emr_ids)


def _bind_processor(column: Any, dialect: Dialect) -> Any:
    """The column type's own conversion of a Python value for ``dialect`` (identity if none)."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    return process if process is not None else _identity


def _identity(value: Any) -> Any:
    return value


# ---------------------------------------------------------------- documents

_DOC_COLUMNS = (
    "doc_id",
    "emr_id",
    "kind",
    "created_at",
    "title",
    "organization",
    "performer",
    "text",
    "version",
    "radiology",
    "visible",
    "narrative",
    "results",
    "pdf",
    "date_only",
)


_encode_rows = msgspec.json.Encoder().encode
_decode_rows = msgspec.json.Decoder(tuple[LabRow, ...]).decode


def _rows_json(rows: Sequence[LabRow]) -> str | None:
    """Lab rows as stored: a JSON list of field lists, in ``LabRow`` field order
    (``LabRow`` is an array-like struct: msgspec writes and reads them in C)."""
    if not rows:
        return None
    return _encode_rows(rows).decode("utf-8")


def _rows_of(stored: str | None) -> tuple[LabRow, ...]:
    if not stored:
        return ()
    return _decode_rows(stored)


def _document_row(d: Document) -> dict[str, Any]:
    return {
        "doc_id": d.doc_id,
        "emr_id": d.emr_id,
        "kind": DocKind(d.kind).value,
        "created_at": d.created_at,
        "title": d.title,
        "organization": d.organization,
        "performer": d.performer,
        "text": d.text,
        "version": d.version,
        "radiology": bool(d.radiology),
        "visible": d.visible,
        "narrative": d.narrative or None,
        "results": _rows_json(d.results),
        "pdf": d.pdf,
        "date_only": bool(d.date_only),
    }


_LIST_COLUMNS = ("doc_id", "created_at", "title", "organization", "performer", "date_only")
_LIST_WHERE = (
    DOCUMENTS.c.emr_id == bindparam("emr_id"),
    DOCUMENTS.c.kind == bindparam("kind"),
    DOCUMENTS.c.visible == true(),
)
#: The list's first page. The ORDER BY is exactly the tail of ``ix_documents_list``
#: (created_at DESC, doc_id ASC) after the three equality columns, so the database
#: walks the index and stops after ``limit`` entries instead of sorting. ``kind`` is
#: not read back: the WHERE fixes it.
_LIST_FIRST = (
    select(*(DOCUMENTS.c[name] for name in _LIST_COLUMNS))
    .where(*_LIST_WHERE)
    .order_by(DOCUMENTS.c.created_at.desc(), DOCUMENTS.c.doc_id.asc())
    .limit(bindparam("limit"))
)
#: The next page: the entries after the last row seen (keyset paging). With OFFSET
#: each page walked every row before it, so paging a 50k EMR was quadratic.
#: ``created_at <= :created_at`` is a range on the index's fourth column, so the walk
#: starts at the last row's instant; the second condition skips the rows of that very
#: instant already shown (``doc_id`` up to the last one). The plain
#: ``created_at < :c OR (created_at = :c AND doc_id > :d)`` would be the same rows, but
#: neither SQLite nor PostgreSQL turns that OR into a range: they walk the whole list.
#: Rows inserted above the last one seen (a sync between pages) never shift a page, so
#: pages neither overlap nor leave a gap.
_LIST_AFTER = (
    select(*(DOCUMENTS.c[name] for name in _LIST_COLUMNS))
    .where(
        *_LIST_WHERE,
        DOCUMENTS.c.created_at <= bindparam("created_at"),
        or_(DOCUMENTS.c.created_at < bindparam("created_at"),
            DOCUMENTS.c.doc_id > bindparam("doc_id")),
    )
    .order_by(DOCUMENTS.c.created_at.desc(), DOCUMENTS.c.doc_id.asc())
    .limit(bindparam("limit"))
)
_LIST_FIRST_PARAMS = ["emr_id", "kind", "limit"]
_LIST_AFTER_PARAMS = ["emr_id", "kind", "created_at", "created_at", "doc_id", "limit"]
_COUNT_VISIBLE = (
    select(DOCUMENTS.c.kind, func.count())
    .where(DOCUMENTS.c.emr_id == bindparam("emr_id"), DOCUMENTS.c.visible == true())
    .group_by(DOCUMENTS.c.kind)
)
_GET_VISIBLE = select(*(DOCUMENTS.c[name] for name in _DOC_COLUMNS if name != "visible")).where(
    DOCUMENTS.c.doc_id == bindparam("doc_id"),
    DOCUMENTS.c.emr_id == bindparam("emr_id"),
    DOCUMENTS.c.visible == true(),
)

#: (statement, parameter names) → its SQLite text, compiled once.
_sqlite_list_sql: dict[int, str] = {}


def _sqlite_list_visible_sql(dialect: Dialect, stmt: Any, params: list[str]) -> str:
    """A list page statement as SQLite text, compiled once; ``params`` is the order the
    driver's positional values must come in (checked against the compiled text)."""
    sql = _sqlite_list_sql.get(id(stmt))
    if sql is None:
        # SQLite's compiler adds an ``OFFSET ?`` of its own to a LIMIT; a literal 0 keeps
        # the driver's values exactly ``params``.
        compiled = stmt.offset(literal_column("0")).compile(dialect=dialect)
        if list(compiled.positiontup or ()) != params:  # pragma: no cover - SQLAlchemy change
            raise RuntimeError("unexpected parameter order in the list query")
        sql = _sqlite_list_sql[id(stmt)] = str(compiled)
    return sql


#: The list statements as PostgreSQL text for the engine's dialect, compiled once.
_pg_list_sql: dict[int, str] = {}


def _pg_list_rows(conn: Connection, stmt: Any, params: dict[str, Any]) -> list[Any]:
    """A list page on PostgreSQL, read on the driver connection (as on SQLite).

    The engine's statement machinery and its row-by-row fetch cost as much CPU as the
    query's round trip (issue 18, ``pg_open_query_ratio``). And when the page is the
    unit's first statement — a screen asking for a page — it runs in autocommit: a
    single read sees the same committed rows inside a transaction or not (READ
    COMMITTED), and the unit's ``BEGIN`` and ``ROLLBACK`` were two more round trips.
    Failures are translated as the engine's ``handle_error`` hook would.
    """
    import psycopg
    from psycopg.pq import TransactionStatus

    sql = _pg_list_sql.get(id(stmt))
    if sql is None:
        sql = _pg_list_sql[id(stmt)] = str(stmt.compile(dialect=conn.dialect))
    driver = conn.connection.driver_connection
    try:
        if driver.info.transaction_status != TransactionStatus.IDLE:
            return driver.execute(sql, params).fetchall()
        driver.autocommit = True
        try:
            return driver.execute(sql, params).fetchall()
        finally:
            driver.autocommit = False
    except psycopg.Error as error:
        raise_driver_error(error, sql, psycopg.Error)


_from_iso = datetime.fromisoformat


def _summaries_from_sqlite(rows: list[tuple[Any, ...]], kind: DocKind) -> list[DocumentSummary]:
    """The SQLite list page's rows as summaries, ``created_at`` parsed from the stored
    fixed-width UTC text (see ``UtcDateTime``): what the column type would give."""
    return [
        DocumentSummary(doc_id, kind, _from_iso(created + "+00:00"), title, organization,
                        performer, bool(date_only))
        for doc_id, created, title, organization, performer, date_only in rows
    ]


class SqlDocumentRepository(_Repository):
    def list_visible(
        self, emr_id: str, kind: DocKind, limit: int, after: DocumentSummary | None = None
    ) -> list[DocumentSummary]:
        """Newest first, ties broken by ``doc_id``; ``after``: the last row of the page
        before (keyset paging: each page costs the same however deep it is).

        On SQLite the page is read on the driver connection with the compiled text
        of ``_LIST_FIRST``/``_LIST_AFTER``, and ``created_at`` (fixed-width UTC text, see
        ``UtcDateTime``) is parsed directly: the same values the column type would
        give, without its per-row processing.
        """
        member = _KIND_MEMBERS[kind]
        conn = self._conn
        if self._sqlite:
            # Straight on the driver connection, inside the unit's transaction: the
            # engine's statement machinery costs as much as the indexed read itself.
            # Failures are translated as the engine's ``handle_error`` hook would.
            values: tuple[Any, ...]
            if after is None:
                sql = _sqlite_list_visible_sql(conn.dialect, _LIST_FIRST, _LIST_FIRST_PARAMS)
                values = (emr_id, member.value, limit)
            else:
                sql = _sqlite_list_visible_sql(conn.dialect, _LIST_AFTER, _LIST_AFTER_PARAMS)
                created = to_sqlite_text(after.created_at)
                values = (emr_id, member.value, created, created, after.doc_id, limit)
            driver = conn.connection.driver_connection
            try:
                rows = driver.execute(sql, values).fetchall()
            except sqlite3.Error as error:
                raise_driver_error(error, sql, sqlite3.Error)
            return _summaries_from_sqlite(rows, member)
        params: dict[str, Any] = {"emr_id": emr_id, "kind": member.value, "limit": limit}
        if after is not None:
            params["created_at"] = after.created_at
            params["doc_id"] = after.doc_id
        rows = _pg_list_rows(conn, _LIST_FIRST if after is None else _LIST_AFTER, params)
        # What UtcDateTime gives: the instant in UTC, whatever the session's time zone.
        return [
            DocumentSummary(doc_id, member, created.astimezone(UTC), title, org, performer,
                            bool(date_only))
            for doc_id, created, title, org, performer, date_only in rows
        ]

    def count_all(self) -> int:
        """Every cached document, visible or not (a sync's progress)."""
        return int(self._conn.execute(select(func.count()).select_from(DOCUMENTS)).scalar_one())

    def count_visible(self, emr_id: str) -> dict[DocKind, int]:
        """Every kind is present, zero included, so that callers need no defaults."""
        counts = dict.fromkeys(DocKind, 0)
        rows = self._conn.execute(_COUNT_VISIBLE, {"emr_id": emr_id})
        for kind, n in rows:
            counts[DocKind(kind)] = int(n)
        return counts

    def get_visible(self, emr_id: str, doc_id: str) -> Document | None:
        """Only a visible document of that very EMR: an id from the UI proves nothing."""
        row = self._conn.execute(_GET_VISIBLE, {"doc_id": doc_id, "emr_id": emr_id}).first()
        if row is None:
            return None
        return Document(
            doc_id=row.doc_id,
            emr_id=row.emr_id,
            kind=DocKind(row.kind),
            created_at=row.created_at,
            title=row.title,
            organization=row.organization,
            performer=row.performer,
            text=row.text,
            version=row.version,
            radiology=bool(row.radiology),
            narrative=row.narrative or "",
            results=_rows_of(row.results),
            pdf=row.pdf,
            date_only=bool(row.date_only),
        )

    def upsert_many(self, documents: Sequence[Document]) -> None:
        if not documents:
            return
        if self._dialect == "sqlite":
            self._upsert_sqlite(documents)
        else:
            self._upsert_pg(documents)

    def _upsert_pg(self, documents: Sequence[Document]) -> None:
        """PostgreSQL's bulk path: ``COPY`` into a temporary table, then one
        ``INSERT … SELECT … ON CONFLICT`` into ``documents`` (issue 18, ``pg_sync_ratio``).

        SQLAlchemy's ``executemany`` spent ~30 µs of Python per document on parameter
        processing; ``COPY`` takes the rows in C (~4 µs) and the server does the upsert
        in one statement. That statement must not meet a document twice, so within a
        batch the last version of a document is the one kept: the result of writing
        them in order. Values are converted as the column types would convert them
        (naive times refused, kinds checked).
        """
        latest: dict[str, tuple[Any, ...]] = {}
        kinds, visible_from = _KIND_MEMBERS, _VISIBLE_FROM
        for d in documents:
            created = d.created_at
            if created.utcoffset() is None:
                raise ValueError("datetime without a time zone")
            kind, radiology = kinds[d.kind], bool(d.radiology)
            latest[d.doc_id] = (
                d.doc_id, d.emr_id, kind.value, created, d.title, d.organization,
                d.performer, d.text, d.version, radiology,
                created >= visible_from[kind, radiology],  # Document.visible, precomputed
                d.narrative or None, _rows_json(d.results) if d.results else None, d.pdf,
                bool(d.date_only),
            )
        conn = self._conn
        conn.exec_driver_sql(_PG_STAGE_CREATE)
        driver = conn.connection.driver_connection
        try:
            with driver.cursor() as cursor, cursor.copy(_PG_STAGE_COPY) as copy:
                for row in latest.values():
                    copy.write_row(row)
        except Exception as error:
            import psycopg

            if not isinstance(error, psycopg.Error):
                raise
            raise_driver_error(error, _PG_STAGE_COPY, psycopg.Error)
        conn.exec_driver_sql(_pg_stage_merge(conn.dialect))
        conn.exec_driver_sql(_PG_STAGE_EMPTY)

    def _upsert_sqlite(self, documents: Sequence[Document]) -> None:
        """The sync's hot path: positional tuples straight to the driver's executemany.

        SQLAlchemy's per-row parameter processing costs about as much as SQLite's own
        insert, which would halve sync speed. The statement text is still compiled
        by SQLAlchemy from the same Core upsert, once; only the per-row work is done
        here, and it is exactly what the column types would do (UTC text for times,
        0/1 for booleans, enum values for kinds).

        Most documents are plain text: they go through a statement that binds only the
        first columns and sets the content columns to their defaults (binding four
        empty values costs SQLite a third more per row). Each shape is one executemany;
        should a batch hold one document in both shapes, it is written in its order,
        so that the later version still wins.
        """
        conn = self._conn
        for chunk in _chunks(documents, CHUNK):
            plain, rich = _document_tuples(chunk)
            if plain and rich and {row[0] for row in plain} & {row[0] for row in rich}:
                for d in chunk:  # the same document twice, in both shapes: rare
                    one_plain, one_rich = _document_tuples([d])
                    _PLAIN_DOCUMENT_UPSERT.run(conn, one_plain)
                    _DOCUMENT_UPSERT.run(conn, one_rich)
                continue
            _PLAIN_DOCUMENT_UPSERT.run(conn, plain)
            _DOCUMENT_UPSERT.run(conn, rich)

    def delete_many(self, doc_ids: Sequence[str]) -> None:
        self._delete_in(DOCUMENTS, "doc_id", doc_ids)

    def replace_emr(self, emr_id: str, documents: Sequence[Document]) -> None:
        """Drop the EMR's documents missing from the snapshot, upsert the rest (R-SYNC-2/3)."""
        strays = [d.doc_id for d in documents if d.emr_id != emr_id]
        if strays:
            raise ValueError(f"{len(strays)} document(s) of another EMR in a snapshot")
        t = DOCUMENTS
        keep = {d.doc_id for d in documents}
        cached = self._conn.execute(select(t.c.doc_id).where(t.c.emr_id == emr_id)).scalars()
        self.delete_many([doc_id for doc_id in cached if doc_id not in keep])
        self.upsert_many(documents)


#: Enum member (or its plain value) → stored text; a lookup also rejects unknown kinds.
_KIND_VALUES: dict[str, str] = {kind: kind.value for kind in DocKind}


class _KindMembers(dict[str, DocKind]):
    """Enum member (or its plain value) → member; an unknown kind fails as ``DocKind()``."""

    def __missing__(self, kind: str) -> DocKind:
        return DocKind(kind)


_KIND_MEMBERS = _KindMembers({kind: kind for kind in DocKind})

#: The first visible instant per (kind, radiology): ``Document.visible`` as one
#: comparison. Same rule, same domain functions, evaluated once instead of per row.
_VISIBLE_FROM: dict[tuple[str, bool], datetime] = {
    (kind, radiology): moscow_midnight(visible_from(kind, radiology))
    for kind in DocKind
    for radiology in (False, True)
}
#: The same instants as stored text, per kind value: (not radiology, radiology). The
#: stored text is fixed-width UTC, so comparing texts is comparing instants, and the
#: row's text is made anyway.
_VISIBLE_FROM_TEXT: dict[str, tuple[str, str]] = {
    kind.value: (to_sqlite_text(_VISIBLE_FROM[kind, False]),
                 to_sqlite_text(_VISIBLE_FROM[kind, True]))
    for kind in DocKind
}

_DOCUMENT_UPSERT = _SqliteUpsert(DOCUMENTS, _DOC_COLUMNS, ["doc_id"], only_changed=True)

#: PostgreSQL's staging table for ``_upsert_pg``: made in the transaction that uses it
#: and dropped at its end (so it always has the table's current columns), emptied
#: after each use within it.
_PG_STAGE = "kiosk_documents_in"
_PG_STAGE_CREATE = (f"CREATE TEMPORARY TABLE IF NOT EXISTS {_PG_STAGE} "
                    "(LIKE documents INCLUDING DEFAULTS) ON COMMIT DROP")
_PG_STAGE_COPY = f"COPY {_PG_STAGE} ({', '.join(_DOC_COLUMNS)}) FROM STDIN"
_PG_STAGE_EMPTY = f"TRUNCATE {_PG_STAGE}"
_pg_merge_sql: str | None = None


def _pg_stage_merge(dialect: Dialect) -> str:
    """The staged rows into ``documents``: the documents' upsert (only changed rows
    rewritten) with ``SELECT … FROM`` the staging table for ``VALUES``; compiled once."""
    global _pg_merge_sql
    if _pg_merge_sql is None:
        stage = Table(_PG_STAGE, MetaData(), *(Column(c.name, c.type) for c in DOCUMENTS.c))
        insert = _pg_insert(DOCUMENTS).from_select(
            list(_DOC_COLUMNS), select(*(stage.c[name] for name in _DOC_COLUMNS)))
        names = [c for c in _DOC_COLUMNS if c != "doc_id"]
        new = {name: insert.excluded[name] for name in names}
        stmt = insert.on_conflict_do_update(
            index_elements=["doc_id"], set_=new,
            where=tuple_(*(DOCUMENTS.c[name] for name in names)).is_distinct_from(
                tuple_(*new.values())))
        _pg_merge_sql = str(stmt.compile(dialect=dialect))
    return _pg_merge_sql
#: The content columns a plain text document leaves empty (see ``_upsert_sqlite``).
_CONTENT_COLUMNS = ("narrative", "results", "pdf", "date_only")
_PLAIN = len(_DOC_COLUMNS) - len(_CONTENT_COLUMNS)
_PLAIN_DOCUMENT_UPSERT = _SqliteUpsert(DOCUMENTS, _DOC_COLUMNS[:_PLAIN], ["doc_id"],
                                       cleared=_CONTENT_COLUMNS, only_changed=True)


def _document_tuples(documents: Sequence[Document]
                     ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """``(plain, rich)`` rows, converted as the column types would convert them: plain
    text documents in the first ``_PLAIN`` columns of ``_DOC_COLUMNS``, the others in
    all of them (``_upsert_sqlite`` says why)."""
    kinds = _KIND_VALUES
    visible_from_text = _VISIBLE_FROM_TEXT
    as_text = to_sqlite_text
    plain: list[tuple[Any, ...]] = []
    rich: list[tuple[Any, ...]] = []
    for d in documents:
        kind = kinds[d.kind]
        created = as_text(d.created_at)
        radiology = 1 if d.radiology else 0
        row = (d.doc_id, d.emr_id, kind, created, d.title, d.organization, d.performer,
               d.text, d.version, radiology,
               1 if created >= visible_from_text[kind][radiology] else 0)
        if d.narrative or d.results or d.pdf is not None or d.date_only:
            rich.append((*row, d.narrative or None, _rows_json(d.results), d.pdf,
                         1 if d.date_only else 0))
        else:
            plain.append(row)
    return plain, rich


# ---------------------------------------------------------------- sync state


def _utc_text(at: datetime) -> str:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("datetime without a time zone")
    return at.astimezone(UTC).isoformat()


_GET_CURSOR = select(SYNC_CURSORS.c.cursor).where(SYNC_CURSORS.c.stream == bindparam("stream"))
_EMR_SYNCED_AT = select(EMR_SYNC.c.synced_at).where(EMR_SYNC.c.emr_id == bindparam("emr_id"))
_GET_META = select(META.c.value).where(META.c.key == bindparam("key"))
_CURSOR_UPSERT = _SqliteUpsert(SYNC_CURSORS, ("stream", "cursor"), ["stream"])
_EMR_SYNC_UPSERT = _SqliteUpsert(EMR_SYNC, ("emr_id", "synced_at"), ["emr_id"])
_META_UPSERT = _SqliteUpsert(META, ("key", "value"), ["key"])


class SqlSyncStateRepository(_Repository):
    def get_cursor(self, stream: str, *, for_update: bool = False) -> str | None:
        # SQLite's write unit holds the database lock already (BEGIN IMMEDIATE).
        stmt = _GET_CURSOR.with_for_update() if for_update and not self._sqlite else _GET_CURSOR
        return cast("str | None", self._conn.execute(stmt, {"stream": stream}).scalar())

    def set_cursor(self, stream: str, cursor: str | None) -> None:
        if self._sqlite:
            _CURSOR_UPSERT.run(self._conn, [(stream, cursor)])
        else:
            self._upsert(SYNC_CURSORS, [{"stream": stream, "cursor": cursor}], ["stream"])

    def emr_synced_at(self, emr_id: str) -> datetime | None:
        return cast(
            "datetime | None", self._conn.execute(_EMR_SYNCED_AT, {"emr_id": emr_id}).scalar()
        )

    def mark_emr_synced(self, emr_ids: Sequence[str], at: datetime) -> None:
        if not emr_ids:
            return
        unique = dict.fromkeys(emr_ids)
        if self._sqlite:
            synced_at = to_sqlite_text(at)  # one instant for the whole batch
            _EMR_SYNC_UPSERT.run(self._conn, [(emr_id, synced_at) for emr_id in unique])
        else:
            rows = [{"emr_id": emr_id, "synced_at": at} for emr_id in unique]
            self._upsert(EMR_SYNC, rows, ["emr_id"])

    def add_rejects(self, rejects: Sequence[Rejected], at: datetime) -> None:
        if not rejects:
            return
        rows = [
            {"source_id": r.source_id[:MAX_NOTE], "reason": r.reason[:MAX_NOTE], "at": at}
            for r in rejects
        ]
        self._conn.execute(SYNC_REJECTS.insert(), rows)

    def rejects(self, limit: int = 100) -> list[tuple[str, str, datetime]]:
        """The newest rejects (for the staff panel and tests; not part of the port)."""
        t = SYNC_REJECTS
        rows = self._conn.execute(
            select(t.c.source_id, t.c.reason, t.c.at).order_by(t.c.id.desc()).limit(limit)
        )
        return [(r.source_id, r.reason, r.at) for r in rows]

    def last_sync(self) -> datetime | None:
        return self._get_instant(LAST_SYNC_KEY)

    def set_last_sync(self, at: datetime) -> None:
        self._set_instant(LAST_SYNC_KEY, at)

    def last_complete_sync(self) -> datetime | None:
        return self._get_instant(LAST_COMPLETE_SYNC_KEY)

    def set_last_complete_sync(self, at: datetime) -> None:
        self._set_instant(LAST_COMPLETE_SYNC_KEY, at)

    def _get_instant(self, key: str) -> datetime | None:
        value = self._conn.execute(_GET_META, {"key": key}).scalar()
        return None if value is None else datetime.fromisoformat(value).astimezone(UTC)

    def _set_instant(self, key: str, at: datetime) -> None:
        if self._sqlite:
            _META_UPSERT.run(self._conn, [(key, _utc_text(at))])
        else:
            self._upsert(META, [{"key": key, "value": _utc_text(at)}], ["key"])


# ---------------------------------------------------------------- accounts

_ACCOUNT_FIELDS = (
    "subject",
    "failures",
    "blocked_since",
    "code_hash",
    "code_nonce",
    "code_sent_at",
    "attempt_id",
    "attempt_sends",
    "sends",
)


def _account_from_row(row: Any) -> AccountState:
    return AccountState(
        subject=row.subject,
        failures=int(row.failures),
        blocked_since=row.blocked_since,
        code_hash=row.code_hash,
        code_nonce=row.code_nonce,
        code_sent_at=row.code_sent_at,
        attempt_id=row.attempt_id,
        attempt_sends=int(row.attempt_sends),
        sends=tuple(datetime.fromisoformat(s).astimezone(UTC) for s in (row.sends or ())),
    )


class SqlAccountRepository(_Repository):
    """Lockout state shared by every kiosk of the store (R-OTP-3).

    Exactness comes from the lock taken in ``load_for_update``: on SQLite the write
    unit's ``BEGIN IMMEDIATE`` already excludes every other writer; on PostgreSQL the
    row is created if missing and then locked with ``SELECT … FOR UPDATE``.
    """

    def _select(self) -> Any:
        return select(*(ACCOUNTS.c[name] for name in _ACCOUNT_FIELDS))

    def load_for_update(self, subject: str) -> AccountState:
        conn = self._conn
        if self._dialect == "postgresql":
            conn.execute(
                _pg_insert(ACCOUNTS)
                .values(subject=subject, failures=0, attempt_sends=0, sends=[])
                .on_conflict_do_nothing(index_elements=["subject"])
            )
            stmt = self._select().where(ACCOUNTS.c.subject == subject).with_for_update()
        else:
            stmt = self._select().where(ACCOUNTS.c.subject == subject)
        row = conn.execute(stmt).first()
        return AccountState(subject=subject) if row is None else _account_from_row(row)

    def save(self, state: AccountState, login_digest: str | None = None) -> None:
        """``login_digest=None`` keeps the stored digest: callers without the login can save."""
        row: dict[str, Any] = {
            "subject": state.subject,
            "failures": state.failures,
            "blocked_since": state.blocked_since,
            "code_hash": state.code_hash,
            "code_nonce": state.code_nonce,
            "code_sent_at": state.code_sent_at,
            "attempt_id": state.attempt_id,
            "attempt_sends": state.attempt_sends,
            "sends": [_utc_text(t) for t in state.sends],
        }
        columns = [name for name in _ACCOUNT_FIELDS if name != "subject"]
        if login_digest is not None:
            row["login_digest"] = login_digest
            columns.append("login_digest")
        self._upsert(ACCOUNTS, [row], ["subject"], columns)

    def find_by_login_digest(self, login_digest: str) -> AccountState | None:
        row = self._conn.execute(
            self._select()
            .where(ACCOUNTS.c.login_digest == login_digest)
            .order_by(ACCOUNTS.c.subject)
            .limit(1)
        ).first()
        return None if row is None else _account_from_row(row)


# ---------------------------------------------------------------- audit


def _details_text(details: Mapping[str, Any]) -> str:
    return json.dumps(details, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _audit_from_row(row: Any) -> AuditRecord:
    return AuditRecord(
        kiosk_id=row.kiosk_id,
        seq=int(row.seq),
        at=row.at,
        event=row.event,
        actor=row.actor,
        details=json.loads(row.details),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


_PG_AUDIT_LOCK = text(
    "SELECT pg_advisory_xact_lock(hashtextextended('kiosk.audit:' || current_schema()"
    " || ':' || :kiosk_id, 0))"
)


class SqlAuditRepository(_Repository):
    def head_for_update(self, kiosk_id: str) -> AuditRecord | None:
        """Serialise appends to one chain: two writers must not both extend the same head.

        SQLite's write unit already holds the database lock; PostgreSQL takes a
        transaction-scoped advisory lock per chain (per schema, so that two stores in
        one database do not wait on each other). A row lock would not do there: the
        first record of a chain has no row to lock.
        """
        conn = self._conn
        if self._dialect == "postgresql":
            conn.execute(_PG_AUDIT_LOCK, {"kiosk_id": kiosk_id})
        t = AUDIT
        row = conn.execute(
            select(t).where(t.c.kiosk_id == kiosk_id).order_by(t.c.seq.desc()).limit(1)
        ).first()
        return None if row is None else _audit_from_row(row)

    def append(self, record: AuditRecord) -> None:
        self._conn.execute(
            AUDIT.insert(),
            {
                "kiosk_id": record.kiosk_id,
                "seq": record.seq,
                "at": record.at,
                "event": record.event,
                "actor": record.actor,
                "details": _details_text(record.details),
                "prev_hash": record.prev_hash,
                "hash": record.hash,
            },
        )

    def iter_chain(self, kiosk_id: str) -> Iterator[AuditRecord]:
        """Streams in pages; consume it inside the unit of work."""
        t = AUDIT
        result = self._conn.execution_options(yield_per=500).execute(
            select(t).where(t.c.kiosk_id == kiosk_id).order_by(t.c.seq)
        )
        for row in result:
            yield _audit_from_row(row)

    def kiosk_ids(self) -> list[str]:
        t = AUDIT
        chains = set(self._conn.execute(select(t.c.kiosk_id).distinct()).scalars())
        anchored = {a.kiosk_id for a in self._anchors() if a.seq >= 0}
        return sorted(chains | anchored)

    # The anchor lives in ``meta`` (no schema change): one row per kiosk, keyed by a
    # digest of the kiosk id so that any id fits the key column.

    @staticmethod
    def _anchor_key(kiosk_id: str) -> str:
        return ANCHOR_PREFIX + hashlib.sha256(kiosk_id.encode()).hexdigest()[:40]

    def _anchors(self) -> Iterator[AuditAnchor]:
        t = META
        prefix = t.c.key.startswith(ANCHOR_PREFIX, autoescape=True)
        rows = self._conn.execute(select(t.c.value).where(prefix))
        for (value,) in rows:
            yield _anchor_from_text(value)

    def anchor(self, kiosk_id: str) -> AuditAnchor | None:
        t = META
        value = self._conn.execute(
            select(t.c.value).where(t.c.key == self._anchor_key(kiosk_id))
        ).scalar()
        return None if value is None else _anchor_from_text(value)

    def set_anchor(self, anchor: AuditAnchor) -> None:
        value = json.dumps(
            {"kiosk_id": anchor.kiosk_id, "seq": anchor.seq, "hash": anchor.hash,
             "mac": anchor.mac},
            separators=(",", ":"),
        )
        self._upsert(META, [{"key": self._anchor_key(anchor.kiosk_id), "value": value}], ["key"])


ANCHOR_PREFIX = "audit_anchor:"


def _anchor_from_text(value: str | None) -> AuditAnchor:
    """A damaged anchor reads as one that matches nothing, so that verify reports it."""
    try:
        raw = json.loads(value or "")
        return AuditAnchor(str(raw["kiosk_id"]), int(raw["seq"]), str(raw["hash"]),
                           str(raw["mac"]))
    except (ValueError, KeyError, TypeError):
        return AuditAnchor("?", -1, "", "")


# ---------------------------------------------------------------- outbox


def _outbox_from_row(row: Any) -> OutboxMessage:
    return OutboxMessage(
        id=row.id,
        created_at=row.created_at,
        department=Department(row.department),
        topic=SupportTopic(row.topic),
        kiosk_id=row.kiosk_id,
        requester=row.requester,
        contact=row.contact,
        text=row.text,
        attempts=int(row.attempts),
        next_attempt_at=row.next_attempt_at,
        delivered_at=row.delivered_at,
        last_error=row.last_error,
    )


class SqlOutboxRepository(_Repository):
    def add(self, message: OutboxMessage) -> None:
        self._conn.execute(
            OUTBOX.insert(),
            {
                "id": message.id,
                "created_at": message.created_at,
                "department": str(message.department),
                "topic": str(message.topic),
                "kiosk_id": message.kiosk_id,
                "requester": message.requester,
                "contact": message.contact,
                "text": message.text,
                "attempts": message.attempts,
                "next_attempt_at": message.next_attempt_at,
                "delivered_at": message.delivered_at,
                "last_error": message.last_error,
            },
        )

    def due(self, now: datetime, limit: int) -> list[OutboxMessage]:
        """Undelivered messages whose retry time has come, oldest first."""
        t = OUTBOX
        rows = self._conn.execute(
            select(t)
            .where(
                t.c.delivered_at.is_(None),
                (t.c.next_attempt_at.is_(None)) | (t.c.next_attempt_at <= now),
            )
            .order_by(t.c.created_at, t.c.id)
            .limit(limit)
        )
        return [_outbox_from_row(r) for r in rows]

    def mark_delivered(self, message_id: str, at: datetime) -> None:
        self._conn.execute(
            update(OUTBOX).where(OUTBOX.c.id == message_id).values(delivered_at=at, last_error=None)
        )

    def mark_failed(
        self, message_id: str, attempts: int, next_attempt_at: datetime, error: str
    ) -> None:
        self._conn.execute(
            update(OUTBOX)
            .where(OUTBOX.c.id == message_id)
            .values(attempts=attempts, next_attempt_at=next_attempt_at, last_error=error[:MAX_NOTE])
        )

    def pending_count(self) -> int:
        t = OUTBOX
        return int(
            self._conn.execute(
                select(func.count()).select_from(t).where(t.c.delivered_at.is_(None))
            ).scalar_one()
        )

    def get(self, message_id: str) -> OutboxMessage | None:
        """One message by id (for tests and the staff panel; not part of the port)."""
        row = self._conn.execute(select(OUTBOX).where(OUTBOX.c.id == message_id)).first()
        return None if row is None else _outbox_from_row(row)


# ---------------------------------------------------------------- staff PIN


class SqlStaffRepository(_Repository):
    def load_for_update(self, kiosk_id: str) -> PinState:
        t = STAFF_PIN
        conn = self._conn
        stmt = select(t.c.failures, t.c.locked_until).where(t.c.kiosk_id == kiosk_id)
        if self._dialect == "postgresql":
            conn.execute(
                _pg_insert(t)
                .values(kiosk_id=kiosk_id, failures=0)
                .on_conflict_do_nothing(index_elements=["kiosk_id"])
            )
            stmt = stmt.with_for_update()
        row = conn.execute(stmt).first()
        if row is None:
            return PinState(kiosk_id=kiosk_id)
        return PinState(
            kiosk_id=kiosk_id, failures=int(row.failures), locked_until=row.locked_until
        )

    def save(self, state: PinState) -> None:
        self._upsert(
            STAFF_PIN,
            [
                {
                    "kiosk_id": state.kiosk_id,
                    "failures": state.failures,
                    "locked_until": state.locked_until,
                }
            ],
            ["kiosk_id"],
        )
