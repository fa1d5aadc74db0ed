"""Fakes of every port, in a few lines each (cosmicpython style), for unit and UI tests.

``FakeStore`` passes the real store's repository contract (``tests/unit/test_fakes.py``
runs ``RepositoryContract`` on it): what a service sees here is what it sees on SQLite.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, timedelta
from types import TracebackType
from typing import Any, Self

import msgspec

from kiosk.domain.documents import DocKind, Document, DocumentSummary, is_older
from kiosk.domain.grants import Grant, Relation
from kiosk.domain.otp import AccountState
from kiosk.domain.people import Patient, Sex
from kiosk.services.ports import (
    AccountLevel,
    AuditAnchor,
    AuditRecord,
    AuthorizationPending,
    DeviceAuthorization,
    EmrSnapshot,
    OutboxMessage,
    PinState,
    PortalIdentity,
    Rejected,
    SourceBatch,
    Unavailable,
    WrongCredentials,
)


class FakeClock:
    """``advance`` moves time; ``set`` steps the wall clock only (as NTP or an operator
    would), so the monotonic clock does not follow it."""

    def __init__(self, now: datetime | None = None) -> None:
        self._now = now or datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
        self._mono = 0.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, **kw: float) -> None:
        delta = timedelta(**kw)
        self._now += delta
        self._mono += max(0.0, delta.total_seconds())

    def set(self, now: datetime) -> None:
        self._now = now


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("datetime without a time zone")
    return at.astimezone(UTC)


def _stored(obj: Any) -> Any:
    """``obj`` (a dataclass or a msgspec ``Struct``) as the store gives it back: every
    time in UTC, a naive one refused."""
    is_struct = isinstance(obj, msgspec.Struct)
    names = [f.name for f in (msgspec.structs.fields(obj) if is_struct else fields(obj))]
    changes: dict[str, Any] = {}
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, datetime):
            changes[name] = _utc(value)
        elif isinstance(value, tuple) and value and all(isinstance(v, datetime) for v in value):
            changes[name] = tuple(_utc(v) for v in value)
    if not changes:
        return obj
    return msgspec.structs.replace(obj, **changes) if is_struct else replace(obj, **changes)


@dataclass
class FakeData:
    """The whole 'database' of the fake store; shared by every unit of work."""

    patients: dict[str, Patient] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)
    cursors: dict[str, str | None] = field(default_factory=dict)
    synced: dict[str, datetime] = field(default_factory=dict)
    rejects: list[tuple[Rejected, datetime]] = field(default_factory=list)
    last_sync: datetime | None = None
    last_complete_sync: datetime | None = None
    accounts: dict[str, tuple[AccountState, str | None]] = field(default_factory=dict)
    audit: list[AuditRecord] = field(default_factory=list)
    anchors: dict[str, AuditAnchor] = field(default_factory=dict)
    outbox: dict[str, OutboxMessage] = field(default_factory=dict)
    pins: dict[str, PinState] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)


class _Patients:
    def __init__(self, d: FakeData) -> None:
        self.d = d

    def get(self, emr_id: str) -> Patient | None:
        return self.d.patients.get(emr_id)

    def upsert_many(self, patients: Sequence[Patient]) -> None:
        for p in patients:
            self.d.patients[p.emr_id] = p

    def delete_many(self, emr_ids: Sequence[str]) -> None:
        """A withdrawn patient takes the EMR's documents and sync mark along (R-SYNC-3)."""
        gone = set(emr_ids)
        for e in gone:
            self.d.patients.pop(e, None)
            self.d.synced.pop(e, None)
        for doc_id in [i for i, x in self.d.documents.items() if x.emr_id in gone]:
            del self.d.documents[doc_id]


