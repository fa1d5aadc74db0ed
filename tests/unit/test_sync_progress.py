"""``kiosk sync`` shows how far a long first sync has come (issue: real clinical data)."""

from __future__ import annotations

import io

from kiosk.sync_progress import SyncProgress, format_duration, progress_line


def test_progress_line_with_a_known_total_says_share_rate_and_time_left() -> None:
    line = progress_line(done=1_500, started_with=500, pending=4_000, elapsed=10.0, width=10)
    assert line.startswith("[##        ]  25 % 1500 documents cached, 1000 new, 100/s")
    assert line.endswith("~0:30 left")


def test_progress_line_without_a_total_still_counts() -> None:
    line = progress_line(done=42, started_with=0, pending=None, elapsed=3725.0)
    assert line == "42 documents cached, 42 new, 0/s, 1:02:05"
    assert format_duration(59) == "0:59"


def test_journal_gets_whole_lines_not_a_redrawn_bar() -> None:
    counts = iter([0, 10, 20, 30, 40, 50, 60])
    out = io.StringIO()  # not a terminal: one line a tick
    with SyncProgress(lambda: next(counts), pending=None, out=out, interval=0.001) as p:
        while out.getvalue().count("\n") < 2:
            p._stop.wait(0.001)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("sync progress: 10 documents cached, 10 new")
    assert "\r" not in out.getvalue()
