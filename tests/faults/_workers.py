"""Code that runs in the spawned kiosk processes of the lockout figures.

Each process is one kiosk: its own engine on the shared store, its own audit chain
(kiosk id), fakes for the portal, registry and SMS gateway, and a fixed clock handed
in by the parent, so that every process judges codes at the same instant.
"""

from __future__ import annotations

import multiprocessing.synchronize
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk.services.audit import AuditLog
from kiosk.services.errors import AccountBlocked, CodeExpired, WrongCode
from kiosk.services.ports import StoreError
from kiosk.services.signin import Attempt, SignInService, SignInSettings
from kiosk.store.database import Store, open_store
from tests.fakes import FakeAccount, FakeClock, FakePortal, FakeRegistry, FakeSms, grant

LOGIN = "anna"
PASSWORD = "Пароль-12345!"  # also scanned for in the audit
SUBJECT = "u-anna"
CODE_KEY = bytes(range(32))


@dataclass
class Kiosk:
    store: Store
    signin: SignInService
    clock: FakeClock
    sms: FakeSms
    audit: AuditLog


def make_kiosk(url: str, kiosk_id: str, now: datetime) -> Kiosk:
    # A generous busy timeout: the figure is about exactness, not about waiting.
    store = open_store(url, busy_timeout=60.0)
    clock = FakeClock(now)
    portal = FakePortal()
    portal.accounts[LOGIN] = FakeAccount(PASSWORD, SUBJECT)
    registry = FakeRegistry()
    registry.grants[SUBJECT] = [grant("emr-1")]
    sms = FakeSms()
    audit = AuditLog(store.uow_factory, clock, kiosk_id, CODE_KEY)
    settings = SignInSettings(CODE_KEY, kiosk_id)
    signin = SignInService(portal, registry, sms, store.uow_factory, clock, audit, settings)
    return Kiosk(store, signin, clock, sms, audit)


def outcome(kiosk: Kiosk, attempt: Attempt, code: str) -> tuple[str, Any]:
    """What one submitted code came to, as plain data the parent can count."""
    try:
        session = kiosk.signin.verify(attempt, code)
    except WrongCode as err:
        return "wrong", err.attempts_left
    except AccountBlocked as err:
        return "blocked", err.until.isoformat()
    except CodeExpired:
        return "expired", None
    except StoreError as err:
        return "store_error", str(err)
    return "accepted", session.session_id


def submit_codes(
    url: str,
    kiosk_id: str,
    now: datetime,
    attempt: Attempt,
    codes: list[str],
    barrier: multiprocessing.synchronize.Barrier,
) -> list[tuple[str, Any]]:
    """Wait for every kiosk, then submit ``codes`` one after another as fast as possible."""
    kiosk = make_kiosk(url, kiosk_id, now)
    try:
        kiosk.store.ping()  # connect before the start line, not after it
        barrier.wait(timeout=120)
        return [outcome(kiosk, attempt, c) for c in codes]
    finally:
        kiosk.store.dispose()


def fleet_member(
    commands: Any, results: Any, barrier: multiprocessing.synchronize.Barrier
) -> None:
    """One kiosk process of the fleet: runs rounds until it reads ``None``.

    Spawning and importing costs about a second of CPU per process; a fleet started
    once per test session keeps the figures' rounds short.
    """
    while (cmd := commands.get()) is not None:
        url, kiosk_id, now, attempt, codes = cmd
        try:
            results.put((kiosk_id, submit_codes(url, kiosk_id, now, attempt, codes, barrier)))
        except BaseException as err:  # the parent must hear of it rather than wait
            results.put((kiosk_id, [("crash", repr(err))]))