class _Documents:
    def __init__(self, d: FakeData) -> None:
        self.d = d

    def _visible(self, emr_id: str) -> list[Document]:
        return [x for x in self.d.documents.values() if x.emr_id == emr_id and x.visible]

    def list_visible(
        self, emr_id: str, kind: DocKind, limit: int, after: DocumentSummary | None = None
    ) -> list[DocumentSummary]:
        # The store's order: created_at descending, doc_id ascending within an instant.
        docs = sorted((x for x in self._visible(emr_id) if x.kind == kind),
                      key=lambda x: x.doc_id)
        docs.sort(key=lambda x: x.created_at, reverse=True)
        if after is not None:
            docs = [x for x in docs if x.created_at < after.created_at
                    or (x.created_at == after.created_at and x.doc_id > after.doc_id)]
        return [
            DocumentSummary(x.doc_id, x.kind, x.created_at, x.title, x.organization, x.performer,
                            x.date_only)
            for x in docs[:limit]
        ]

    def count_all(self) -> int:
        return len(self.d.documents)

    def count_visible(self, emr_id: str) -> dict[DocKind, int]:
        out = dict.fromkeys(DocKind, 0)  # every kind, zero included
        for x in self._visible(emr_id):
            out[x.kind] = out.get(x.kind, 0) + 1
        return out

    def get_visible(self, emr_id: str, doc_id: str) -> Document | None:
        x = self.d.documents.get(doc_id)
        return x if x and x.emr_id == emr_id and x.visible else None

    def upsert_many(self, documents: Sequence[Document]) -> None:
        """As the store: an older version (``Document.updated``) never replaces a newer."""
        for x in [_stored(x) for x in documents]:
            held = self.d.documents.get(x.doc_id)
            if held is not None and is_older(x.updated, held.updated):
                continue
            self.d.documents[x.doc_id] = x

    def delete_many(self, doc_ids: Sequence[str]) -> None:
        for i in doc_ids:
            self.d.documents.pop(i, None)

    def ids_of_emr(self, emr_id: str) -> set[str]:
        return {i for i, x in self.d.documents.items() if x.emr_id == emr_id}

    def cached(self, doc_ids: Sequence[str]) -> set[str]:
        return {i for i in doc_ids if i in self.d.documents}


class _SyncState:
    def __init__(self, d: FakeData) -> None:
        self.d = d

    def get_cursor(self, stream: str, *, for_update: bool = False) -> str | None:
        return self.d.cursors.get(stream)

    def set_cursor(self, stream: str, cursor: str | None) -> None:
        self.d.cursors[stream] = cursor

    def emr_synced_at(self, emr_id: str) -> datetime | None:
        return self.d.synced.get(emr_id)

    def mark_emr_synced(self, emr_ids: Sequence[str], at: datetime) -> None:
        for e in emr_ids:
            self.d.synced[e] = _utc(at)

    def add_rejects(self, rejects: Sequence[Rejected], at: datetime) -> None:
        self.d.rejects.extend((r, _utc(at)) for r in rejects)

    def rejects(self, limit: int = 100) -> list[tuple[str, str, datetime]]:
        """Newest first, as ``SqlSyncStateRepository.rejects`` (not a port: tests read it)."""
        return [(r.source_id, r.reason, at) for r, at in reversed(self.d.rejects)][:limit]

    def last_sync(self) -> datetime | None:
        return self.d.last_sync

    def set_last_sync(self, at: datetime) -> None:
        self.d.last_sync = _utc(at)

    def last_complete_sync(self) -> datetime | None:
        return self.d.last_complete_sync

    def set_last_complete_sync(self, at: datetime) -> None:
        self.d.last_complete_sync = _utc(at)


class _Accounts:
    def __init__(self, d: FakeData) -> None:
        self.d = d

    def load_for_update(self, subject: str) -> AccountState:
        return self.d.accounts.get(subject, (AccountState(subject), None))[0]

    def save(self, state: AccountState, login_digest: str | None = None) -> None:
        old = self.d.accounts.get(state.subject, (state, None))[1]
        self.d.accounts[state.subject] = (_stored(state), login_digest or old)

    def find_by_login_digest(self, login_digest: str) -> AccountState | None:
        for subject in sorted(self.d.accounts):
            state, digest = self.d.accounts[subject]
            if digest == login_digest:
                return state
        return None


class _Audit:
    def __init__(self, d: FakeData) -> None:
        self.d = d

    def head_for_update(self, kiosk_id: str) -> AuditRecord | None:
        mine = [r for r in self.d.audit if r.kiosk_id == kiosk_id]
        return mine[-1] if mine else None

    def append(self, record: AuditRecord) -> None:
        self.d.audit.append(_stored(record))

    def iter_chain(self, kiosk_id: str) -> Iterator[AuditRecord]:
        return iter([r for r in self.d.audit if r.kiosk_id == kiosk_id])

    def kiosk_ids(self) -> list[str]:
        return sorted({r.kiosk_id for r in self.d.audit} | set(self.d.anchors))

    def anchor(self, kiosk_id: str) -> AuditAnchor | None:
        return self.d.anchors.get(kiosk_id)

    def set_anchor(self, anchor: AuditAnchor) -> None:
        self.d.anchors[anchor.kiosk_id] = anchor


