"""Figure 5: a 10,000-entry audit log; any one entry changed, deleted, inserted or moved,
and ``kiosk audit verify`` names where (R-KSK-7). The log holds no code, password or
login (R-OTP-7).

The first entries come from real sign-ins (codes sent, wrong, right) through
``SignInService`` on the store; the bulk is appended in one transaction with the
service's own hash and anchor functions (10,000 single appends would take ~20 s), and
the last entries again through ``AuditLog``, so the anchor is the service's. The CLI
runs as a subprocess with ``KIOSK_STORE_URL`` and the kiosk's key, as staff would run it.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from kiosk.services.audit import GENESIS, anchor_mac, record_hash, verify_chain
from kiosk.services.errors import WrongCode
from kiosk.services.ports import AuditAnchor, AuditRecord
from tests.fakes import T0
from tests.faults._workers import CODE_KEY, LOGIN, PASSWORD, make_kiosk

pytestmark = pytest.mark.faults

ROOT = Path(__file__).resolve().parents[2]
ENTRIES = 10_000
KIOSKS = ("kiosk-01", "kiosk-02")
TRIALS_PER_KIND = 2


@dataclass
class Log:
    db: Path
    codes: set[str]


@pytest.fixture(scope="module")
def audit_log(tmp_path_factory: pytest.TempPathFactory) -> Log:
    db = tmp_path_factory.mktemp("audit") / "cache.sqlite3"
    url = f"sqlite:///{db}"
    from kiosk.store.database import open_store

    store = open_store(url)
    store.upgrade()
    store.dispose()
    codes: set[str] = set()
    kiosks = [make_kiosk(url, k, T0) for k in KIOSKS]
    # Real sign-ins: a wrong code, then the right one, at both kiosks.
    for n in range(20):
        kiosk = kiosks[n % 2]
        kiosk.clock.set(T0 + timedelta(hours=3 * n))  # under the 10-codes-a-day cap
        attempt = kiosk.signin.start(LOGIN, PASSWORD)
        right = kiosk.sms.last_code()
        wrong = f"{(int(right) + 1) % 10**6:06d}"
        codes.update({right, wrong})
        with pytest.raises(WrongCode):
            kiosk.signin.verify(attempt, wrong)
        kiosk.signin.verify(attempt, right)
    # The bulk, exactly as AuditLog.record would write it, in one transaction per kiosk.
    real = sum(1 for _ in _rows(db))
    per_kiosk = (ENTRIES - real - 2 * len(KIOSKS)) // len(KIOSKS)
    for kiosk in kiosks:
        kid = kiosk.audit._kiosk_id
        with kiosk.store.uow_factory(write=True) as uow:
            head = uow.audit.head_for_update(kid)
            seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
            at = kiosk.clock.now()
            for i in range(per_kiosk):
                seq += 1
                at += timedelta(seconds=3)
                details = {"emr": f"e{i % 40}", "doc": f"DocumentReference/d{i}"}
                digest = record_hash(kid, seq, at, "document.opened", "u:0a1b2c3d4e5f",
                                     details, prev)
                uow.audit.append(AuditRecord(kid, seq, at, "document.opened", "u:0a1b2c3d4e5f",
                                             details, prev, digest))
                prev = digest
            uow.audit.set_anchor(AuditAnchor(kid, seq, prev, anchor_mac(CODE_KEY, kid, seq, prev)))
            uow.commit()
        kiosk.clock.set(at + timedelta(minutes=1))
    for kiosk in kiosks:
        kiosk.clock.set(max(k.clock.now() for k in kiosks))
    while sum(1 for _ in _rows(db)) < ENTRIES:
        for kiosk in kiosks:
            kiosk.audit.record("staff.health_viewed", "staff")
    for kiosk in kiosks:
        kiosk.store.dispose()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return Log(db, codes)


def _rows(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT * FROM audit ORDER BY kiosk_id, seq").fetchall()
    finally:
        conn.close()


def verify_cli(db: Path, key: bytes | None = CODE_KEY) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env["KIOSK_STORE_URL"] = f"sqlite:///{db}"
    env["KIOSK_CONFIG"] = ""  # never the machine's /etc/kiosk/kiosk.toml
    env["PYTHONPATH"] = str(ROOT)
    if key:
        env["KIOSK_SECURITY_CODE_KEY"] = key.hex()
    proc = subprocess.run(
        [sys.executable, "-m", "kiosk", "audit", "verify"], env=env, cwd=db.parent,
        capture_output=True, text=True, timeout=120,
    )
    return proc.returncode, (proc.stdout.strip() or proc.stderr.strip()[-3000:])


def test_intact_log_verifies_and_holds_no_secret_r_ksk_7_r_otp_7(audit_log: Log) -> None:
    """R-KSK-7 / R-OTP-7: 10,000 entries verify; no code, password or login in them."""
    rows = _rows(audit_log.db)
    assert len(rows) == ENTRIES
    code, out = verify_cli(audit_log.db)
    assert (code, out) == (0, f"audit OK: {ENTRIES} entries")
    text = "\n".join("\x1f".join(str(c) for c in row) for row in rows)
    conn = sqlite3.connect(audit_log.db)
    meta = "\n".join(str(r) for r in conn.execute("SELECT * FROM meta"))
    conn.close()
    password = int(PASSWORD in text or PASSWORD in meta)
    login = int(f'"{LOGIN}"' in text or f"\x1f{LOGIN}\x1f" in text)
    # Six digits can occur by chance inside hashes; a code must not occur as a token.
    tokens = set(re.findall(r"(?<![0-9a-f])\d{6}(?![0-9a-f])", text))
    chance = sum(1 for c in audit_log.codes if c in text or c in meta)
    print(f"\nFIGURE audit-secrets: {len(rows)} entries, {len(audit_log.codes)} codes sent or"
          f" typed → password found {password}, login found {login}, codes as tokens "
          f"{len(tokens & audit_log.codes)} (six digits inside a hash by chance: {chance})")
    assert not (tokens & audit_log.codes)
    assert PASSWORD not in text and PASSWORD not in meta
    assert f'"{LOGIN}"' not in text and f"\x1f{LOGIN}\x1f" not in text


def _tamper(db: Path, kind: str, rng: random.Random) -> tuple[str, int, str]:
    """Apply one tampering; return (kiosk, seq the verifier must name, text it must say)."""
    conn = sqlite3.connect(db)
    try:
        kid = rng.choice(KIOSKS)
        (n,) = conn.execute("SELECT max(seq) FROM audit WHERE kiosk_id = ?", (kid,)).fetchone()
        i = rng.randrange(1, n)  # not the last: that is its own trial
        if kind == "change":
            column, value = rng.choice([
                ("actor", "u:ffffffffffff"), ("event", "signin.success"),
                ("details", '{"emr":"e-other"}'), ("at", "2020-01-01T00:00:00.000000"),
            ])
            conn.execute(f"UPDATE audit SET {column} = ? WHERE kiosk_id = ? AND seq = ?",
                         (value, kid, i))
            want = (kid, i, "content changed")
        elif kind == "delete":
            conn.execute("DELETE FROM audit WHERE kiosk_id = ? AND seq = ?", (kid, i))
            want = (kid, i + 1, f"expected entry {i}")
        elif kind == "delete_last":
            conn.execute("DELETE FROM audit WHERE kiosk_id = ? AND seq = ?", (kid, n))
            want = (kid, n, "removed from the end")
        elif kind == "insert":
            # A careful forger: renumber the rest and give the new entry a correct hash.
            conn.execute("UPDATE audit SET seq = -seq - 1 WHERE kiosk_id = ? AND seq > ?",
                         (kid, i))
            conn.execute("UPDATE audit SET seq = -seq WHERE kiosk_id = ? AND seq < 0", (kid,))
            prev = conn.execute("SELECT hash FROM audit WHERE kiosk_id = ? AND seq = ?",
                                (kid, i)).fetchone()[0]
            at = T0 + timedelta(days=400)
            forged = record_hash(kid, i + 1, at, "signin.success", "u:ffffffffffff", {}, prev)
            conn.execute(
                "INSERT INTO audit VALUES (?, ?, ?, 'signin.success', 'u:ffffffffffff', '{}', ?,"
                " ?)", (kid, i + 1, at.isoformat(timespec="microseconds")[:26], prev, forged))
            # The inserted entry is consistent with its predecessor by construction; the
            # chain breaks at the next one, whose link it cut.
            want = (kid, i + 2, "does not follow")
        elif kind == "reorder":
            j = rng.randrange(1, n + 1)
            while j == i:
                j = rng.randrange(1, n + 1)
            cols = "at, event, actor, details, prev_hash, hash"
            a = conn.execute(f"SELECT {cols} FROM audit WHERE kiosk_id=? AND seq=?",
                             (kid, i)).fetchone()
            b = conn.execute(f"SELECT {cols} FROM audit WHERE kiosk_id=? AND seq=?",
                             (kid, j)).fetchone()
            sets = "at=?, event=?, actor=?, details=?, prev_hash=?, hash=?"
            conn.execute(f"UPDATE audit SET {sets} WHERE kiosk_id=? AND seq=?", (*b, kid, i))
            conn.execute(f"UPDATE audit SET {sets} WHERE kiosk_id=? AND seq=?", (*a, kid, j))
            want = (kid, min(i, j), "")
        elif kind == "truncate_and_move_anchor":
            # Delete the last entry and move the anchor back, without the kiosk's key.
            prev_seq, prev_hash = conn.execute(
                "SELECT seq, hash FROM audit WHERE kiosk_id = ? AND seq = ?", (kid, n - 1)
            ).fetchone()
            conn.execute("DELETE FROM audit WHERE kiosk_id = ? AND seq = ?", (kid, n))
            value = (f'{{"kiosk_id":"{kid}","seq":{prev_seq},"hash":"{prev_hash}",'
                     f'"mac":"{anchor_mac(b"guess", kid, prev_seq, prev_hash)}"}}')
            conn.execute("UPDATE meta SET value = ? WHERE value LIKE ?", (value, f'%"{kid}"%'))
            want = (kid, n - 1, "anchor is forged")
        else:
            raise AssertionError(kind)
        conn.commit()
        return want
    finally:
        conn.close()


KINDS = ("change", "delete", "insert", "reorder")


def test_any_tampering_is_named_r_ksk_7(audit_log: Log, tmp_path: Path, seed: int) -> None:
    """R-KSK-7: change, delete, insert or reorder one random entry — and delete the last
    one, with and without moving the anchor — ``kiosk audit verify`` exits 1 and names
    the kiosk and the entry, every time."""
    rng = random.Random(seed)
    trials = [k for k in KINDS for _ in range(TRIALS_PER_KIND)]
    trials += ["delete_last", "delete_last", "truncate_and_move_anchor"]
    named = 0
    lines = []
    for n, kind in enumerate(trials):
        db = tmp_path / f"t{n}.sqlite3"
        shutil.copy(audit_log.db, db)
        kid, seq, says = _tamper(db, kind, rng)
        code, out = verify_cli(db)
        ok = code == 1 and f"at kiosk {kid} entry {seq}:" in out and says in out
        named += ok
        lines.append(f"{kind:26} → exit {code}: {out}")
        assert ok, (kind, kid, seq, says, code, out, f"seed {seed}")
    print(f"\nFIGURE audit-tamper: {named}/{len(trials)} tamperings named (kiosk and entry)"
          f" in a {ENTRIES}-entry log")
    for line in lines:
        print("   ", line)


def test_deleting_the_last_entry_needs_the_anchor_r_ksk_7(audit_log: Log, tmp_path: Path) -> None:
    """R-KSK-7: without the anchor a truncated chain would look whole; with it, even
    without the key, the removal is named, and the anchor itself cannot be dropped."""
    from kiosk.store.database import open_store

    db = tmp_path / "last.sqlite3"
    shutil.copy(audit_log.db, db)
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM audit WHERE kiosk_id = ? AND seq = "
                 "(SELECT max(seq) FROM audit WHERE kiosk_id = ?)", (KIOSKS[0], KIOSKS[0]))
    conn.commit()
    conn.close()
    assert verify_cli(db, key=None)[0] == 1
    store = open_store(f"sqlite:///{db}")
    try:
        assert "removed from the end" in (verify_chain(store.uow_factory).reason or "")
    finally:
        store.dispose()
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM meta WHERE key LIKE 'audit_anchor:%'")
    conn.commit()
    conn.close()
    code, out = verify_cli(db)
    assert code == 1 and "anchor is missing" in out
