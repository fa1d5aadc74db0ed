"""Small building blocks every screen uses: plain-text labels, big buttons, the QR
widget, the corner logo with its staff gesture, and the in-window message overlay.

Labels are created with ``Qt.PlainText``: whatever a service returns is drawn as text,
never interpreted as markup (R-SHOW-5). Messages are an overlay inside the window, not a
``QMessageBox``: a separate top-level dialog could fall behind a kiosk window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

# Painting and keypad classes are imported where they are used: PySide builds a class's
# enum types when it is first touched, and Welcome's first paint needs none of these.
if TYPE_CHECKING:
    from PySide6.QtGui import QHideEvent, QMouseEvent, QPaintEvent, QResizeEvent
    from PySide6.QtWidgets import QLineEdit


def polish(widget: QWidget) -> None:
    """Re-apply the style sheet after a ``role`` property changed."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


def label(text: str = "", role: str = "", wrap: bool = True, name: str = "") -> QLabel:
    lab = QLabel()
    lab.setTextFormat(Qt.TextFormat.PlainText)
    lab.setWordWrap(wrap)
    lab.setText(text)
    if role:
        lab.setProperty("role", role)
    if name:
        lab.setObjectName(name)
    lab.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
    return lab


def button(text: str, role: str = "", name: str = "", accessible: str = "") -> QPushButton:
    btn = QPushButton(text)
    if role:
        btn.setProperty("role", role)
    if name:
        btn.setObjectName(name)
    btn.setAccessibleName(accessible or text)
    btn.setCursor(Qt.CursorShape.PointingHandCursor)
    btn.setAutoDefault(False)
    return btn


def init_screen(page: QWidget, name: str, scroll: bool = True) -> QVBoxLayout:
    """Give a page of the stack its name and the standard margins.

    The returned layout sits in a vertical scroll area filling the page (issue 16): when
    a screen fits, the area is invisible and the layout's stretches work as before; at
    200 % text or in landscape the screen scrolls instead of squeezing or clipping its
    widgets. Sub-pages inside a screen that already scrolls pass ``scroll=False``.
    """
    page.setObjectName("screen")
    page.setProperty("screen", name)
    if scroll:
        from PySide6.QtWidgets import QFrame, QScrollArea

        outer = QVBoxLayout(page)
        outer.setContentsMargins(0, 0, 0, 0)
        area = QScrollArea()
        area.setObjectName("screenScroll")
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        area.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the focus goes to the controls
        # No QScroller touch gesture here: every grabGesture registers a recognizer Qt
        # keeps after the screen is deleted, and screens are rebuilt at each sign-out
        # (+11 KB a patient: the 1,000-cycle test caught 13 MiB). A screen that
        # overflows (200 % text) scrolls by its 48 px scroll bar; lists and documents
        # keep their own touch scrolling.
        body = QWidget()
        body.setObjectName("screen")
        area.setWidget(body)
        outer.addWidget(area)
        page = body
    layout = QVBoxLayout(page)
    layout.setContentsMargins(32, 24, 32, 24)
    layout.setSpacing(18)
    return layout


def header(title: str, *buttons: QWidget) -> QHBoxLayout:
    """The top line of a screen: the logo (staff gesture), the title, «Озвучить» (the
    window reads the screen aloud, issue 16), actions."""
    speak = button(QCoreApplication.translate("Header", "Озвучить"), name="speak",
                   accessible=QCoreApplication.translate("Header", "Озвучить экран"))
    buttons = (speak, *buttons)
    box = QHBoxLayout()
    box.setSpacing(14)
    logo = LogoLabel(QCoreApplication.translate("Header", "ЛКП"))
    logo.setAccessibleName(QCoreApplication.translate("Header", "Личный кабинет пациента"))
    box.addWidget(logo, 0, Qt.AlignmentFlag.AlignTop)
    box.addWidget(label(title, "title", name="screenTitle"), 1)
    for b in buttons:
        b.setProperty("header", True)  # «Выйти», «Назад»…: never the default focus
    if len(buttons) > 1:  # side by side, or one above the other when text is large
        grid = AdaptiveGrid(len(buttons), 14)
        for b in buttons:
            grid.add(b)
        box.addWidget(grid, 0, Qt.AlignmentFlag.AlignTop)
    for b in buttons if len(buttons) == 1 else ():
        box.addWidget(b, 0, Qt.AlignmentFlag.AlignTop)
    return box


