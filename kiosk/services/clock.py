"""The real clock. Tests pass a fake one that they move by hand."""

from __future__ import annotations

import threading
from datetime import UTC, datetime


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class EventSleeper:
    """Waits on the cancel event itself, so cancelling ends the wait at once."""

    def sleep(self, seconds: float, cancel: threading.Event) -> bool:
        return cancel.wait(seconds)
