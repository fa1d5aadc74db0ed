"""SQLAlchemy implementations of the repository ports.

Every repository works on the unit of work's one ``Session`` and speaks Core to the
tables: bulk writes are ``INSERT … ON CONFLICT DO UPDATE`` with a list of parameter
sets (one ``executemany`` per chunk), reads select only the columns they return.
The SQL differs per backend in two places only: the upsert construct, and the row
locks that SQLite does not need because a write unit already holds the database lock
(``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Executable, Table, delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kiosk.domain.documents import DocKind, Document, DocumentSummary, visible_from
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


_T = TypeVar("_T")


def _chunks(items: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Repository:
    def __init__(self, session: Session, dialect: str) -> None:
        self._session = session
        self._dialect = dialect

    @property
    def _conn(self) -> Connection:
        """The unit's connection; the first use begins its transaction."""
        return self._session.connection()

    def _upsert(
        self,
        table: Table,
        rows: Sequence[Mapping[str, Any]],
        keys: Sequence[str],
        update_columns: Iterable[str] | None = None,
    ) -> None:
        """Insert or replace by primary key, ``CHUNK`` rows per executemany."""
        if not rows:
            return
        names = (
            list(update_columns)
            if update_columns is not None
            else [c.name for c in table.columns if c.name not in keys]
        )
        stmt: Executable
        if self._dialect == "postgresql":
            pg = postgresql.insert(table)
            stmt = pg.on_conflict_do_update(
                index_elements=list(keys), set_={name: pg.excluded[name] for name in names}
            )
        else:
            lite = sqlite.insert(table)
            stmt = lite.on_conflict_do_update(
                index_elements=list(keys), set_={name: lite.excluded[name] for name in names}
            )
        conn = self._conn
        for chunk in _chunks(rows, CHUNK):
            conn.execute(stmt, list(chunk))

    def _delete_in(self, table: Table, column: str, values: Sequence[str]) -> None:
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


class SqlPatientRepository(_Repository):
    def get(self, emr_id: str) -> Patient | None:
        t = PATIENTS
        row = self._conn.execute(
            select(
                t.c.emr_id, t.c.family, t.c.given, t.c.patronymic, t.c.birth_date, t.c.sex
            ).where(t.c.emr_id == emr_id)
        ).first()
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
        self._upsert(PATIENTS, [_patient_row(p) for p in patients], ["emr_id"])

    def delete_many(self, emr_ids: Sequence[str]) -> None:
        """A withdrawn patient takes the EMR's documents and sync mark with it (R-SYNC-3).

        Documents of an EMR whose patient is gone could never be shown correctly (no
        name, no age), so keeping them would only keep personal data for nothing.
        """
        self._delete_in(DOCUMENTS, "emr_id", emr_ids)
        self._delete_in(EMR_SYNC, "emr_id", emr_ids)
        self._delete_in(PATIENTS, "emr_id", emr_ids)


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
)


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
    }


