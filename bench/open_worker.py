"""One kiosk process with a big EMR in its cache: ``open_ms``, ``open_query_ratio``, RSS.

``python -m bench.open_worker --db FILE --registry URL --key KEY --runs N`` builds the
production service graph (``build_services``) on the cache file, a ``KioskWindow``
(offscreen, 1280×1024) and a signed-in session of ``boris``; then, N times, goes back to
the picker and chooses EMR 1009, timing from ``open_emr`` (what the picker's tap calls)
to the end of the first paint of the document list with rows in it. The first open of
the process is reported separately (``open_cold_ms``) and not in the median.

``--scroll-runs N``: then, N times, opens the EMR afresh and pages every kind's list to
its end as a patient would: the kind's button is tapped, the list view scrolled to its
bottom (which makes the view ask the model for the next page, read by a worker), again
until the list has no more (``scroll_ms``, issue 18). ``--scroll-only`` does only that
(one open, no open timings, no query figures): ``rss_scrolled_mb`` is this process's
peak RSS after it, on a 200k EMR.

The query figure alternates the service call behind that screenful
(``records.documents(session, emr, kind, 0, 50)``) with a raw ``sqlite3`` query that
returns the same rows through the same index.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import time
from datetime import UTC, datetime

from bench import kiosk_proc
from bench.cache import BIG_EMR, BIG_SUBJECT

RAW_SQL = (
    "SELECT doc_id, kind, created_at, title, organization, performer FROM documents "
    "WHERE emr_id = ? AND kind = ? AND visible = 1 "
    "ORDER BY created_at DESC, doc_id ASC LIMIT ?"
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--registry", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--query-reps", type=int, default=20)
    parser.add_argument("--query-runs", type=int, default=7)
    parser.add_argument("--scroll-runs", type=int, default=0)
    parser.add_argument("--scroll-only", action="store_true")
    args = parser.parse_args()

    h = kiosk_proc.start(args.db, args.registry, args.key)
    window, ctx, services = h.window, h.ctx, h.services
    from kiosk.domain.documents import DocKind
    from kiosk.services.session import Session

    now = datetime.now(UTC)
    session = Session("bench", BIG_SUBJECT, "u:bench", now, [], datetime(2000, 1, 1, tzinfo=UTC))
    ctx.state.session = session
    services.records.emrs(session)  # the picker would have done this (grants fetched)
    pump_until, idle = h.pump_until, h.idle

    def open_big() -> float:
        window.show_picker()
        pump_until(idle, "the picker")
        took = h.tap_open()
        pump_until(idle, "the rest of the open")
        return took

    from kiosk.domain.documents import KIND_ORDER

    def scroll_all() -> tuple[float, int, int]:
        """Every kind's list to its end, as the UI pages it: (ms, rows, forced fetches)."""
        emr = window.screens.emr
        rows = forced = 0
        t0 = time.perf_counter()
        for i, kind in enumerate(KIND_ORDER):
            emr.kind_buttons.button(i).click()
            pump_until(idle, "the kind's first page")
            view, model = emr.lists[kind], emr.models[kind]
            while model.canFetchMore():
                view.scrollToBottom()  # the view asks for the next page at its end
                if idle() and model.canFetchMore():
                    forced += 1  # the view did not ask (not laid out yet): as it would
                    model.fetchMore()
                pump_until(idle, "the next page")
            rows += model.rowCount()
        return (time.perf_counter() - t0) * 1000, rows, forced

    if args.scroll_only:
        open_big()
        took, rows, forced = scroll_all()
        peak, current = kiosk_proc.rss_mb()
        emr = window.screens.emr
        expected = sum(m.total or 0 for m in emr.models.values())
        h.close()
        print(json.dumps({"scroll_ms": took, "rows": rows, "expected_rows": expected,
                          "forced_fetches": forced, "rss_scrolled_mb": peak,
                          "rss_scrolled_now_mb": current}), flush=True)
        os._exit(0)

    times = [open_big() for _ in range(args.runs + 1)]
    emr = window.screens.emr
    shown = {k.value: m.rowCount() for k, m in emr.models.items()}
    totals = {k.value: m.total for k, m in emr.models.items()}
    peak, current = kiosk_proc.rss_mb()
    scrolls = []
    scrolled_rows = forced = 0
    for _ in range(args.scroll_runs):
        open_big()
        took, scrolled_rows, n = scroll_all()
        scrolls.append(took)
        forced += n
    if args.scroll_runs and scrolled_rows != sum(t or 0 for t in totals.values()):
        raise RuntimeError(f"paged {scrolled_rows} rows of {totals}")

    # ---- the service call behind the screenful vs a raw indexed query
    kind = DocKind.EXAM_PROTOCOL
    raw = sqlite3.connect(args.db)
    service_rows = services.records.documents(session, BIG_EMR, kind, None, 50).rows
    raw_rows = raw.execute(RAW_SQL, (BIG_EMR, kind.value, 50)).fetchall()
    if [r.doc_id for r in service_rows] != [r[0] for r in raw_rows]:
        raise RuntimeError("the raw query does not return the service's rows")
    plan = " / ".join(r[-1] for r in raw.execute("EXPLAIN QUERY PLAN " + RAW_SQL,
                                                 (BIG_EMR, kind.value, 50)))

    def service_call() -> float:
        t = time.perf_counter()
        for _ in range(args.query_reps):
            services.records.documents(session, BIG_EMR, kind, None, 50)
        return (time.perf_counter() - t) / args.query_reps

    def raw_call() -> float:
        t = time.perf_counter()
        for _ in range(args.query_reps):
            raw.execute(RAW_SQL, (BIG_EMR, kind.value, 50)).fetchall()
        return (time.perf_counter() - t) / args.query_reps

    from bench.common import alternate, median, p90

    svc_t, raw_t = alternate(service_call, raw_call, args.query_runs)
    ratios = [s / r for s, r in zip(svc_t, raw_t, strict=True)]
    # The same service call past the first page (no count): what scrolling costs.
    t = time.perf_counter()
    for _ in range(args.query_reps):
        services.records.documents(session, BIG_EMR, kind, service_rows[-1], 50)
    next_page = (time.perf_counter() - t) / args.query_reps
    t = time.perf_counter()
    for _ in range(args.query_reps):
        services.records.counts(session, BIG_EMR)
    counts_t = (time.perf_counter() - t) / args.query_reps
    raw.close()
    h.close()
    print(json.dumps({
        "open_cold_ms": times[0],
        "open_ms_runs": times[1:],
        "open_ms": median(times[1:]),
        "open_ms_p90": p90(times[1:]),
        "scroll_ms_runs": scrolls,
        "scroll_rows": scrolled_rows,
        "scroll_forced_fetches": forced,
        "rss_mb": peak,
        "rss_now_mb": current,
        "rows_shown": shown,
        "totals": totals,
        "service_query_ms": median(svc_t) * 1000,
        "raw_query_ms": median(raw_t) * 1000,
        "open_query_ratio": median(ratios),
        "open_query_ratio_p90": p90(ratios),
        "service_next_page_ms": next_page * 1000,
        "service_counts_ms": counts_t * 1000,
        "raw_plan": plan,
    }), flush=True)
    os._exit(0)


if __name__ == "__main__":
    main()
