"""One kiosk process with a big EMR in its cache: ``open_ms``, ``open_query_ratio``, RSS.

``python -m bench.open_worker --db FILE --registry URL --key KEY --runs N`` builds the
production service graph (``build_services``) on the cache file, a ``KioskWindow``
(offscreen, 1280×1024) and a signed-in session of ``boris``; then, N times, goes back to
the picker and chooses EMR 1009, timing from ``open_emr`` (what the picker's tap calls)
to the end of the first paint of the document list with rows in it. The first open of
the process is reported separately (``open_cold_ms``) and not in the median.

The query figure alternates the service call behind that screenful
(``records.documents(session, emr, kind, 0, 50)``) with a raw ``sqlite3`` query that
returns the same rows through the same index.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import sqlite3
import sys
import time
from datetime import UTC, datetime

from bench.cache import BIG_EMR, BIG_SUBJECT

RAW_SQL = (
    "SELECT doc_id, kind, created_at, title, organization, performer FROM documents "
    "WHERE emr_id = ? AND kind = ? AND visible = 1 "
    "ORDER BY created_at DESC, doc_id ASC LIMIT ? OFFSET ?"
)


def _rss_mb() -> tuple[float, float]:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    now = 0.0
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                now = int(line.split()[1]) / 1024
    return peak, now


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--registry", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--query-reps", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    state = {"painted": False}
    paint = QEvent.Type.Paint

    class PaintWatch(QObject):
        """On a list viewport: a paint while the list shows rows. The open counts as
        done when the ``processEvents`` that delivered this paint returns."""

        def __init__(self, view) -> None:
            super().__init__(view)
            self.view = view

        def eventFilter(self, obj, event) -> bool:
            if event.type() == paint and self.view.isVisible():
                model = self.view.model()
                if model is not None and model.rowCount() > 0:
                    state["painted"] = True
            return False

    app = QApplication(sys.argv[:1])  # noqa: F841 - kept alive for the run

    from kiosk.app import build_services
    from kiosk.config import load
    from kiosk.domain.documents import DocKind
    from kiosk.services.session import Session
    from kiosk.ui.main import _make_context
    from kiosk.ui.window import KioskWindow

    base = args.registry.rsplit("/registry", 1)[0]
    env = {
        **os.environ,
        "KIOSK_STORE_URL": f"sqlite:///{args.db}",
        "KIOSK_PORTAL_ISSUER": base + "/portal",
        "KIOSK_PORTAL_CLIENT_SECRET": "kiosk-secret",
        "KIOSK_UPSTREAM_REGISTRY_URL": args.registry,
        "KIOSK_UPSTREAM_REGISTRY_KEY": args.key,
        "KIOSK_UPSTREAM_SMS_URL": base + "/sms",
        "KIOSK_UPSTREAM_SMS_KEY": args.key,
        "KIOSK_UPSTREAM_FHIR_URL": base + "/fhir",
        "KIOSK_SECURITY_CODE_KEY": secrets.token_hex(32),
        "KIOSK_KIOSK_FULLSCREEN": "false",
        "KIOSK_KIOSK_ID": "bench-01",
    }
    config = load(None, env=env)
    services = build_services(config)
    ctx = _make_context(config)
    window = KioskWindow(ctx, kiosk_mode=False)
    window.resize(1280, 1024)
    window.show()
    ctx.set_services(services)
    watches = []
    for view in window.screens.emr.lists.values():
        watch = PaintWatch(view)
        view.viewport().installEventFilter(watch)
        watches.append(watch)
    now = datetime.now(UTC)
    session = Session("bench", BIG_SUBJECT, "u:bench", now, [], datetime(2000, 1, 1, tzinfo=UTC))
    ctx.state.session = session
    services.records.emrs(session)  # the picker would have done this (grants fetched)

    from PySide6.QtCore import QEventLoop, QTimer

    def pump_until(pred, what: str, limit: float = 30.0) -> None:
        """Run the event loop until ``pred()``; checked after every pass of the loop.

        Not a ``processEvents()`` spin: in PySide6 6.12 on Python 3.11 every
        ``processEvents()`` call drops a reference to ``None``, and some ten thousand
        calls abort the process ("deallocating None").
        """
        if pred():
            return
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

    def idle() -> bool:
        return ctx.runner.pending == 0

    times = []
    for _ in range(args.runs + 1):
        window.show_picker()
        pump_until(idle, "the picker")
        state["painted"] = False
        t0 = time.perf_counter()
        window.open_emr(BIG_EMR)
        pump_until(lambda: state["painted"], "the first screenful")
        times.append((time.perf_counter() - t0) * 1000)
        pump_until(idle, "the rest of the open")
    emr = window.screens.emr
    shown = {k.value: m.rowCount() for k, m in emr.models.items()}
    totals = {k.value: m.total for k, m in emr.models.items()}
    peak, current = _rss_mb()

    # ---- the service call behind the screenful vs a raw indexed query
    kind = DocKind.EXAM_PROTOCOL
    raw = sqlite3.connect(args.db)
    service_rows = services.records.documents(session, BIG_EMR, kind, 0, 50).rows
    raw_rows = raw.execute(RAW_SQL, (BIG_EMR, kind.value, 50, 0)).fetchall()
    if [r.doc_id for r in service_rows] != [r[0] for r in raw_rows]:
        raise RuntimeError("the raw query does not return the service's rows")
    plan = " / ".join(r[-1] for r in raw.execute("EXPLAIN QUERY PLAN " + RAW_SQL,
                                                 (BIG_EMR, kind.value, 50, 0)))

    def service_call() -> float:
        t = time.perf_counter()
        for _ in range(args.query_reps):
            services.records.documents(session, BIG_EMR, kind, 0, 50)
        return (time.perf_counter() - t) / args.query_reps

    def raw_call() -> float:
        t = time.perf_counter()
        for _ in range(args.query_reps):
            raw.execute(RAW_SQL, (BIG_EMR, kind.value, 50, 0)).fetchall()
        return (time.perf_counter() - t) / args.query_reps

    from bench.common import alternate, median

    svc_t, raw_t = alternate(service_call, raw_call, max(5, args.runs))
    # The same service call past the first page (no count): what scrolling costs.
    t = time.perf_counter()
    for _ in range(args.query_reps):
        services.records.documents(session, BIG_EMR, kind, 50, 50)
    next_page = (time.perf_counter() - t) / args.query_reps
    t = time.perf_counter()
    for _ in range(args.query_reps):
        services.records.counts(session, BIG_EMR)
    counts_t = (time.perf_counter() - t) / args.query_reps
    raw.close()
    window.shutdown()
    services.close()
    print(json.dumps({
        "open_cold_ms": times[0],
        "open_ms_runs": times[1:],
        "open_ms": median(times[1:]),
        "rss_mb": peak,
        "rss_now_mb": current,
        "rows_shown": shown,
        "totals": totals,
        "service_query_ms": median(svc_t) * 1000,
        "raw_query_ms": median(raw_t) * 1000,
        "open_query_ratio": median([s / r for s, r in zip(svc_t, raw_t, strict=True)]),
        "service_next_page_ms": next_page * 1000,
        "service_counts_ms": counts_t * 1000,
        "raw_plan": plan,
    }), flush=True)
    os._exit(0)


if __name__ == "__main__":
    main()
