"""Issue 15 items 9 and 10: one normalisation of a login for sign-in, lockout and the
staff lookup; each login refusal rule proved by itself, before anything is sent."""

from __future__ import annotations

import pytest

from kiosk.domain.credentials import LOGIN_RULES, InvalidInput, normalize_login, validate_login
from kiosk.domain.otp import CodePolicy
from kiosk.services.audit import AuditLog
from kiosk.services.errors import AccountBlocked, WrongCode
from kiosk.services.session import login_digest
from kiosk.services.staff import StaffService, hash_pin
from tests.fakes import FakeAccount
from tests.unit.test_signin import PASSWORD, World

KEY = b"K" * 32
PHONE_SPELLINGS = ("+79161234567", "89161234567", "79161234567", "9161234567",
                   "8-916-123-45-67", "+7-916-123-45-67", " +79161234567 ")


@pytest.mark.parametrize("spelling", PHONE_SPELLINGS)
def test_r_otp_3_phone_login_normalised_to_e164(spelling: str) -> None:
    """R-OTP-3 (issue 15 item 9): every spelling of a Russian mobile number is one login."""
    assert normalize_login(spelling) == "+79161234567"
    assert login_digest(KEY, spelling) == login_digest(KEY, "+79161234567")


def test_r_otp_3_email_login_case_and_other_logins() -> None:
    """E-mail addresses are matched without case; a SNILS or a name is not made a phone."""
    assert normalize_login(" Ivan.Petrov@Example.RU") == "ivan.petrov@example.ru"
    assert login_digest(KEY, "Ivan@Example.ru") == login_digest(KEY, "ivan@example.ru")
    assert normalize_login("12345678901") == "12345678901"  # a SNILS, not a phone
    assert normalize_login("Ivanov") == "ivanov"
    assert login_digest(KEY, "89161234567") != login_digest(KEY, "89161234568")


def test_r_otp_3_block_found_by_staff_under_another_spelling_of_the_phone() -> None:
    """R-OTP-3, R-KSK-6: a patient blocked after signing in as «8 916…» is found blocked
    when the receptionist types «+7916…» (the stored digest is of the normal form)."""
    w = World()
    w.portal.accounts["89161234567"] = FakeAccount(PASSWORD, "sub-1")
    attempt = w.svc.start("89161234567", PASSWORD)
    for _ in range(4):
        with pytest.raises(WrongCode):
            w.svc.verify(attempt, w.wrong(attempt))
    with pytest.raises(AccountBlocked):
        w.svc.verify(attempt, w.wrong(attempt))
    staff = StaffService(w.store, w.clock, AuditLog(w.store, w.clock, "k1"), "k1",
                         hash_pin("2468"), KEY, CodePolicy(), {})
    for spelling in ("+79161234567", "8-916-123-45-67", "9161234567"):
        status = staff.block_status(spelling)
        assert status.known and status.blocked_until is not None, spelling


#: One vector per rule; each is refused by its own rule (and not by the ones before it).
VECTORS = {
    "blank": " \t ",
    "length": "a" * 257,
    "control": "ivan\x00ov",
    "markup": "<b>ivanov</b>",
    "sql": "ivanov'--",
    "charset": "иванов",
}


def test_every_login_rule_has_a_vector() -> None:
    assert [name for name, _, _ in LOGIN_RULES] == list(VECTORS)


@pytest.mark.parametrize(("rule", "vector"), list(VECTORS.items()))
def test_r_ent_1_each_login_rule_alone_refuses_its_vector(rule: str, vector: str) -> None:
    """R-ENT-1 (issue 15 item 10): each rule, applied alone, refuses its vector; and the
    login check names that rule (so removing the rule fails this test)."""
    refuses = {name: fn for name, fn, _ in LOGIN_RULES}
    assert refuses[rule](vector)
    assert not refuses[rule]("ivan.petrov+1@example-mail.ru")  # a good login passes it
    with pytest.raises(InvalidInput) as err:
        validate_login(vector)
    assert err.value.rule == rule


@pytest.mark.parametrize("vector", [
    "x'; DROP TABLE accounts;--", "' OR '1'='1", "admin\"--", "a;b", "a=b", "a/*b*/",
    "ivan`ov", "ivan\\ov",
])
def test_r_ent_1_sql_logins_refused_by_the_sql_rule(vector: str) -> None:
    with pytest.raises(InvalidInput) as err:
        validate_login(vector)
    assert err.value.rule in ("sql", "markup") and err.value.rule == "sql"


@pytest.mark.parametrize("vector", ["<script>alert(1)</script>", "ivan&amp;", "<img src=x>",
                                    "a>b"])
def test_r_ent_1_html_logins_refused_by_the_markup_rule(vector: str) -> None:
    with pytest.raises(InvalidInput) as err:
        validate_login(vector)
    assert err.value.rule == "markup"


@pytest.mark.parametrize("vector", ["ivan\u202eov", "iv\u200ban", "ivan\nov", "ivan\x1bov",
                                    "ivan\u2028ov", "ivan\x7f"])
def test_r_ent_1_control_and_invisible_characters_refused_by_the_control_rule(
        vector: str) -> None:
    with pytest.raises(InvalidInput) as err:
        validate_login(vector)
    assert err.value.rule == "control"


@pytest.mark.parametrize("vector", ["", " ", "\t\n", "\u3000", "\u00a0 "])
def test_r_ent_1_whitespace_only_refused_by_the_blank_rule(vector: str) -> None:
    with pytest.raises(InvalidInput) as err:
        validate_login(vector)
    assert err.value.rule == "blank"


@pytest.mark.parametrize("rule", list(VECTORS))
def test_r_ent_1_refused_login_never_reaches_the_portal_or_the_store(rule: str) -> None:
    """R-ENT-1: nothing is sent, nothing is written, nothing is audited for a refused
    login."""
    w = World()
    with pytest.raises(InvalidInput):
        w.svc.start(VECTORS[rule], PASSWORD)
    assert w.portal.calls == 0 and w.registry.calls == 0 and w.sms.sent == []
    assert w.store.data.accounts == {} and w.store.data.audit == []
