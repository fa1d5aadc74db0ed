"""Support (R-ACT-5): the topic decides the department — what the records say goes to
the Department of Health (ДЗМ), access, failures and the kiosk to the Department of IT
(ДИТ). The request is only written to the persistent outbox here, so it survives a
network failure; the patient gets a confirmation, the portal's support QR and, on
request, a printed receipt (number, topic, department; :mod:`kiosk.services.receipts`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from kiosk.services.booking import qr_payload
from kiosk.services.ports import Department, SupportTopic
from kiosk.ui.context import UiContext
from kiosk.ui.keyboard import OnScreenKeyboard
from kiosk.ui.messages import message_for
from kiosk.ui.slips import SlipPrint
from kiosk.ui.widgets import (
    AdaptiveGrid,
    PageStack,
    QrWidget,
    WrapRadio,
    button,
    header,
    init_screen,
    label,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from kiosk.services.receipts import Slip

TOPICS = (SupportTopic.RECORDS, SupportTopic.ACCESS, SupportTopic.FAILURE, SupportTopic.KIOSK)


class SupportScreen(QWidget):
    """Signals:
        back(): return to where the patient came from.
    """

    back = Signal()

    def __init__(self, ctx: UiContext, support_url: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        layout = init_screen(self, "support")
        self.back_button = button(self.tr("Назад"), name="back")
        self.back_button.clicked.connect(self.back)
        layout.addLayout(header(self.tr("Обращение в поддержку"), self.back_button))
        self.pages = PageStack()
        layout.addWidget(self.pages, 1)

        form = QWidget()
        form.setObjectName("screen")
        f = init_screen(form, "supportForm", scroll=False)
        f.setContentsMargins(0, 0, 0, 0)
        f.setSpacing(10)
        f.addWidget(label(self.tr("О чём ваш вопрос?"), "subtitle"))
        f.addWidget(label(self.tr(
            "Вопросы о том, что написано в медицинских документах, передаются в Департамент "
            "здравоохранения (ДЗМ), остальные — в Департамент информационных технологий (ДИТ)."),
            "muted"))
        self.topics = QButtonGroup(self)
        titles = {
            SupportTopic.RECORDS: self.tr("Содержание документов (ДЗМ)"),
            SupportTopic.ACCESS: self.tr("Доступ к кабинету (ДИТ)"),
            SupportTopic.FAILURE: self.tr("Сбой киоска или портала (ДИТ)"),
            SupportTopic.KIOSK: self.tr("Работа киоска (ДИТ)"),
        }
        grid = AdaptiveGrid(2)  # one column when the titles are too long for two
        for i, topic in enumerate(TOPICS):
            radio = WrapRadio(titles[topic])
            radio.setObjectName(f"topic_{topic.value}")
            radio.setAccessibleName(titles[topic])
            self.topics.addButton(radio, i)
            grid.add(radio)
        f.addWidget(grid)
        self.topics.button(0).setChecked(True)
        self.text = QPlainTextEdit()
        self.text.setObjectName("supportText")
        self.text.setAccessibleName(self.tr("Текст обращения"))
        self.text.setPlaceholderText(self.tr("Опишите вопрос"))
        self.text.setTabChangesFocus(True)
        self.text.setMinimumHeight(120)
        f.addWidget(self.text, 1)
        self.contact = QLineEdit()
        self.contact.setObjectName("supportContact")
        self.contact.setMaxLength(120)
        self.contact.setAccessibleName(self.tr("Телефон или e-mail для ответа"))
        # Said above the field, where it wraps: as the field's hint it was cut to
        # «Телефон или e-mai…» at 200 % text on 720×1280, and it went once typing began.
        contact_label = label(self.tr("Телефон или e-mail для ответа"),
                              name="supportContactLabel")
        contact_label.setBuddy(self.contact)
        f.addWidget(contact_label)
        f.addWidget(self.contact)
        self.error = label("", "error", name="supportError")
        self.error.hide()
        f.addWidget(self.error)
        self.send = button(self.tr("Отправить"), "primary", "sendSupport")
        self.send.clicked.connect(self.submit)
        f.addWidget(self.send)
        self.keyboard = OnScreenKeyboard("ru")
        self.keyboard.set_targets(self.text, self.contact)
        self.keyboard.enter_pressed.connect(self._enter)
        f.addWidget(self.keyboard)
        self.pages.add(form)

        done = QWidget()
        done.setObjectName("screen")
        d = init_screen(done, "supportDone", scroll=False)
        self.confirmation = label("", "subtitle", name="supportConfirmation")
        d.addWidget(self.confirmation)
        # The number on its own line in big type: the patient reads it out on the phone.
        self.number = label("", "big", name="supportNumber")
        self.number.setAlignment(Qt.AlignmentFlag.AlignCenter)
        d.addWidget(self.number)
        d.addWidget(label(self.tr("Запишите или сфотографируйте номер обращения: по нему "
                                  "вам ответят в поддержке."), "muted"))
        self.qr = QrWidget(qr_payload(support_url), side=320)
        self.qr.setObjectName("supportQr")
        d.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        qr_hint = label(self.tr(
            "Задать вопрос можно и на портале mos.ru: наведите камеру телефона на QR-код."))
        qr_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        d.addWidget(qr_hint)
        d.addStretch(1)
        # The receipt: the number, topic and department on paper (issue 16 item 4).
        self.receipt = SlipPrint(
            ctx, self.tr("Распечатать квитанцию"),
            self.tr("Квитанция напечатана: заберите её из принтера."),
            self.tr("Квитанцию напечатать не удалось. Запишите номер обращения с экрана."),
            self._make_receipt, "printReceipt", self)
        self._request_id = ""
        self.done_button = button(self.tr("Готово"), "primary", "supportDoneButton")
        self.done_button.clicked.connect(self.back)
        bottom = AdaptiveGrid(2)  # side by side where they fit, else one above the other
        bottom.add(self.receipt.button)
        bottom.add(self.done_button)
        d.addWidget(self.receipt.done)
        d.addWidget(self.receipt.error)
        d.addWidget(bottom)
        self.pages.add(done)

    def _make_receipt(self) -> Callable[[], Slip]:
        receipts, session = self._ctx.svc.receipts, self._ctx.state.session
        number = self._request_id
        return lambda: receipts.support_receipt(session, number)

    def _enter(self) -> None:
        if self.keyboard.target is self.text:
            self.text.insertPlainText("\n")
        else:
            self.submit()

    def choose(self, topic: SupportTopic) -> None:
        self.topics.button(TOPICS.index(topic)).setChecked(True)

    def topic(self) -> SupportTopic:
        return TOPICS[max(0, self.topics.checkedId())]

    def submit(self) -> None:
        if self._ctx.services is None or not self.send.isEnabled():
            return
        self.send.setEnabled(False)
        self.error.hide()
        self._ctx.call(self._ctx.svc.submit_support, self._ctx.state.session, self.topic(),
                       self.text.toPlainText(), self.contact.text(),
                       on_done=self._sent, on_error=self._failed)

    def _sent(self, receipt: object) -> None:
        self.send.setEnabled(True)
        department = getattr(receipt, "department", Department.IT)
        request_id = str(getattr(receipt, "request_id", ""))
        where = (self.tr("в Департамент здравоохранения (ДЗМ)") if department is Department.HEALTH
                 else self.tr("в Департамент информационных технологий (ДИТ)"))
        self.confirmation.setText(self.tr(
            "Обращение № %1 принято и будет передано %2. Ответ придёт на указанный контакт.")
            .replace("%1", request_id).replace("%2", where))
        self.number.setText(request_id)
        self._request_id = request_id
        self.receipt.reset()
        self.number.setAccessibleName(self.tr("Номер обращения: %1").replace("%1", request_id))
        self.text.clear()
        self.contact.clear()
        self.pages.show_page(1)
        self.done_button.setFocus()  # the forward action, never «Назад»

    def _failed(self, err: object) -> None:
        self.send.setEnabled(True)
        assert isinstance(err, BaseException)
        self.error.setText(message_for(err).text)
        self.error.show()

    def reset(self) -> None:
        self.text.clear()
        self.contact.clear()
        self.confirmation.setText("")
        self.number.setText("")
        self._request_id = ""
        self.receipt.reset()
        self.error.hide()
        self.topics.button(0).setChecked(True)
        self.pages.show_page(0)
