"""Print HTML, booking QR, support outbox, staff panel, config (R-ACT-3..5, R-KSK-3/6)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.config import ConfigError, load
from kiosk.domain.documents import DocKind
from kiosk.domain.grants import Relation
from kiosk.domain.otp import AccountState, CodePolicy
from kiosk.domain.people import Sex
from kiosk.services.audit import AuditLog
from kiosk.services.booking import BadUrl, qr_payload
from kiosk.services.errors import InvalidInput, PinLocked, PinWrong
from kiosk.services.ports import Department, SupportTopic, Unavailable
from kiosk.services.printing import FOOTER_TEMPLATE, PrintJob, render_print_html
from kiosk.services.session import Session, login_digest
from kiosk.services.staff import StaffService, hash_pin
from kiosk.services.support import SupportService
from kiosk.services.views import DocumentView, EmrCard
from tests.fakes import FakeClock, FakeStore

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def test_r_ksk_3_print_html_masked_header_and_escaped_text() -> None:
    """R-KSK-3 / R-ACT-3: masked header, kiosk id, time; document text printed as text."""
    card = EmrCard("e1", "Иван Петрович С.", 46, Sex.MALE, Relation.SELF, None, None, False, True)
    doc = DocumentView("d1", "e1", DocKind.LAB_RESULT, NOW, "Анализ крови", "ГП № 1", "Врач А.",
                       "Гемоглобин 140 г/л\n<script>alert(1)</script>")
    html = render_print_html(card, [doc], "kiosk-07", NOW)
    assert "Иван Петрович С." in html
    assert "27.11.2026 12:00" in html
    # The kiosk id and the page numbers are on every page's footer, not in the flow.
    job = PrintJob(html, "Иван Петрович С.", "kiosk-07", NOW, FOOTER_TEMPLATE, 1)
    assert job.footer(2, 3) == (
        "Иван Петрович С. · Киоск kiosk-07 · напечатано 27.11.2026 12:00 (МСК) · стр. 2 из 3")
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_r_act_4_qr_payload_has_no_personal_data() -> None:
    """R-ACT-4: only an https URL without query or fragment becomes the QR."""
    assert qr_payload("https://www.mos.ru/services/zapis-k-vrachu/") .startswith("https://")
    for bad in ("http://mos.ru/x", "https://mos.ru/x?snils=123", "https://mos.ru/#p", "file:///x"):
        with pytest.raises(BadUrl):
            qr_payload(bad)


class Channel:
    def __init__(self) -> None:
        self.fail = True
        self.got: list[str] = []

    def deliver(self, message: object) -> None:
        if self.fail:
            raise Unavailable("support", "down")
        self.got.append(message.id)  # type: ignore[attr-defined]


def test_r_act_5_support_routing_and_outbox_retries() -> None:
    """R-ACT-5: records → ДЗМ, the rest → ДИТ; kept and retried until delivered."""
    store, clock = FakeStore(), FakeClock(NOW)
    svc = SupportService(store, clock, AuditLog(store, clock, "k1"), "k1")
    session = Session("s", "sub", "u:abc", NOW, [], NOW)
    r1 = svc.submit(session, SupportTopic.RECORDS, "В выписке ошибка в дате")
    r2 = svc.submit(None, SupportTopic.KIOSK, "Не работает принтер")
    assert (r1.department, r2.department) == (Department.HEALTH, Department.IT)
    channel = Channel()
    assert svc.deliver_due(channel) == 0
    assert store.data.outbox[r1.request_id].attempts == 1
    channel.fail = False
    assert svc.deliver_due(channel) == 0  # back-off: not due yet
    clock.advance(seconds=31)
    assert svc.deliver_due(channel) == 2
    assert sorted(channel.got) == sorted([r1.request_id, r2.request_id])
    with store() as uow:
        assert uow.outbox.pending_count() == 0


def test_r_act_5_support_bad_input() -> None:
    store, clock = FakeStore(), FakeClock(NOW)
    svc = SupportService(store, clock, AuditLog(store, clock, "k1"), "k1")
    with pytest.raises(InvalidInput):
        svc.submit(None, SupportTopic.ACCESS, "   ")
    with pytest.raises(InvalidInput):
        svc.submit(None, SupportTopic.ACCESS, "я" * 2001)


def staff(store: FakeStore, clock: FakeClock, probes: dict | None = None) -> StaffService:
    return StaffService(store, clock, AuditLog(store, clock, "k1"), "k1", hash_pin("2468"),
                        b"K" * 32, CodePolicy(), probes or {})


def test_r_ksk_6_pin_five_wrong_lock_15_minutes() -> None:
    """R-KSK-6: a slow-hashed PIN; 5 wrong lock the panel for 15 minutes."""
    store, clock = FakeStore(), FakeClock(NOW)
    svc = staff(store, clock)
    svc.unlock("2468")
    for left in (4, 3, 2, 1):
        with pytest.raises(PinWrong) as err:
            svc.unlock("0000")
        assert err.value.attempts_left == left
    with pytest.raises(PinLocked):
        svc.unlock("0000")
    with pytest.raises(PinLocked):
        svc.unlock("2468")
    clock.advance(minutes=15)
    svc.unlock("2468")
    assert hash_pin("2468").startswith("scrypt$")


def test_r_ksk_6_block_status_by_login() -> None:
    """R-KSK-6: staff see whether a login is blocked and until when; no unblock."""
    store, clock = FakeStore(), FakeClock(NOW)
    with store() as uow:
        uow.accounts.save(AccountState("sub", failures=5, blocked_since=NOW),
                          login_digest(b"K" * 32, "ivanov"))
        uow.commit()
    svc = staff(store, clock)
    status = svc.block_status("Ivanov ")
    assert status.blocked_until == NOW + timedelta(hours=24)
    assert svc.block_status("petrov").known is False
    clock.advance(hours=24)
    assert svc.block_status("ivanov").blocked_until is None
    assert not hasattr(svc, "unblock")


def test_r_ksk_6_health_survives_failing_probes() -> None:
    """R-KSK-6: health shows each upstream; a failing probe never breaks the panel."""
    def down() -> None:
        raise Unavailable("sms", "down")

    def boom() -> None:
        raise KeyError("x")

    svc = staff(FakeStore(), FakeClock(NOW), {"portal": lambda: None, "sms": down, "emr": boom})
    assert svc.health().checks == {"portal": True, "sms": False, "emr": False}


def test_config_reports_every_problem_at_once(tmp_path: Path) -> None:
    """Bad config: every problem with its key, at once."""
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text('[kiosk]\nidle_timeout_s = "soon"\nlanguage = "de"\nbogus = 1\n'
                   '[portal]\nbooking_url = "ftp://x"\n[print]\npaper = "A3"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load(cfg, env={})
    text = str(err.value)
    for key in ("kiosk.idle_timeout_s", "kiosk.language", "kiosk.bogus", "portal.booking_url",
                "print.paper"):
        assert key in text


def test_config_env_override_and_secret_file(tmp_path: Path) -> None:
    secret = tmp_path / "key"
    secret.write_text("ab" * 32, encoding="utf-8")
    os.chmod(secret, 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load(None, env={"KIOSK_SECURITY_CODE_KEY_FILE": str(secret)})
    os.chmod(secret, 0o600)
    cfg = load(None, env={"KIOSK_SECURITY_CODE_KEY_FILE": str(secret), "KIOSK_KIOSK_ID": "hall-2"})
    assert cfg.kiosk.id == "hall-2"
    assert cfg.code_key_bytes == bytes.fromhex("ab" * 32)
