"""SIGKILL the sync worker and the migration at random points (issue 8 figure 3, R-SYNC-1).

Shared by ``tests/faults/test_fault_crash.py`` (5 kills) and ``python -m
bench.faults`` (a hundred). The simulator runs in the calling process; the sync runs
as ``python -m kiosk sync`` in a child process configured by environment variables,
exactly as the sync service of a clinic runs it, and is killed with SIGKILL.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk.domain.moscow import moscow_date
from kiosk.sim.population import Population
from kiosk.sim.server import SimServer

ROOT = Path(__file__).resolve().parents[2]


def big_population(docs: int = 20_000, seed: int = 11) -> Population:
    """About ``docs`` documents: 8 per generated patient plus the fixed people's."""
    return Population(size=max(30, docs // 8), seed=seed, today=moscow_date(datetime.now(UTC)))


def kiosk_env(sim: SimServer, store_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env.update({
        **sim.kiosk_env(),
        "KIOSK_SECURITY_CODE_KEY": "cd" * 32,
        "KIOSK_STORE_URL": store_url,
        "KIOSK_CONFIG": "",  # never the machine's /etc/kiosk/kiosk.toml
        "PYTHONPATH": str(ROOT),
    })
    return env


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def cache_state(db: Path) -> dict[str, Any]:
    """What a clean sync must equal: documents, patients, the cursor.

    A worker killed while it created the schema leaves a file with no tables (the
    migration is all or nothing): that is an empty cache, not a broken one.
    """
    conn = sqlite3.connect(db)
    try:
        if conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'documents'"
        ).fetchone() is None:
            return {"documents": {}, "patients": set(), "cursor": None}
        docs = {
            doc_id: (version, kind, bool(visible), emr_id,
                     hashlib.sha256(f"{title}\x1f{text}\x1f{created}".encode()).hexdigest()[:16])
            for doc_id, version, kind, visible, emr_id, title, text, created in conn.execute(
                "SELECT doc_id, version, kind, visible, emr_id, title, text, created_at"
                " FROM documents"
            )
        }
        patients = {r[0] for r in conn.execute("SELECT emr_id FROM patients")}
        row = conn.execute("SELECT cursor FROM sync_cursors WHERE stream = 'emr'").fetchone()
        return {"documents": docs, "patients": patients, "cursor": row[0] if row else None}
    finally:
        conn.close()


def cursor_gaps(sim: SimServer, state: dict[str, Any]) -> list[str]:
    """Records the stored cursor claims to cover but the cache lacks (or holds stale).

    Everything the source changed strictly before the cursor's instant of its type must
    be in the cache at the source's version — or absent when withdrawn.
    """
    cursor = json.loads(state["cursor"]) if state["cursor"] else {}
    gaps: list[str] = []
    with sim.fhir.lock:
        for rtype, table in sim.fhir.entries.items():
            if rtype not in cursor:
                continue
            upto = datetime.fromisoformat(cursor[rtype])
            upto_us = int(upto.timestamp() * 1_000_000)
            for fid, entry in table.items():
                if entry[0][0] >= upto_us:
                    continue
                if rtype == "Patient":
                    if fid not in state["patients"]:
                        gaps.append(f"Patient/{fid} missing")
                    continue
                doc_id = f"{rtype}/{fid}"
                held = state["documents"].get(doc_id)
                if entry[1].withdrawn:
                    if held is not None:
                        gaps.append(f"{doc_id} withdrawn but cached")
                elif held is None:
                    gaps.append(f"{doc_id} missing")
                elif held[0] != str(entry[2]):
                    gaps.append(f"{doc_id} at version {held[0]}, source {entry[2]}")
    return gaps


def mutate(sim: SimServer, rng: random.Random, n: int = 3) -> None:
    """Changes that land while the worker is down: edits, withdrawals, new documents."""
    with sim.fhir.lock:
        docs = [e[1] for t in ("DocumentReference", "DiagnosticReport")
                for e in sim.fhir.entries[t].values() if not e[1].withdrawn]
    for doc in rng.sample(docs, n):
        added = f" Дополнено {rng.random():.6f}."
        if doc.html:  # a narrative is sent as its HTML, not its text
            sim.upsert_document(replace(doc, html=doc.html + f"<p>{added}</p>"))
        else:
            sim.upsert_document(replace(doc, text=doc.text + added))
    for doc in rng.sample(docs, n):
        sim.withdraw_document(doc.doc_id)
    for doc in rng.sample(docs, n):
        sim.upsert_document(replace(doc, fhir_id=f"{doc.fhir_id}-n{rng.randrange(10**9)}"))


def spawn_sync(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "kiosk", "sync"], env=env, cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


def timed_sync(env: dict[str, str], timeout: float = 300) -> float:
    """One uninterrupted ``kiosk sync``; its wall time. Raises when it fails."""
    started = time.monotonic()
    proc = spawn_sync(env)
    out, err = proc.communicate(timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"kiosk sync failed ({proc.returncode}): {out!r} {err[-2000:]!r}")
    return time.monotonic() - started


@dataclass
class CrashReport:
    kills: int = 0
    finished_before_kill: int = 0
    checks: list[str] = field(default_factory=list)  # one line per kill
    problems: list[str] = field(default_factory=list)
    final_equal: bool = False
    documents: int = 0
    clean_seconds: float = 0.0
    resumed_seconds: float = 0.0


def extras(sim: SimServer, state: dict[str, Any]) -> list[str]:
    """Cached documents the source does not hold, or holds withdrawn."""
    out = []
    with sim.fhir.lock:
        for doc_id in state["documents"]:
            rtype, _, fid = doc_id.partition("/")
            entry = sim.fhir.entries.get(rtype, {}).get(fid)
            if entry is None or entry[1].withdrawn:
                out.append(doc_id)
    return out


def crash_series(
    sim: SimServer, workdir: Path, kills: int, seed: int, mutate_between: bool = True
) -> CrashReport:
    """SIGKILL ``kills`` runs of ``kiosk sync`` at random points, then compare.

    The cache accumulates across kills: each run resumes from the stored cursor and is
    killed at a random instant of what is left. A run that finishes first proves the
    resume; its cache is checked complete and the series goes on with an empty file
    (a fresh 20k sync), so the kills spread over the whole sync rather than its tail.
    """
    rng = random.Random(seed)
    report = CrashReport()
    scratch = workdir / "timing.sqlite3"
    full = timed_sync(kiosk_env(sim, f"sqlite:///{scratch}"))
    startup = timed_sync(kiosk_env(sim, f"sqlite:///{scratch}"))  # nothing new: start-up
    report.clean_seconds = full
    total = max(1, len(cache_state(scratch)["documents"]))
    generation = 0
    db = workdir / f"crash{generation}.sqlite3"
    while report.kills < kills:
        done = len(cache_state(db)["documents"]) / total if db.exists() else 0.0
        delay = rng.uniform(0.7 * startup, startup + max(0.1, (full - startup) * (1 - done)))
        proc = spawn_sync(kiosk_env(sim, f"sqlite:///{db}"))
        try:
            proc.wait(timeout=delay)
            finished = True
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            finished = False
        finally:
            proc.communicate()
        if finished and proc.returncode != 0:
            report.problems.append(f"sync exited {proc.returncode}")
        check = integrity(db) if db.exists() else "ok"
        empty: dict[str, Any] = {"documents": {}, "patients": set(), "cursor": None}
        state = cache_state(db) if db.exists() else empty
        gaps = cursor_gaps(sim, state)
        what = "finished before the kill" if finished else f"SIGKILL at {delay:.2f} s"
        report.checks.append(
            f"{len(report.checks) + 1:3d}: {what}; integrity {check};"
            f" {len(state['documents'])} documents; cursor gaps {len(gaps)}"
        )
        if check != "ok":
            report.problems.append(f"run {len(report.checks)}: integrity_check {check}")
        if gaps:
            report.problems.append(f"run {len(report.checks)}: {len(gaps)} gaps: {gaps[:3]}")
        if finished:
            report.finished_before_kill += 1
            stray = extras(sim, state)
            if stray:
                report.problems.append(f"completed cache holds {len(stray)} strays: {stray[:3]}")
            generation += 1
            db = workdir / f"crash{generation}.sqlite3"
        else:
            report.kills += 1
        if mutate_between:
            mutate(sim, rng)
    report.resumed_seconds = timed_sync(kiosk_env(sim, f"sqlite:///{db}"))
    clean = workdir / "clean.sqlite3"
    timed_sync(kiosk_env(sim, f"sqlite:///{clean}"))
    got, want = cache_state(db), cache_state(clean)
    report.documents = len(want["documents"])
    report.final_equal = got == want
    if not report.final_equal:
        missing = set(want["documents"]) - set(got["documents"])
        extra = set(got["documents"]) - set(want["documents"])
        differ = [d for d in set(want["documents"]) & set(got["documents"])
                  if want["documents"][d] != got["documents"][d]]
        report.problems.append(
            f"final cache differs from a clean sync: {len(missing)} missing, {len(extra)} extra,"
            f" {len(differ)} different, cursor equal {got['cursor'] == want['cursor']},"
            f" patients equal {got['patients'] == want['patients']}"
        )
    if integrity(db) != "ok":
        report.problems.append("final integrity_check failed")
    return report


# ---------------------------------------------------------------- migrations

_UPGRADE_CHILD = (
    "import sys, time\n"
    "from kiosk.store import migrate\n"
    "print('go', flush=True)\n"
    "t = time.monotonic()\n"
    "migrate.upgrade(sys.argv[1])\n"
    "print('done', time.monotonic() - t, flush=True)\n"
)


def spawn_upgrade(url: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _UPGRADE_CHILD, url], cwd=ROOT, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if line.strip() != "go":
        proc.kill()
        raise AssertionError(f"upgrade child did not start: {line!r} {proc.stderr.read()!r}")
    return proc


def upgrade_seconds(url: str) -> float:
    proc = spawn_upgrade(url)
    out, err = proc.communicate(timeout=120)
    if proc.returncode != 0:
        raise AssertionError(f"upgrade failed: {err[-2000:]}")
    return float(out.split()[-1])


def kill_upgrade(url: str, delay: float) -> bool:
    """Start an upgrade, SIGKILL it ``delay`` s after its imports; True if it was killed."""
    proc = spawn_upgrade(url)
    try:
        proc.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return True
    finally:
        proc.communicate()
