"""The real clock. Tests pass a fake one that they move by hand."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        """For intervals: a wall clock stepped back (NTP, a wrong RTC) would otherwise make
        a 5 s age negative for hours (issue 15 item 5)."""
        return time.monotonic()


class EventSleeper:
    """Waits on the cancel event itself, so cancelling ends the wait at once."""

    def sleep(self, seconds: float, cancel: threading.Event) -> bool:
        return cancel.wait(seconds)
