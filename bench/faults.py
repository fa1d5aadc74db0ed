"""The fault figures, long run: ``python -m bench.faults [--kills 100] [--quick]``.

Runs every figure of ``tests/faults`` (pytest, with PostgreSQL when
``KIOSK_TEST_PG_URL`` is set — it defaults to the local server here), then the crash
series with ``--kills`` SIGKILLs (100 by default; the suite does 5), and writes the
figures with the machine they came from to ``docs/reliability.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "reliability.md"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def run_suite() -> tuple[int, list[str], float]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.setdefault("KIOSK_TEST_PG_URL", DEFAULT_PG)
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/faults", "-m", "faults", "-s", "-q",
         "-p", "no:cacheprovider"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    took = time.monotonic() - started
    lines: list[str] = []
    keep = False
    for line in proc.stdout.splitlines():
        if "FIGURE" in line:
            keep = True
            lines.append(line[line.index("FIGURE"):].rstrip(". "))
        elif keep and line.startswith("    "):
            lines.append(line.rstrip())
        else:
            keep = False
    summary = [ln for ln in proc.stdout.splitlines() if re.search(r"\d+ (passed|failed)", ln)]
    lines.append(f"pytest: {summary[-1] if summary else proc.stdout[-500:]}")
    return proc.returncode, lines, took


def run_crash(kills: int, seed: int) -> tuple[bool, list[str]]:
    sys.path.insert(0, str(ROOT))
    from kiosk.sim.server import SimServer
    from tests.faults._crash import big_population, crash_series

    server = SimServer(big_population(20_000), hang_seconds=3.0)
    server.warm()
    server.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            started = time.monotonic()
            report = crash_series(server, Path(tmp), kills, seed)
            took = time.monotonic() - started
    finally:
        server.stop()
    lines = [
        f"FIGURE crash-sync (long run, seed {seed}): {report.kills} SIGKILLs at random points"
        f" (+{report.finished_before_kill} runs that completed) of a {report.documents}-document"
        f" sync; clean sync {report.clean_seconds:.1f} s; integrity_check ok and no gap before"
        f" the cursor after every kill: {not any('integrity' in p or 'gaps' in p for p in report.problems)};"  # noqa: E501
        f" final cache equals a clean sync: {report.final_equal}; problems {len(report.problems)};"
        f" {took:.0f} s",
        *("    " + p for p in report.problems),
    ]
    return report.final_equal and not report.problems, lines


def machine() -> list[str]:
    return [
        f"- `uname -a`: `{' '.join(platform.uname())}`",
        f"- CPUs: {os.cpu_count()}",
        f"- Python {platform.python_version()}; SQLite {__import__('sqlite3').sqlite_version}",
    ]


def write_doc(suite: list[str], suite_ok: bool, took: float, crash: list[str], crash_ok: bool,
              kills: int) -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = f"""# Reliability figures

Measured {now} by `python -m bench.faults --kills {kills}`; every figure is also a
test in `tests/faults` (marked `faults`; PostgreSQL variants also `postgres`) that
prints it and fails when it is wrong. Latest result: suite {"PASSED" if suite_ok else
"FAILED"} in {took:.0f} s, long crash run {"PASSED" if crash_ok else "FAILED"}.

## Machine

{chr(10).join(machine())}

## What is measured

1. **Lockout under concurrency** (R-OTP-3, R-OTP-4; issue 4 «many kiosks»): 8 kiosk
   processes (`multiprocessing` *spawn*) × 10 wrong codes for one account, released by
   one barrier, on one SQLite WAL file and on one PostgreSQL schema. Real store and
   `SignInService`; fakes for portal, registry, SMS; a fixed clock handed to every
   process. Exactly 5 failures counted, 0 sign-ins, the right code refused at 24 h − 1 s
   and no new code sent, a fresh sign-in at 24 h + 1 s; a blocked account answers a
   right code exactly as a wrong one (same error, same «until», state unchanged).
   Resending, or starting over at another kiosk, does not reset the count.
2. **Single use** (R-OTP-1): the same right code from 8 processes at once → 1 session,
   7 refusals; a later replay at another kiosk is refused and not counted as wrong.
3. **Crash during sync** (R-SYNC-1, R-SYNC-5): `python -m kiosk sync` against the
   simulator (≈20,000 documents) killed with SIGKILL at random instants; upstream
   edits, withdrawals and new documents land between kills. After each kill:
   `PRAGMA integrity_check` = ok, and every record the source changed before the stored
   cursor is in the cache at the source's version (withdrawn ones absent). A run that
   finishes is checked complete (no strays) and the series restarts from an empty file,
   so kills spread over the whole sync. At the end the resumed cache equals a clean sync
   (ids, versions, kinds, visibility, EMR, content digest, patients, cursor). Alembic
   upgrades killed at random instants (SQLite and PostgreSQL) leave no tables or all of
   them, and the next upgrade completes with the schema equal to the models.
