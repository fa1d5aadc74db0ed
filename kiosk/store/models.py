"""Tables of the sync cache and the shared sign-in state, as typed declarative models.

The models are the schema's single source (the initial migration mirrors them and a
test compares the two). Repositories mostly use Core statements against
``Model.__table__``: the cache is written in bulk and read as plain rows, so the ORM
identity map would only cost time.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime
from typing import Any, ClassVar, cast

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeEngine

# Stable constraint names, so that batch migrations on SQLite can address them later.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend.

    PostgreSQL keeps ``timestamptz``. SQLite has no time type, so the value is kept
    as fixed-width ISO text in UTC (``2024-05-01T09:30:00.000000``): equal width
    makes text order equal time order, which the list index relies on. Naive values
    are refused on the way in, because a time without a zone cannot be placed on a
    Moscow date.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(26))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return to_sqlite_text(value)
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("datetime without a time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            return from_sqlite_text(value)
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def to_sqlite_text(value: datetime) -> str:
    """Fixed-width UTC text; also used by the bulk path, which skips type processing.

    Shifting by the offset and cutting the ``+hh:mm`` suffix gives the same text as
    ``astimezone(UTC)`` at a third of the cost, which counts when a sync writes
    hundreds of thousands of documents.
    """
    if value.tzinfo is not UTC:
        offset = value.utcoffset()
        if offset is None:
            raise ValueError("datetime without a time zone")
        if offset:
            value = value - offset
    # ``isoformat`` formats through C's printf machinery (~0.8 µs); the day's part is
    # remembered (a sync's documents fall on a few thousand days) and the time's is
    # formatted here: half the cost, the same text (a property test holds them equal).
    # One %-format call: an f-string's four format calls cost 0.3 µs more.
    return _day_text(value.toordinal()) + "%02d:%02d:%02d.%06d" % (  # noqa: UP031
        value.hour, value.minute, value.second, value.microsecond)


@functools.lru_cache(maxsize=4096)
def _day_text(day: int) -> str:
    """``YYYY-MM-DDT`` of a proleptic ordinal day."""
    return date.fromordinal(day).isoformat() + "T"


def from_sqlite_text(value: str) -> datetime:
    """The aware UTC datetime of a stored text; parsing with the zone is cheaper than
    ``replace(tzinfo=UTC)`` afterwards (and gives the same ``UTC`` object)."""
    try:
        return datetime.fromisoformat(value + "+00:00")
    except ValueError:  # not the stored form (it carries a zone already): as before
        return datetime.fromisoformat(value).replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime(), date: Date()}


class PatientRow(Base):
    __tablename__ = "patients"

    emr_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    family: Mapped[str] = mapped_column(Text)
    given: Mapped[str] = mapped_column(Text)
    patronymic: Mapped[str | None] = mapped_column(Text)
    birth_date: Mapped[date]
    sex: Mapped[str] = mapped_column(String(16))


class DocumentRow(Base):
    """``visible`` is the order's date rule, computed once at write time (R-SHOW-4)."""

    __tablename__ = "documents"

    doc_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    emr_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    title: Mapped[str] = mapped_column(Text)
    organization: Mapped[str] = mapped_column(Text)
    performer: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    version: Mapped[str] = mapped_column(String(64))
    radiology: Mapped[bool] = mapped_column(Boolean)
    visible: Mapped[bool] = mapped_column(Boolean)
    #: The safe XHTML subset of a narrative document (kiosk.domain.narrative).
    narrative: Mapped[str | None] = mapped_column(Text)
    #: Lab rows as JSON (``kiosk.store.repositories.documents.rows_json``).
    results: Mapped[str | None] = mapped_column(Text)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    date_only: Mapped[bool] = mapped_column(Boolean, server_default=false())


# Serves list_visible's WHERE + ORDER BY + LIMIT without a sort step, and count_visible
# and the sign-in refresh's lookup by EMR (ids_of_emr).
Index(
    "ix_documents_list",
    DocumentRow.emr_id,
    DocumentRow.kind,
    DocumentRow.visible,
    DocumentRow.created_at.desc(),
    DocumentRow.doc_id,
)


class SyncCursorRow(Base):
    __tablename__ = "sync_cursors"

    stream: Mapped[str] = mapped_column(String(64), primary_key=True)
    cursor: Mapped[str | None] = mapped_column(Text)


class EmrSyncRow(Base):
    """The last good sync of one EMR, for «Данные на …» (R-SHOW-6)."""

    __tablename__ = "emr_sync"

    emr_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    synced_at: Mapped[datetime]


class SyncRejectRow(Base):
    """Records refused at sync (R-SYNC-4); reasons carry no personal data."""

    __tablename__ = "sync_rejects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_id: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(index=True)


class MetaRow(Base):
    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)


class AccountRow(Base):
    """Lockout state of one portal account; only a keyed hash of the code (R-OTP-1, R-OTP-7)."""

    __tablename__ = "accounts"

    subject: Mapped[str] = mapped_column(String(255), primary_key=True)
    login_digest: Mapped[str | None] = mapped_column(String(128), index=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    blocked_since: Mapped[datetime | None]
    code_hash: Mapped[str | None] = mapped_column(String(128))
    code_nonce: Mapped[str | None] = mapped_column(String(128))
    code_sent_at: Mapped[datetime | None]
    attempt_id: Mapped[str | None] = mapped_column(String(128))
    attempt_sends: Mapped[int] = mapped_column(Integer, default=0)
    sends: Mapped[list[str]] = mapped_column(JSON, default=list)


class AuditRow(Base):
    """One link of a kiosk's hash chain (R-KSK-7); ``details`` is JSON text, kept verbatim."""

    __tablename__ = "audit"

    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    event: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(Text)
    details: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(128))
    hash: Mapped[str] = mapped_column(String(128))


class OutboxRow(Base):
    """A support request waiting for delivery (R-ACT-5)."""

    __tablename__ = "outbox"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime]
    department: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str] = mapped_column(String(16))
    kiosk_id: Mapped[str] = mapped_column(String(64))
    requester: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_outbox_due", "delivered_at", "next_attempt_at"),)


class StaffPinRow(Base):
    """Wrong staff PINs per kiosk (R-KSK-6)."""

    __tablename__ = "staff_pin"

    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]


# The tables as the repositories use them: Core statements only (see the module's note).
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
