"""Shared helpers: sizes per mode, medians, alternating runs, child processes, the machine."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Sizes:
    """How big each benchmark is; ``full`` is what the issue's targets are stated for."""

    name: str
    runs: int
    sync_docs: int
    open_docs: int
    sweep: tuple[int, ...]
    print_pages: int = 20
    print_pdf_pages: int = 30
    #: The EMR whose every list is paged to its end for ``rss_scrolled_mb``.
    scroll_docs: int = 200_000
    #: Sign-ins (each with its refresh of the open_docs EMR) for ``open_field_ms``.
    field_runs: int = 7
    #: Unmeasured warm-up runs before the measured ones (the smoke test skips them).
    warm: bool = True
    #: Pairs of the query ratios' alternation (each pair 2 × 20 calls).
    query_runs: int = 7


FULL = Sizes("full", runs=7, sync_docs=200_000, open_docs=50_000,
             sweep=(1_000, 5_000, 20_000, 50_000, 100_000, 200_000), field_runs=10)
QUICK = Sizes("quick", runs=5, sync_docs=20_000, open_docs=50_000, sweep=(), field_runs=5)
#: For the smoke test only: every key, in seconds, with meaningless figures.
TINY = Sizes("tiny", runs=1, sync_docs=1_000, open_docs=1_000, sweep=(), print_pages=2,
             print_pdf_pages=2, scroll_docs=1_000, field_runs=1, warm=False, query_runs=2)


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def p90(values: Sequence[float]) -> float:
    """The 90th percentile, linear between ranks (what is slow one time in ten): with
    five runs it lies between the two slowest; with one run it is that run."""
    if len(values) < 2:
        return float(values[0])
    return float(statistics.quantiles(values, n=10, method="inclusive")[-1])


def p10(values: Sequence[float]) -> float:
    """The 10th percentile: the bad tail of a figure where higher is better (a rate)."""
    if len(values) < 2:
        return float(values[0])
    return float(statistics.quantiles(values, n=10, method="inclusive")[0])


def alternate(a: Callable[[], float], b: Callable[[], float], runs: int) -> tuple[list[float],
                                                                                  list[float]]:
    """Run ``a`` and ``b`` in turns (a, b, b, a, a, b …) so that drift hits both alike."""
    xs: list[float] = []
    ys: list[float] = []
    for i in range(runs):
        if i % 2:
            ys.append(b())
            xs.append(a())
        else:
            xs.append(a())
            ys.append(b())
    return xs, ys


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["LANG"] = env.get("LANG") or "C.UTF-8"
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH")
                                     else "")
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def run_json_child(module: str, *args: str, timeout: float = 900) -> dict:
    """``python -m <module> args…`` whose last stdout line is a JSON object."""
    proc = subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, env=child_env(),
        capture_output=True, text=True, timeout=timeout, check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{module} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"{module} printed no result:\n{proc.stdout[-2000:]}"
                           f"\n{proc.stderr[-2000:]}")
    return json.loads(lines[-1])


def machine() -> dict[str, str]:
    info = {"uname": " ".join(platform.uname()), "python": sys.version.split()[0]}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        info["cpus"] = str(os.cpu_count())
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["ram"] = f"{int(line.split()[1]) // 1024} MiB"
    except OSError:
        pass
    return info


class Timer:
    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start
