"""``kiosk check-config`` and ``kiosk status --json`` as the IT person and a fleet monitor
run them: real subprocesses of the source tree's ``kiosk`` command.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kiosk.sim.server import API_KEY, CLIENT_SECRET, SimServer
from tests.shipping.conftest import kiosk_cmd, run, sim_env

pytestmark = pytest.mark.slow

CODE_KEY = "5e" * 32
PIN_HASH = "scrypt$not-a-real-hash$but-secret"


def secret_file(folder: Path, name: str, value: str, mode: int = 0o600) -> Path:
    path = folder / name
    path.write_text(value + "\n", encoding="utf-8")
    os.chmod(path, mode)
    return path


def test_check_config_reports_every_problem_at_once(tmp_path: Path) -> None:
    """One run names every bad key in plain words: types, ranges, URLs, unknown keys,
    secret files that are missing or readable by others, and missing production secrets."""
    loose = secret_file(tmp_path, "registry_key", "k" * 20, mode=0o644)
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(
        "[kiosk]\n"
        'idle_timeout_s = "soon"\n'
        'language = "de"\n'
        "fullscreen = 3\n"
        "colour = 1\n"
        "[store]\n"
        'url = "cache.sqlite3"\n'
        "[portal]\n"
        'issuer = "portal.local"\n'
        "client_secret = 12345\n"
        "[upstream]\n"
        f'registry_key_file = "{loose}"\n'
        f'sms_key_file = "{tmp_path / "missing"}"\n'
        "read_timeout_s = 0\n"
        "[print]\n"
        'paper = "A3"\n'
        "[printer]\n",
        encoding="utf-8",
    )
    proc = run([*kiosk_cmd(), "check-config", str(cfg)])
    assert proc.returncode == 2
    assert proc.stdout == ""
    err = proc.stderr
    expected = {
        "kiosk.idle_timeout_s": "expected a number",
        "kiosk.language": "ru or en",
        "kiosk.fullscreen": "expected true or false",
        "kiosk.colour": "unknown key",
        "store.url": "SQLAlchemy URL",
        "portal.issuer": "expected an http(s) URL",
        "portal.client_secret": "not shown",
        "upstream.registry_key_file": "chmod 600",
        "upstream.sms_key_file": "no such file",
        "upstream.read_timeout_s": "between 0 and 300",
        "print.paper": "A4 or roll80",
        "[printer]": "unknown section",
        "security.code_key": "required",
        "kiosk.staff_pin_hash": "required",
    }
    lines = [line for line in err.splitlines() if line.startswith("  - ")]
    for key, words in expected.items():
        assert any(line.startswith(f"  - {key}:") and words in line for line in lines), (key, err)
    assert f"{len(lines)} problem(s)" in err.splitlines()[0]
    assert "12345" not in err  # an inline secret is never echoed
    assert "Traceback" not in err


def test_check_config_accepts_the_shipped_sample_with_its_secrets(tmp_path: Path) -> None:
    """The sample /etc/kiosk/kiosk.toml is valid once its secret files exist (0600)."""
    sample = Path(__file__).resolve().parents[2] / "installer" / "kiosk.toml"
    proc = run([*kiosk_cmd(), "check-config", str(sample)])
    assert proc.returncode == 2
    assert proc.stderr.count("cannot read /etc/kiosk/secrets/") == 6, proc.stderr
    env = {
        "KIOSK_KIOSK_STAFF_PIN_HASH_FILE": str(secret_file(tmp_path, "pin", PIN_HASH)),
        "KIOSK_PORTAL_CLIENT_SECRET_FILE": str(secret_file(tmp_path, "cs", "client-secret")),
        "KIOSK_UPSTREAM_REGISTRY_KEY_FILE": str(secret_file(tmp_path, "rk", "registry")),
        "KIOSK_UPSTREAM_SMS_KEY_FILE": str(secret_file(tmp_path, "sk", "sms")),
        "KIOSK_UPSTREAM_SUPPORT_KEY_FILE": str(secret_file(tmp_path, "dk", "desk")),
        "KIOSK_SECURITY_CODE_KEY_FILE": str(secret_file(tmp_path, "ck", CODE_KEY)),
    }
    proc = run([*kiosk_cmd(), "check-config", str(sample)], env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"{sample}: OK"


def test_check_config_demo_needs_no_secrets(tmp_path: Path) -> None:
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text('[kiosk]\nid = "hall-2"\n', encoding="utf-8")
    assert run([*kiosk_cmd(), "check-config", str(cfg)]).returncode == 2
    proc = run([*kiosk_cmd(), "check-config", str(cfg), "--demo"])
    assert proc.returncode == 0, proc.stderr


def _secret_files_env(tmp_path: Path) -> dict[str, str]:
    folder = tmp_path / "secrets"
    folder.mkdir(mode=0o700)
    return {
        "KIOSK_PORTAL_CLIENT_SECRET_FILE": str(secret_file(folder, "cs", CLIENT_SECRET)),
        "KIOSK_UPSTREAM_REGISTRY_KEY_FILE": str(secret_file(folder, "rk", API_KEY)),
        "KIOSK_UPSTREAM_SMS_KEY_FILE": str(secret_file(folder, "sk", API_KEY)),
        "KIOSK_UPSTREAM_SUPPORT_KEY_FILE": str(secret_file(folder, "dk", API_KEY)),
        "KIOSK_SECURITY_CODE_KEY_FILE": str(secret_file(folder, "ck", CODE_KEY)),
        "KIOSK_KIOSK_STAFF_PIN_HASH_FILE": str(secret_file(folder, "pin", PIN_HASH)),
    }


def test_status_json_against_the_simulator(sim: SimServer, tmp_path: Path) -> None:
    """R-KSK-6's checks for a fleet monitor: one JSON object on stdout, exit 0 when healthy;
    after a sync, its time; secrets from 0600 files, never in the output or the log."""
    env = {**sim_env(sim), **_secret_files_env(tmp_path),
           "KIOSK_STORE_URL": f"sqlite:///{tmp_path / 'cache.sqlite3'}",
           "KIOSK_KIOSK_ID": "hall-2"}
    for key in ("KIOSK_PORTAL_CLIENT_SECRET", "KIOSK_UPSTREAM_REGISTRY_KEY",
                "KIOSK_UPSTREAM_SMS_KEY", "KIOSK_UPSTREAM_SUPPORT_KEY",
                "KIOSK_SECURITY_CODE_KEY"):
        env.pop(key)
    before = run([*kiosk_cmd(), "-v", "status", "--json"], env=env)
    assert before.returncode == 0, before.stderr
    data = json.loads(before.stdout)
    assert data["kiosk_id"] == "hall-2"
    assert data["ok"] is True
    assert data["checks"] == {"portal": True, "registry": True, "sms": True, "emr": True,
                              "support": True, "store": True}
    assert data["last_sync"] is None and data["last_complete_sync"] is None
    assert data["outbox_pending"] == 0
    assert data["problems"] == []

    synced = run([*kiosk_cmd(), "-v", "sync"], env=env)
    assert synced.returncode == 0, synced.stderr
    after = run([*kiosk_cmd(), "status", "--json"], env=env)
    data = json.loads(after.stdout)
    assert data["last_sync"] is not None
    assert 0 <= data["last_sync_age_s"] < 120
    assert 0 <= data["last_complete_sync_age_s"] < 120  # the sync read every change
    assert data["last_complete_sync"] <= data["last_sync"]  # it began before its batches

    for proc in (before, synced, after):
        out = proc.stdout + proc.stderr
        for secret in (CLIENT_SECRET, API_KEY, CODE_KEY, PIN_HASH):
            assert secret not in out


def test_status_json_reports_a_down_upstream_and_store(sim: SimServer, tmp_path: Path) -> None:
    env = {**sim_env(sim), "KIOSK_STORE_URL": f"sqlite:///{tmp_path / 'cache.sqlite3'}"}
    sim.set_fault("sms", error_5xx=True)
    proc = run([*kiosk_cmd(), "status", "--json"], env=env)
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["ok"] is False
    assert data["checks"]["sms"] is False
    assert data["checks"]["portal"] is True
    assert "sms: not answering" in data["problems"]

    env["KIOSK_STORE_URL"] = f"sqlite:///{tmp_path / 'no-such-dir' / 'cache.sqlite3'}"
    proc = run([*kiosk_cmd(), "status", "--json"], env=env)
    assert proc.returncode == 1
    data = json.loads(proc.stdout)  # still JSON, not a traceback
    assert data["checks"] == {"store": False}
    assert data["problems"][0].startswith("store: ")


def test_status_json_with_a_bad_config(tmp_path: Path) -> None:
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text('[kiosk]\nlanguage = "de"\n', encoding="utf-8")
    proc = run([*kiosk_cmd(), "status", "--json", "--config", str(cfg)])
    assert proc.returncode == 2
    data = json.loads(proc.stdout)
    assert data["ok"] is False
    assert any("kiosk.language" in p for p in data["problems"])
