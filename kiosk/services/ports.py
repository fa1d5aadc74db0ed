"""Ports: the small interfaces services use to reach the world.

Adapters in ``kiosk.store`` and ``kiosk.upstream`` implement them; unit tests use
fakes (``tests/fakes.py``). Upstream errors live here so that services can catch
them without knowing which HTTP library raised them.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self, runtime_checkable

from kiosk.domain.documents import DocKind, Document, DocumentSummary
from kiosk.domain.grants import Grant
from kiosk.domain.otp import AccountState
from kiosk.domain.people import Patient

# ---------------------------------------------------------------- upstream errors


class UpstreamError(Exception):
    """An upstream did not give a usable answer. ``str(err)`` never holds secrets."""

    def __init__(self, service: str, detail: str = "") -> None:
        super().__init__(f"{service}: {detail}" if detail else service)
        self.service = service
        self.detail = detail


class Unavailable(UpstreamError):
    """Connection refused or reset, DNS failure, 5xx."""


class Timeout(UpstreamError):
    """No answer within the configured timeout."""


class Refused(UpstreamError):
    """The upstream understood and said no (4xx other than wrong credentials)."""


class Malformed(UpstreamError):
    """The answer is not what the contract says: bad JSON, wrong types, HTML page, too big."""


class TooLarge(Malformed):
    """A body over the byte cap. ``head``: its first bytes (at most 64 KiB), from which
    a caller may still tell which record it was (the sync rejects it alone, R-SYNC-4)."""

    def __init__(self, service: str, detail: str = "", head: bytes = b"") -> None:
        super().__init__(service, detail)
        self.head = head


class WrongCredentials(Refused):
    """The portal rejected the login/password pair (``invalid_grant``/``invalid_request``)."""


class AuthorizationPending(Refused):
    """RFC 8628 §3.5 ``authorization_pending``: the patient has not answered yet."""


class SlowDown(AuthorizationPending):
    """RFC 8628 §3.5 ``slow_down``: still pending, and the interval grows by 5 seconds."""


class AccessDenied(Refused):
    """RFC 8628 §3.5 ``access_denied``: the patient refused on the phone."""


class ExpiredToken(Refused):
    """RFC 8628 §3.5 ``expired_token``: the device code lapsed; start again."""


# ---------------------------------------------------------------- clock


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime (UTC)."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never steps (intervals: the grant re-read's age)."""
        ...


# ---------------------------------------------------------------- upstreams


class AccountLevel(enum.StrEnum):
    SIMPLIFIED = "simplified"
    STANDARD = "standard"
    FULL = "full"


@dataclass(frozen=True, slots=True)
class PortalIdentity:
    subject: str
    level: AccountLevel


class Portal(Protocol):
    """The mos.ru portal: the password grant, and the Device Authorization Grant
    (RFC 8628) by which a sign-in is approved on a phone."""

    def authenticate(self, login: str, password: str) -> PortalIdentity:
        """Password grant + ID token check + userinfo. Raises WrongCredentials/UpstreamError."""
        ...

    def ping(self) -> None:
        """Raise UpstreamError unless the provider answers its discovery document."""
        ...

    def device_offered(self) -> bool:
        """Whether the discovery document has a ``device_authorization_endpoint``."""
        ...

    def start_device(self) -> DeviceAuthorization: ...

    def poll_device(self, device_code: str) -> PortalIdentity:
        """One token request; the identity once approved, with the ID token checked as
        on the password path. Raises AuthorizationPending/SlowDown while waiting,
        AccessDenied, ExpiredToken or another UpstreamError."""
        ...


@dataclass(frozen=True, slots=True)
class DeviceAuthorization:
    """The portal's answer to a device authorization request (RFC 8628 §3.2).

    ``device_code`` is a bearer secret until it expires: it stays in memory, out of
    ``repr`` and so out of every log line and traceback, and is never stored.
    """

    device_code: str = field(repr=False)
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_in: int
    interval: int


class Sleeper(Protocol):
    """Waits between polls. Tests pass one that moves a fake clock instead of sleeping."""

    def sleep(self, seconds: float, cancel: threading.Event) -> bool:
        """Wait ``seconds`` or until ``cancel`` is set; True when cancelled."""
        ...


class GrantRegistry(Protocol):
    def grants_for(self, subject: str) -> list[Grant]:
        """Every grant of the user, revoked ones included (with ``revoked_at``)."""
        ...

    def ping(self) -> None: ...


