"""Figure 4 (service part): after sign-out nothing of the patient's documents is left
in any file the kiosk wrote, other than the cache (R-KSK-2, R-KSK-7, R-OTP-7, R-SHOW-1).

1,000 unique markers are seeded into one patient's documents upstream; the kiosk syncs,
signs in over HTTP, opens every document and prepares a print job of all of them, and
the session ends. Then every file under the kiosk's directories — log file (logging at
DEBUG to a file), temporary directory, lock files — and every row of the audit, account
and other non-cache tables is scanned. The cache file itself must hold the markers (it
is the positive control that the scan can see them). The Qt side (widgets, models,
clipboard, print spool files) is the UI's test.
"""

from __future__ import annotations

import gc
import logging
import re
import sqlite3
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.app import build_services
from kiosk.config import load
from kiosk.domain.documents import DocKind
from kiosk.sim.population import SimDocument
from kiosk.sim.server import SimServer

pytestmark = pytest.mark.faults

MARKERS = 1000
PER_DOC = 5
PASSWORD = "demo1234"
CACHE = "cache.sqlite3"
NON_CACHE_TABLES = ("audit", "accounts", "meta", "sync_rejects", "sync_cursors", "outbox",
                    "staff_pin", "emr_sync")


def test_nothing_left_after_sign_out_r_ksk_2(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R-KSK-2 / R-KSK-7 / R-OTP-7 / R-SHOW-1: 0 of 1,000 markers outside the cache;
    no code, password, login or full surname in the audit or the log."""
    data = tmp_path / "data"
    tmp = tmp_path / "tmp"
    data.mkdir()
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    log_file = data / "kiosk.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)

    markers = [f"MRK{uuid.uuid4().hex}" for _ in range(MARKERS)]
    base = next(d for d in sim.population.documents() if d.emr_id == "1001")
    doc_ids = []
    for n in range(MARKERS // PER_DOC):
        chunk = markers[n * PER_DOC : (n + 1) * PER_DOC]
        doc = SimDocument(
            f"marker-{n}", "1001", DocKind.EXAM_PROTOCOL,
            datetime(2024, 1, 1, 9, tzinfo=UTC).replace(minute=n % 60, second=n // 60),
            "Протокол осмотра", base.organization, base.performer,
            "Жалобы: " + " ".join(chunk) + ".",
        )
        sim.upsert_document(doc)
        doc_ids.append(doc.doc_id)
    family = sim.population.patient("1001").family

    env = {
        **sim.kiosk_env(),
        "KIOSK_SECURITY_CODE_KEY": "ef" * 32,
        "KIOSK_STORE_URL": f"sqlite:///{data / CACHE}",
    }
    codes: list[str] = []
    try:
        services = build_services(load(None, env=env))
        try:
            assert services.sync.run().error is None
            attempt = services.signin.start("anna", PASSWORD)
            code = re.search(r"\b(\d{6})\b", sim.sms_outbox()[-1]["text"]).group(1)
            codes.append(code)
            wrong = f"{(int(code) + 1) % 10**6:06d}"
            codes.append(wrong)
            with pytest.raises(Exception, match="wrong code"):
                services.signin.verify(attempt, wrong)
            session = services.signin.verify(attempt, code)
            assert services.sync.refresh([g.emr_id for g in session.grants]).failed == []
            services.records.card(session, "1001")
            opened = [services.records.document(session, "1001", d) for d in doc_ids]
            assert sum(m in v.text for v in opened for m in markers[:PER_DOC]) == PER_DOC
            job = services.printing.prepare(session, "1001", doc_ids)
            assert job.doc_count == len(doc_ids) and markers[-1] in job.html
            # Sign-out at the service level: the session and every view are dropped.
            del session, opened, job, attempt
            gc.collect()
        finally:
            services.close()
    finally:
        root.removeHandler(handler)
        handler.close()
        root.setLevel(old_level)

    # Files the kiosk wrote, the cache excepted.
    files = [p for p in [*data.rglob("*"), *tmp.rglob("*")]
             if p.is_file() and p.name not in (CACHE, CACHE + "-wal", CACHE + "-shm")]
    blobs = {str(p.relative_to(tmp_path)): p.read_bytes().decode("utf-8", "replace")
             for p in files}
    conn = sqlite3.connect(data / CACHE)
    try:
        for table in NON_CACHE_TABLES:
            rows = conn.execute(f"SELECT * FROM {table}").fetchall()
            blobs[f"table {table}"] = "\n".join("\x1f".join(map(str, r)) for r in rows)
        audit_rows = len(conn.execute("SELECT 1 FROM audit").fetchall())
    finally:
        conn.close()
    cache_bytes = b"".join(
        p.read_bytes() for p in data.glob(CACHE + "*") if p.is_file()
    ).decode("utf-8", "replace")

    found = {name: sum(m in text for m in markers) for name, text in blobs.items()}
    secrets = {
        name: [s for s in (*codes, PASSWORD, family) if s in text]
        for name, text in blobs.items()
    }
    login_in_audit = re.search(r"(?<![a-z])anna(?![a-z])", blobs["table audit"]) is not None
    in_cache = sum(m in cache_bytes for m in markers)
    print(f"\nFIGURE sign-out: {MARKERS} markers; outside the cache {sum(found.values())}"
          f" in {len(blobs)} files/tables ({', '.join(sorted(blobs))});"
          f" in the cache {in_cache}; audit rows {audit_rows};"
          f" codes/password/surname found {sum(map(len, secrets.values()))};"
          f" log {log_file.stat().st_size} bytes")
    assert in_cache == MARKERS  # the scan sees them where they belong
    assert log_file.stat().st_size > 0 and audit_rows > 0
    assert found == dict.fromkeys(blobs, 0)
    assert secrets == {name: [] for name in blobs}
    assert not login_in_audit
    # Nothing to print or spool at the service level, and no temporary file either.
    assert list(tmp.rglob("*")) == []
