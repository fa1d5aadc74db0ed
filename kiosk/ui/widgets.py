"""Small building blocks every screen uses: plain-text labels, big buttons, the QR
widget, the corner logo with its staff gesture, and the in-window message overlay.

Labels are created with ``Qt.PlainText``: whatever a service returns is drawn as text,
never interpreted as markup (R-SHOW-5). Messages are an overlay inside the window, not a
``QMessageBox``: a separate top-level dialog could fall behind a kiosk window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import (
    Property,
    QCoreApplication,
    QEvent,
    QObject,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

# Painting and keypad classes are imported where they are used: PySide builds a class's
# enum types when it is first touched, and Welcome's first paint needs none of these.
if TYPE_CHECKING:
    from PySide6.QtGui import QHideEvent, QMouseEvent, QPaintEvent, QResizeEvent
    from PySide6.QtWidgets import QLineEdit, QStyleOptionButton


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


class _Wraps:
    """A button's label on several lines where the button is narrower than the label
    (issue 16: «Лабораторные исследования (3)» at 200 % text, or a support topic, was
    wider than a 720×1280 screen). The button may shrink to its longest word
    (:meth:`minimumSizeHint`) and grows a line taller instead: its height hint follows
    the lines at the present width, since a button's height is fixed to its hint. The
    label is drawn broken at spaces; ``text()`` and the accessible name stay whole.
    Mixed into :class:`KioskButton` and :class:`WrapRadio` before their Qt class.
    """

    # The style's names for the button's size, text area and drawing (QStyle enum
    # members, looked up when first used: PySide builds QStyle's enum types, ~4.5 ms,
    # once a label wraps - before Welcome's first paint still, as the window's first
    # layout is 640 px wide, where Welcome's smaller buttons wrap).
    _CONTENTS = "CT_PushButton"
    _TEXT_AREA = "SE_PushButtonContents"
    _CONTROL = "CE_PushButton"

    def _wrap_init(self) -> None:
        policy = self.sizePolicy()
        policy.setHorizontalPolicy(QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)  # layouts ask a QWidgetItem's policy, not the method
        self.setSizePolicy(policy)

    def _option(self, width: int = -1) -> QStyleOptionButton:
        from PySide6.QtWidgets import QStyleOptionButton

        opt = QStyleOptionButton()
        self.initStyleOption(opt)
        if width >= 0:
            opt.rect.setWidth(width)
        return opt

    def _size_for(self, text: str) -> QSize:
        """The size the style gives ``text`` (lines split at "\\n"), as the button's
        own size hint computes it for one line."""
        from PySide6.QtWidgets import QStyle

        opt = self._option()
        opt.text = text
        # Unfocused, as the button's own hint: a focused style with a thicker border
        # (the kiosk's sheet no longer has one, style.py) made a wrapped label grow.
        opt.state &= ~QStyle.StateFlag.State_HasFocus
        shown = self.fontMetrics().size(Qt.TextFlag.TextShowMnemonic.value, text)
        opt.rect.setSize(shown)
        contents = getattr(QStyle.ContentsType, self._CONTENTS)
        return self.style().sizeFromContents(contents, opt, shown, self)

    def _room(self, width: int) -> int:
        """The width text has inside a button ``width`` px wide (padding and border off)."""
        from PySide6.QtWidgets import QStyle

        opt = self._option(width)
        area = getattr(QStyle.SubElement, self._TEXT_AREA)
        inner = self.style().subElementRect(area, opt, self)
        return inner.width()

    def wrapped(self, width: int) -> str:
        """The label broken into lines at spaces so each fits a button ``width`` px wide
        (a word longer than that stays whole: the layout gives it at least its longest
        word, :meth:`minimumSizeHint`)."""
        text = self.text()
        if " " not in text or width >= super().sizeHint().width():
            return text  # as wide as the one-line hint a grid chose its columns by
        room = self._room(width) - 2  # side bearings: what is drawn, not the advance
        fm = self.fontMetrics()
        if fm.horizontalAdvance(text) <= room:
            return text
        lines: list[str] = []
        for word in _words(text):
            if lines and fm.horizontalAdvance(f"{lines[-1]} {word}") <= room:
                lines[-1] = f"{lines[-1]} {word}"
            else:
                lines.append(word)
        return "\n".join(lines)

    def shown_text(self) -> str:
        """The label as drawn now, its lines split at "\\n"."""
        return self.wrapped(self.width())

    def minimumSizeHint(self) -> QSize:
        """As narrow as the longest word, as tall as one line (the layout asks
        :meth:`heightForWidth` for the height at a narrower width)."""
        hint = super().minimumSizeHint()
        text = self.text()
        if " " not in text:
            return hint
        # The one-line hint with the label's width swapped for its longest word's: the
        # style adds the same padding and border whatever the text (unfocused, as the
        # height, see heightForWidth), and the style is not asked before Welcome paints.
        fm, mnemonic = self.fontMetrics(), Qt.TextFlag.TextShowMnemonic.value
        words = fm.size(mnemonic, "\n".join(_words(text))).width()
        return QSize(super().sizeHint().width() - fm.size(mnemonic, text).width() + words + 2,
                     hint.height())

    def sizeHint(self) -> QSize:
        """One line wide; as tall as the lines at the present width. A button's height is
        fixed to its hint (the policy a layout reads), so the hint carries the wrap."""
        hint = super().sizeHint()
        if self.width() <= 0 or " " not in self.text():
            return hint
        return QSize(hint.width(), max(hint.height(), self.heightForWidth(self.width())))

    def hasHeightForWidth(self) -> bool:
        return " " in self.text()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if " " in self.text() and self.heightForWidth(event.size().width()) != self.height():
            self.updateGeometry()  # a line more or fewer at this width: the hint changed

    def heightForWidth(self, width: int) -> int:
        shown = self.wrapped(width)
        # One line: the button's own hint, as for a label without spaces. Qt computes it
        # the same way and keeps it: asking the style at each layout pass cost ~10 ms
        # before Welcome's paint.
        size = super().sizeHint() if shown == self.text() else self._size_for(shown)
        return max(size.height(), self.minimumHeight())

    def paintEvent(self, event: QPaintEvent) -> None:
        shown = self.shown_text()
        if shown == self.text():
            super().paintEvent(event)
            return
        from PySide6.QtWidgets import QStyle, QStylePainter

        painter = QStylePainter(self)
        opt = self._option()
        opt.text = shown
        painter.drawControl(getattr(QStyle.ControlElement, self._CONTROL), opt)
        painter.end()


def _words(text: str) -> list[str]:
    """``text`` split where a line may break: at spaces, but a count in brackets or a
    per cent sign stays with the word before it («осмотров (1)», not «(1)» alone on the
    last line; «200 %», not «%» alone under «Крупный текст: 200»)."""
    words: list[str] = []
    for word in text.split(" "):
        if words and (word.startswith("(") or word == "%"):
            words[-1] = f"{words[-1]} {word}"
        else:
            words.append(word)
    return words


class KioskButton(_Wraps, QPushButton):
    """A push button that draws its focus ring as two lines (W3C technique C40): an outer
    line in the scheme's focus colour against what the button sits on, an inner line in
    the button's text colour against its own fill. One colour cannot do both on a blue
    primary button: the orange ring was 1.57:1 on the blue (issue 16), and no colour is
    3:1 against both #0B57A4 and the light background. On a plain button the dark inner
    line is what changes most from the unfocused look (the orange is close to the grey
    border). The colours come from the style sheet (``qproperty-focusOuter``,
    ``focusOnFill`` for a primary or checked button, ``focusOnPanel``; see ``style.py``).

    Signals: none (QPushButton's).
    """

    RING = 3  # px per line; the ring is 2 × RING wide, inside the button's rect
    RADIUS = 10.0  # the style sheet's border-radius

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self._outer = QColor("#B85C00")
        self._on_fill = QColor("#FFFFFF")
        self._on_panel = QColor("#111111")
        self._wrap_init()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.hasFocus():
            self._paint_ring()

    def _get_outer(self) -> QColor:
        return self._outer

    def _set_outer(self, color: QColor) -> None:
        self._outer = QColor(color)

    def _get_on_fill(self) -> QColor:
        return self._on_fill

    def _set_on_fill(self, color: QColor) -> None:
        self._on_fill = QColor(color)

    def _get_on_panel(self) -> QColor:
        return self._on_panel

    def _set_on_panel(self, color: QColor) -> None:
        self._on_panel = QColor(color)

    focusOuter = Property(QColor, _get_outer, _set_outer)
    focusOnFill = Property(QColor, _get_on_fill, _set_on_fill)
    focusOnPanel = Property(QColor, _get_on_panel, _set_on_panel)

    def ring_colors(self) -> tuple[QColor, QColor]:
        """(outer, inner): the inner line is the text colour of the fill shown now (a
        checked state changes no style property, so it is read at paint time)."""
        filled = self.property("role") == "primary" or self.isChecked() or self.isDown()
        return self._outer, self._on_fill if filled else self._on_panel

    def _paint_ring(self) -> None:
        from PySide6.QtCore import QRectF
        from PySide6.QtGui import QPainter, QPen

        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        half = self.RING / 2
        outer, inner = self.ring_colors()
        for color, inset in ((outer, half), (inner, self.RING + half)):
            painter.setPen(QPen(color, self.RING))
            radius = max(0.0, self.RADIUS - inset + half)
            painter.drawRoundedRect(QRectF(self.rect()).adjusted(inset, inset, -inset, -inset),
                                    radius, radius)
        painter.end()


class WrapRadio(_Wraps, QRadioButton):
    """A radio button whose label wraps (a support topic at 200 % text on 720×1280).

    Signals: none (QRadioButton's).
    """

    _CONTENTS = "CT_RadioButton"
    _TEXT_AREA = "SE_RadioButtonContents"
    _CONTROL = "CE_RadioButton"

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self._wrap_init()


def button(text: str, role: str = "", name: str = "", accessible: str = "") -> QPushButton:
    btn = KioskButton(text)
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
        # A viewport of our own: the one Qt makes is of a class PySide does not expose,
        # and the first ``viewport()`` that returns it makes PySide create every lazy
        # class of QtWidgets to find a wrapper type (~11 ms before Welcome's paint).
        area.setViewport(QWidget())
        # A finger drags the screen (dragscroll.py), not QScroller: every grabGesture
        # registers a recognizer Qt keeps after the screen is deleted, and screens are
        # rebuilt at each sign-out (the 1,000-cycle test caught 13 MiB).
        body = QWidget()
        body.setObjectName("screen")
        area.setWidget(body)
        from kiosk.ui.dragscroll import drag_to_scroll

        drag_to_scroll(area)
        outer.addWidget(area)
        page = body
    layout = QVBoxLayout(page)
    layout.setContentsMargins(32, 24, 32, 24)
    layout.setSpacing(18)
    return layout


def header(title: str, *buttons: QWidget) -> QHBoxLayout:
    """The top line of a screen: the logo (staff gesture), the title, «Озвучить» (the
    window reads the screen aloud, issue 16), actions. Where they do not fit side by side
    (720×1280, 200 % text) the actions go under the title (:class:`HeaderBar`)."""
    speak = button(QCoreApplication.translate("Header", "Озвучить"), name="speak",
                   accessible=QCoreApplication.translate("Header", "Озвучить экран"))
    buttons = (speak, *buttons)
    logo = LogoLabel(QCoreApplication.translate("Header", "ЛКП"))
    logo.setAccessibleName(QCoreApplication.translate("Header", "Личный кабинет пациента"))
    for b in buttons:
        b.setProperty("header", True)  # «Выйти», «Назад»…: never the default focus
    actions: QWidget
    if len(buttons) > 1:  # side by side, or one above the other when text is large
        grid = AdaptiveGrid(len(buttons), 14)
        for b in buttons:
            grid.add(b)
        actions = grid
    else:
        actions = buttons[0]
    box = QHBoxLayout()
    box.addWidget(HeaderBar(logo, label(title, "title", name="screenTitle"), actions))
    return box


# Events after which a re-flowing widget chooses its arrangement again.
_REFLOW = (QEvent.Type.LayoutRequest, QEvent.Type.StyleChange, QEvent.Type.FontChange)


class HeaderBar(QWidget):
    """Logo, title and actions in one row while they fit (``ROW``); else the actions
    under the logo and title (``TWO``); else, where even the title's longest word does
    not fit beside the logo, the logo and actions on top and the title under them
    (``THREE``). Issue 16: at 720×1280 the title's longest word and «Озвучить» beside
    it made the screen wider than the glass. Chosen on every resize, like
    :class:`AdaptiveGrid`.

    Signals: none.
    """

    SPACING = 14
    ROW, TWO, THREE = "row", "two", "three"

    def __init__(self, logo: QWidget, title: QWidget, actions: QWidget,
                 parent: QWidget | None = None) -> None:
        from PySide6.QtWidgets import QGridLayout

        super().__init__(parent)
        self._logo, self._title, self._actions = logo, title, actions
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(self.SPACING)
        self._mode = ""
        self._place(self.ROW)

    def mode(self) -> str:
        return self._mode

    def _title_width(self) -> int:
        """The title's longest word: a wrapped QLabel's minimum size hint can be less,
        and the word would be cut."""
        from PySide6.QtGui import QFontMetrics

        text = self._title.text() if isinstance(self._title, QLabel) else ""
        fm = QFontMetrics(self._title.font())
        words = text.replace("\u00ad", "").split()
        return max((fm.horizontalAdvance(w) for w in words), default=0) + 4

    def _needs(self) -> dict[str, int]:
        """The narrowest width each arrangement fits in."""
        logo = self._logo.sizeHint().width() + self.SPACING
        title, actions = self._title_width(), self._actions.minimumSizeHint().width()
        # One row only with the actions side by side: three buttons stacked beside the
        # title (720×1280) cost more height than a row of them under it.
        whole = self._actions.sizeHint().width()
        return {self.ROW: logo + title + self.SPACING + whole,
                self.TWO: max(logo + title, actions),
                self.THREE: max(title, logo + actions)}

    def _place(self, mode: str) -> None:
        if mode == self._mode:
            return
        self._mode = mode
        top = Qt.AlignmentFlag.AlignTop
        for w in (self._logo, self._title, self._actions):
            self._grid.removeWidget(w)
        self._grid.addWidget(self._logo, 0, 0, top)
        self._grid.setColumnStretch(1, 1)
        if mode == self.ROW:
            self._grid.addWidget(self._title, 0, 1)
            self._grid.addWidget(self._actions, 0, 2, top)
        elif mode == self.TWO:
            self._grid.addWidget(self._title, 0, 1, 1, 2)
            self._grid.addWidget(self._actions, 1, 0, 1, 3)
        else:
            self._grid.addWidget(self._actions, 0, 1, 1, 2, top)
            self._grid.addWidget(self._title, 1, 0, 1, 3)

    def minimumSizeHint(self) -> QSize:
        return QSize(min(self._needs().values()), super().minimumSizeHint().height())

    def _reflow(self, width: int) -> None:
        needs = self._needs()
        self._place(next((m for m in (self.ROW, self.TWO) if needs[m] <= width), self.THREE))

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._reflow(event.size().width())
        super().resizeEvent(event)

    def event(self, event: QEvent) -> bool:
        """A new text size changes what fits without a resize (the window keeps its size
        when a patient picks 200 % on Welcome): the children's new size hints arrive as
        a layout request."""
        if event.type() in _REFLOW and self.isVisible():
            self._reflow(self.width())
        return super().event(event)


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

    def set_most(self, columns: int) -> None:
        """At most ``columns`` columns from now on (a screen's sidebar wants one)."""
        self._most = max(1, columns)
        self._place(min(self._columns or self._most, self._most))
        self.updateGeometry()

    def _fits(self, columns: int, width: int) -> bool:
        """Whether ``columns`` equal columns fit ``width``: each one-column item in a
        column, each wider item in the columns it spans (so «Печать выбранных (3)»
        across two columns does not force the row into one column)."""
        gap = self._grid.spacing()
        column = (width - (columns - 1) * gap) / columns
        return all(w.sizeHint().width() <= min(span, columns) * column
                   + (min(span, columns) - 1) * gap for w, span in self._items)

    def _place(self, columns: int) -> None:
        self._columns = columns
        for widget, _ in self._items:
            self._grid.removeWidget(widget)
        for c in range(max(self._most, self._grid.columnCount())):
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

    def choose(self, width: int) -> int:
        """How many columns ``width`` holds: the most that fit, else one."""
        return next((c for c in range(self._most, 0, -1) if self._fits(c, width)), 1)

    def _reflow(self, width: int) -> None:
        columns = self.choose(width)
        if columns != self._columns:
            self._place(columns)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._reflow(event.size().width())
        super().resizeEvent(event)

    def event(self, event: QEvent) -> bool:
        """Chosen again when the labels change size without a resize (text size)."""
        if event.type() in _REFLOW and self.isVisible():
            self._reflow(self.width())
        return super().event(event)


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
            _back_to_top(first)
            return
    if current is not None and screen.isAncestorOf(current):
        current.clearFocus()


def _back_to_top(widget: QWidget) -> None:
    """Scroll areas around ``widget`` back to their top: a patient reads a screen from
    its top, and the focus scrolled the picker's list to the first card's «Открыть
    карту» at 200 % text on 720×1280, hiding whose card it was (Tab still scrolls to the
    focus)."""
    from PySide6.QtWidgets import QScrollArea

    cur = widget.parentWidget()
    while cur is not None:
        if isinstance(cur, QScrollArea):
            cur.verticalScrollBar().setValue(0)
        cur = cur.parentWidget()


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


class PageStack(QWidget):
    """Pages one at a time, as big as the page shown. A ``QStackedWidget`` is as big as
    its biggest page: its layout takes the largest hint and height for width of every
    page, whatever their size policies, and a layout asks a widget's own layout, not
    the widget, for its height for width. So the support form, keyboard and all, held
    its confirmation page that tall, and «Готово» stood below the fold at 1920×1080.
    Hence no layout here: the page shown is placed over the whole widget, and the
    widget's hints are that page's.

    Signals: none.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pages: list[QWidget] = []
        self._index = -1

    def add(self, page: QWidget) -> None:
        page.setParent(self)
        self._pages.append(page)
        if self._index < 0:
            self.show_page(0)
        else:
            page.hide()

    def show_page(self, index: int) -> None:
        self._index = index
        for i, page in enumerate(self._pages):
            page.setVisible(i == index)
        self._place()
        self.updateGeometry()

    def current(self) -> int:
        return self._index

    def _shown(self) -> QWidget | None:
        return self._pages[self._index] if 0 <= self._index < len(self._pages) else None

    def _place(self) -> None:
        page = self._shown()
        if page is not None:
            page.setGeometry(self.rect())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place()

    def event(self, event: QEvent) -> bool:
        """A page's hints changed (its text, the text size): the layout around is told,
        as a layout of its own would have done."""
        if event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()
            self._place()
        return super().event(event)

    def sizeHint(self) -> QSize:
        page = self._shown()
        return page.sizeHint() if page is not None else QSize(0, 0)

    def minimumSizeHint(self) -> QSize:
        page = self._shown()
        return page.minimumSizeHint() if page is not None else QSize(0, 0)

    def hasHeightForWidth(self) -> bool:
        page = self._shown()
        return page is not None and page.hasHeightForWidth()

    def heightForWidth(self, width: int) -> int:
        page = self._shown()
        return page.heightForWidth(width) if page is not None else -1


class EvenKeys(QWidget):
    """Keys in equal columns, each as wide as the widest key needs (the code's keypad
    and the staff PIN's). A grid sized by its keys' own widths made the keypad's
    columns 148, 96 and 288 px on a 720×1280 screen at 200 % text: a word key
    («Сброс») and «⌫» held their columns open while the digits' shrank. Here the keys
    ignore their own widths, so the columns share the width equally, and the widget
    asks for three times the widest key's need.

    Signals: none.
    """

    def __init__(self, columns: int, spacing: int = 10, parent: QWidget | None = None) -> None:
        from PySide6.QtWidgets import QGridLayout

        super().__init__(parent)
        self._columns = columns
        self._keys: list[QWidget] = []
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(spacing)
        for column in range(columns):
            self._grid.setColumnStretch(column, 1)

    def add(self, key: QWidget, row: int, column: int) -> None:
        policy = key.sizePolicy()
        policy.setHorizontalPolicy(QSizePolicy.Policy.Ignored)
        key.setSizePolicy(policy)
        self._keys.append(key)
        self._grid.addWidget(key, row, column)

    def _times_widest(self, widths: list[int]) -> int:
        return self._columns * max(widths, default=0) + (self._columns - 1) * self._grid.spacing()

    def minimumSizeHint(self) -> QSize:
        return QSize(self._times_widest([k.minimumSizeHint().width() for k in self._keys]),
                     super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:
        return QSize(self._times_widest([k.sizeHint().width() for k in self._keys]),
                     super().sizeHint().height())

    def event(self, event: QEvent) -> bool:
        """The keys' widths change with the text size: the layout around asks for the
        widest key's need again (the grid's own pass tells it too; this does not rely
        on that, since the grid ignores the keys' widths)."""
        if event.type() in _REFLOW:
            self.updateGeometry()
        return super().event(event)


def numeric_pad(
    target: QLineEdit, prefix: str, erase_name: str, clear_name: str = "", stretch: int = 4
) -> QHBoxLayout:
    """A big 3×4 digit keypad typing into ``target`` (code entry, staff PIN), its keys
    in equal columns (:class:`EvenKeys`).

    Keys never take focus, so the field keeps the caret and a physical keyboard keeps
    working beside the touch keys. ``clear_name`` adds a «Сброс» key right of 0.
    """
    pad = EvenKeys(3)
    for i, digit in enumerate("1234567890"):
        key = button(digit, "pad", f"{prefix}{digit}")
        key.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        key.clicked.connect(lambda _=False, d=digit: target.insert(d))
        pad.add(key, i // 3, i % 3 if i < 9 else 1)
    erase = button("⌫", "pad", erase_name, QCoreApplication.translate("Keypad", "Стереть"))
    erase.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    erase.clicked.connect(target.backspace)
    pad.add(erase, 3, 0)
    if clear_name:
        # A word in the digits' size needs twice a digit's width: smaller, the even
        # columns need less of a narrow screen.
        clear = button(QCoreApplication.translate("Keypad", "Сброс"), "padWord", clear_name,
                       QCoreApplication.translate("Keypad", "Очистить"))
        clear.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        clear.clicked.connect(target.clear)
        pad.add(clear, 3, 2)
    box = QHBoxLayout()
    box.addStretch(1)
    box.addWidget(pad, stretch)
    box.addStretch(1)
    return box
