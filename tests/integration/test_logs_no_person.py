"""Issue 15 item 8: no identifier of a person in any log at any level (R-OTP-7, R-KSK-7):
the patient's path over real HTTP with every logger at DEBUG (as ``kiosk -v`` runs)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.app import Services, build_services
from kiosk.config import load
from kiosk.domain.documents import DocKind
from kiosk.services.errors import ServiceUnavailable
from kiosk.sim.server import SimServer
from tests.integration.test_services_e2e import PASSWORD, last_code


@pytest.fixture
def services(sim: SimServer, sim_clock: object, tmp_path: Path) -> Iterator[Services]:
    """The real graph over loopback HTTP (as test_services_e2e), with room for a busy
    machine: this test is about what is logged, not about timeouts."""
    env = {**sim.kiosk_env(), "KIOSK_UPSTREAM_READ_TIMEOUT_S": "10",
           "KIOSK_SECURITY_CODE_KEY": "ab" * 32,
           "KIOSK_STORE_URL": f"sqlite:///{tmp_path / 'cache.sqlite3'}"}
    svc = build_services(load(None, env=env), clock=sim_clock)  # type: ignore[arg-type]
    try:
        yield svc
    finally:
        svc.close()


def test_r_otp_7_debug_logs_hold_no_subject_emr_id_login_or_phone(
        services: Services, sim: SimServer, caplog: pytest.LogCaptureFixture) -> None:
    """R-OTP-7, R-KSK-7: sign-in, refresh, every EMR and document list, a document opened,
    the EMR source and the registry down (retries, failures): with DEBUG everywhere, no log
    record of the kiosk or its HTTP stack names the subject, an EMR id, the login or a
    phone."""
    services.sync.run()
    with caplog.at_level(logging.DEBUG):
        attempt = services.signin.start("anna", PASSWORD)
        session = services.signin.verify(attempt, last_code(sim))
        services.sync.refresh_session(session)
        for card in services.records.emrs(session):
            for kind in DocKind:
                page = services.records.documents(session, card.emr_id, kind)
                for row in page.rows[:1]:
                    services.records.document(session, card.emr_id, row.doc_id)
        sim.set_fault("fhir", error_5xx=True)  # retries and failures are logged too
        services.sync.refresh_session(session)
        sim.set_fault("registry", error_5xx=True)
        with pytest.raises(ServiceUnavailable):
            services.signin.start("anna", PASSWORD)
    records = [r for r in caplog.records if not r.name.startswith("kiosk.sim")]
    assert records  # logging was on
    text = "\n".join(f"{r.name} {r.getMessage()}" for r in records)
    identifiers = {session.subject, "anna", *(g.emr_id for g in session.grants),
                   *(g.phone for g in session.grants if getattr(g, "phone", None))}
    for ident in identifiers:
        assert not re.search(rf"(?<![\w-]){re.escape(ident)}(?![\w-])", text), \
            f"{ident!r} in the log:\n{text}"
