"""The real graph: services + real HTTP clients over loopback + a real SQLite file.

This is the patient's path minus the screens: sign in with the simulator's portal, read
the code from its SMS outbox, open EMRs synced from its FHIR source (R-ENT, R-SYNC,
R-SHOW, R-ACC over the wire).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from kiosk.app import Services, build_services
from kiosk.config import load
from kiosk.domain.documents import DocKind
from kiosk.domain.moscow import moscow_date
from kiosk.services.audit import verify_chain
from kiosk.services.errors import (
    AccessEnded,
    NoGrants,
    ServiceUnavailable,
    SimplifiedAccount,
)
from kiosk.services.ports import SupportTopic
from kiosk.sim.server import SimServer

PASSWORD = "demo1234"


@pytest.fixture
def services(sim: SimServer, sim_clock: object, tmp_path: Path) -> Iterator[Services]:
    env = {
        **sim.kiosk_env(),
        "KIOSK_UPSTREAM_READ_TIMEOUT_S": "1.0",
        "KIOSK_UPSTREAM_FHIR_PAGE_SIZE": "50",
        "KIOSK_SECURITY_CODE_KEY": "ab" * 32,
        "KIOSK_STORE_URL": f"sqlite:///{tmp_path / 'cache.sqlite3'}",
    }
    svc = build_services(load(None, env=env), clock=sim_clock)  # type: ignore[arg-type]
    try:
        yield svc
    finally:
        svc.close()


def last_code(sim: SimServer) -> str:
    match = re.search(r"\b(\d{6})\b", sim.sms_outbox()[-1]["text"])
    assert match
    return match.group(1)


def test_r_ent_full_path_over_http(services: Services, sim: SimServer) -> None:
    """R-ENT-1..5, R-SYNC-1, R-SHOW-1/4: sign in, sync, open the family's EMRs."""
    report = services.sync.run()
    assert report.error is None
    assert report.documents > 0
    attempt = services.signin.start("anna", PASSWORD)
    assert attempt.masked_phone.startswith("+7 *** ***-**-")
    session = services.signin.verify(attempt, last_code(sim))
    cards = services.records.emrs(session)
    assert len(cards) >= 2
    for card in cards:
        assert re.fullmatch(r"[А-ЯЁ][а-яё]+( [А-ЯЁ][а-яё]+)? [А-ЯЁ]\.", card.masked_name)
    own = cards[0]
    shown = 0
    for kind in DocKind:
        page = services.records.documents(session, own.emr_id, kind)
        dates = [r.created_at for r in page.rows]
        assert dates == sorted(dates, reverse=True)
        shown += len(page.rows)
    assert shown > 0
    assert verify_chain(services.uow).ok


def test_r_sync_2_refresh_then_stale_when_source_down(services: Services, sim: SimServer) -> None:
    """R-SYNC-2 / R-SHOW-6: refresh at sign-in; with the source down, the cache is stale."""
    attempt = services.signin.start("anna", PASSWORD)
    session = services.signin.verify(attempt, last_code(sim))
    ids = [g.emr_id for g in session.grants]
    assert services.sync.refresh(ids).failed == []
    sim.set_fault("fhir", error_5xx=True)
    assert services.sync.refresh_session(session).failed == ids
    card = services.records.card(session, ids[0])
    assert card.stale
    assert card.data_as_of is not None


def test_r_ent_2_and_3_refusals_over_http(services: Services) -> None:
    """R-ENT-2 simplified account refused; R-ENT-3 a user without grants refused."""
    with pytest.raises(SimplifiedAccount):
        services.signin.start("olga", PASSWORD)
    with pytest.raises(NoGrants):
        services.signin.start("sergey", PASSWORD)


def test_r_acc_4_registry_down_fails_closed_over_http(services: Services, sim: SimServer) -> None:
    """R-ACC-4: the registry unreachable → sign-in stops."""
    sim.set_fault("registry", error_5xx=True)
    with pytest.raises(ServiceUnavailable) as err:
        services.signin.start("anna", PASSWORD)
    assert err.value.service == "registry"


def test_r_ksk_5_portal_hang_is_bounded(services: Services, sim: SimServer) -> None:
    """R-KSK-5: a hanging portal becomes ServiceUnavailable within the read timeout."""
    sim.set_fault("portal", hang=True)
    with pytest.raises(ServiceUnavailable):
        services.signin.start("anna", PASSWORD)


def test_r_acc_2_revoked_upstream_mid_session(
    services: Services, sim: SimServer, sim_clock: object
) -> None:
    """R-ACC-2: a grant revoked in the registry closes that EMR on the next call."""
    attempt = services.signin.start("anna", PASSWORD)
    session = services.signin.verify(attempt, last_code(sim))
    child = next(g for g in session.grants if g.relation.value == "child")
    sim.revoke_grant(session.subject, child.emr_id)
    sim_clock.advance(timedelta(seconds=6))  # type: ignore[attr-defined]
    with pytest.raises(AccessEnded):
        services.records.documents(session, child.emr_id, DocKind.EXAM_PROTOCOL)


def test_r_acc_1_child_turning_15_today_not_shown(services: Services, sim: SimServer) -> None:
    """R-ACC-1: elena's son turns 15 today (Moscow): his EMR is not offered."""
    attempt = services.signin.start("elena", PASSWORD)
    session = services.signin.verify(attempt, last_code(sim))
    today = moscow_date(services.clock.now())
    for card in services.records.emrs(session):
        if card.relation.value == "child":
            assert card.age < 15
            assert card.access_ends_on is None or card.access_ends_on > today


def test_r_act_5_support_outbox_delivered_with_retries(
    services: Services, sim: SimServer, sim_clock: object
) -> None:
    """R-ACT-5: a request is queued, survives a desk outage, and is delivered once later."""
    sim.set_fault("support", error_5xx=True)
    receipt = services.submit_support(None, SupportTopic.RECORDS, "Ошибка в дате выписки")
    assert receipt.department.value == "dzm"
    assert sim.support_requests() == []
    sim.clear_faults()
    assert services.deliver_outbox() == 0  # back-off: not due yet
    sim_clock.advance(timedelta(seconds=31))  # type: ignore[attr-defined]
    assert services.deliver_outbox() == 1
    assert services.deliver_outbox() == 0
    got = sim.support_requests()
    assert [(r["id"], r["department"]) for r in got] == [(receipt.request_id, "dzm")]
    assert services.staff.health().outbox_pending == 0