class _Outbox:
    def __init__(self, d: FakeData) -> None:
        self.d = d

    def add(self, message: OutboxMessage) -> None:
        self.d.outbox[message.id] = _stored(message)

    def due(self, now: datetime, limit: int) -> list[OutboxMessage]:
        due = [
            m for m in self.d.outbox.values()
            if m.delivered_at is None and (m.next_attempt_at is None or m.next_attempt_at <= now)
        ]
        return sorted(due, key=lambda m: (m.created_at, m.id))[:limit]

    def mark_delivered(self, message_id: str, at: datetime) -> None:
        self.d.outbox[message_id] = replace(self.d.outbox[message_id], delivered_at=_utc(at))

    def mark_failed(
        self, message_id: str, attempts: int, next_attempt_at: datetime, error: str
    ) -> None:
        self.d.outbox[message_id] = replace(
            self.d.outbox[message_id], attempts=attempts, next_attempt_at=_utc(next_attempt_at),
            last_error=error,
        )

    def pending_count(self) -> int:
        return sum(1 for m in self.d.outbox.values() if m.delivered_at is None)

    def get(self, message_id: str) -> OutboxMessage | None:
        return self.d.outbox.get(message_id)


class _Staff:
    def __init__(self, d: FakeData) -> None:
        self.d = d

    def load_for_update(self, kiosk_id: str) -> PinState:
        return self.d.pins.get(kiosk_id, PinState(kiosk_id))

    def save(self, state: PinState) -> None:
        self.d.pins[state.kiosk_id] = _stored(state)


_TABLES = ("patients", "documents", "cursors", "synced", "rejects", "last_sync",
           "last_complete_sync", "accounts", "audit", "anchors", "outbox", "pins")


def _copy_tables(source: FakeData, target: FakeData) -> None:
    """Every table of ``source`` into ``target``, containers copied (rows are frozen)."""
    for name in _TABLES:
        value = getattr(source, name)
        setattr(target, name, copy.copy(value) if isinstance(value, (dict, list)) else value)


class FakeUnitOfWork:
    """Works on a copy; ``commit`` publishes it, so an uncommitted unit keeps nothing.
    The unit holds the store's lock from start to end (as SQLite's write lock does), and
    stays usable after ``commit`` or ``rollback``, each starting from what is stored."""

    def __init__(self, data: FakeData) -> None:
        self._shared = data

    def __enter__(self) -> Self:
        self._shared.lock.acquire()
        self._work = copy.copy(self._shared)
        _copy_tables(self._shared, self._work)
        w = self._work
        self.patients = _Patients(w)
        self.documents = _Documents(w)
        self.sync_state = _SyncState(w)
        self.accounts = _Accounts(w)
        self.audit = _Audit(w)
        self.outbox = _Outbox(w)
        self.staff = _Staff(w)
        self.committed = False
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._shared.lock.release()

    def commit(self) -> None:
        _copy_tables(self._work, self._shared)
        self.committed = True

    def rollback(self) -> None:
        _copy_tables(self._shared, self._work)


class FakeStore:
    def __init__(self) -> None:
        self.data = FakeData()

    def __call__(self, *, write: bool = False) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.data)


# ---------------------------------------------------------------- upstreams


@dataclass
class FakeAccount:
    password: str
    subject: str
    level: AccountLevel = AccountLevel.FULL


