"""The kiosk's service graph as it is built at start-up (issue 18, ``ready_ms``).

A sign-in can start once the graph is built: the portal, registry and SMS clients exist.
What only later steps need is loaded then: the store and SQLAlchemy when the kiosk opens
it right after the graph is built (``Services.open_store``, in a worker) or at its first
use, SQLAlchemy's ORM never (the store's tables are Core tables), Alembic only to
migrate, the HTTP transport (requests) and PyJWT when a patient begins to sign in
(``Services.prepare_sign_in``, while they type), the FHIR client when the kiosk's own
process first reads FHIR (its sign-in refresh runs in a process of its own).
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

from kiosk.sim.server import SimServer
from kiosk.store.database import open_store
from kiosk.upstream.fhir import FhirSource
from kiosk.upstream.fhir_open import LazyFhirSource, OpenFhirSource

TIMEOUT = (0.5, 2.0)

_PRODUCTION = {
    "KIOSK_CONFIG": "",
    "KIOSK_SECURITY_CODE_KEY": "5e" * 32,
    "KIOSK_KIOSK_STAFF_PIN_HASH": "scrypt$test$not-a-real-hash",
    "KIOSK_PORTAL_CLIENT_SECRET": "test",
    "KIOSK_PORTAL_ISSUER": "https://portal.example.invalid/",
    "KIOSK_UPSTREAM_REGISTRY_URL": "https://registry.example.invalid/",
    "KIOSK_UPSTREAM_SMS_URL": "https://sms.example.invalid/",
    "KIOSK_UPSTREAM_FHIR_URL": "https://127.0.0.1:9/fhir",  # refused at once
    "KIOSK_UPSTREAM_SUPPORT_URL": "https://support.example.invalid/",
    "KIOSK_UPSTREAM_FHIR_SYNC_PROCESSES": "false",  # no fork server in this test
}

_CHILD = """
import sys
from kiosk.config import check_config
from kiosk.app import build_services

config, problems = check_config(None, production=True)
assert not problems, problems
deferred = ("sqlalchemy.orm", "alembic", "jwt", "cryptography", "kiosk.upstream.fhir",
            "kiosk.upstream.fhir_read", "kiosk.upstream.fhir_fields", "kiosk.upstream.fhir_status",
            "kiosk.upstream.fhir_kinds", "kiosk.upstream.fhir_content", "kiosk.upstream.fhir_labs")
services = build_services(config)
print("built", sorted(m for m in deferred if m in sys.modules))
print("sign-in", sorted(m for m in ("sqlalchemy", "requests") if m in sys.modules))
services.open_store()
print("store", sorted(m for m in ("sqlalchemy", "alembic") if m in sys.modules))
services.prepare_sign_in()
print("prepared", sorted(m for m in ("jwt", "requests") if m in sys.modules),
      "kiosk.upstream.fhir" in sys.modules)
try:
    services.sync.refresh(["1001"])  # the kiosk's own process reads FHIR: opened now
finally:
    print("read", "kiosk.upstream.fhir" in sys.modules)
    services.close()
"""


def test_start_up_graph_leaves_out_what_a_sign_in_does_not_need_yet(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cache.sqlite3'}"
    store = open_store(url)
    store.upgrade()  # a kiosk restarting finds its cache at the schema's head
    store.dispose()
    env = {**_PRODUCTION, "KIOSK_STORE_URL": url, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    out = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True,
                         env=env, cwd=Path(__file__).resolve().parents[2], timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.splitlines() == [
        "built []",
        "sign-in []",
        "store ['sqlalchemy']",
        "prepared ['jwt', 'requests'] False",
        "read True",
    ], out.stdout + out.stderr


def test_lazy_fhir_source_opens_on_first_use_and_reads_as_the_source(sim: SimServer) -> None:
    """R-SYNC-2 through the kiosk's lazy source: the same snapshot as a ``FhirSource``;
    the opener pickles (a refresh process opens its own source from it)."""
    opener = OpenFhirSource(sim.fhir_url, TIMEOUT, 25, 2**20, frozenset({"eris.mos.ru"}),
                            frozenset({"https://eris.mos.ru"}))
    assert pickle.loads(pickle.dumps(opener)) == opener
    lazy = LazyFhirSource(opener)
    lazy.close()  # never opened: nothing to close
    with FhirSource(sim.fhir_url, TIMEOUT, 25) as direct:
        expected = direct.snapshot("1001"), direct.pending(None)
    try:
        assert (lazy.snapshot("1001"), lazy.pending(None)) == expected
    finally:
        lazy.close()
