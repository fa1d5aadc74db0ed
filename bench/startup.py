"""``start_ratio``: a fresh kiosk process to the painted Welcome screen, divided by a
fresh process showing a bare PySide6 window; alternated, median of the per-pair ratios."""

from __future__ import annotations

import subprocess
import sys
import time

from bench.common import ROOT, Sizes, alternate, child_env, median

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


def _spawn(which: str) -> float:
    env = {**child_env(), **PRODUCTION_ENV}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bench.startup_child", which], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
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


def run(sizes: Sizes) -> dict:
    _compile_like_an_install()
    _spawn("bare")  # warm the page cache for both
    _spawn("kiosk")
    kiosk, bare = alternate(lambda: _spawn("kiosk"), lambda: _spawn("bare"), sizes.runs)
    return {
        "start_ratio": median([k / b for k, b in zip(kiosk, bare, strict=True)]),
        "detail": {"kiosk_start_ms": median(kiosk) * 1000, "bare_start_ms": median(bare) * 1000},
    }
