"""Support receipts and booking slips, Qt-free (issue 16 items 4–5, R-ACT-4, R-ACT-5,
R-KSK-7): what the paper says, that it says nothing of the patient, and the audit."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from kiosk.services.audit import AuditLog
from kiosk.services.booking import BadUrl
from kiosk.services.errors import NotFound
from kiosk.services.ports import Department, SupportTopic
from kiosk.services.receipts import QrCode, ReceiptService, booking_slip, qr_code, support_slip
from kiosk.services.session import Session
from kiosk.services.support import SupportService
from tests.fakes import FakeClock, FakeStore

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # 12:00 in Moscow
BOOKING = "https://www.mos.ru/services/zapis-k-vrachu/"
SUPPORT = "https://www.mos.ru/support/"


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def qr_blocks(slip: object) -> list[QrCode]:
    return [b for b in slip.blocks if isinstance(b, QrCode)]  # type: ignore[attr-defined]


def test_support_receipt_says_number_topic_department_and_portal_page() -> None:
    """Issue 16 item 4: number, topic, which department answers, the support page."""
    slip = support_slip("К-4821-7", SupportTopic.RECORDS, Department.HEALTH,
                        NOW - timedelta(minutes=2), True, SUPPORT, "kiosk-01", NOW)
    text = text_of(slip.html())
    assert "К-4821-7" in text
    assert "Содержание медицинских документов" in text
    assert "Департамент здравоохранения города Москвы (ДЗМ)" in text
    assert "mos.ru/support" in text
    assert "Принято: 27.11.2026 11:58 (МСК)" in text
    assert "Напечатано 27.11.2026 12:00 (МСК)" in text and "kiosk-01" in text
    assert "который вы указали" in text
    assert [q.payload for q in qr_blocks(slip)] == [SUPPORT]


def test_support_receipt_without_contact_does_not_promise_an_answer_to_it() -> None:
    slip = support_slip("К-4821-7", SupportTopic.KIOSK, Department.IT, NOW, False, SUPPORT,
                        "kiosk-01", NOW)
    text = text_of(slip.html())
    assert "Департамент информационных технологий города Москвы (ДИТ)" in text
    assert "Вы не указали контакт" in text and "который вы указали" not in text


def test_booking_slip_has_the_qr_short_address_and_what_to_do() -> None:
    """Issue 16 item 5: the QR, the address in readable short form, a printed slip."""
    slip = booking_slip(BOOKING, "kiosk-01", NOW)
    text = text_of(slip.html())
    assert "mos.ru/services/zapis-k-vrachu" in text
    assert "выберите врача, день и время приёма" in text
    (qr,) = qr_blocks(slip)
    assert qr.payload == BOOKING
    n = len(qr.modules)
    assert n >= 21 + 8 and all(len(row) == n for row in qr.modules)  # quiet zone kept
    assert not any(qr.modules[0]) and not any(qr.modules[-1])


def test_slip_qr_refuses_an_address_that_could_carry_personal_data() -> None:
    with pytest.raises(BadUrl):
        qr_code("https://www.mos.ru/support/?snils=123")
    with pytest.raises(BadUrl):
        booking_slip("http://mos.ru/zapis", "kiosk-01", NOW)


def test_text_is_escaped() -> None:
    slip = booking_slip(BOOKING, "<b>kiosk</b>", NOW)
    assert "<b>kiosk</b>" not in slip.html() and "&lt;b&gt;kiosk" in slip.html()


class World:
    def __init__(self) -> None:
        self.store, self.clock = FakeStore(), FakeClock(NOW)
        audit = AuditLog(self.store, self.clock, "kiosk-01")
        self.support = SupportService(self.store, self.clock, audit, "kiosk-01")
        self.receipts = ReceiptService(self.store, self.clock, audit, "kiosk-01", BOOKING,
                                       SUPPORT)
        self.session = Session("s", "sub", "u:abc", NOW, [], NOW)

    def audit(self) -> list[tuple[str, str, dict[str, object]]]:
        return [(r.event, r.actor, dict(r.details)) for r in self.store.data.audit]


def test_receipt_comes_from_the_outbox_as_routed_and_is_audited_R_KSK_7() -> None:
    """The department on paper is the one the routing chose (R-ACT-5); the print is
    audited with the number and department only — the same facts as the submission."""
    w = World()
    sent = w.support.submit(w.session, SupportTopic.RECORDS, "Смирнов: ошибка в дате",
                            "+7 916 123-45-67")
    w.clock.advance(minutes=3)
    slip = w.receipts.support_receipt(w.session, sent.request_id)
    text = text_of(slip.html())
    assert sent.request_id in text and "(ДЗМ)" in text
    assert "Принято: 27.11.2026 12:00" in text and "Напечатано 27.11.2026 12:03" in text
    for private in ("Смирнов", "ошибка в дате", "916", "u:abc"):
        assert private not in text
    assert w.audit()[-1] == ("support.receipt_printed", "u:abc",
                             {"id": sent.request_id, "department": "dzm"})


def test_receipt_only_for_the_requester_on_this_kiosk() -> None:
    """A number typed or guessed elsewhere prints nothing: another session's request,
    a signed-in patient's request after sign-out, a request taken by another kiosk."""
    w = World()
    mine = w.support.submit(w.session, SupportTopic.ACCESS, "Не приходит СМС")
    anon = w.support.submit(None, SupportTopic.KIOSK, "Принтер")
    other = Session("s2", "sub2", "u:def", NOW, [], NOW)
    with pytest.raises(NotFound):
        w.receipts.support_receipt(other, mine.request_id)
    with pytest.raises(NotFound):
        w.receipts.support_receipt(None, mine.request_id)
    with pytest.raises(NotFound):
        w.receipts.support_receipt(w.session, "К-0000-0")
    assert "(ДИТ)" in text_of(w.receipts.support_receipt(None, anon.request_id).html())
    elsewhere = ReceiptService(w.store, w.clock, AuditLog(w.store, w.clock, "kiosk-02"),
                               "kiosk-02", BOOKING, SUPPORT)
    with pytest.raises(NotFound):
        elsewhere.support_receipt(None, anon.request_id)


def test_booking_slip_print_is_audited_without_personal_data() -> None:
    w = World()
    w.receipts.booking_slip(None)
    w.receipts.booking_slip(w.session)
    assert w.audit()[-2:] == [("booking.slip_printed", "anonymous", {}),
                              ("booking.slip_printed", "u:abc", {})]
