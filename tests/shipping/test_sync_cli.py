"""``kiosk sync`` as an administrator runs it: its worker processes stop with it."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.sim.server import SimServer
from tests.shipping.conftest import kiosk_cmd, sim_env


def _documents(path: Path) -> int:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            return conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    except sqlite3.Error:  # not created or not migrated yet
        return 0


#: Runs a command with SIGINT at its default, as a terminal runs its foreground job.
#: A suite started as a background job (``cmd &`` in a script, ``nohup``) has SIGINT
#: ignored, its children inherit that, and Python keeps an inherited ignore: `kiosk
#: sync` could not hear the Ctrl-C under test. Found by the diagnostics below: the
#: sync's process had SIGINT in its ignored mask (SigIgn 0x1001007: HUP, INT, QUIT,
#: PIPE, XFSZ) in a run started with ``nohup … &``, as was the 4 Dec 2026 one.
WITH_DEFAULT_SIGINT = [
    sys.executable, "-c",
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.argv[1], sys.argv[1:])"]


def test_ctrl_c_stops_the_sync_and_its_workers_cleanly(sim: SimServer, tmp_path: Path) -> None:
    """Ctrl-C in a terminal signals the whole process group: `kiosk sync --follow` exits
    0 without a traceback from any process, every worker is gone, and what was committed
    stays (R-SYNC-1)."""
    db = tmp_path / "k.db"
    env = {**os.environ, "LANG": "C.UTF-8", **sim_env(sim), "KIOSK_STORE_URL": f"sqlite:///{db}",
           "KIOSK_UPSTREAM_FHIR_PAGE_SIZE": "10"}
    sim.set_fault("fhir", latency=0.1)  # several seconds of sync: Ctrl-C lands mid-way
    proc = subprocess.Popen([*WITH_DEFAULT_SIGINT, *kiosk_cmd(), "sync", "--follow"],
                            env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while _documents(db) == 0:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no batch committed in 60 s"
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail("`kiosk sync` still running 60 s after Ctrl-C; its processes:\n"
                        + _group_ps(proc.pid))
    finally:
        _reap(proc)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    # The fork server and the workers see their parent's pipes close and exit.
    deadline = time.monotonic() + 10
    while _group_alive(proc.pid):
        assert time.monotonic() < deadline, "a worker process outlived `kiosk sync`"
        time.sleep(0.05)
    assert _documents(db) > 0


def _reap(proc: subprocess.Popen[str]) -> None:
    """Kill what is left of the group and wait for it: a Popen left running fails a later
    test with its ResourceWarning instead of this one."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()


def _group_ps(pgid: int) -> str:
    """What each process of the group is doing (state, kernel wait) and how it takes
    signals (blocked, ignored, caught: /proc's masks; SIGINT is bit 2, 0x2), for a
    failure. A sync that went on to its end after Ctrl-C was seen once in a full-suite
    run on 4 Dec 2026, with nothing on stderr; these masks tell next time whether its
    process had SIGINT ignored or blocked."""
    out = subprocess.run(["ps", "-o", "pid,ppid,stat,wchan:24,etime,args", "-g", str(pgid)],
                         capture_output=True, text=True, check=False)
    lines = [out.stdout or out.stderr]
    for pid in [row.split()[0] for row in out.stdout.splitlines()[1:] if row.strip()]:
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{pid}/status").read_text()
            masks = [line for line in status.splitlines()
                     if line.startswith(("SigBlk", "SigIgn", "SigCgt"))]
            lines.append(f"{pid}: " + " ".join(masks))
    return "\n".join(lines)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_workers_stop_when_the_sync_is_killed(sim: SimServer, tmp_path: Path) -> None:
    """`kiosk sync` killed outright (SIGKILL, the out-of-memory killer) releases the sync
    lock with its death; its workers must not write on without it (R-SYNC-5): each
    stops at its next batch."""
    db = tmp_path / "k.db"
    env = {**os.environ, "LANG": "C.UTF-8", **sim_env(sim), "KIOSK_STORE_URL": f"sqlite:///{db}",
           "KIOSK_UPSTREAM_FHIR_PAGE_SIZE": "10"}
    sim.set_fault("fhir", latency=0.1)
    proc = subprocess.Popen([*kiosk_cmd(), "sync"], env=env, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while _documents(db) == 0:
            assert proc.poll() is None, "the sync ended before the test could kill it"
            assert time.monotonic() < deadline, "no batch committed in 60 s"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 30
        while _group_alive(proc.pid):
            assert time.monotonic() < deadline, "workers write on after the sync was killed"
            time.sleep(0.05)
    finally:
        if _group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
    synced = len([d for d in sim.population.documents() if not d.withdrawn])
    assert 0 < _documents(db) < synced  # they stopped part way
