"""``start_ratio``: a fresh kiosk process to the painted Welcome screen, divided by a
fresh process showing a bare PySide6 window; alternated, median of the per-pair ratios.

``ready_ms`` (issue 18): a fresh kiosk process until a sign-in can start — Welcome
painted *and* the service graph built (``bench.startup_child ready``) — on a cache that
is already there and at the schema's head, as a kiosk restarting at a clinic finds it.
``ready_cpu_ms``: that process's CPU time (its threads included) up to then.
``tap_credentials_ms``: spawn → the credentials screen painted, «Войти» having been
tapped the moment the kiosk was ready (the store is opened in a worker meanwhile).
"""

from __future__ import annotations

import contextlib
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from bench.common import ROOT, Sizes, alternate, child_env, median, p90

#: ``kiosk run`` is production: it starts only with its secrets and TLS upstreams (issue
#: 15 item 4). The child stops at Welcome's first paint, before any upstream is called.
PRODUCTION_ENV = {
    "KIOSK_CONFIG": "",
    "KIOSK_SECURITY_CODE_KEY": "5e" * 32,
    "KIOSK_KIOSK_STAFF_PIN_HASH": "scrypt$bench$not-a-real-hash",
    "KIOSK_PORTAL_CLIENT_SECRET": "bench",
    "KIOSK_PORTAL_ISSUER": "https://portal.example.invalid/",
    "KIOSK_UPSTREAM_REGISTRY_URL": "https://registry.example.invalid/",
    "KIOSK_UPSTREAM_SMS_URL": "https://sms.example.invalid/",
    "KIOSK_UPSTREAM_FHIR_URL": "https://fhir.example.invalid/fhir",
    "KIOSK_UPSTREAM_SUPPORT_URL": "https://support.example.invalid/",
}


#: A child that never says it painted is killed after this long (its paint went
#: unnoticed: see ``bench.startup_child._watch_paint``); the run then fails, not hangs.
CHILD_TIMEOUT = 60.0


@contextlib.contextmanager
def _killed_after(proc: subprocess.Popen, seconds: float) -> Iterator[None]:
    timer = threading.Timer(seconds, proc.kill)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def _spawn(which: str) -> float:
    env = {**child_env(), **PRODUCTION_ENV}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bench.startup_child", which], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    with _killed_after(proc, CHILD_TIMEOUT):
        line = proc.stdout.readline()
        elapsed = time.perf_counter() - start
        proc.wait(30)
    if line.strip() != "PAINTED":
        raise RuntimeError(f"start-up child {which!r} did not paint (exit {proc.returncode})")
    return elapsed


def _compile_like_an_install() -> None:
    """Byte-compile the kiosk package, as the bundle, the .deb and a pip install do.

    A checkout used with ``PYTHONDONTWRITEBYTECODE=1`` (this workplace's shells set it)
    never gets ``.pyc`` files, so each fresh kiosk process would compile ~2,400 lines of
    its own code (~15 ms) that no installed kiosk compiles, while the baseline's PySide6
    is compiled in site-packages. The children still only read bytecode.
    """
    import compileall

    compileall.compile_dir(ROOT / "kiosk", quiet=1)


def _child_lines(which: str, store_url: str, expected: set[str]) -> tuple[dict[str, float], float]:
    """Each line one ``which`` child printed → ms since its spawn; and its CPU, ms."""
    env = {**child_env(), **PRODUCTION_ENV, "KIOSK_STORE_URL": store_url}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bench.startup_child", which], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    seen: dict[str, float] = {}
    with _killed_after(proc, CHILD_TIMEOUT):
        for line in proc.stdout:
            seen[line.strip()] = (time.perf_counter() - start) * 1000
        proc.wait(60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if not expected <= seen.keys():
        raise RuntimeError(f"{which} child: {sorted(seen)} (exit {proc.returncode})")
    return seen, (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000


def _ready(store_url: str) -> tuple[float, float, float]:
    """(spawn → READY, spawn → PAINTED, CPU) of one ``ready`` child, ms."""
    seen, cpu = _child_lines("ready", store_url, {"READY", "PAINTED"})
    return seen["READY"], seen["PAINTED"], cpu


def _tap(store_url: str) -> float:
    """Spawn → the credentials screen painted, «Войти» tapped as the kiosk got ready, ms."""
    seen, _ = _child_lines("tap", store_url, {"READY", "CREDENTIALS"})
    return seen["CREDENTIALS"]


def run(sizes: Sizes) -> dict:
    from kiosk.store.database import open_store

    _compile_like_an_install()
    if sizes.warm:
        _spawn("bare")  # warm the page cache for both
        _spawn("kiosk")
    kiosk, bare = alternate(lambda: _spawn("kiosk"), lambda: _spawn("bare"), sizes.runs)
    folder = Path(tempfile.mkdtemp(prefix="kiosk-bench-ready-"))
    try:
        store_url = f"sqlite:///{folder / 'cache.sqlite3'}"
        store = open_store(store_url)
        store.upgrade()
        store.dispose()
        if sizes.warm:
            _ready(store_url)  # warm the page cache
        ready = [_ready(store_url) for _ in range(sizes.runs)]
        tapped = [_tap(store_url) for _ in range(sizes.runs)]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    ratios = [k / b for k, b in zip(kiosk, bare, strict=True)]
    ready_ms = [r[0] for r in ready]
    return {
        "start_ratio": median(ratios),
        "start_ratio_p90": p90(ratios),
        "ready_ms": median(ready_ms),
        "ready_ms_p90": p90(ready_ms),
        "detail": {"kiosk_start_ms": median(kiosk) * 1000, "bare_start_ms": median(bare) * 1000,
                   "ready_ms_runs": ready_ms,
                   "ready_painted_ms": median([r[1] for r in ready]),
                   "ready_cpu_ms": median([r[2] for r in ready]),
                   "tap_credentials_ms": median(tapped), "tap_credentials_ms_p90": p90(tapped)},
    }
