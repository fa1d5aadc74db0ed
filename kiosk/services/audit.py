"""Hash-chained audit log (R-KSK-7).

Each kiosk keeps its own chain (``kiosk_id``, ``seq``) so that kiosks sharing one
database never contend for a single head. A record's hash covers every field and the
previous hash, so a changed, removed, inserted or reordered record breaks the chain at
exactly that place.

A chain alone cannot show that its newest entries were deleted: what is left is a
valid, shorter chain. So every append also rewrites the kiosk's *anchor* (seq and hash
of the newest entry) in the same transaction, with an HMAC under the kiosk's secret
key. ``verify_chain`` checks that the chain ends exactly where the anchor says; with
the key it also checks the anchor's HMAC, so that someone who can write the database
but does not hold the key can neither cut the chain and move the anchor back nor
rewrite the whole chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kiosk.services.ports import AuditAnchor, AuditRecord, Clock, UnitOfWorkFactory

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


def anchor_mac(key: bytes | None, kiosk_id: str, seq: int, head_hash: str) -> str:
    """HMAC of the chain's end; empty without a key (the anchor then guards order only)."""
    if not key:
        return ""
    msg = f"kiosk.audit.anchor\x1f{kiosk_id}\x1f{seq}\x1f{head_hash}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    checked: int
    kiosk_id: str | None = None
    bad_seq: int | None = None
    reason: str | None = None


class AuditLog:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, kiosk_id: str, key: bytes | None = None
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._kiosk_id = kiosk_id
        self._key = key

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
            mac = anchor_mac(self._key, self._kiosk_id, seq, digest)
            uow.audit.set_anchor(AuditAnchor(self._kiosk_id, seq, digest, mac))
            uow.commit()
        log.info("audit %s %s", event, actor)


def verify_chain(uow_factory: UnitOfWorkFactory, key: bytes | None = None) -> VerifyResult:
    """Walk every kiosk's chain; name the first record that does not fit.

    ``key``: the kiosk's secret (``security.code_key``); without it the anchors' HMACs
    are not checked, only that each chain ends where its anchor says.
    """
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
            bad = _check_anchor(uow.audit.anchor(kiosk_id), kiosk_id, expected_seq - 1, prev, key)
            if bad is not None:
                return VerifyResult(False, checked, kiosk_id, bad[0], bad[1])
    return VerifyResult(True, checked)


def _check_anchor(
    anchor: AuditAnchor | None, kiosk_id: str, last_seq: int, last_hash: str, key: bytes | None
) -> tuple[int, str] | None:
    """(entry, reason) when the chain does not end where its anchor says, else None."""
    if anchor is None:
        if last_seq == 0:
            return None
        return last_seq, "the chain's anchor is missing (removed)"
    if key and not hmac.compare_digest(
        anchor.mac, anchor_mac(key, kiosk_id, anchor.seq, anchor.hash)
    ):
        return max(anchor.seq, last_seq, 1), "the chain's anchor is forged (or the key differs)"
    if anchor.seq > last_seq:
        return last_seq + 1, f"entries {last_seq + 1}..{anchor.seq} removed from the end"
    if anchor.seq < last_seq:
        return anchor.seq + 1, "entries after the anchor were added outside the log"
    if anchor.hash != last_hash:
        return last_seq, "the last entry does not match the anchor"
    return None
