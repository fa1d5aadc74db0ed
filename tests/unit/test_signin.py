"""The sign-in state machine with fakes and a moved clock (R-ENT-*, R-OTP-*, R-ACC-4)."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest

from kiosk.domain.credentials import InvalidInput
from kiosk.domain.grants import Relation
from kiosk.domain.moscow import format_moscow
from kiosk.services.audit import AuditLog
from kiosk.services.errors import (
    AccountBlocked,
    BadCredentials,
    CodeExpired,
    CodeTypo,
    NoGrants,
    ResendRefused,
    ServiceUnavailable,
    SimplifiedAccount,
    WrongCode,
)
from kiosk.services.ports import AccountLevel
from kiosk.services.signin import Attempt, SignInService, SignInSettings
from tests.fakes import (
    FakeAccount,
    FakeClock,
    FakePortal,
    FakeRegistry,
    FakeSms,
    FakeStore,
    grant,
)

PASSWORD = "Пароль-секрет-42"


class World:
    def __init__(self) -> None:
        self.clock = FakeClock()
        self.store = FakeStore()
        self.portal = FakePortal()
        self.registry = FakeRegistry()
        self.sms = FakeSms()
        self.portal.accounts["ivanov"] = FakeAccount(PASSWORD, "sub-1")
        self.registry.grants["sub-1"] = [
            grant("emr-self", phone="+79161112233"),
            grant("emr-kid", Relation.CHILD, birth=date(2018, 4, 2), phone="+79169998877"),
        ]
        self.audit = AuditLog(self.store, self.clock, "k1")
        self.svc = SignInService(
            self.portal, self.registry, self.sms, self.store, self.clock, self.audit,
            SignInSettings(b"K" * 32, "k1"),
        )

    def start(self) -> Attempt:
        return self.svc.start("ivanov", PASSWORD)

    def wrong(self, attempt: Attempt) -> str:
        code = self.sms.last_code()
        return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.fixture
def w() -> World:
    return World()


def test_r_ent_4_code_sent_to_latest_grant_phone(w: World) -> None:
    """R-ENT-4: one SMS to the latest approved grant's phone; the screen gets it masked."""
    attempt = w.start()
    assert [p for p, _ in w.sms.sent] == ["+79161112233"]
    assert attempt.masked_phone == "+7 *** ***-**-33"


def test_r_ent_5_session_holds_every_valid_grant(w: World) -> None:
    """R-ENT-5: after the code, the session carries all granted EMRs."""
    attempt = w.start()
    session = w.svc.verify(attempt, w.sms.last_code())
    assert {g.emr_id for g in session.grants} == {"emr-self", "emr-kid"}


def test_r_ent_1_password_goes_to_portal_only(w: World, caplog: pytest.LogCaptureFixture) -> None:
    """R-ENT-1/R-OTP-7: neither password nor code in logs, audit or the store."""
    caplog.set_level(logging.DEBUG)
    attempt = w.start()
    code = w.sms.last_code()
    w.svc.verify(attempt, code)
    everything = repr(w.store.data) + caplog.text + repr(attempt)
    assert PASSWORD not in everything
    assert code not in "".join(str(r.details) + r.event + r.actor for r in w.store.data.audit)
    assert "ivanov" not in everything


def test_r_ent_2_simplified_account_refused(w: World) -> None:
    """R-ENT-2: a simplified account is refused before any code is sent."""
    w.portal.accounts["ivanov"].level = AccountLevel.SIMPLIFIED
    with pytest.raises(SimplifiedAccount):
        w.start()
    assert w.sms.sent == []


@pytest.mark.parametrize("level", [AccountLevel.STANDARD, AccountLevel.FULL])
def test_r_ent_2_standard_and_full_enter(w: World, level: AccountLevel) -> None:
    """R-ENT-2: standard and full accounts get a code."""
    w.portal.accounts["ivanov"].level = level
    w.start()
    assert len(w.sms.sent) == 1


def test_r_ent_3_no_grants(w: World) -> None:
    """R-ENT-3: no valid grant → stop with how to request access."""
    w.registry.grants["sub-1"] = [grant(revoked=w.clock.now() - timedelta(days=1))]
    with pytest.raises(NoGrants):
        w.start()
    assert w.sms.sent == []


def test_wrong_password(w: World) -> None:
    with pytest.raises(BadCredentials):
        w.svc.start("ivanov", "nope")


