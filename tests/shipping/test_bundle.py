"""The PyInstaller one-folder bundle (installer/kiosk.spec), built once per session.

What a clinic machine runs is the bundle, not the source tree: these tests run the
built binary — its version, its config checker, the Alembic migrations it carries
(SQLite and, with KIOSK_TEST_PG_URL, PostgreSQL through the bundled psycopg), a sync
against the simulator, and the UI's offscreen self-test.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import kiosk
from kiosk.sim.server import SimServer
from tests.shipping.conftest import kiosk_cmd, run, sim_env

pytestmark = pytest.mark.slow

#: The whole folder; 122-146 MiB is what PLATFORM.md measured for PySide6 bundles.
MAX_BUNDLE_MIB = 160


def binary(bundle: Path) -> str:
    return str(bundle / "kiosk")


def test_bundle_runs_version(bundle: Path) -> None:
    proc = run([binary(bundle), "--version"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"kiosk {kiosk.__version__}"


def test_bundle_leaves_out_unused_qt(bundle: Path) -> None:
    qt = bundle / "_internal" / "PySide6" / "Qt"
    libs = {p.name.split(".so")[0] for p in (qt / "lib").glob("libQt6*")}
    for needed in ("libQt6Core", "libQt6Gui", "libQt6Widgets", "libQt6PrintSupport"):
        assert needed in libs
    for unused in ("libQt6Qml", "libQt6Quick", "libQt6Network", "libQt6Pdf", "libQt6Sql",
                   "libQt6Designer", "libQt6WebEngineCore"):
        assert unused not in libs
    platforms = {p.name for p in (qt / "plugins" / "platforms").iterdir()}
    assert {"libqoffscreen.so", "libqxcb.so", "libqwayland.so"} <= platforms
    assert not {"libqeglfs.so", "libqvnc.so", "libqlinuxfb.so"} & platforms
    plugin_dirs = {p.name for p in (qt / "plugins").iterdir()}
    assert not {"qmltooling", "sqldrivers", "platformthemes", "tls", "designer"} & plugin_dirs
    # No GTK theme: it would drag GTK, Cairo and GnuTLS into the bundle.
    assert not list((bundle / "_internal").glob("libgtk-3*"))
    size = sum(f.stat().st_size for f in bundle.rglob("*") if f.is_file() and not f.is_symlink())
    assert size < MAX_BUNDLE_MIB * 2**20, f"{size / 2**20:.0f} MiB"


def test_bundle_carries_migrations_and_translations(bundle: Path) -> None:
    """Files read at run time are in the bundle where the code looks for them."""
    root = Path(__file__).resolve().parents[2]
    internal = bundle / "_internal"
    shipped = root / "kiosk" / "store" / "migrations" / "versions"
    for version in shipped.glob("*.py"):
        assert (internal / "kiosk" / "store" / "migrations" / "versions" / version.name).is_file()
    assert (internal / "kiosk" / "store" / "migrations" / "env.py").is_file()
    for qm in (root / "resources" / "translations").glob("*.qm"):
        assert (internal / "resources" / "translations" / qm.name).is_file()


def test_bundle_check_config(bundle: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[kiosk]\nlanguage = "de"\nidle_timeout_s = 5\n[print]\npaper = "A3"\n',
                   encoding="utf-8")
    proc = run([binary(bundle), "check-config", str(bad), "--demo"])
    assert proc.returncode == 2
    for key in ("kiosk.language", "kiosk.idle_timeout_s", "print.paper"):
        assert f"  - {key}:" in proc.stderr
    good = tmp_path / "good.toml"
    good.write_text('[kiosk]\nid = "hall-2"\n', encoding="utf-8")
    proc = run([binary(bundle), "check-config", str(good), "--demo"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"{good}: OK"


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_bundle_db_upgrade_sqlite(bundle: Path, tmp_path: Path) -> None:
    """The migrations are found inside the bundle (kiosk/store/migrations as data)."""
    from kiosk.store.migrate import head

    db = tmp_path / "cache.sqlite3"
    env = {"KIOSK_STORE_URL": f"sqlite:///{db}"}
    proc = run([binary(bundle), "db", "upgrade"], env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"database at revision {head()}"
    assert {"documents", "patients", "accounts", "audit", "alembic_version"} <= _tables(db)
    again = run([binary(bundle), "db", "upgrade"], env=env)
    assert again.returncode == 0, again.stderr
    assert "Running upgrade" not in again.stderr


@pytest.mark.postgres
def test_bundle_db_upgrade_postgres(bundle: Path, pg_schema_factory: object) -> None:
    """The bundled psycopg (with its own libpq) reaches PostgreSQL; no libpq5 needed."""
    from kiosk.store.migrate import current, head

    url = pg_schema_factory()  # type: ignore[operator]
    proc = run([binary(bundle), "db", "upgrade"], env={"KIOSK_STORE_URL": url})
    assert proc.returncode == 0, proc.stderr
    assert current(url) == head()


def test_bundle_syncs_from_the_simulator(bundle: Path, sim: SimServer, tmp_path: Path) -> None:
    """HTTP clients, FHIR parsing and the store work frozen: a sync fills the cache, its
    streams read and written by worker processes from the frozen program's fork server."""
    db = tmp_path / "cache.sqlite3"
    env = {**sim_env(sim), "KIOSK_STORE_URL": f"sqlite:///{db}"}
    proc = run([binary(bundle), "-v", "sync"], env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("sync: ")
    assert "sync runs in this process" not in proc.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM documents").fetchone()[0] > 0
    status = run([binary(bundle), "status", "--json"], env=env)
    assert status.returncode == 0, status.stdout + status.stderr
    assert '"ok": true' in status.stdout


def _self_test(cmd: list[str], data_home: Path) -> tuple[int, str]:
    # The demo's store is a SQLite file in the user's data directory; a fresh one per
    # run, or earlier runs' SMS sends count against the demo account's limit.
    data_home.mkdir(parents=True, exist_ok=True)
    proc = run([*cmd, "--self-test"], timeout=180,
               env={"QT_QPA_PLATFORM": "offscreen", "XDG_DATA_HOME": str(data_home)})
    return proc.returncode, (proc.stdout + proc.stderr)[-3000:]


def test_bundle_self_test_offscreen(bundle: Path, tmp_path: Path) -> None:
    """The UI's own walk through the patient's path (kiosk/ui/main.py ``self_test``:
    sign-in, EMR, document, print to PDF) run by the frozen binary offscreen against the
    simulator: Qt plugins, fonts, translations and printing are in the bundle."""
    code, output = _self_test([binary(bundle)], tmp_path / "bundle")
    if code != 0:
        source_code, source_output = _self_test(kiosk_cmd(), tmp_path / "source")
        where = ("in the source tree too" if source_code != 0
                 else "only in the bundle (the source tree passes)")
        pytest.fail(f"--self-test fails {where}:\n{output}\n--- source tree:\n{source_output}")
    assert "self-test: sign-in, EMR, document and print-to-PDF all worked" in output
    assert "Traceback" not in output
