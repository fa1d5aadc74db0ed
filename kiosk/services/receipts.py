"""Printed support receipts and booking slips (issue 16 items 4–5, issue 17 item 4).

A *slip* is a short paper the patient takes away: the support receipt (the request's
number, its topic, which department answers, the portal's support page) or the booking
slip (the booking page as a QR code and as a short address a person can type, and what
to do with it). Both end with the kiosk id and the print time (Moscow). The content is
built here, Qt-free, as HTML fragments and QR module matrices in reading order; the UI's
printer adapter (:func:`kiosk.ui.printer.render_slip`) chooses fonts and sizes for the
paper (A4 or an 80 mm roll) and draws the QR codes square by square.

Privacy: a slip carries nothing of the patient — no name, not even the masked one that
an EMR extract prints, no contact, no text of the request, no code or login. A receipt
left on the printer tray is read by the next person: with a masked name it would tell
them that «Иван П. С.» wrote to support about access to his account, and neither the
patient nor support needs it — the number alone finds the request, whose requester the
outbox keeps. The booking slip is the same for everyone (the configured portal page).
The audit records that a slip was printed, by whom (the pseudonymous actor) and, for a
receipt, the number and department: the same facts ``support.submitted`` already holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from kiosk.domain.moscow import format_moscow
from kiosk.services.audit import AuditLog
from kiosk.services.booking import qr_payload, short_address
from kiosk.services.errors import NotFound
from kiosk.services.ports import Clock, Department, SupportTopic, UnitOfWorkFactory
from kiosk.services.session import Session

#: «QR-код» never breaks at its hyphen (a line ending in «QR-» reads as a word cut in two).
NB_HYPHEN = "\u2011"
ANONYMOUS = "anonymous"  # the requester of a request sent before sign-in (SupportService)

TOPIC_NAMES_RU: dict[SupportTopic, str] = {
    SupportTopic.RECORDS: "Содержание медицинских документов",
    SupportTopic.ACCESS: "Доступ к личному кабинету",
    SupportTopic.FAILURE: "Сбой киоска или портала",
    SupportTopic.KIOSK: "Работа киоска",
}
DEPARTMENT_NAMES_RU: dict[Department, str] = {
    Department.HEALTH: "Департамент здравоохранения города Москвы (ДЗМ)",
    Department.IT: "Департамент информационных технологий города Москвы (ДИТ)",
}


@dataclass(frozen=True, slots=True)
class QrCode:
    """A QR code to draw: its payload (an https address without personal data, see
    :func:`kiosk.services.booking.qr_payload`) and its modules, quiet zone included.
    Modules rather than an image, so the adapter draws them sharp at the printer's own
    resolution (a thermal printer's 8 dots per mm as well as a PDF)."""

    payload: str
    modules: tuple[tuple[bool, ...], ...]


#: One piece of a slip: an HTML fragment (classes: title, label, number, address, text,
#: meta — the adapter styles them per paper) or a QR code.
Block = str | QrCode


@dataclass(frozen=True, slots=True)
class Slip:
    """What one slip says, in reading order. ``kind`` names it for the audit and logs."""

    kind: str
    blocks: tuple[Block, ...]
    kiosk_id: str
    printed_at: datetime

    def html(self) -> str:
        """The text blocks as one fragment (tests and search; QR codes left out)."""
        return "".join(b for b in self.blocks if isinstance(b, str))


def qr_code(url: str) -> QrCode:
    """The QR code of a portal address; the same settings as the screen's QrWidget
    (error correction M, qrcode's quiet zone of 4 modules)."""
    import qrcode

    payload = qr_payload(url)
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(payload)
    qr.make(fit=True)
    return QrCode(payload, tuple(tuple(bool(v) for v in row) for row in qr.get_matrix()))


def _p(cls: str, text: str) -> str:
    return f"<p class='{cls}'>{text}</p>"


def _meta(kiosk_id: str, printed_at: datetime) -> str:
    return _p("meta", f"Напечатано {format_moscow(printed_at)} (МСК)<br/>"
                      f"Киоск {escape(kiosk_id)}")


def support_slip(number: str, topic: SupportTopic, department: Department,
                 accepted_at: datetime, has_contact: bool, support_url: str,
                 kiosk_id: str, printed_at: datetime) -> Slip:
    """The support receipt: the number big (it is read out on the phone), what the
    request is about, who answers it, and where the portal's support page is."""
    answer = ("Ответ придёт на телефон или e-mail, который вы указали." if has_contact else
              "Вы не указали контакт для ответа: назовите этот номер, когда обратитесь "
              "в поддержку.")
    blocks: tuple[Block, ...] = (
        _p("title", "Обращение в поддержку"),
        _p("label", "Номер обращения"),
        _p("number", escape(number)),
        _p("text", f"Тема: <b>{escape(TOPIC_NAMES_RU[topic])}</b>"),
        _p("text", f"Отвечает: <b>{escape(DEPARTMENT_NAMES_RU[department])}</b>"),
        _p("text", f"Принято: {format_moscow(accepted_at)} (МСК)"),
        _p("text", f"{answer} Сохраните квитанцию: по номеру обращения вам ответят "
                   "в поддержке."),
        _p("label", "Страница поддержки на портале:"),
        _p("address", escape(short_address(support_url))),
        qr_code(support_url),
        _meta(kiosk_id, printed_at),
    )
    return Slip("support-receipt", blocks, kiosk_id, printed_at)


def booking_slip(booking_url: str, kiosk_id: str, printed_at: datetime) -> Slip:
    """The booking slip: the QR for a phone, the short address for a computer, and the
    one thing to do with either."""
    blocks: tuple[Block, ...] = (
        _p("title", "Запись к врачу"),
        _p("text", f"Наведите камеру телефона на QR{NB_HYPHEN}код: откроется запись к врачу "
                   "на портале mos.ru."),
        qr_code(booking_url),
        _p("label", "Нет смартфона? Наберите этот адрес на компьютере:"),
        _p("address", escape(short_address(booking_url))),
        _p("text", "Войдите на портал с логином и паролем mos.ru (теми же, что в киоске) "
                   "и выберите врача, день и время приёма."),
        _meta(kiosk_id, printed_at),
    )
    return Slip("booking-slip", blocks, kiosk_id, printed_at)


class ReceiptService:
    """Builds slips from what the kiosk knows and audits each print (R-KSK-7)."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, audit: AuditLog, kiosk_id: str,
                 booking_url: str, support_url: str) -> None:
        self._uow = uow
        self._clock = clock
        self._audit = audit
        self._kiosk_id = kiosk_id
        self._booking_url = qr_payload(booking_url)
        self._support_url = qr_payload(support_url)

    def support_receipt(self, session: Session | None, number: str) -> Slip:
        """The receipt of request ``number`` as the outbox holds it — the topic and the
        department the routing chose, not what a screen says. Only the requester (the
        same session, or anyone before sign-in for a request sent before sign-in) on the
        kiosk that took it gets one; anything else is ``NotFound``."""
        actor = session.actor if session else ANONYMOUS
        with self._uow() as uow:
            message = uow.outbox.get(number)
        if message is None or message.requester != actor or message.kiosk_id != self._kiosk_id:
            raise NotFound("support request")
        now = self._clock.now()
        slip = support_slip(message.id, message.topic, message.department, message.created_at,
                            bool(message.contact), self._support_url, self._kiosk_id, now)
        self._audit.record("support.receipt_printed", actor, id=message.id,
                           department=message.department.value)
        return slip

    def booking_slip(self, session: Session | None) -> Slip:
        """The booking slip; audited like every print, with no personal data."""
        slip = booking_slip(self._booking_url, self._kiosk_id, self._clock.now())
        self._audit.record("booking.slip_printed", session.actor if session else ANONYMOUS)
        return slip