def test_r_acc_4_registry_down_fails_closed(w: World) -> None:
    """R-ACC-4: no registry → no sign-in, whatever was cached before."""
    attempt = w.start()
    w.svc.verify(attempt, w.sms.last_code())
    w.registry.down = True
    with pytest.raises(ServiceUnavailable) as err:
        w.start()
    assert err.value.service == "registry"


@pytest.mark.parametrize("which", ["portal", "sms"])
def test_r_ksk_5_upstream_down_is_typed(w: World, which: str) -> None:
    """R-KSK-5: portal or SMS gateway down → ServiceUnavailable naming it."""
    getattr(w, which).down = True
    with pytest.raises(ServiceUnavailable) as err:
        w.start()
    assert err.value.service == which


def test_sms_failure_does_not_count_as_a_send(w: World) -> None:
    """A code that never left cannot be entered and does not eat the daily cap."""
    w.sms.down = True
    with pytest.raises(ServiceUnavailable):
        w.start()
    state, _ = w.store.data.accounts["sub-1"]
    assert state.code_hash is None and state.sends == ()


@pytest.mark.parametrize("login", ["", " ", "a" * 257, "ivan\u202eov", "x'; DROP TABLE--",
                                   "<script>", "ivanov\x00"])
def test_bad_login_refused_before_sending(w: World, login: str) -> None:
    """Bad input: empty, too long, bidi/control, SQL or HTML logins never reach the portal."""
    with pytest.raises(InvalidInput):
        w.svc.start(login, PASSWORD)
    assert w.portal.calls == 0


def test_password_any_unicode_up_to_256(w: World) -> None:
    with pytest.raises(InvalidInput):
        w.svc.start("ivanov", "я" * 257)
    with pytest.raises(BadCredentials):
        w.svc.start("ivanov", "я" * 256)


def test_r_otp_1_code_accepted_once(w: World) -> None:
    """R-OTP-1: a right code opens one session; the same code again does not."""
    attempt = w.start()
    code = w.sms.last_code()
    w.svc.verify(attempt, code)
    with pytest.raises(CodeExpired):
        w.svc.verify(attempt, code)


def test_r_otp_2_code_lives_15_minutes(w: World) -> None:
    """R-OTP-2: at 15:00 the code is dead and the attempt ends."""
    attempt = w.start()
    code = w.sms.last_code()
    w.clock.advance(minutes=15)
    with pytest.raises(CodeExpired):
        w.svc.verify(attempt, code)


def test_r_otp_2_code_still_good_before_15_minutes(w: World) -> None:
    """R-OTP-2: at 14:59 the code still opens a session, with every granted EMR."""
    attempt = w.start()
    w.clock.advance(minutes=14, seconds=59)
    session = w.svc.verify(attempt, w.sms.last_code())
    assert session.subject == "sub-1"
    assert session.started_at == w.clock.now()
    assert {g.emr_id for g in session.grants} == {"emr-self", "emr-kid"}
    assert [r.event for r in w.store.data.audit][-1] == "signin.success"


def test_r_otp_3_five_wrong_block_24h(w: World) -> None:
    """R-OTP-3: 5 wrong codes in a row block; a blocked account gets no new code."""
    attempt = w.start()
    for left in (4, 3, 2, 1):
        with pytest.raises(WrongCode) as err:
            w.svc.verify(attempt, w.wrong(attempt))
        assert err.value.attempts_left == left
    with pytest.raises(AccountBlocked) as blocked:
        w.svc.verify(attempt, w.wrong(attempt))
    assert blocked.value.until == w.clock.now() + timedelta(hours=24)
    sent = len(w.sms.sent)
    with pytest.raises(AccountBlocked):
        w.start()
    assert len(w.sms.sent) == sent


def test_r_otp_3_right_code_while_blocked_answers_like_wrong(w: World) -> None:
    """R-OTP-3: no oracle: a blocked account answers a right code as a wrong one."""
    attempt = w.start()
    code = w.sms.last_code()
    for _ in range(4):
        with pytest.raises(WrongCode):
            w.svc.verify(attempt, w.wrong(attempt))
    w.clock.advance(seconds=61)
    attempt = w.svc.resend(attempt)
    code = w.sms.last_code()
    with pytest.raises(AccountBlocked):
        w.svc.verify(attempt, w.wrong(attempt))
    with pytest.raises(AccountBlocked):
        w.svc.verify(attempt, code)


