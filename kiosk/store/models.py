"""Tables of the sync cache and the shared sign-in state, as SQLAlchemy Core ``Table``s.

These tables are the schema's single source (the migrations mirror them and a test
compares the two). Repositories use Core statements against them: the cache is written
in bulk and read as plain rows. The ORM is not used: declarative models cost the
kiosk's start ~0.1–0.15 s of CPU to import ``sqlalchemy.orm`` (issue 18, ``ready_ms``)
for nothing the repositories read.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
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


METADATA = MetaData(naming_convention=NAMING_CONVENTION)


def _instant(name: str, *, nullable: bool = False, index: bool | None = None
             ) -> Column[datetime]:
    return Column(name, UtcDateTime(), nullable=nullable, index=index)


PATIENTS = Table(
    "patients", METADATA,
    Column("emr_id", String(64), primary_key=True),
    Column("family", Text, nullable=False),
    Column("given", Text, nullable=False),
    Column("patronymic", Text),
    Column("birth_date", Date, nullable=False),
    Column("sex", String(16), nullable=False),
)

#: ``visible`` is the order's date rule, computed once at write time (R-SHOW-4).
DOCUMENTS = Table(
    "documents", METADATA,
    Column("doc_id", String(128), primary_key=True),
    Column("emr_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    _instant("created_at"),
    Column("title", Text, nullable=False),
    Column("organization", Text, nullable=False),
    Column("performer", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("version", String(64), nullable=False),
    Column("radiology", Boolean, nullable=False),
    Column("visible", Boolean, nullable=False),
    #: The source's meta.lastUpdated of the version held (0003): an older one never
    #: replaces it (``kiosk.store.repositories.documents``). Declared before the content
    #: columns, which a plain text document's statement leaves out; on disk it is last.
    _instant("updated", nullable=True),
    #: The safe XHTML subset of a narrative document (kiosk.domain.narrative).
    Column("narrative", Text),
    #: Lab rows as JSON (``kiosk.store.repositories.documents.rows_json``).
    Column("results", Text),
    Column("pdf", LargeBinary),
    Column("date_only", Boolean, nullable=False, server_default=false()),
)

# Serves list_visible's WHERE + ORDER BY + LIMIT without a sort step, and count_visible
# and the sign-in refresh's lookup by EMR (ids_of_emr).
Index(
    "ix_documents_list",
    DOCUMENTS.c.emr_id,
    DOCUMENTS.c.kind,
    DOCUMENTS.c.visible,
    DOCUMENTS.c.created_at.desc(),
    DOCUMENTS.c.doc_id,
)

SYNC_CURSORS = Table(
    "sync_cursors", METADATA,
    Column("stream", String(64), primary_key=True),
    Column("cursor", Text),
)

#: The last good sync of one EMR, for «Данные на …» (R-SHOW-6).
EMR_SYNC = Table(
    "emr_sync", METADATA,
    Column("emr_id", String(64), primary_key=True),
    _instant("synced_at"),
)

#: Records refused at sync (R-SYNC-4); reasons carry no personal data.
SYNC_REJECTS = Table(
    "sync_rejects", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source_id", Text, nullable=False),
    Column("reason", Text, nullable=False),
    _instant("at", index=True),
)

META = Table(
    "meta", METADATA,
    Column("key", String(64), primary_key=True),
    Column("value", Text),
)

#: Lockout state of one portal account; only a keyed hash of the code (R-OTP-1, R-OTP-7).
ACCOUNTS = Table(
    "accounts", METADATA,
    Column("subject", String(255), primary_key=True),
    Column("login_digest", String(128), index=True),
    Column("failures", Integer, nullable=False, default=0),
    _instant("blocked_since", nullable=True),
    Column("code_hash", String(128)),
    Column("code_nonce", String(128)),
    _instant("code_sent_at", nullable=True),
    Column("attempt_id", String(128)),
    Column("attempt_sends", Integer, nullable=False, default=0),
    Column("sends", JSON, nullable=False, default=list),
)

#: One link of a kiosk's hash chain (R-KSK-7); ``details`` is JSON text, kept verbatim.
AUDIT = Table(
    "audit", METADATA,
    Column("kiosk_id", String(64), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    _instant("at"),
    Column("event", String(64), nullable=False),
    Column("actor", Text, nullable=False),
    Column("details", Text, nullable=False),
    Column("prev_hash", String(128), nullable=False),
    Column("hash", String(128), nullable=False),
)

#: A support request waiting for delivery (R-ACT-5).
OUTBOX = Table(
    "outbox", METADATA,
    Column("id", String(64), primary_key=True),
    _instant("created_at"),
    Column("department", String(16), nullable=False),
    Column("topic", String(16), nullable=False),
    Column("kiosk_id", String(64), nullable=False),
    Column("requester", Text, nullable=False),
    Column("contact", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    _instant("next_attempt_at", nullable=True),
    _instant("delivered_at", nullable=True),
    Column("last_error", Text),
    Index("ix_outbox_due", "delivered_at", "next_attempt_at"),
)

#: Wrong staff PINs per kiosk (R-KSK-6).
STAFF_PIN = Table(
    "staff_pin", METADATA,
    Column("kiosk_id", String(64), primary_key=True),
    Column("failures", Integer, nullable=False, default=0),
    _instant("locked_until", nullable=True),
)
