"""``open_field_ms`` (issue 18): the first open after a sign-in, as it happens in the field.

``python -m bench.field_worker --db FILE --registry URL --key KEY --runs N``: a kiosk on a
cache holding EMR 1009 (50k documents), whose simulator serves the same EMR. Each run
signs ``boris`` in as the code screen does (``signed_in``): the picker is shown and the
sign-in refresh of his EMR (50k documents from FHIR, ``SyncService.refresh_session``)
starts behind it. The patient looks at the picker for a while — long enough that the
session's grants are older than ``grants_max_age`` (stale: the open asks the registry
again) — and taps the EMR while the refresh runs. The open is timed from the tap to the
event-loop pass that painted the list with rows, then the refresh is waited for and the
patient signs out.

The taps are spread over the refresh: run k (of N) taps k/N of the way through it (its
length taken from an unmeasured first run), so the figure covers the refresh's reading
phase and its write. ``refreshing`` says for each run whether the refresh was still
running when the list was painted.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, datetime

from bench import kiosk_proc
from bench.cache import BIG_SUBJECT
from bench.common import median, p90


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--registry", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    h = kiosk_proc.start(args.db, args.registry, args.key)
    window, ctx, services = h.window, h.ctx, h.services
    from kiosk.services.session import Session

    marks: dict[str, float] = {}
    refresh = services.sync.refresh_session

    def timed_refresh(session: Session):  # type: ignore[no-untyped-def]
        marks["start"] = time.monotonic()
        try:
            return refresh(session)
        finally:
            marks["end"] = time.monotonic()

    services.sync.refresh_session = timed_refresh  # type: ignore[method-assign]
    clock = services.clock

    from kiosk.upstream.registry import RegistryClient

    registry = RegistryClient(args.registry, args.key, (5.0, 30.0))

    def run(delay: float) -> tuple[float, bool, float]:
        marks.clear()
        now = datetime.now(UTC)
        # The session as sign-in makes it: the grants just read from the registry.
        session = Session(f"bench-{time.monotonic_ns()}", BIG_SUBJECT, "u:boris", now,
                          registry.grants_for(BIG_SUBJECT), now,
                          grants_checked_mono=clock.monotonic())
        window.screens.code.signed_in.emit(session)
        h.pump_until(lambda: bool(ctx.state.cards) and "start" in marks, "the picker")
        h.pump_until(lambda: time.monotonic() >= marks["start"] + delay, "the tap",
                     limit=delay + 60)  # a refresh of clinic-like documents takes minutes
        # The patient has looked at the picker long enough for the grants to be stale.
        with session.lock:
            session.grants_checked_mono = clock.monotonic() - 3600
        took = h.tap_open()
        refreshing = "end" not in marks
        h.pump_until(lambda: "end" in marks, "the refresh", limit=900)
        h.pump_until(h.idle, "the refresh's reload")
        length = marks["end"] - marks["start"]
        window.sign_out()
        h.pump_until(lambda: h.idle() and ctx.runner.active_threads == 0, "the sign-out")
        h.watch_lists()  # sign-out built new screens
        return took, refreshing, length

    _, _, length = run(0.0)  # unmeasured: how long a refresh takes here
    times, refreshing, lengths = [], [], [length]
    for k in range(args.runs):
        took, busy, length = run(length * k / max(1, args.runs))
        times.append(took)
        refreshing.append(busy)
        lengths.append(length)
    peak, _ = kiosk_proc.rss_mb()
    registry.close()
    h.close()
    print(json.dumps({
        "open_field_ms": p90(times),
        "open_field_median_ms": median(times),
        "open_field_runs": times,
        "refreshing": refreshing,
        "refresh_ms": [x * 1000 for x in lengths],
        "rss_mb": peak,
    }), flush=True)
    os._exit(0)


if __name__ == "__main__":
    main()