class FakePortal:
    def __init__(self) -> None:
        self.accounts: dict[str, FakeAccount] = {}
        self.down = False
        self.calls = 0
        # RFC 8628: what successive polls get, an exception (AuthorizationPending,
        # SlowDown, AccessDenied ...) or the subject approved; pending when empty.
        self.device = True
        self.device_answers: list[Exception | str] = []
        self.device_polls: list[str] = []

    def authenticate(self, login: str, password: str) -> PortalIdentity:
        self.calls += 1
        if self.down:
            raise Unavailable("portal", "down")
        acc = self.accounts.get(login)
        if acc is None or acc.password != password:
            raise WrongCredentials("portal", "invalid_grant")
        return PortalIdentity(acc.subject, acc.level)

    def ping(self) -> None:
        if self.down:
            raise Unavailable("portal", "down")

    # RFC 8628: ``device_answers`` is what the successive polls get: an exception
    # (AuthorizationPending, SlowDown, AccessDenied ...) or the subject approved.
    def device_offered(self) -> bool:
        if self.down:
            raise Unavailable("portal", "down")
        return self.device

    def start_device(self) -> DeviceAuthorization:
        return DeviceAuthorization(
            device_code="DEVICE-SECRET-1", user_code="WDJB-MJHT",
            verification_uri="https://portal.example/device",
            verification_uri_complete="https://portal.example/device?user_code=WDJB-MJHT",
            expires_in=600, interval=5,
        )

    def poll_device(self, device_code: str) -> PortalIdentity:
        self.device_polls.append(device_code)
        answer = self.device_answers.pop(0) if self.device_answers else AuthorizationPending(
            "portal", "authorization_pending")
        if isinstance(answer, Exception):
            raise answer
        acc = next(a for a in self.accounts.values() if a.subject == answer)
        return PortalIdentity(acc.subject, acc.level)


class FakeSleeper:
    """Moves the fake clock instead of sleeping; remembers every wait."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.waits: list[float] = []
        self.cancel_after: int | None = None  # set the event on this wait (0-based)

    def sleep(self, seconds: float, cancel: threading.Event) -> bool:
        if self.cancel_after is not None and len(self.waits) == self.cancel_after:
            cancel.set()
        self.waits.append(seconds)
        if cancel.is_set():
            return True
        self.clock.advance(seconds=seconds)
        return False


class FakeRegistry:
    def __init__(self) -> None:
        self.grants: dict[str, list[Grant]] = {}
        self.down = False
        self.calls = 0

    def grants_for(self, subject: str) -> list[Grant]:
        self.calls += 1
        if self.down:
            raise Unavailable("registry", "down")
        return list(self.grants.get(subject, []))

    def ping(self) -> None:
        if self.down:
            raise Unavailable("registry", "down")


class FakeSms:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.down = False

    def send(self, phone: str, text: str) -> str:
        if self.down:
            raise Unavailable("sms", "down")
        self.sent.append((phone, text))
        return f"m{len(self.sent)}"

    def last_code(self) -> str:
        import re

        match = re.search(r"\b(\d{6})\b", self.sent[-1][1])
        assert match
        return match.group(1)

    def ping(self) -> None:
        if self.down:
            raise Unavailable("sms", "down")


class FakeSource:
    def __init__(self) -> None:
        self.batches: list[SourceBatch] = []
        self.snapshots: dict[str, EmrSnapshot] = {}
        self.down = False

    def changes(self, cursor: str | None) -> Iterator[SourceBatch]:
        if self.down:
            raise Unavailable("emr", "down")
        start = int(cursor) if cursor else 0
        for i, b in enumerate(self.batches[start:], start=start + 1):
            b.cursor = str(i)
            yield b

    def snapshot(self, emr_id: str) -> EmrSnapshot:
        if self.down:
            raise Unavailable("emr", "down")
        return self.snapshots.get(emr_id, EmrSnapshot(None))

    def ping(self) -> None:
        if self.down:
            raise Unavailable("emr", "down")


# ---------------------------------------------------------------- sample data

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def patient(emr_id: str = "emr-1", birth: date = date(1980, 5, 17), **kw: object) -> Patient:
    base = dict(family="Смирнов", given="Иван", patronymic="Петрович", sex=Sex.MALE)
    base.update(kw)  # type: ignore[arg-type]
    return Patient(emr_id=emr_id, birth_date=birth, **base)  # type: ignore[arg-type]


def grant(emr_id: str = "emr-1", relation: Relation = Relation.SELF,
          birth: date = date(1980, 5, 17), phone: str = "+79161234567",
          approved: datetime = datetime(2025, 1, 1, tzinfo=UTC),
          revoked: datetime | None = None) -> Grant:
    return Grant(emr_id, relation, birth, phone, approved, revoked)


def document(doc_id: str, emr_id: str = "emr-1", kind: DocKind = DocKind.EXAM_PROTOCOL,
             created: datetime = datetime(2024, 3, 1, 10, 0, tzinfo=UTC), text: str = "Текст",
             radiology: bool = False, title: str | None = None) -> Document:
    return Document(doc_id, emr_id, kind, created, title or f"Документ {doc_id}",
                    "ГП № 1", "Врач А.", text, "1", radiology)
