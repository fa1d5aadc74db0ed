"""The audit's hash chains, one per kiosk, and their anchors (R-KSK-7)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import select

from kiosk.services.ports import AuditAnchor, AuditRecord
from kiosk.store.models import AUDIT, META
from kiosk.store.repositories.base import Repository, Upsert

ANCHOR_PREFIX = "audit_anchor:"
_ANCHOR_UPSERT = Upsert(META, ("key", "value"), ["key"])


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


class SqlAuditRepository(Repository):
    def head_for_update(self, kiosk_id: str) -> AuditRecord | None:
        """Serialise appends to one chain: two writers must not both extend the same head.

        A lock on the chain's name (``Dialect.lock_named``; SQLite's write unit holds
        the database lock already): a row lock would not do, the first record of a
        chain has no row to lock.
        """
        conn = self._conn
        self._dialect.lock_named(conn, "kiosk.audit", kiosk_id)
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
        self._save(_ANCHOR_UPSERT, {"key": self._anchor_key(anchor.kiosk_id), "value": value})


def _anchor_from_text(value: str | None) -> AuditAnchor:
    """A damaged anchor reads as one that matches nothing, so that verify reports it."""
    try:
        raw = json.loads(value or "")
        return AuditAnchor(str(raw["kiosk_id"]), int(raw["seq"]), str(raw["hash"]),
                           str(raw["mac"]))
    except (ValueError, KeyError, TypeError):
        return AuditAnchor("?", -1, "", "")
