"""``open_ms``, ``open_query_ratio`` and ``rss_mb`` (one fresh kiosk process per cache
size), and the sweep of open time and memory over cache sizes for the plot."""

from __future__ import annotations

from pathlib import Path

from bench.cache import build
from bench.common import Sizes, run_json_child
from bench.simproc import SimProcess


def measure(folder: Path, docs: int, runs: int, registry: str, key: str) -> dict:
    db = build(folder / f"cache-{docs}.sqlite3", docs)
    return run_json_child("bench.open_worker", "--db", str(db), "--registry", registry,
                          "--key", key, "--runs", str(runs))


def run(sizes: Sizes, folder: Path) -> dict:
    with SimProcess(100) as sim:
        reg, key = sim.info["registry_url"], sim.info["api_key"]
        main = measure(folder, sizes.open_docs, sizes.runs, reg, key)
        sweep = []
        for n in sizes.sweep:
            r = main if n == sizes.open_docs else measure(folder, n, sizes.runs, reg, key)
            sweep.append({"documents": n, "open_ms": r["open_ms"], "rss_mb": r["rss_mb"],
                          "service_query_ms": r["service_query_ms"]})
    detail = {k: v for k, v in main.items()
              if k not in ("open_ms", "rss_mb", "open_query_ratio")}
    detail["documents"] = sizes.open_docs
    return {"open_ms": main["open_ms"], "open_query_ratio": main["open_query_ratio"],
            "rss_mb": main["rss_mb"], "detail": detail, "sweep": sweep}
