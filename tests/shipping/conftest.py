"""Shipping fixtures: the built bundle and .deb (once per session, in a temp dir), the
``kiosk`` command as a subprocess, the simulator's environment, PostgreSQL schemas.

The bundle takes about 40 s to build and the .deb about 15 s more. Set
``KIOSK_TEST_BUNDLE=/path/to/dist/kiosk`` to test an already built bundle instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from kiosk.sim.server import SimServer

ROOT = Path(__file__).resolve().parents[2]
INSTALLER = ROOT / "installer"
PG_ENV = "KIOSK_TEST_PG_URL"

#: Written to the report at the end (bundle size and build time for the release notes).
FIGURES: dict[str, str] = {}


def run(cmd: list[str], env: Mapping[str, str] | None = None, timeout: float = 120,
        **kw: object) -> subprocess.CompletedProcess[str]:
    """Run, capture text; the environment is the test's plus ``env``, in UTF-8."""
    full = {**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", **(env or {})}
    return subprocess.run(cmd, env=full, capture_output=True, text=True, timeout=timeout,
                          check=False, **kw)  # type: ignore[call-overload]


def kiosk_cmd() -> list[str]:
    """The ``kiosk`` command of the source tree (the venv's Python)."""
    return [sys.executable, "-m", "kiosk"]


def sim_env(sim: SimServer) -> dict[str, str]:
    """KIOSK_* pointing every upstream at the simulator (as tests/integration does)."""
    return {
        **sim.kiosk_env(),
        "KIOSK_UPSTREAM_READ_TIMEOUT_S": "2.0",
        "KIOSK_SECURITY_CODE_KEY": "ab" * 32,
    }


@pytest.fixture(autouse=True)
def _no_stray_kiosk_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's KIOSK_* variables must not leak into the subprocesses under test, nor
    a machine's /etc/kiosk/kiosk.toml (KIOSK_CONFIG empty: no file unless --config)."""
    for key in list(os.environ):
        if key.startswith("KIOSK_") and not key.startswith("KIOSK_TEST_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("KIOSK_CONFIG", "")


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The one-folder bundle built from installer/kiosk.spec: ``<dir>/kiosk`` is the binary."""
    prebuilt = os.environ.get("KIOSK_TEST_BUNDLE")
    if prebuilt:
        return Path(prebuilt)
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        pytest.fail("PyInstaller is missing: `./dev test` installs it (the test extra)")
    out = tmp_path_factory.mktemp("bundle")
    started = time.monotonic()
    proc = run([sys.executable, "-m", "PyInstaller", str(INSTALLER / "kiosk.spec"),
                "--noconfirm", "--log-level", "WARN",
                "--distpath", str(out / "dist"), "--workpath", str(out / "work")],
               timeout=900, cwd=out)
    assert proc.returncode == 0, proc.stderr[-4000:]
    shutil.rmtree(out / "work", ignore_errors=True)
    folder = out / "dist" / "kiosk"
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())
    FIGURES["bundle build"] = f"{time.monotonic() - started:.0f} s"
    FIGURES["bundle size"] = f"{size / 2**20:.0f} MiB"
    return folder


@pytest.fixture(scope="session")
def deb(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("dpkg-deb") is None:
        pytest.skip("dpkg-deb is not installed (Debian's dpkg package)")
    out = tmp_path_factory.mktemp("deb")
    started = time.monotonic()
    proc = run([str(INSTALLER / "build-deb"), str(bundle), str(out)], timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    path = Path(proc.stdout.strip().splitlines()[-1])
    FIGURES["deb build"] = f"{time.monotonic() - started:.0f} s"
    FIGURES["deb size"] = f"{path.stat().st_size / 2**20:.0f} MiB"
    return path


def _summary() -> str:
    return "shipping: " + ", ".join(f"{k} {v}" for k, v in FIGURES.items())


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On an xdist worker: hand the line to the controller (tests/conftest.py prints it)."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None and FIGURES:
        workeroutput.setdefault("summary", []).append(_summary())


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FIGURES and not hasattr(terminalreporter.config, "workeroutput"):
        terminalreporter.write_line(_summary())


# ---------------------------------------------------------------- PostgreSQL


@pytest.fixture
def pg_schema_factory(pg_base_url: str) -> Iterator[object]:
    """A factory of fresh schemas (URL with ``search_path``), all dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    admin = create_engine(pg_base_url, poolclass=NullPool)
    made: list[str] = []

    def new() -> str:
        schema = f"kiosk_ship_{uuid.uuid4().hex[:12]}"
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        made.append(schema)
        url = make_url(pg_base_url).update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    try:
        yield new
    finally:
        with admin.begin() as conn:
            for schema in made:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


# ---------------------------------------------------------------- the simulator


