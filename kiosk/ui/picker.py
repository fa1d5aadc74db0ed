"""The EMR picker (R-ENT-5, R-ACT-1/2, R-SHOW-1..3): one large card per EMR.

A child's card warns when access ends within 30 days (R-ACC-1), so a parent is not
surprised when the card disappears on the 15th birthday.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QScrollArea, QVBoxLayout, QWidget

from kiosk.ui.dragscroll import drag_to_scroll
from kiosk.ui.texts import age_label, relation_label, sex_label
from kiosk.ui.widgets import button, focus_forward, header, init_screen, label

if TYPE_CHECKING:
    from kiosk.services.views import EmrCard

NOTICE_DAYS = 30


class EmrCardWidget(QFrame):
    """One EMR: masked name, age, sex, relation and the end-of-access notice.

    Signals:
        chosen(str): the EMR id, when the card or its button is pressed.
    """

    chosen = Signal(str)

    def __init__(self, card: EmrCard, today: date, age_limit: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.emr_id = card.emr_id
        self.setProperty("role", "card")
        self.setObjectName("emrCard")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        box = QVBoxLayout(self)
        box.setContentsMargins(24, 20, 24, 20)
        box.setSpacing(8)
        top = QHBoxLayout()
        top.addWidget(label(card.masked_name, "subtitle", name="cardName"), 1)
        # Wraps too: beside a 200 % name on a 720 px screen «Карта ребёнка» in one line
        # made the card wider than the screen (issue 16).
        relation = label(relation_label(card.relation), "muted", name="cardRelation")
        relation.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        top.addWidget(relation, 0, Qt.AlignmentFlag.AlignTop)
        box.addLayout(top)
        box.addWidget(label(f"{age_label(card.age)} · "
                            + self.tr("Пол: %1").replace("%1", sex_label(card.sex)),
                            name="cardDetails"))
        if card.access_ends_on is not None and card.access_ends_on - today <= timedelta(
                days=NOTICE_DAYS):
            box.addWidget(label(self.tr(
                "Доступ к карте закончится %1, когда ребёнку исполнится %2 лет")
                .replace("%1", card.access_ends_on.strftime("%d.%m.%Y"))
                .replace("%2", str(age_limit)), "notice", name="accessEnds"))
        if not card.in_cache:
            box.addWidget(label(self.tr("Данные карты ещё загружаются."), "muted"))
        self.open = button(self.tr("Открыть карту"), "primary", "openEmr",
                           self.tr("Открыть карту: %1").replace("%1", card.masked_name))
        self.open.clicked.connect(lambda: self.chosen.emit(self.emr_id))
        box.addWidget(self.open)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self.rect().contains(event.position().toPoint()):
            self.chosen.emit(self.emr_id)
        super().mouseReleaseEvent(event)


class PickerScreen(QWidget):
    """Signals:
        chosen(str): an EMR id to open.
        sign_out(): «Выйти».
    """

    chosen = Signal(str)
    sign_out = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = init_screen(self, "picker")
        self.exit = button(self.tr("Выйти"), name="signOut")
        self.exit.clicked.connect(self.sign_out)
        layout.addLayout(header(self.tr("Выберите медицинскую карту"), self.exit))
        self.hint = label(self.tr("Вы можете сменить карту в любой момент."), "muted")
        layout.addWidget(self.hint)
        self.message = label("", "notice", name="pickerMessage")
        self.message.hide()
        layout.addWidget(self.message)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        drag_to_scroll(self.scroll)
        self.list = QWidget()
        self.list.setObjectName("screen")
        self.cards = QVBoxLayout(self.list)
        self.cards.setContentsMargins(0, 0, 0, 0)
        self.cards.setSpacing(16)
        self.cards.addStretch(1)
        self.scroll.setWidget(self.list)
        layout.addWidget(self.scroll, 1)
        self.loading = label(self.tr("Загружаем ваши медицинские карты…"), "muted",
                             name="pickerLoading")
        layout.addWidget(self.loading)

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def set_cards(self, cards: Sequence[EmrCard], today: date, age_limit: int) -> None:
        self.clear()
        self.loading.hide()
        for i, card in enumerate(cards):
            widget = EmrCardWidget(card, today, age_limit)
            widget.chosen.connect(self.chosen)
            self.cards.insertWidget(i, widget)
            widget.show()
        if self.isVisible():
            focus_forward(self)  # the first «Открыть карту», never «Выйти» (issue 16)

    def set_loading(self) -> None:
        self.loading.show()

    def clear(self) -> None:
        while self.cards.count() > 1:
            item = self.cards.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.setParent(None)
                widget.deleteLater()
