"""The benchmark runs end to end and writes every key of issues 5 and 18 (no thresholds
here: timings belong to ``python -m bench``, not to the suite)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

KEYS = {"start_ratio", "open_ms", "open_query_ratio", "sync_ratio", "ingest_ratio", "rss_mb",
        "print_ms", "print_pdf_ms", "print_lab_ms",
        # issue 18, each with its bad tail beside the median
        "ready_ms", "ready_ms_p90", "open_field_ms", "open_field_median_ms", "scroll_ms",
        "scroll_ms_p90", "rss_scrolled_mb", "open_ms_p90", "sync_ratio_p10"}
#: Measured when a PostgreSQL server answers (the suite's own, KIOSK_TEST_PG_URL).
PG_KEYS = {"pg_open_query_ratio", "pg_open_query_ratio_p90", "pg_sync_ratio", "pg_sync_ratio_p10"}
ROOT = Path(__file__).resolve().parents[2]


def test_bench_quick_tiny_writes_every_key(tmp_path: Path):
    out = tmp_path / "bench.json"
    env = {**os.environ, "KIOSK_BENCH_TINY": "1", "QT_QPA_PLATFORM": "offscreen",
           "LANG": "C.UTF-8"}
    # The timeout guards against a hang, it is no figure: with the simulator's documents
    # clinic-like (issue 17) the run took 56 s at a load average of 5 on the shared
    # two-CPU machine, and 382 s at 15 (the one-line documents: 40 s and 151 s at 9.5).
    proc = subprocess.run([sys.executable, "-m", "bench", "--quick", "--json", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    figures = json.loads(out.read_text())
    keys = KEYS if "skipped" in figures["detail"].get("pg", {}) else KEYS | PG_KEYS
    assert figures.keys() >= keys
    assert all(isinstance(figures[k], int | float) and figures[k] > 0 for k in keys)
    assert figures["mode"] == "tiny"
    # The sync is measured as shipped (issue 18): 500 documents a page, 1 MiB.
    assert figures["detail"]["sync"]["page_size"] == 500
    assert figures["detail"]["sync"]["max_page_mib"] == 1