class SmsGateway(Protocol):
    def send(self, phone: str, text: str) -> str:
        """Queue a text; returns the gateway's message id. Raises UpstreamError."""
        ...

    def ping(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record refused at sync, with the reason (R-SYNC-4). Holds no personal data."""

    source_id: str
    reason: str


@dataclass(slots=True)
class SourceBatch:
    """One page of changes from the EMR source, applied atomically with ``cursor``."""

    patients: list[Patient] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)  # document ids to drop (R-SYNC-3)
    withdrawn_patients: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    cursor: str | None = None


@dataclass(slots=True)
class EmrSnapshot:
    """Everything the source holds for one EMR now (the sign-in refresh, R-SYNC-2)."""

    patient: Patient | None
    documents: list[Document] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


class EmrSource(Protocol):
    def changes(self, cursor: str | None) -> Iterator[SourceBatch]:
        """Pages of changes since ``cursor`` (``None``: from the start), oldest first."""
        ...

    def snapshot(self, emr_id: str) -> EmrSnapshot: ...

    def ping(self) -> None: ...


class SourceStream(Protocol):
    """One part of a source's changes that can be read and applied on its own, in a
    process of its own (so it pickles): FHIR's search of one resource type.

    Each batch's ``cursor`` is this stream's part only; ``merge_cursor`` folds it into
    the stored cursor inside the batch's transaction, so streams committing in any
    order never undo each other's progress.
    """

    def changes(self) -> Iterator[SourceBatch]:
        """Pages of this stream's changes since the cursor it was made from, oldest first."""
        ...

    def merge_cursor(self, stored: str | None, part: str | None) -> str | None: ...


@runtime_checkable
class StreamingSource(EmrSource, Protocol):
    """An ``EmrSource`` whose changes split into independent streams: the sync runs
    them in worker processes when it has workers (``SyncService._run_streams``)."""

    def streams(self, cursor: str | None) -> list[SourceStream]: ...


@runtime_checkable
class PagedSnapshotSource(EmrSource, Protocol):
    """An ``EmrSource`` that gives a snapshot as it reads it, a page at a time: the
    sign-in refresh then writes each page in a short transaction of its own while the
    next is read, instead of the whole EMR at the end (issue 18, ``open_field_ms``)."""

    def snapshot_pages(self, emr_id: str) -> Iterator[EmrSnapshot]:
        """``snapshot(emr_id)`` in parts, in the order read: the first part holds the
        patient (``None`` when the source has none: nothing follows when it has no such
        EMR), the others ``None`` and a page of documents and rejects each."""
        ...


@runtime_checkable
class CountingSource(EmrSource, Protocol):
    """An ``EmrSource`` that can tell how much a sync will read: ``kiosk sync``'s progress
    line (``SyncService.pending``)."""

    def pending(self, cursor: str | None) -> int | None:
        """Records past ``cursor``; ``None`` when the source does not say."""
        ...


# ---------------------------------------------------------------- store


class PatientRepository(Protocol):
    def get(self, emr_id: str) -> Patient | None: ...
    def upsert_many(self, patients: Sequence[Patient]) -> None: ...
    def delete_many(self, emr_ids: Sequence[str]) -> None: ...


class DocumentRepository(Protocol):
    def list_visible(
        self, emr_id: str, kind: DocKind, limit: int, after: DocumentSummary | None = None
    ) -> list[DocumentSummary]:
        """Visible documents of one kind, newest first (ties by ``doc_id``), served by an
        index (no sort); ``after``: the last row of the previous page (keyset paging)."""
        ...

    def count_all(self) -> int: ...
    def count_visible(self, emr_id: str) -> dict[DocKind, int]:
        """Visible documents per kind; every kind is a key, zero included."""
        ...

    def get_visible(self, emr_id: str, doc_id: str) -> Document | None: ...
    def upsert_many(self, documents: Sequence[Document]) -> None:
        """Insert or replace by ``doc_id`` (a changed ``version`` replaces the row)."""
        ...

    def delete_many(self, doc_ids: Sequence[str]) -> None: ...
    def ids_of_emr(self, emr_id: str) -> set[str]:
        """Every cached document of the EMR, visible or not (the refresh's strays)."""
        ...

    def cached(self, doc_ids: Sequence[str]) -> set[str]:
        """Which of ``doc_ids`` the cache holds, visible or not."""
        ...


class SyncStateRepository(Protocol):
    def get_cursor(self, stream: str, *, for_update: bool = False) -> str | None:
        """``for_update``: lock the row until the unit ends (writers that merge into it)."""
        ...

    def set_cursor(self, stream: str, cursor: str | None) -> None: ...
    def emr_synced_at(self, emr_id: str) -> datetime | None: ...
    def mark_emr_synced(self, emr_ids: Sequence[str], at: datetime) -> None: ...
    def add_rejects(self, rejects: Sequence[Rejected], at: datetime) -> None: ...
    def last_sync(self) -> datetime | None:
        """When the last batch of the full sync committed."""
        ...

    def set_last_sync(self, at: datetime) -> None: ...
    def last_complete_sync(self) -> datetime | None:
        """When the last sync that read every change there was began: every cached EMR's
        data is at least that fresh (R-SHOW-6's «Данные на …»)."""
        ...

    def set_last_complete_sync(self, at: datetime) -> None: ...


class AccountRepository(Protocol):
    def load_for_update(self, subject: str) -> AccountState:
        """The account's state, locked until commit; a fresh state when unknown."""
        ...

    def save(self, state: AccountState, login_digest: str | None = None) -> None: ...
    def find_by_login_digest(self, login_digest: str) -> AccountState | None: ...


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One link of the hash chain. ``details`` holds masked values only."""

    kiosk_id: str
    seq: int
    at: datetime
    event: str
    actor: str
    details: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class AuditAnchor:
    """Where a kiosk's chain ends, written with each append: deleting the newest entries
    leaves the anchor pointing past the end. ``mac`` is keyed with the kiosk's secret."""

    kiosk_id: str
    seq: int
    hash: str
    mac: str


class AuditRepository(Protocol):
    def head_for_update(self, kiosk_id: str) -> AuditRecord | None:
        """The newest record of the kiosk's chain, locked against concurrent appends."""
        ...

    def append(self, record: AuditRecord) -> None: ...
    def iter_chain(self, kiosk_id: str) -> Iterator[AuditRecord]:
        """Records in storage order (by ``seq``)."""
        ...

    def kiosk_ids(self) -> list[str]:
        """Every kiosk with a chain or an anchor."""
        ...

    def anchor(self, kiosk_id: str) -> AuditAnchor | None: ...
    def set_anchor(self, anchor: AuditAnchor) -> None:
        """Called in the append's unit of work, under the lock of ``head_for_update``."""
        ...


class SupportTopic(enum.StrEnum):
    RECORDS = "records"  # what the records say → Department of Health (ДЗМ)
    ACCESS = "access"  # access to the account → Department of IT (ДИТ)
    FAILURE = "failure"  # a failure of the kiosk or portal → ДИТ
    KIOSK = "kiosk"  # how the kiosk works → ДИТ


class Department(enum.StrEnum):
    HEALTH = "dzm"
    IT = "dit"


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: str
    created_at: datetime
    department: Department
    topic: SupportTopic
    kiosk_id: str
    requester: str  # masked
    contact: str
    text: str
    attempts: int = 0
    next_attempt_at: datetime | None = None
    delivered_at: datetime | None = None
    last_error: str | None = None


class OutboxRepository(Protocol):
    def add(self, message: OutboxMessage) -> None: ...
    def due(self, now: datetime, limit: int) -> list[OutboxMessage]: ...
    def mark_delivered(self, message_id: str, at: datetime) -> None: ...
    def mark_failed(
        self, message_id: str, attempts: int, next_attempt_at: datetime, error: str
    ) -> None: ...
    def pending_count(self) -> int: ...
    def get(self, message_id: str) -> OutboxMessage | None: ...


@dataclass(frozen=True, slots=True)
class PinState:
    kiosk_id: str
    failures: int = 0
    locked_until: datetime | None = None


class StaffRepository(Protocol):
    def load_for_update(self, kiosk_id: str) -> PinState: ...
    def save(self, state: PinState) -> None: ...


class UnitOfWork(Protocol):
    """One transaction. Leaving the ``with`` block without ``commit()`` rolls back."""

    patients: PatientRepository
    documents: DocumentRepository
    sync_state: SyncStateRepository
    accounts: AccountRepository
    audit: AuditRepository
    outbox: OutboxRepository
    staff: StaffRepository

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, write: bool = False) -> UnitOfWork:
        """``write=True`` takes the store's write lock at the start (SQLite BEGIN IMMEDIATE)."""
        ...


class StoreError(Exception):
    """The store failed (locked, busy, out of disk); nothing of the transaction was kept."""


# ---------------------------------------------------------------- delivery of support mail


class SupportChannel(Protocol):
    def deliver(self, message: OutboxMessage) -> None:
        """Hand a support request to its department; raises UpstreamError to retry."""
        ...


class SyncLock(Protocol):
    """One sync worker per store (R-SYNC-5)."""

    def try_acquire(self) -> bool: ...
    def release(self) -> None: ...
