"""A kiosk in a benchmark's child process: the production service graph on a cache file,
a ``KioskWindow`` (offscreen, 1280×1024), and the helpers that drive it as a patient
would. Shared by ``bench.open_worker`` and ``bench.field_worker``.
"""

from __future__ import annotations

import os
import resource
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.cache import BIG_EMR


def rss_mb() -> tuple[float, float]:
    """(peak, current) resident memory of this process, MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    now = 0.0
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                now = int(line.split()[1]) / 1024
    return peak, now


def kiosk_env(store_url: str, registry: str, key: str) -> dict[str, str]:
    """The configuration of a kiosk on ``store_url`` whose upstreams are the simulator's;
    everything else (page sizes, timeouts…) as shipped."""
    base = registry.rsplit("/registry", 1)[0]
    return {
        **os.environ,
        "KIOSK_STORE_URL": store_url,
        "KIOSK_PORTAL_ISSUER": base + "/portal",
        "KIOSK_PORTAL_CLIENT_SECRET": "kiosk-secret",
        "KIOSK_UPSTREAM_REGISTRY_URL": registry,
        "KIOSK_UPSTREAM_REGISTRY_KEY": key,
        "KIOSK_UPSTREAM_SMS_URL": base + "/sms",
        "KIOSK_UPSTREAM_SMS_KEY": key,
        "KIOSK_UPSTREAM_FHIR_URL": base + "/fhir",
        "KIOSK_SECURITY_CODE_KEY": secrets.token_hex(32),
        "KIOSK_KIOSK_FULLSCREEN": "false",
        "KIOSK_KIOSK_ID": "bench-01",
    }


@dataclass
class Harness:
    """The window, its context and services, and a flag set by the list's first paint."""

    app: Any
    window: Any
    ctx: Any
    services: Any
    painted: dict[str, bool] = field(default_factory=lambda: {"painted": False})
    keep: list[Any] = field(default_factory=list)

    def pump_until(self, pred: Callable[[], bool], what: str, limit: float = 60.0) -> None:
        """Run the event loop until ``pred()``; checked after every pass of the loop.

        Not a ``processEvents()`` spin: in PySide6 6.12 on Python 3.11 every
        ``processEvents()`` call drops a reference to ``None``, and some ten thousand
        calls abort the process ("deallocating None").
        """
        if pred():
            return
        from PySide6.QtCore import QEventLoop, QTimer

        loop = QEventLoop()
        deadline = time.monotonic() + limit
        failed = []

        def check() -> None:
            if pred():
                loop.quit()
            elif time.monotonic() > deadline:
                failed.append(what)
                loop.quit()

        timer = QTimer()
        timer.setInterval(0)
        timer.timeout.connect(check)
        timer.start()
        loop.exec()
        timer.stop()
        if failed:
            raise RuntimeError(f"timed out waiting for {what}")

    def idle(self) -> bool:
        return bool(self.ctx.runner.pending == 0)

    def tap_open(self) -> float:
        """``open_emr`` (what the picker's tap calls) to the end of the event-loop pass
        that painted the document list with rows in it, ms."""
        self.painted["painted"] = False
        t0 = time.perf_counter()
        self.window.open_emr(BIG_EMR)
        self.pump_until(lambda: self.painted["painted"], "the first screenful")
        return (time.perf_counter() - t0) * 1000

    def watch_lists(self) -> None:
        """Notice the document lists' paints (again after a sign-out rebuilt the screens)."""
        from PySide6.QtCore import QEvent, QObject

        paint = QEvent.Type.Paint
        painted = self.painted

        class PaintWatch(QObject):
            """On a list viewport: a paint while the list shows rows. The open counts as
            done when the event-loop pass that delivered this paint returns."""

            def __init__(self, view: Any) -> None:
                super().__init__(view)
                self.view = view

            def eventFilter(self, obj: Any, event: Any) -> bool:
                if event.type() == paint and self.view.isVisible():
                    model = self.view.model()
                    if model is not None and model.rowCount() > 0:
                        painted["painted"] = True
                return False

        for view in self.window.screens.emr.lists.values():
            watch = PaintWatch(view)
            view.viewport().installEventFilter(watch)
            self.keep.append(watch)

    def close(self) -> None:
        self.window.shutdown()
        self.services.close()


def start(db: str, registry: str, key: str) -> Harness:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    from kiosk.app import build_services
    from kiosk.config import load
    from kiosk.ui.main import _make_context
    from kiosk.ui.window import KioskWindow

    config = load(None, env=kiosk_env(f"sqlite:///{db}", registry, key))
    services = build_services(config)
    ctx = _make_context(config)
    window = KioskWindow(ctx, kiosk_mode=False)
    window.resize(1280, 1024)
    window.show()
    ctx.set_services(services)
    harness = Harness(app, window, ctx, services)
    harness.watch_lists()
    return harness