class AdaptiveGrid(QWidget):
    """Buttons in up to ``columns`` equal columns, fewer when the widest label would not
    fit (issue 16: at 150 % and 200 % text the EMR's kind buttons and bottom row were
    clipped in portrait). The count is chosen on every resize.

    Signals: none.
    """

    def __init__(self, columns: int, spacing: int = 10, parent: QWidget | None = None) -> None:
        from PySide6.QtWidgets import QGridLayout

        super().__init__(parent)
        self._most = columns
        self._columns = 0
        self._items: list[tuple[QWidget, int]] = []
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(spacing)

    def add(self, widget: QWidget, span: int = 1) -> None:
        """Add ``widget``; ``span`` columns wide while there are that many."""
        self._items.append((widget, span))
        self._place(self._most)

    def columns(self) -> int:
        return self._columns

    def _fits(self, columns: int, width: int) -> bool:
        widest = max((w.sizeHint().width() for w, _ in self._items), default=0)
        return columns * widest + (columns - 1) * self._grid.spacing() <= width

    def _place(self, columns: int) -> None:
        self._columns = columns
        for widget, _ in self._items:
            self._grid.removeWidget(widget)
        for c in range(self._most):
            self._grid.setColumnStretch(c, 1 if c < columns else 0)
        row = col = 0
        for widget, span in self._items:
            span = min(span, columns)
            if col + span > columns:
                row, col = row + 1, 0
            self._grid.addWidget(widget, row, col, 1, span)
            col += span

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        widest = max((w.minimumSizeHint().width() for w, _ in self._items), default=0)
        return QSize(widest, hint.height())

    def sizeHint(self) -> QSize:
        """As wide as all columns side by side, so a layout with room offers it (a
        narrow hint would keep the grid in one column for good)."""
        widest = max((w.sizeHint().width() for w, _ in self._items), default=0)
        width = self._most * widest + (self._most - 1) * self._grid.spacing()
        return QSize(width, super().sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        columns = next((c for c in range(self._most, 0, -1) if self._fits(c, self.width())), 1)
        if columns != self._columns:
            self._place(columns)
        super().resizeEvent(event)


def focus_forward(screen: QWidget) -> None:
    """Put the focus on the screen's forward action (issue 16): Enter on a physical
    keyboard must never sign the patient out or switch the card.

    A focus the screen chose itself (the login field, the code field) is kept unless it
    is a header button; otherwise the first editable field, else the first enabled
    primary button, else the first list.
    """
    from PySide6.QtWidgets import QApplication

    current = QApplication.focusWidget()
    if (current is not None and current.isVisible() and screen.isAncestorOf(current)
            and not current.property("header")):
        return
    widgets = [w for w in screen.findChildren(QWidget)  # in building order
               if w.isVisibleTo(screen) and w.isEnabled()]
    for takes_focus in (_is_field, _is_primary, _is_list):
        first = next((w for w in widgets if takes_focus(w)), None)
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)
            return
    if current is not None and screen.isAncestorOf(current):
        current.clearFocus()


def _is_field(w: QWidget) -> bool:
    from PySide6.QtWidgets import QLineEdit, QPlainTextEdit

    return isinstance(w, QLineEdit | QPlainTextEdit) and not w.isReadOnly()


def _is_primary(w: QWidget) -> bool:
    return (isinstance(w, QPushButton) and w.property("role") == "primary"
            and not w.property("header") and w.focusPolicy() != Qt.FocusPolicy.NoFocus)


def _is_list(w: QWidget) -> bool:
    from PySide6.QtWidgets import QAbstractItemView

    return isinstance(w, QAbstractItemView)


def row(*widgets: QWidget, stretch_first: bool = False) -> QHBoxLayout:
    box = QHBoxLayout()
    box.setSpacing(14)
    for i, w in enumerate(widgets):
        box.addWidget(w, 1 if (stretch_first and i == 0) else 0)
    return box


class QrWidget(QWidget):
    """A QR code drawn square by square from qrcode's matrix (no Pillow, no files).

    The matrix (and the ``qrcode`` import) is computed on the first paint, not when the
    payload is set: a screen holding a QR code costs nothing until it is shown.

    Signals: none.
    """

    def __init__(self, payload: str = "", side: int = 300, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._matrix: list[list[bool]] | None = []
        self._side = side
        self.setMinimumSize(side, side)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.set_payload(payload)

    def set_payload(self, payload: str) -> None:
        self.payload = payload
        self._matrix = None if payload else []  # None: not computed yet
        self.setAccessibleName(QCoreApplication.translate("QrWidget", "QR-код"))
        self.update()

    def matrix(self) -> list[list[bool]]:
        if self._matrix is None:
            self._matrix = qr_matrix(self.payload)
        return self._matrix

    def sizeHint(self) -> QSize:
        return QSize(self._side, self._side)

    def paintEvent(self, event: QPaintEvent) -> None:
        from PySide6.QtCore import QRectF
        from PySide6.QtGui import QColor, QPainter

        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("white"))
        matrix = self.matrix()
        if matrix:
            n = len(matrix)
            cell = min(self.width(), self.height()) / n
            x0 = (self.width() - cell * n) / 2
            y0 = (self.height() - cell * n) / 2
            black = QColor("black")
            for y, line in enumerate(matrix):
                for x, dark in enumerate(line):
                    if dark:
                        painter.fillRect(QRectF(x0 + x * cell, y0 + y * cell, cell + 0.5,
                                                cell + 0.5), black)
        painter.end()


