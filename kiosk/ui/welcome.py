"""Welcome (R-ENT-6, R-KSK-8): language, large text, contrast, «Войти», how it works.

The first screen paints before any service exists: it imports no I/O module.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QWidget

from kiosk.ui.widgets import AdaptiveGrid, button, header, init_screen, label


class _EvenGrid(AdaptiveGrid):
    """Four buttons in one row, two rows of two, or one column: never three above one."""

    def choose(self, width: int) -> int:
        return next((c for c in (4, 2) if self._fits(c, width)), 1)


class WelcomeScreen(QWidget):
    """Signals:
        sign_in(): «Войти» pressed.
        qr_sign_in(): «Войти по QR-коду с телефона» pressed (shown only when offered).
        booking(): «Запись к врачу» pressed.
        support(): «Поддержка» pressed.
        language(str): ``"ru"`` or ``"en"`` chosen.
        text_size(int): the text size chosen: 0 normal, 1 large (150 %), 2 largest (200 %).
        high_contrast(bool): the contrast switch.
    """

    sign_in = Signal()
    qr_sign_in = Signal()
    booking = Signal()
    support = Signal()
    language = Signal(str)
    text_size = Signal(int)
    high_contrast = Signal(bool)

    def __init__(self, language: str, large: int, contrast: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = init_screen(self, "welcome")
        self.ru = button("Русский", name="langRu")
        self.en = button("English", name="langEn")
        for b, code in ((self.ru, "ru"), (self.en, "en")):
            b.setCheckable(True)
            b.setChecked(language == code)
            b.clicked.connect(lambda _=False, code=code: self.language.emit(code))
        layout.addLayout(header(self.tr("Личный кабинет пациента"), self.ru, self.en))
        layout.addWidget(label(self.tr(
            "Посмотрите и распечатайте свои медицинские документы и документы своих детей."),
            "subtitle"))
        steps = label(self.tr(
            "Как это работает:\n"
            "1. Введите логин и пароль от mos.ru.\n"
            "2. Введите код из СМС, которое придёт на ваш телефон.\n"
            "3. Выберите медицинскую карту и откройте нужный документ.\n"
            "4. Документ можно распечатать здесь же."), name="howItWorks")
        layout.addWidget(steps)
        layout.addWidget(label(self.tr(
            "Это бесплатно. Новое согласие не нужно: вы дали его при регистрации на портале."),
            "notice", name="freeNotice"))
        layout.addStretch(1)
        self._layout, self._up = layout, False
        self.enter = button(self.tr("Войти"), "primary", "signIn")
        self.enter.setMinimumHeight(96)
        self.enter.clicked.connect(self.sign_in)
        layout.addWidget(self.enter)
        self.enter_qr = button(self.tr("Войти по QR-коду с телефона"), name="signInQr")
        self.enter_qr.clicked.connect(self.qr_sign_in)
        self.enter_qr.hide()
        layout.addWidget(self.enter_qr)
        # The four smaller buttons share one row when it is wide enough: on the smallest
        # screen (1280×720, docs/deploy.md) two rows of two pushed «Высокий контраст»
        # below the fold, where a patient who needs it would never look (issue 15).
        self.book = button(self.tr("Запись к врачу"), name="booking")
        self.book.clicked.connect(self.booking)
        self.help = button(self.tr("Поддержка"), name="support")
        self.help.clicked.connect(self.support)
        # One button steps through the three sizes and says which one is on.
        self.large = button("", name="largeText")
        self.large.setCheckable(True)
        self._size = int(large)
        self._show_size()
        self.large.clicked.connect(self._next_size)
        self.contrast = button(self.tr("Высокий контраст"), name="highContrast")
        self.contrast.setCheckable(True)
        self.contrast.setChecked(contrast)
        self.contrast.toggled.connect(self.high_contrast)
        more = self._more = _EvenGrid(4, 14)
        for b in (self.book, self.help, self.large, self.contrast):
            more.add(b)
        layout.addWidget(more)
        # Shown only while it says something: an empty line would cost the smallest
        # screen another row.
        self.status = label("", "muted", name="welcomeStatus")
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status.hide()
        layout.addWidget(self.status)

        # Re-arranged when the text size or the screen changes what fits (_arrange).
        body = layout.parentWidget()
        if body is not None:
            body.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.LayoutRequest, QEvent.Type.Resize):
            self._arrange()
        return False

    def _arrange(self) -> None:
        """«Войти» under the subtitle where the screen does not hold everything (720×1280
        at 150 % and 200 % text: it was a scroll below the instructions, issue 16), else
        at the bottom, under the instructions, where it always was."""
        body = self._layout.parentWidget()
        if body is None or self.height() <= 0:
            return
        lay = self._layout
        need = (lay.totalHeightForWidth(body.width()) if lay.hasHeightForWidth()
                else lay.totalSizeHint().height())
        up = need > self.height()
        if up == self._up:
            return
        self._up = up
        for w in (self.enter, self.enter_qr):
            lay.removeWidget(w)
        at = 2 if up else lay.indexOf(self._more)
        lay.insertWidget(at, self.enter)
        lay.insertWidget(at + 1, self.enter_qr)

    def set_qr_offered(self, offered: bool) -> None:
        """RFC 8628 sign-in: only when the portal offers it and config allows it."""
        self.enter_qr.setVisible(offered)

    def _show_size(self) -> None:
        texts = (self.tr("Крупный текст"), self.tr("Крупный текст: 150 %"),
                 self.tr("Крупный текст: 200 %"))
        self.large.setText(texts[self._size])
        self.large.setAccessibleName(texts[self._size])
        self.large.setChecked(self._size > 0)

    def _next_size(self) -> None:
        self._size = (self._size + 1) % 3
        self._show_size()
        self.text_size.emit(self._size)

    def set_busy(self, text: str) -> None:
        """«Киоск запускается…» while the services are still being built."""
        self.status.setText(text)
        self.status.setVisible(bool(text))
