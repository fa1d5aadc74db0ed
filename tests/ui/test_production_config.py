"""Issue 15 item 4: production secrets and TLS, one validation for ``kiosk check-config``
and ``kiosk run``'s start-up; a refused start says so on screen and in the journal."""

from __future__ import annotations

import argparse
import gc
import logging

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from kiosk.cli import cmd_run
from kiosk.config import check, check_config, load
from kiosk.services.booking import BadUrl, qr_payload
from tests.ui.conftest import visible_texts

pytestmark = pytest.mark.ui

SECRETS = {
    "KIOSK_SECURITY_CODE_KEY": "5e" * 32,
    "KIOSK_KIOSK_STAFF_PIN_HASH": "scrypt$16384$8$1$c2FsdA==$aGFzaA==",
    "KIOSK_PORTAL_CLIENT_SECRET": "client-secret",
}
TLS = {
    "KIOSK_PORTAL_ISSUER": "https://portal.clinic.example/",
    "KIOSK_UPSTREAM_REGISTRY_URL": "https://registry.clinic.example/",
    "KIOSK_UPSTREAM_SMS_URL": "https://sms.clinic.example/",
    "KIOSK_UPSTREAM_FHIR_URL": "https://fhir.clinic.example/fhir",
    "KIOSK_UPSTREAM_SUPPORT_URL": "https://support.clinic.example/",
}
GOOD = {**SECRETS, **TLS}


def keys(problems: list[str]) -> set[str]:
    return {p.split(":", 1)[0] for p in problems}


def test_production_config_with_secrets_and_tls_passes() -> None:
    """The positive control: a complete production config has no problem."""
    assert check(None, env=dict(GOOD)) == []


@pytest.mark.parametrize("missing", ["KIOSK_SECURITY_CODE_KEY", "KIOSK_KIOSK_STAFF_PIN_HASH"])
def test_r_otp_4_r_ksk_6_production_refuses_a_kiosk_without_its_secrets(missing: str) -> None:
    """R-OTP-4 (a code key made up per start forgets every block at a restart; the audit
    anchors would be keyed with a throwaway key), R-KSK-6 (no PIN hash, no panel)."""
    env = {k: v for k, v in GOOD.items() if k != missing}
    key = {"KIOSK_SECURITY_CODE_KEY": "security.code_key",
           "KIOSK_KIOSK_STAFF_PIN_HASH": "kiosk.staff_pin_hash"}[missing]
    assert keys(check(None, env=env)) == {key}


@pytest.mark.parametrize("url_key", sorted(TLS))
def test_r_ent_1_production_refuses_plain_http_to_any_upstream(url_key: str) -> None:
    """R-ENT-1: the password goes to the portal only, and not in clear; patient data to and
    from the other upstreams neither. Loopback too: production talks to real hosts."""
    for url in ("http://portal.clinic.example/", "http://127.0.0.1:8700/x"):
        problems = check(None, env={**GOOD, url_key: url})
        assert len(problems) == 1 and "must be https" in problems[0], problems


def test_r_ent_1_demo_allows_plain_http_to_loopback_only() -> None:
    """The demo's simulator is plain HTTP on this machine; nothing else is."""
    loopback = {"KIOSK_PORTAL_ISSUER": "http://127.0.0.1:8700/portal",
                "KIOSK_UPSTREAM_SMS_URL": "http://localhost:8700/sms",
                "KIOSK_UPSTREAM_FHIR_URL": "http://[::1]:8700/fhir"}
    assert check(None, env=loopback, production=False) == []
    remote = {**loopback, "KIOSK_UPSTREAM_REGISTRY_URL": "http://10.0.0.7/registry"}
    assert keys(check(None, env=remote, production=False)) == {"upstream.registry_url"}


@pytest.mark.parametrize("url", [
    "https://www.mos.ru/services/zapis-k-vrachu/",
    "https://www.mos.ru/services/zapis-k-vrachu/?utm=kiosk",
    "https://www.mos.ru/services/zapis-k-vrachu/#top",
    "https://user:pw@www.mos.ru/services/",
    "http://www.mos.ru/services/zapis-k-vrachu/",
])
def test_r_act_4_booking_url_one_rule_for_check_config_and_start_up(url: str) -> None:
    """R-ACT-4: ``check-config`` accepts a booking URL exactly when start-up (which turns
    it into the QR payload) does: a URL with a query passed one and failed the other."""
    try:
        qr_payload(url)
        start_up_ok = True
    except BadUrl:
        start_up_ok = False
    problems = check(None, env={**GOOD, "KIOSK_PORTAL_BOOKING_URL": url})
    assert ("portal.booking_url" not in keys(problems)) is start_up_ok
    assert load(None, env={**GOOD, "KIOSK_PORTAL_BOOKING_URL": url}) if start_up_ok else True


def test_r_otp_4_kiosk_run_without_secrets_shows_a_refusal_and_logs_why(
        qapp: QApplication, monkeypatch: pytest.MonkeyPatch, caplog) -> None:
    """R-OTP-4, R-ENT-1: ``kiosk run`` with no code key, no PIN hash and plain HTTP
    upstreams serves no patient: instead of Welcome a plain sentence on a full-screen
    window that refuses to close, and every problem in the journal."""
    for name in list(SECRETS) + list(TLS):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KIOSK_CONFIG", "")
    seen: dict[str, object] = {}

    def look() -> None:
        try:
            inspect()
        finally:  # whatever the inspection finds, the event loop must end
            QApplication.exit(0)  # quit() would ask the windows, and this one refuses

    def inspect() -> None:
        from PySide6.QtGui import QCloseEvent

        from kiosk.ui.refusal import RefusalScreen

        screens = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, RefusalScreen) and w.isVisible()]
        seen["screens"] = len(screens)
        seen["texts"] = " ".join(visible_texts())
        seen["welcome"] = any(type(w).__name__ == "KioskWindow"
                              for w in QApplication.topLevelWidgets())
        if screens:
            event = QCloseEvent()
            screens[0].closeEvent(event)
            seen["closable"] = event.isAccepted()
            seen["fullscreen"] = screens[0].isFullScreen()

    QTimer.singleShot(0, look)
    with caplog.at_level(logging.ERROR):
        code = cmd_run(argparse.Namespace(config=None, windowed=False))
    assert code == 2 and gc.isenabled()  # start-up turned it off; a refusal lasts too
    assert seen["screens"] == 1 and not seen["welcome"]
    assert seen["fullscreen"] and seen["closable"] is False
    assert "Киоск сейчас не работает" in str(seen["texts"])
    assert "security.code_key" in str(seen["texts"])  # for the administrator
    journal = caplog.text
    for key in ("security.code_key", "kiosk.staff_pin_hash", "portal.issuer",
                "upstream.sms_url"):
        assert key in journal
    _, problems = check_config(None, env={}, production=True)
    assert len(problems) == len([r for r in caplog.records if r.levelno == logging.ERROR])