def qr_matrix(payload: str) -> list[list[bool]]:
    """The module matrix with its quiet zone (qrcode's default border of 4)."""
    import qrcode

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(payload)
    qr.make(fit=True)
    return [[bool(v) for v in line] for line in qr.get_matrix()]


class LogoLabel(QLabel):
    """The corner logo; holding it for three seconds is the staff gesture (R-KSK-6).

    Signals:
        long_pressed(): held long enough.
    """

    long_pressed = Signal()
    HOLD_MS = 3000

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setProperty("role", "logo")
        self.setObjectName("logo")
        self.setMinimumHeight(56)
        self._hold = QTimer(self)
        self._hold.setSingleShot(True)
        self._hold.setInterval(self.HOLD_MS)
        self._hold.timeout.connect(self.long_pressed)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._hold.start()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._hold.stop()
        super().mouseReleaseEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self._hold.stop()
        super().hideEvent(event)


class Overlay(QFrame):
    """A dimmed layer over the whole window with a centred panel: messages, the idle
    warning, confirmations. Being a child of the window, it cannot get lost behind it.

    Signals:
        closed(): the patient pressed the button (or the owner closed it).
    """

    closed = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setProperty("role", "overlay")
        self.setObjectName("overlay")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(40, 40, 40, 40)
        outer.addStretch(1)
        self.panel = QFrame()
        self.panel.setProperty("role", "dialog")
        self.panel.setMaximumWidth(900)
        inner = QVBoxLayout(self.panel)
        inner.setContentsMargins(32, 32, 32, 32)
        inner.setSpacing(20)
        self.text = label("", name="overlayText")
        self.text.setMinimumWidth(360)
        self.qr = QrWidget(side=260)
        self.ok = button(QCoreApplication.translate("Overlay", "Понятно"), "primary", "overlayOk")
        self.ok.clicked.connect(self.dismiss)
        inner.addWidget(self.text)
        inner.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        inner.addWidget(self.ok)
        line = QHBoxLayout()
        line.addStretch(1)
        line.addWidget(self.panel, 4)
        line.addStretch(1)
        outer.addLayout(line)
        outer.addStretch(1)
        self.hide()
        parent.installEventFilter(self)

    def show_message(self, text: str, qr_url: str = "", button_text: str = "") -> None:
        self.text.setText(text)
        self.qr.set_payload(qr_url)
        self.qr.setVisible(bool(qr_url))
        self.ok.setText(button_text or QCoreApplication.translate("Overlay", "Понятно"))
        self.ok.setAccessibleName(self.ok.text())
        self.setGeometry(self.parentWidget().rect())
        self.show()
        self.raise_()
        self.ok.setFocus()

    def dismiss(self) -> None:
        was_visible = self.isVisible()
        self.hide()
        self.text.setText("")
        self.qr.set_payload("")
        if was_visible:
            self.closed.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.parentWidget().rect())
        return False


def numeric_pad(
    target: QLineEdit, prefix: str, erase_name: str, clear_name: str = "", stretch: int = 4
) -> QHBoxLayout:
    """A big 3×4 digit keypad typing into ``target`` (code entry, staff PIN).

    Keys never take focus, so the field keeps the caret and a physical keyboard keeps
    working beside the touch keys. ``clear_name`` adds a «Сброс» key right of 0.
    """
    from PySide6.QtWidgets import QGridLayout

    pad = QGridLayout()
    pad.setSpacing(10)
    for i, digit in enumerate("1234567890"):
        key = button(digit, "pad", f"{prefix}{digit}")
        key.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        key.clicked.connect(lambda _=False, d=digit: target.insert(d))
        pad.addWidget(key, i // 3, i % 3 if i < 9 else 1)
    erase = button("⌫", "pad", erase_name, _tr("Стереть"))
    erase.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    erase.clicked.connect(target.backspace)
    pad.addWidget(erase, 3, 0)
    if clear_name:
        clear = button(_tr("Сброс"), "pad", clear_name, _tr("Очистить"))
        clear.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        clear.clicked.connect(target.clear)
        pad.addWidget(clear, 3, 2)
    box = QHBoxLayout()
    box.addStretch(1)
    box.addLayout(pad, stretch)
    box.addStretch(1)
    return box


def _tr(text: str) -> str:
    return QCoreApplication.translate("Keypad", text)
