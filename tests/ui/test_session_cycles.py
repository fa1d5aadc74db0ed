"""Issue 15 item 2, the long run: 1,000 sign-in/sign-out cycles through the window with
the fakes; no Session left alive and memory flat (R-KSK-2; docs/reliability.md)."""

from __future__ import annotations

import gc
import time

import psutil
import pytest

from kiosk.services.session import Session
from kiosk.ui.tasks import flush_events
from tests.ui.conftest import Kiosk

# no_qt_log: pytest-qt would keep every Qt message of 1,000 cycles in memory.
pytestmark = [pytest.mark.ui, pytest.mark.faults, pytest.mark.no_qt_log]

CYCLES = 1000
WARM_UP = 50
RSS_LIMIT = 5 * 2**20


def live_sessions(before: frozenset[int] = frozenset()) -> int:
    """Sessions alive now other than those alive ``before`` (an earlier test's own)."""
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is Session and id(o) not in before)


def test_r_ksk_2_thousand_sign_ins_leave_no_session_and_flat_memory(kiosk: Kiosk) -> None:
    """R-KSK-2: each cycle signs in through the window (credentials, SMS code, the EMR
    picker with its refresh) and signs out by button. After the last sign-out no Session
    object is alive, and the process's RSS grew by less than 5 MB over the cycles after a
    warm-up of 50 (the fake store keeps only the audit chain's head: the real one is a
    database, not this process's memory)."""
    env = kiosk.env
    proc = psutil.Process()
    # Hidden: the same screens are built, wired, shown in the stack and rebuilt, but
    # nothing is painted, which is most of a cycle's time offscreen.
    kiosk.window.hide()

    def cycle() -> None:
        kiosk.sign_in()
        kiosk.window.sign_out()
        kiosk.settle()
        env.clock.advance(hours=3)  # stays under 10 codes a day for the one account
        del env.store.data.audit[:-1]

    before = frozenset(id(o) for o in gc.get_objects() if type(o) is Session)
    started = time.monotonic()
    for _ in range(WARM_UP):
        cycle()
    flush_events()
    gc.collect()
    rss_before = proc.memory_info().rss
    for _ in range(CYCLES - WARM_UP):
        cycle()
    flush_events()
    alive = live_sessions(before)
    rss_after = proc.memory_info().rss
    growth = rss_after - rss_before
    print(f"\nFIGURE session-cycles: {CYCLES} sign-in/sign-out cycles in "
          f"{time.monotonic() - started:.1f} s; live Session objects after the last sign-out: "
          f"{alive}; RSS growth after {WARM_UP} warm-up cycles: {growth / 2**20:.2f} MiB")
    assert env.sms.sent and len(env.sms.sent) >= CYCLES  # every cycle really signed in
    assert alive == 0
    assert growth < RSS_LIMIT
