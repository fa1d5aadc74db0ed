"""Figures 1 and 2: the lockout and the code's single use stay exact across kiosks.

Eight kiosk processes (``spawn``) share one store — one SQLite WAL file, or one
PostgreSQL schema — and hit one portal account at the same instant. The thing under
test is the store's locking (``BEGIN IMMEDIATE`` / ``SELECT … FOR UPDATE``) plus
``SignInService``; the portal, registry and SMS gateway are fakes, and the clock is a
fixed instant handed to every process, so the 24 h block is checked without sleeping.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from kiosk.services.audit import verify_chain
from kiosk.services.errors import AccountBlocked, CodeExpired, WrongCode
from tests.fakes import T0
from tests.faults._workers import LOGIN, PASSWORD, SUBJECT, make_kiosk, outcome
from tests.faults.conftest import KioskFleet

pytestmark = pytest.mark.faults

KIOSKS = 8
CODES_EACH = 10


def wrong_codes(right: str, n: int, start: int = 1) -> list[str]:
    return [f"{(int(right) + start + k) % 10**6:06d}" for k in range(n)]


def stored_state(url: str) -> Any:
    kiosk = make_kiosk(url, "inspector", T0)
    try:
        with kiosk.store.uow_factory() as uow:
            return uow.accounts.load_for_update(SUBJECT)
    finally:
        kiosk.store.dispose()


def audit_events(url: str) -> Counter[str]:
    from sqlalchemy import text

    kiosk = make_kiosk(url, "inspector", T0)
    try:
        assert verify_chain(kiosk.store.uow_factory).ok
        with kiosk.store.engine.connect() as conn:
            return Counter(r[0] for r in conn.execute(text("SELECT event FROM audit")))
    finally:
        kiosk.store.dispose()


def test_lockout_exact_under_concurrency_r_otp_3_r_otp_4(
    store_url: str, kiosk_fleet: KioskFleet
) -> None:
    """R-OTP-3/R-OTP-4 (issue 4 «many kiosks», issue 8 figure 1): 8 kiosks × 10 wrong codes
    at once → exactly 5 counted, 0 sign-ins; the right code is refused until 24 h + 1 s,
    and a blocked account answers the right code exactly as a wrong one."""
    home = make_kiosk(store_url, "kiosk-home", T0)
    attempt = home.signin.start(LOGIN, PASSWORD)
    right = home.sms.last_code()
    wrong = wrong_codes(right, KIOSKS * CODES_EACH)

    started = time.monotonic()
    results = kiosk_fleet.run(
        store_url, T0, attempt, [wrong[i::KIOSKS] for i in range(KIOSKS)]
    )
    elapsed = time.monotonic() - started
    tally = Counter(kind for outcomes in results.values() for kind, _ in outcomes)
    state = stored_state(store_url)
    print(
        f"\nFIGURE lockout[{home.store.dialect}]: {KIOSKS} processes × {CODES_EACH} wrong codes"
        f" → failures counted {state.failures}, outcomes {dict(tally)}, sign-ins"
        f" {tally['accepted']}, {elapsed:.1f} s"
    )
    assert state.failures == 5
    assert state.blocked_since == T0
    assert tally == Counter(wrong=4, blocked=KIOSKS * CODES_EACH - 4)
    untils = {v for outcomes in results.values() for kind, v in outcomes if kind == "blocked"}
    assert untils == {(T0 + timedelta(hours=24)).isoformat()}
    events = audit_events(store_url)
    assert events["signin.wrong_code"] == 4
    assert events["signin.success"] == 0

    # No oracle: a right and a wrong code get the same answer, and change nothing.
    answers = []
    for code in (right, wrong[0]):
        with pytest.raises(AccountBlocked) as err:
            home.signin.verify(attempt, code)
        answers.append((type(err.value), str(err.value), err.value.until))
    assert answers[0] == answers[1]
    assert stored_state(store_url) == state

    # Still blocked one second before 24 h: the right code, and no new code is sent.
    home.clock.set(T0 + timedelta(hours=24) - timedelta(seconds=1))
    assert outcome(home, attempt, right)[0] == "blocked"
    sent = len(home.sms.sent)
    with pytest.raises(AccountBlocked):
        home.signin.start(LOGIN, PASSWORD)
    assert len(home.sms.sent) == sent

    # 24 h + 1 s: the old code stays dead, a new sign-in goes through (count from zero).
    home.clock.set(T0 + timedelta(hours=24, seconds=1))
    with pytest.raises(CodeExpired):
        home.signin.verify(attempt, right)
    fresh = home.signin.start(LOGIN, PASSWORD)
    assert fresh.attempts_left == 5
    assert home.signin.verify(fresh, home.sms.last_code()).subject == SUBJECT
    home.store.dispose()


def test_resend_does_not_reset_the_count_r_otp_3(
    store_url: str, kiosk_fleet: KioskFleet
) -> None:
    """R-OTP-3/R-OTP-5: wrong codes before a resend and a new attempt at another kiosk
    still count; then 8 kiosks at once add exactly the rest up to 5."""
    a = make_kiosk(store_url, "kiosk-a", T0)
    b = make_kiosk(store_url, "kiosk-b", T0)
    first = a.signin.start(LOGIN, PASSWORD)
    with pytest.raises(WrongCode):
        a.signin.verify(first, wrong_codes(a.sms.last_code(), 1)[0])
    # Another kiosk starts over: a new attempt, a new code, the same count.
    second = b.signin.start(LOGIN, PASSWORD)
    assert second.attempts_left == 4
    with pytest.raises(WrongCode) as err:
        b.signin.verify(second, wrong_codes(b.sms.last_code(), 1)[0])
    assert err.value.attempts_left == 3
    b.clock.advance(seconds=61)
    resent = b.signin.resend(second)
    assert resent.attempts_left == 3
    right = b.sms.last_code()
    assert stored_state(store_url).failures == 2

    # The parent's clock is T0+61 s; the workers' is T0: the code is still live for both.
    results = kiosk_fleet.run(
        store_url, T0, resent, [wrong_codes(right, CODES_EACH, 1 + i * CODES_EACH)
                            for i in range(KIOSKS)]
    )
    tally = Counter(kind for outcomes in results.values() for kind, _ in outcomes)
    state = stored_state(store_url)
    print(f"\nFIGURE resend[{a.store.dialect}]: 2 wrong + resend + {KIOSKS}×{CODES_EACH} wrong"
          f" → failures {state.failures}, outcomes {dict(tally)}")
    assert state.failures == 5
    assert tally["wrong"] == 2
    assert tally["accepted"] == 0
    with pytest.raises(AccountBlocked):
        b.signin.verify(resent, right)
    a.store.dispose()
    b.store.dispose()


def test_right_code_accepted_once_under_concurrency_r_otp_1(
    store_url: str, kiosk_fleet: KioskFleet
) -> None:
    """R-OTP-1 (issue 8 figure 2; issue 4: no replay at another kiosk): 8 kiosks submit
    the same right code at once → exactly one session."""
    home = make_kiosk(store_url, "kiosk-home", T0)
    attempt = home.signin.start(LOGIN, PASSWORD)
    right = home.sms.last_code()
    results = kiosk_fleet.run(store_url, T0, attempt, [[right] for _ in range(KIOSKS)])
    tally = Counter(kind for outcomes in results.values() for kind, _ in outcomes)
    state = stored_state(store_url)
    print(f"\nFIGURE single-use[{home.store.dialect}]: {KIOSKS} processes × the right code"
          f" → sessions {tally['accepted']}, outcomes {dict(tally)}")
    assert tally == Counter(accepted=1, expired=KIOSKS - 1)
    assert state.failures == 0
    assert state.code_hash is None
    # Replayed later at yet another kiosk: still refused, still not counted as wrong.
    assert outcome(home, attempt, right)[0] == "expired"
    assert audit_events(store_url)["signin.success"] == 1
    home.store.dispose()