4. **Nothing left after sign-out, service part** (R-KSK-2, R-OTP-7, R-SHOW-1): 1,000
   unique markers seeded upstream into one patient's documents; sync, sign-in over HTTP,
   every document opened, one print job of all of them prepared, session dropped. Every
   file the kiosk wrote other than the cache (a DEBUG log file, the temp dir, the lock
   file) and every non-cache table (audit, accounts, meta, …) scanned: markers, codes,
   password, full surname. The cache holds all 1,000 (positive control).
   **Qt part** (`tests/ui/test_markers_after_signout.py`, marked `ui` and `faults`): 1,000
   marked documents in one EMR, the whole list scrolled in, documents opened, a marker
   copied to the clipboard, all 1,000 printed to one PDF (`pdftotext` finds 1,000 distinct
   markers: the scan can see them), then sign-out by button and, in a second run, by the
   idle timeout. Figure: **0 markers** in `QApplication.allWidgets()` texts, every item
   model's display/tooltip/user data, the clipboard and the print folder (0 files left).
5. **Audit tamper** (R-KSK-7, R-OTP-7): a 10,000-entry log (real sign-ins, then bulk
   entries written with the service's hash and anchor functions, then service appends),
   one entry changed / deleted / inserted (renumbered, with a correct own hash) /
   reordered, the last entry deleted, and the last entry deleted with the anchor moved
   back without the key; `kiosk audit verify` (subprocess, `KIOSK_STORE_URL`) must exit 1
   and name kiosk and entry each time.
6. **Bad upstreams** (R-KSK-5, R-ACC-4, R-SHOW-6): the simulator's 5xx, hang, TCP
   reset, truncated JSON, HTML with 200, oversized (50 MiB) and trickle (the body in 40
   pieces, each within the read timeout, over 3 s) switches against sign-in
   start (portal, registry, SMS), sync run and sign-in refresh, through the real HTTP
   clients with connect = read = 1 s: a typed error each time, the cache and the
   account state unchanged, elapsed time measured against connect + read + 0.75 s.

## Figures

```
{chr(10).join(suite)}
{chr(10).join(crash)}
```

## How entries are named by `kiosk audit verify`

- changed entry *i* → entry *i* («content changed»);
- deleted entry *i* → entry *i + 1*, the message says «expected entry *i*»;
- forged insertion after *i* (renumbered, own hash correct) → entry *i + 2*: the
  inserted entry is consistent with its predecessor by construction; the chain breaks
  at the original entry whose link it cut. Naming the inserted entry itself would need
  a keyed MAC per entry;
- reordered entries *i*, *j* → entry min(*i*, *j*);
- deleted last entry → the missing entry («removed from the end»), found through the
  chain's anchor (below), with or without the key;
- last entry deleted and anchor moved back without the key → «anchor is forged».

The anchor: every append also rewrites, in the same transaction, a row in `meta`
holding the chain's last seq and hash with an HMAC under the kiosk's `security.code_key`.
A chain alone cannot show that its newest entries were cut; the anchor can, and with
the key configured nobody without it can move the anchor or rewrite the chain.

## Rerun

```
KIOSK_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
  .venv/bin/pytest -m faults tests/faults -s      # the bounded figures (CI)
.venv/bin/python -m bench.faults                  # + 100 kills; rewrites this file
```

## Not covered here

- Crash figure 3 on PostgreSQL: the sync kill series runs on SQLite (the clinic
  default, and where `integrity_check` applies); PostgreSQL is covered for upgrades.
"""
    DOC.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.faults")
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--seed", type=int, default=None,
                        help="the crash series' seed (default: KIOSK_TEST_SEED or random)")
    args = parser.parse_args(argv)
    env_seed = os.environ.get("KIOSK_TEST_SEED", "").strip()
    seed = args.seed if args.seed is not None else (
        int(env_seed) if env_seed else random.randrange(10**6))
    code, suite, took = run_suite()
    print("\n".join(suite), flush=True)
    crash_ok, crash = run_crash(args.kills, seed)
    print("\n".join(crash), flush=True)
    if not args.no_write:
        write_doc(suite, code == 0, took, crash, crash_ok, args.kills)
        print(f"wrote {DOC}")
    return 0 if code == 0 and crash_ok else 1


if __name__ == "__main__":
    sys.exit(main())
