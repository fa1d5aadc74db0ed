"""The benchmark runs end to end and writes every key of issue 5 (no thresholds here:
timings belong to ``python -m bench``, not to the suite)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

KEYS = {"start_ratio", "open_ms", "open_query_ratio", "sync_ratio", "ingest_ratio", "rss_mb",
        "print_ms", "print_pdf_ms", "print_lab_ms"}
ROOT = Path(__file__).resolve().parents[2]


def test_bench_quick_tiny_writes_every_key(tmp_path: Path):
    out = tmp_path / "bench.json"
    env = {**os.environ, "KIOSK_BENCH_TINY": "1", "QT_QPA_PLATFORM": "offscreen",
           "LANG": "C.UTF-8"}
    proc = subprocess.run([sys.executable, "-m", "bench", "--quick", "--json", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    figures = json.loads(out.read_text())
    assert figures.keys() >= KEYS
    assert all(isinstance(figures[k], int | float) and figures[k] > 0 for k in KEYS)
    assert figures["mode"] == "tiny"