class SqlDocumentRepository(_Repository):
    def list_visible(
        self, emr_id: str, kind: DocKind, limit: int, offset: int = 0
    ) -> list[DocumentSummary]:
        """Newest first; ties broken by ``doc_id`` so that pages never overlap.

        The ORDER BY is exactly the tail of ``ix_documents_list`` (created_at DESC,
        doc_id ASC) after the three equality columns, so the database walks the index
        and stops after ``offset + limit`` entries instead of sorting.
        """
        t = DOCUMENTS
        rows = self._conn.execute(
            select(t.c.doc_id, t.c.kind, t.c.created_at, t.c.title, t.c.organization, t.c.performer)
            .where(t.c.emr_id == emr_id, t.c.kind == DocKind(kind).value, t.c.visible == True)  # noqa: E712
            .order_by(t.c.created_at.desc(), t.c.doc_id.asc())
            .limit(limit)
            .offset(offset)
        )
        return [
            DocumentSummary(
                doc_id=r.doc_id,
                kind=DocKind(r.kind),
                created_at=r.created_at,
                title=r.title,
                organization=r.organization,
                performer=r.performer,
            )
            for r in rows
        ]

    def count_visible(self, emr_id: str) -> dict[DocKind, int]:
        """Every kind is present, zero included, so that callers need no defaults."""
        t = DOCUMENTS
        counts = dict.fromkeys(DocKind, 0)
        rows = self._conn.execute(
            select(t.c.kind, func.count())
            .where(t.c.emr_id == emr_id, t.c.visible == True)  # noqa: E712
            .group_by(t.c.kind)
        )
        for kind, n in rows:
            counts[DocKind(kind)] = int(n)
        return counts

    def get_visible(self, emr_id: str, doc_id: str) -> Document | None:
        """Only a visible document of that very EMR: an id from the UI proves nothing."""
        t = DOCUMENTS
        row = self._conn.execute(
            select(*(t.c[name] for name in _DOC_COLUMNS if name != "visible")).where(
                t.c.doc_id == doc_id,
                t.c.emr_id == emr_id,
                t.c.visible == True,  # noqa: E712
            )
        ).first()
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
        )

    def upsert_many(self, documents: Sequence[Document]) -> None:
        if not documents:
            return
        if self._dialect == "sqlite":
            self._upsert_sqlite(documents)
        else:
            self._upsert(DOCUMENTS, [_document_row(d) for d in documents], ["doc_id"])

    def _upsert_sqlite(self, documents: Sequence[Document]) -> None:
        """The sync's hot path: positional tuples straight to the driver's executemany.

        SQLAlchemy's per-row parameter processing costs about as much as SQLite's own
        insert, which would halve sync speed. The statement text is still compiled
        by SQLAlchemy from the same Core upsert, once; only the per-row work is done
        here, and it is exactly what the column types would do (UTC text for times,
        0/1 for booleans, enum values for kinds).
        """
        conn = self._conn
        sql = _sqlite_document_upsert_sql(conn)
        for chunk in _chunks(documents, CHUNK):
            conn.exec_driver_sql(
                sql,
                [
                    (
                        d.doc_id,
                        d.emr_id,
                        _KIND_VALUES[d.kind],
                        to_sqlite_text(d.created_at),
                        d.title,
                        d.organization,
                        d.performer,
                        d.text,
                        d.version,
                        1 if d.radiology else 0,
                        1 if d.created_at >= _VISIBLE_FROM[d.kind, d.radiology] else 0,
                    )
                    for d in chunk
                ],
            )

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

#: The first visible instant per (kind, radiology): ``Document.visible`` as one
#: comparison. Same rule, same domain functions, evaluated once instead of per row.
_VISIBLE_FROM: dict[tuple[str, bool], datetime] = {
    (kind, radiology): moscow_midnight(visible_from(kind, radiology))
    for kind in DocKind
    for radiology in (False, True)
}

_sqlite_upsert_sql: str | None = None


def _sqlite_document_upsert_sql(conn: Connection) -> str:
    """The upsert's SQL, compiled once from the Core construct, with ``?`` in column order."""
    global _sqlite_upsert_sql
    if _sqlite_upsert_sql is None:
        stmt = sqlite.insert(DOCUMENTS)
        stmt = stmt.on_conflict_do_update(
            index_elements=["doc_id"],
            set_={name: stmt.excluded[name] for name in _DOC_COLUMNS if name != "doc_id"},
        )
        compiled = stmt.compile(dialect=conn.dialect, column_keys=list(_DOC_COLUMNS))
        if compiled.positiontup != list(_DOC_COLUMNS):  # pragma: no cover - SQLAlchemy change
            raise RuntimeError("unexpected parameter order in the document upsert")
        _sqlite_upsert_sql = str(compiled)
    return _sqlite_upsert_sql


# ---------------------------------------------------------------- sync state


def _utc_text(at: datetime) -> str:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("datetime without a time zone")
    return at.astimezone(UTC).isoformat()


class SqlSyncStateRepository(_Repository):
    def get_cursor(self, stream: str) -> str | None:
        t = SYNC_CURSORS
        return cast(
            "str | None",
            self._conn.execute(select(t.c.cursor).where(t.c.stream == stream)).scalar(),
        )

    def set_cursor(self, stream: str, cursor: str | None) -> None:
        self._upsert(SYNC_CURSORS, [{"stream": stream, "cursor": cursor}], ["stream"])

    def emr_synced_at(self, emr_id: str) -> datetime | None:
        t = EMR_SYNC
        return cast(
            "datetime | None",
            self._conn.execute(select(t.c.synced_at).where(t.c.emr_id == emr_id)).scalar(),
        )

    def mark_emr_synced(self, emr_ids: Sequence[str], at: datetime) -> None:
        rows = [{"emr_id": emr_id, "synced_at": at} for emr_id in dict.fromkeys(emr_ids)]
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
        t = META
        value = self._conn.execute(select(t.c.value).where(t.c.key == LAST_SYNC_KEY)).scalar()
        return None if value is None else datetime.fromisoformat(value).astimezone(UTC)

    def set_last_sync(self, at: datetime) -> None:
        self._upsert(META, [{"key": LAST_SYNC_KEY, "value": _utc_text(at)}], ["key"])


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
                postgresql.insert(ACCOUNTS)
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
                postgresql.insert(t)
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
