"""Hash-chained audit log (R-KSK-7).

Each kiosk keeps its own chain (``kiosk_id``, ``seq``) so that kiosks sharing one
database never contend for a single head. A record's hash covers every field and the
previous hash, so a changed, removed, inserted or reordered record breaks the chain at
exactly that place.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kiosk.services.ports import AuditRecord, Clock, UnitOfWorkFactory

log = logging.getLogger(__name__)

GENESIS = "0" * 64

#: Detail keys that must never reach the log, whatever a caller passes.
_FORBIDDEN_KEYS = frozenset({"password", "code", "pin", "login", "family", "surname", "phone"})


def record_hash(
    kiosk_id: str, seq: int, at: datetime, event: str, actor: str,
    details: Mapping[str, Any], prev_hash: str,
) -> str:
    when = at.astimezone(UTC).isoformat(timespec="microseconds")
    body = json.dumps(
        [kiosk_id, seq, when, event, actor, dict(details), prev_hash],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    checked: int
    kiosk_id: str | None = None
    bad_seq: int | None = None
    reason: str | None = None


class AuditLog:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, kiosk_id: str) -> None:
        self._uow = uow
        self._clock = clock
        self._kiosk_id = kiosk_id

    def record(self, event: str, actor: str, **details: str | int | bool | None) -> None:
        """Append one event. Raises StoreError: an action that cannot be audited fails."""
        bad = _FORBIDDEN_KEYS.intersection(details)
        if bad:
            raise ValueError(f"audit details must not hold {sorted(bad)}")
        at = self._clock.now()
        with self._uow(write=True) as uow:
            head = uow.audit.head_for_update(self._kiosk_id)
            seq = head.seq + 1 if head else 1
            prev = head.hash if head else GENESIS
            digest = record_hash(self._kiosk_id, seq, at, event, actor, details, prev)
            uow.audit.append(
                AuditRecord(self._kiosk_id, seq, at, event, actor, dict(details), prev, digest)
            )
            uow.commit()
        log.info("audit %s %s", event, actor)


def verify_chain(uow_factory: UnitOfWorkFactory) -> VerifyResult:
    """Walk every kiosk's chain; name the first record that does not fit."""
    checked = 0
    with uow_factory() as uow:
        for kiosk_id in uow.audit.kiosk_ids():
            prev = GENESIS
            expected_seq = 1
            for rec in uow.audit.iter_chain(kiosk_id):
                checked += 1
                reason = None
                if rec.seq != expected_seq:
                    reason = f"expected entry {expected_seq}, found {rec.seq}: removed or reordered"
                elif rec.prev_hash != prev:
                    reason = "does not follow the previous entry (removed, inserted or reordered)"
                elif rec.hash != record_hash(
                    rec.kiosk_id, rec.seq, rec.at, rec.event, rec.actor, rec.details, rec.prev_hash
                ):
                    reason = "content changed"
                if reason:
                    return VerifyResult(False, checked, kiosk_id, rec.seq, reason)
                prev = rec.hash
                expected_seq += 1
    return VerifyResult(True, checked)
