"""QR sign-in screens (RFC 8628): Welcome's option, the QR and the user code, approval
leading to the SMS code (R-ENT-4), and sign-out/idle mid-poll (R-KSK-2)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk.services.ports import AccessDenied, AuthorizationPending
from tests.fakes import FakeSleeper
from tests.ui.conftest import Kiosk, visible_texts

pytestmark = pytest.mark.ui

PENDING = AuthorizationPending("portal", "token: authorization_pending")
URI = "https://portal.example/device?user_code=WDJB-MJHT"


def open_qr(kiosk: Kiosk) -> None:
    kiosk.settle()  # the window asked the portal whether it offers the grant
    assert kiosk.s.welcome.enter_qr.isVisible()
    kiosk.s.welcome.enter_qr.click()
    assert kiosk.name() == "device"


def test_welcome_offers_qr_only_when_the_portal_does(kiosk: Kiosk, tmp_path: Path) -> None:
    kiosk.settle()
    assert kiosk.s.welcome.enter_qr.isVisible()
    assert kiosk.s.welcome.enter_qr.text() == "Войти по QR-коду с телефона"
    assert kiosk.s.welcome.enter.isVisible()  # the password path stays beside it


def test_welcome_hides_qr_when_not_offered(env, qtbot) -> None:  # type: ignore[no-untyped-def]
    env.portal.device = False
    kiosk = Kiosk(env, qtbot)
    try:
        kiosk.settle()
        assert not kiosk.s.welcome.enter_qr.isVisible()
    finally:
        kiosk.window.shutdown()
        kiosk.window.hide()
        kiosk.window.deleteLater()


def test_qr_decodes_to_the_verification_uri_and_code_is_large(
    kiosk: Kiosk, tmp_path: Path
) -> None:
    """The QR holds verification_uri_complete; the user code and its expiry are shown."""
    kiosk.env.services.sleeper = FakeSleeper(kiosk.env.clock)
    kiosk.env.portal.device_answers = [AccessDenied("portal", "access_denied")]
    open_qr(kiosk)
    kiosk.settle()  # start, then the wait: denied at the first poll
    screen = kiosk.s.device
    assert screen.error.text() == "Вход отклонён на телефоне."
    assert screen.again.isVisible()
    kiosk.env.services.sleeper = HoldingSleeper()
    screen.again.click()
    qtbot_wait(kiosk, lambda: screen.qr.payload == URI)
    assert screen.user_code.text() == "WDJB-MJHT"
    assert screen.expiry.text() == "Код действует ещё 10:00"
    png = tmp_path / "device-qr.png"
    screen.qr.grab().save(str(png))
    if shutil.which("zbarimg"):
        out = subprocess.run(["zbarimg", "--raw", "-q", str(png)], capture_output=True,
                             text=True, check=True).stdout.strip()
        assert out == URI
    assert "DEVICE-SECRET-1" not in "".join(visible_texts())
    kiosk.window.sign_out()
    kiosk.settle()


class HoldingSleeper:
    """A sleeper that waits on the cancel event for real (as the kiosk does): the poll
    never comes, so only cancelling can end the wait."""

    def __init__(self) -> None:
        self.entered = 0

    def sleep(self, seconds: float, cancel) -> bool:  # type: ignore[no-untyped-def]
        self.entered += 1
        return bool(cancel.wait(60))


def qtbot_wait(kiosk: Kiosk, predicate) -> None:  # type: ignore[no-untyped-def]
    kiosk.qtbot.waitUntil(predicate, timeout=5000)  # type: ignore[attr-defined]


@pytest.mark.parametrize("how", ["sign_out", "idle", "cancel"])
def test_sign_out_mid_poll_stops_the_wait_and_wipes_the_qr_R_KSK_2(
    kiosk: Kiosk, how: str
) -> None:
    """Sign-out, idle timeout or cancel mid-poll: no request left running, no code shown."""
    sleeper = HoldingSleeper()
    kiosk.env.services.sleeper = sleeper
    open_qr(kiosk)
    screen = kiosk.s.device
    qtbot_wait(kiosk, lambda: sleeper.entered == 1)
    assert "WDJB-MJHT" in visible_texts()
    if how == "sign_out":
        kiosk.window.sign_out()
    elif how == "idle":
        kiosk.window._idle_timed_out()
    else:
        screen.cancel_button.click()
    assert kiosk.name() == "welcome"
    # The worker ends well inside the 60 s it would otherwise wait.
    qtbot_wait(kiosk, lambda: kiosk.ctx.runner.active_threads == 0)
    assert kiosk.env.portal.device_polls == []
    assert screen.qr.payload == ""
    assert "WDJB-MJHT" not in visible_texts()


def test_r_ent_4_approval_leads_to_the_sms_code(kiosk: Kiosk) -> None:
    """After approval on the phone the code screen follows; the code opens the session."""
    kiosk.env.services.sleeper = FakeSleeper(kiosk.env.clock)
    kiosk.env.portal.device_answers = [PENDING, PENDING, "subj-1"]
    sent = len(kiosk.env.sms.sent)
    open_qr(kiosk)
    qtbot_wait(kiosk, lambda: kiosk.name() == "code")
    assert len(kiosk.env.sms.sent) == sent + 1
    assert kiosk.s.device.qr.payload == ""
    kiosk.enter_code(kiosk.env.sms.last_code())
    assert kiosk.name() == "picker"


def test_demo_phone_approves_the_waiting_qr_sign_in(kiosk: Kiosk, tmp_path: Path) -> None:
    """`kiosk demo`: «Одобрить вход» on the demo phone approves as a usable account."""
    from kiosk.sim.population import Population
    from kiosk.sim.server import SimServer
    from kiosk.ui.main import DemoPhone

    with SimServer(Population(size=5, seed=1, today=kiosk.env.clock.now().date())) as sim:
        accounts = [(a.login, a.password, f"{a.level}: {a.note}")
                    for a in sim.population.demo_accounts()]
        approved: list[str] = []

        def approve(login: str) -> bool:
            approved.append(login)
            return sim.device.approve_newest(login)

        phone = DemoPhone(kiosk.window, accounts, lambda: [], approve=approve)
        try:
            phone.approve_sign_in()  # nothing waiting yet
            assert "Нет входа" in phone.approve_note.text()
            status, _ = sim.device.authorize((sim.client_id, sim.client_secret))
            assert status == 200
            phone.approve_sign_in()
            assert approved[-1] in {lo for lo, _, what in accounts
                                    if not what.startswith("simplified")}
            assert phone.approve_note.text() == f"Вход одобрен как {approved[-1]}."
            assert sim.device.pending_user_codes() == []
        finally:
            phone.stop()
            phone.deleteLater()


def test_qr_path_reads_in_english_too_R_KSK_8(kiosk: Kiosk) -> None:
    """English is the kiosk's second language: the QR path is translated like the rest."""
    kiosk.settle()
    kiosk.window.set_language("en")
    try:
        kiosk.settle()
        assert kiosk.s.welcome.enter_qr.text() == "Sign in with a QR code from your phone"
    finally:  # the translator is the application's: leave Russian for the next test
        kiosk.window.set_language("ru")
        kiosk.settle()
