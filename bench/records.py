"""The EMR screen's figures, each from fresh kiosk processes on SQLite caches:

* ``open_ms``, ``open_query_ratio``, ``rss_mb`` and ``scroll_ms`` (paging every list of
  a 50k EMR to its end as the UI does), from one process (``bench.open_worker``);
* ``rss_scrolled_mb``: the peak RSS of a process that paged every list of a 200k EMR;
* ``open_field_ms``: p90 of the first open tapped while the sign-in refresh runs
  (``bench.field_worker``; its simulator serves the 50k EMR);
* the sweep of open time and memory over cache sizes for the plot.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from bench.cache import build
from bench.common import Sizes, median, p90, run_json_child
from bench.simproc import SimProcess


def measure(folder: Path, docs: int, runs: int, registry: str, key: str,
            *extra: str) -> dict:
    db = build(folder / f"cache-{docs}.sqlite3", docs)
    return run_json_child("bench.open_worker", "--db", str(db), "--registry", registry,
                          "--key", key, "--runs", str(runs), *extra)


def _query_runs(sizes: Sizes) -> tuple[str, str]:
    return "--query-runs", str(sizes.query_runs)


def field(folder: Path, sizes: Sizes) -> dict:
    """The field open on a copy of the cache (the refresh writes to it)."""
    db = folder / f"field-{sizes.open_docs}.sqlite3"
    shutil.copyfile(build(folder / f"cache-{sizes.open_docs}.sqlite3", sizes.open_docs), db)
    with SimProcess(sizes.open_docs, big=sizes.open_docs) as sim:
        return run_json_child("bench.field_worker", "--db", str(db),
                              "--registry", sim.info["registry_url"],
                              "--key", sim.info["api_key"], "--runs", str(sizes.field_runs))


def run(sizes: Sizes, folder: Path) -> dict:
    with SimProcess(100) as sim:
        reg, key = sim.info["registry_url"], sim.info["api_key"]
        main = measure(folder, sizes.open_docs, sizes.runs, reg, key,
                       "--scroll-runs", str(sizes.runs), *_query_runs(sizes))
        scrolled = measure(folder, sizes.scroll_docs, 1, reg, key, "--scroll-only")
        sweep = []
        for n in sizes.sweep:
            r = main if n == sizes.open_docs else measure(folder, n, sizes.runs, reg, key,
                                                          *_query_runs(sizes))
            sweep.append({"documents": n, "open_ms": r["open_ms"], "rss_mb": r["rss_mb"],
                          "service_query_ms": r["service_query_ms"]})
    in_field = field(folder, sizes)
    keys = ("open_ms", "open_ms_p90", "rss_mb", "open_query_ratio", "open_query_ratio_p90")
    detail = {k: v for k, v in main.items() if k not in keys}
    detail["documents"] = sizes.open_docs
    detail["scrolled"] = {**scrolled, "documents": sizes.scroll_docs}
    detail["field"] = {k: v for k, v in in_field.items() if k != "open_field_ms"}
    scrolls = main["scroll_ms_runs"]
    return {**{k: main[k] for k in keys},
            "scroll_ms": median(scrolls), "scroll_ms_p90": p90(scrolls),
            "rss_scrolled_mb": scrolled["rss_scrolled_mb"],
            "open_field_ms": in_field["open_field_ms"],
            "open_field_median_ms": in_field["open_field_median_ms"],
            "detail": detail, "sweep": sweep}