def test_r_otp_3_resend_does_not_reset_count(w: World) -> None:
    """R-OTP-3: the count is per account and survives a re-sent code and a new attempt."""
    attempt = w.start()
    for _ in range(3):
        with pytest.raises(WrongCode):
            w.svc.verify(attempt, w.wrong(attempt))
    w.clock.advance(seconds=61)
    attempt = w.svc.resend(attempt)
    with pytest.raises(WrongCode) as err:
        w.svc.verify(attempt, w.wrong(attempt))
    assert err.value.attempts_left == 1
    attempt2 = w.start()  # a fresh attempt at the same account
    with pytest.raises(AccountBlocked):
        w.svc.verify(attempt2, w.wrong(attempt2))


def test_r_otp_3_correct_code_resets_count(w: World) -> None:
    """R-OTP-3: a correct code sets the count back to zero."""
    attempt = w.start()
    for _ in range(4):
        with pytest.raises(WrongCode):
            w.svc.verify(attempt, w.wrong(attempt))
    w.svc.verify(attempt, w.sms.last_code())
    attempt = w.start()
    with pytest.raises(WrongCode) as err:
        w.svc.verify(attempt, w.wrong(attempt))
    assert err.value.attempts_left == 4


def test_r_otp_4_block_lifts_after_24h(w: World) -> None:
    """R-OTP-4: 24 h after it began the block lifts by itself and the count restarts."""
    attempt = w.start()
    for _ in range(4):
        with pytest.raises(WrongCode):
            w.svc.verify(attempt, w.wrong(attempt))
    with pytest.raises(AccountBlocked) as blocked:
        w.svc.verify(attempt, w.wrong(attempt))
    assert format_moscow(blocked.value.until) == "28.11.2026 12:00"
    w.clock.advance(hours=24)
    w.clock.advance(seconds=-1)
    with pytest.raises(AccountBlocked):
        w.start()
    w.clock.advance(seconds=1)
    attempt = w.start()
    with pytest.raises(WrongCode) as err:
        w.svc.verify(attempt, w.wrong(attempt))
    assert err.value.attempts_left == 4


def test_r_otp_5_resend_cooldown_and_cap(w: World) -> None:
    """R-OTP-5: 60 s cooldown, 3 resends per attempt, and the new code voids the old one."""
    attempt = w.start()
    first = w.sms.last_code()
    with pytest.raises(ResendRefused) as err:
        w.svc.resend(attempt)
    assert err.value.reason == "cooldown"
    for _ in range(3):
        w.clock.advance(seconds=60)
        attempt = w.svc.resend(attempt)
    w.clock.advance(seconds=60)
    with pytest.raises(ResendRefused) as err:
        w.svc.resend(attempt)
    assert err.value.reason == "attempt_cap"
    latest = w.sms.last_code()
    if latest != first:
        with pytest.raises(WrongCode):
            w.svc.verify(attempt, first)
    w.svc.verify(attempt, latest)


def test_r_otp_5_ten_codes_per_day(w: World) -> None:
    """R-OTP-5: at most 10 codes per account per 24 h, across attempts."""
    for _ in range(10):
        w.start()
        w.clock.advance(minutes=1)
    with pytest.raises(ResendRefused) as err:
        w.start()
    assert err.value.reason == "daily_cap"
    w.clock.advance(hours=24)
    w.start()


@pytest.mark.parametrize("entered", ["12345", "1234567", "12a456", "１２３４５６", " "])
def test_r_otp_6_typos_not_counted(w: World, entered: str) -> None:
    """R-OTP-6: a malformed code is refused as a typo and does not count."""
    attempt = w.start()
    for _ in range(6):
        with pytest.raises(CodeTypo):
            w.svc.verify(attempt, entered)
    w.svc.verify(attempt, w.sms.last_code())


def test_r_otp_7_no_code_in_store_or_audit(w: World) -> None:
    """R-OTP-7: the store keeps a keyed hash, never the code."""
    attempt = w.start()
    code = w.sms.last_code()
    state, digest = w.store.data.accounts["sub-1"]
    assert code not in repr(state) and state.code_hash and digest
    assert attempt.subject == "sub-1"


def test_r_ksk_7_sign_out_audited_with_masked_actor(w: World) -> None:
    """R-KSK-7: every sign-in step and the sign-out are in the audit, masked."""
    attempt = w.start()
    session = w.svc.verify(attempt, w.sms.last_code())
    w.svc.sign_out(session, "idle")
    events = [(r.event, r.actor, r.details) for r in w.store.data.audit]
    assert [e for e, _, _ in events] == ["signin.code_sent", "signin.success", "signin.sign_out"]
    assert events[-1][2] == {"reason": "idle"}
    assert all(actor.startswith("u:") and "ivanov" not in actor for _, actor, _ in events)
