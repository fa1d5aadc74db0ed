"""The receptionist's panel (R-KSK-6): PIN, health, a user's block status, a sync.

The PIN is checked against a scrypt hash (stdlib, memory-hard; no extra dependency);
5 wrong PINs lock the panel of this kiosk for 15 minutes. Nothing here returns
medical data or codes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from kiosk.domain import otp
from kiosk.domain.credentials import validate_login
from kiosk.services.audit import AuditLog
from kiosk.services.errors import PinLocked, PinWrong
from kiosk.services.ports import Clock, UnitOfWorkFactory, UpstreamError
from kiosk.services.session import login_digest

log = logging.getLogger(__name__)

PIN_MAX_WRONG = 5
PIN_LOCK = timedelta(minutes=15)
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """``scrypt$n$r$p$salt$hash`` — the form kept in the config's secret file."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, dklen=32, **_SCRYPT)
    params = f"{_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}"
    b64 = base64.b64encode
    return f"scrypt${params}${b64(salt).decode()}${b64(digest).decode()}"


def pin_matches(pin: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(
            pin.encode(), salt=base64.b64decode(salt), dklen=32, n=int(n), r=int(r), p=int(p)
        )
        return hmac.compare_digest(got, base64.b64decode(digest))
    except (ValueError, TypeError):
        return False


@dataclass(frozen=True, slots=True)
class BlockStatus:
    known: bool
    blocked_until: datetime | None
    wrong_codes: int


@dataclass(frozen=True, slots=True)
class Health:
    checks: dict[str, bool]  # portal, sms, registry, emr, store, printer
    last_sync: datetime | None  # the last batch any sync committed
    outbox_pending: int
    #: When the last sync that read every change began (a sync failing midway keeps
    #: committing batches, so only this shows that syncs still finish).
    last_complete_sync: datetime | None = None


class StaffService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        audit: AuditLog,
        kiosk_id: str,
        pin_hash: str,
        code_key: bytes,
        policy: otp.CodePolicy,
        probes: dict[str, Callable[[], None]],
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._audit = audit
        self._kiosk_id = kiosk_id
        self._pin_hash = pin_hash
        self._code_key = code_key
        self._policy = policy
        self._probes = probes

    def unlock(self, pin: str) -> None:
        """Raises PinWrong or PinLocked; returns when the panel may open."""
        now = self._clock.now()
        with self._uow(write=True) as uow:
            state = uow.staff.load_for_update(self._kiosk_id)
            if state.locked_until is not None and now < state.locked_until:
                uow.commit()
                raise PinLocked(state.locked_until)
            if state.locked_until is not None:
                state = replace(state, failures=0, locked_until=None)
            ok = bool(self._pin_hash) and pin_matches(pin, self._pin_hash)
            if ok:
                state = replace(state, failures=0, locked_until=None)
            else:
                failures = state.failures + 1
                locked = now + PIN_LOCK if failures >= PIN_MAX_WRONG else None
                state = replace(state, failures=failures, locked_until=locked)
            uow.staff.save(state)
            uow.commit()
        if ok:
            self._audit.record("staff.unlocked", "staff")
            return
        self._audit.record("staff.wrong_pin", "staff")
        if state.locked_until is not None:
            raise PinLocked(state.locked_until)
        raise PinWrong(PIN_MAX_WRONG - state.failures)

    def block_status(self, login: str) -> BlockStatus:
        """A user's block by login; the order sets 24 h, so there is no unblock here."""
        digest = login_digest(self._code_key, validate_login(login))
        now = self._clock.now()
        with self._uow() as uow:
            state = uow.accounts.find_by_login_digest(digest)
        self._audit.record("staff.block_lookup", "staff")
        if state is None:
            return BlockStatus(False, None, 0)
        state = otp.lift_expired_block(state, now, self._policy)
        blocked = otp.is_blocked(state, now, self._policy)
        until = state.blocked_until(self._policy) if blocked else None
        return BlockStatus(True, until, state.failures)

    def health(self) -> Health:
        checks: dict[str, bool] = {}
        for name, probe in self._probes.items():
            try:
                probe()
                checks[name] = True
            except (UpstreamError, OSError, RuntimeError, ValueError) as err:
                log.info("health %s failed: %s", name, type(err).__name__)
                checks[name] = False
            except Exception as err:  # a health probe must never crash the panel
                log.warning("health %s raised %s", name, type(err).__name__)
                checks[name] = False
        with self._uow() as uow:
            last = uow.sync_state.last_sync()
            complete = uow.sync_state.last_complete_sync()
            pending = uow.outbox.pending_count()
        return Health(checks, last, pending, complete)

    def record(self, action: str) -> None:
        """Audit a staff action taken in the UI (language, text size, leave kiosk mode)."""
        self._audit.record(f"staff.{action}", "staff")
