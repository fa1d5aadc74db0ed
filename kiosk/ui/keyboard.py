"""The in-window on-screen keyboard (R-KSK-8): ЙЦУКЕН and Latin, digits, punctuation, a
symbols page with every other printable ASCII character, shift, caps lock, backspace.

Two pages: letters (the layout's letters, digits and the punctuation a login or a
sentence needs) and symbols (digits and all 32 ASCII punctuation characters), so any
mos.ru password can be typed (issue 16). Shift is one-shot, caps stays on; both keys
show their state (checked) and the letter keys show the case they will type.

Why in-window and not Qt Virtual Keyboard: QtVK lives in PySide6-Addons (+156 MB) and
needs ``libpulse0``, opens as a separate top-level window that a kiosk compositor may
place anywhere, and never shows offscreen, so it cannot be tested in CI. This widget is
a plain child of the screen, so it cannot be dragged away or closed, and tests press
its keys like any button.

Each key sends a real ``QKeyEvent`` with its text to the target field: the on-screen
keys and a physical keyboard go through exactly the same path in the field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.ui.style import MIN_TOUCH

if TYPE_CHECKING:
    from PySide6.QtGui import QResizeEvent

LAYOUTS: dict[str, tuple[str, ...]] = {
    "ru": ("йцукенгшщзхъ", "фывапролджэ", "ячсмитьбюё"),
    "en": ("qwertyuiop", "asdfghjkl", "zxcvbnm"),
}
DIGITS = "1234567890"
#: The letters page's last row: what a login (e-mail) or a sentence needs most.
PUNCTUATION: dict[str, str] = {
    "ru": '.,?!-:;()"',
    "en": ".@_-+,?!:",
}
#: The symbols page: every printable ASCII character that is neither a letter nor a digit.
SYMBOL_ROWS = ("!@#$%^&*()-", "_=+[]{}\\|;:", "'\",./<>?`~")
LETTERS, SYMBOLS = "letters", "symbols"


class Key(QPushButton):
    """A key at least 44 px square that never gets narrower than its label: a row that
    cannot fit widens the keyboard instead of clipping «Ввод» at 200 % text. It prefers
    its style's width but may shrink to its label (issue 16: the staff keyboard was
    wider than a 720×1280 or a 1080×1920 screen at 200 % text)."""

    def sizeHint(self) -> QSize:
        return super().sizeHint().expandedTo(QSize(MIN_TOUCH, MIN_TOUCH))

    def minimumSizeHint(self) -> QSize:
        """The label's width plus the style's border and padding (a primary key, «Ввод»,
        has a bold font and wider padding than a letter), never under 44 px."""
        from PySide6.QtGui import QFontMetrics
        from PySide6.QtWidgets import QStyle, QStyleOptionButton

        opt = QStyleOptionButton()
        self.initStyleOption(opt)
        inner = self.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, opt, self)
        label = self.text().replace("&&", "&")
        ink = QFontMetrics(self.font()).horizontalAdvance(label)
        width = ink + self.width() - inner.width() + 2
        return QSize(max(MIN_TOUCH, width), self.sizeHint().height())


class OnScreenKeyboard(QWidget):
    """Keys for whichever registered field last had focus.

    Signals:
        enter_pressed(): the Enter key was pressed (the screen decides what it means).
        layout_changed(str): ``"ru"`` or ``"en"``.
    """

    enter_pressed = Signal()
    layout_changed = Signal(str)

    def __init__(self, layout: str = "en", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keyboard")
        self._targets: list[QWidget] = []
        self._target: QWidget | None = None
        self._layout = layout
        self._page = LETTERS
        self._shift = False
        self._caps = False
        self._letter_keys: list[QPushButton] = []
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(8)
        self._rows = QVBoxLayout()
        self._rows.setSpacing(6)
        box.addLayout(self._rows)
        self._bottom = QVBoxLayout()
        self._bottom.setSpacing(6)
        self._split: bool | None = None
        self.shift_key = self._key("⇧", "key_shift", self._toggle_shift,
                                   QCoreApplication.translate("Keyboard", "Заглавная буква"))
        self.shift_key.setCheckable(True)
        self.caps_key = self._key("⇪", "key_caps", self._toggle_caps,
                                  QCoreApplication.translate("Keyboard", "Все заглавные"))
        self.caps_key.setCheckable(True)
        self.page_key = self._key("", "key_page", self._toggle_page)
        self.layout_key = self._key("", "key_layout", self._toggle_layout,
                                    QCoreApplication.translate("Keyboard", "Сменить язык"))
        self.space_key = self._key(QCoreApplication.translate("Keyboard", "Пробел"), "key_space",
                                   lambda: self._type(" "))
        self.backspace_key = self._key("⌫", "key_backspace", self._backspace,
                                       QCoreApplication.translate("Keyboard", "Стереть"))
        self.enter_key = self._key(QCoreApplication.translate("Keyboard", "Ввод"), "key_enter",
                                   self._enter)
        self.enter_key.setProperty("role", "primary")
        #: The bottom row's keys and stretches; on two lines where one is too narrow.
        self._bottom_keys = ((self.shift_key, 2), (self.caps_key, 2), (self.page_key, 2),
                             (self.layout_key, 2), (self.space_key, 5),
                             (self.backspace_key, 2), (self.enter_key, 3))
        self._place_bottom(False)
        box.addLayout(self._bottom)
        self._build_keys()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)

    # ------------------------------------------------------------------ API

    def set_targets(self, *targets: QWidget) -> None:
        """Fields this keyboard types into; the first is the default target."""
        self._targets = list(targets)
        self._target = targets[0] if targets else None

    @property
    def target(self) -> QWidget | None:
        return self._target

    @property
    def layout_name(self) -> str:
        return self._layout

    @property
    def page(self) -> str:
        """``"letters"`` or ``"symbols"``."""
        return self._page

    @property
    def upper(self) -> bool:
        """Whether the next letter is typed in upper case (shift or caps)."""
        return self._shift != self._caps

    def set_layout(self, name: str) -> None:
        if name in LAYOUTS and (name != self._layout or self._page != LETTERS):
            changed = name != self._layout
            self._layout = name
            self._page = LETTERS
            self._build_keys()
            if changed:
                self.layout_changed.emit(name)

    def set_page(self, page: str) -> None:
        if page in (LETTERS, SYMBOLS) and page != self._page:
            self._page = page
            self._build_keys()

    def key(self, char: str) -> QPushButton:
        """The button of ``char`` on the page shown (tests and accessibility tools press it)."""
        found = self.findChild(QPushButton, f"key_{char.lower()}")
        if found is None:
            raise KeyError(char)
        return found

    def chars(self) -> str:
        """Every character a key of the page shown types (letters in lower case)."""
        return "".join(b.objectName()[4:] for b in self._char_keys())

    # ------------------------------------------------------------------ building

    def _key(self, text: str, name: str, slot: object, accessible: str = "") -> QPushButton:
        btn = Key(text)
        btn.setObjectName(name)
        btn.setProperty("role", "key")
        btn.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # never steal focus from the field
        btn.setAccessibleName(accessible or text)
        btn.setAutoRepeat(name == "key_backspace")
        btn.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        btn.clicked.connect(slot)
        return btn

    def _char_keys(self) -> list[QPushButton]:
        keys: list[QPushButton] = []
        for i in range(self._rows.count()):
            item = self._rows.itemAt(i)
            inner = item.layout() if item is not None else None
            if inner is None:
                continue
            for j in range(inner.count()):
                key = inner.itemAt(j)
                widget = key.widget() if key is not None else None
                if isinstance(widget, QPushButton):
                    keys.append(widget)
        return keys

    def _rows_shown(self) -> tuple[str, ...]:
        if self._page == SYMBOLS:
            return (DIGITS, *SYMBOL_ROWS)
        return (DIGITS, *LAYOUTS[self._layout], PUNCTUATION[self._layout])

    def _build_keys(self) -> None:
        while self._rows.count():
            line = self._rows.takeAt(0)
            inner = line.layout() if line is not None else None
            while inner is not None and inner.count():
                item = inner.takeAt(0)
                widget = item.widget() if item is not None else None
                if widget is not None:
                    widget.setParent(None)
                    widget.deleteLater()
        self._letter_keys = []
        rows = self._rows_shown()
        width = max(len(r) for r in rows)
        for chars in rows:
            # Keys of every row are equally wide (stretch 2); short rows are centred by
            # side stretches worth half a key per missing key.
            line = QHBoxLayout()
            line.setSpacing(6)
            pad = width - len(chars)
            if pad:
                line.addStretch(pad)
            for ch in chars:
                # «&» alone would be read as a mnemonic marker and show nothing
                btn = self._key(ch.replace("&", "&&"), f"key_{ch}",
                                lambda _=False, ch=ch: self._type_letter(ch), _spoken(ch))
                line.addWidget(btn, 2)
                if ch.isalpha():
                    self._letter_keys.append(btn)
            if pad:
                line.addStretch(pad)
            self._rows.addLayout(line)
        self.layout_key.setText("EN" if self._layout == "ru" else "РУ")
        letters = "АБВ" if self._layout == "ru" else "ABC"
        self.page_key.setText("#+=" if self._page == LETTERS else letters)
        self.page_key.setAccessibleName(
            QCoreApplication.translate("Keyboard", "Символы") if self._page == LETTERS
            else QCoreApplication.translate("Keyboard", "Буквы"))
        self._apply_shift()

    def _place_bottom(self, split: bool) -> None:
        """The shift…enter keys on one line, or on two (modifiers above space, backspace
        and enter) where one line would be wider than the keyboard (200 % text on a
        720 px wide screen)."""
        if split == self._split:
            return
        self._split = split
        while self._bottom.count():
            item = self._bottom.takeAt(0)
            line = item.layout() if item is not None else None
            while line is not None and line.count():
                line.takeAt(0)
            if line is not None:
                line.deleteLater()
        lines = (self._bottom_keys[:4], self._bottom_keys[4:]) if split \
            else (self._bottom_keys,)
        for keys in lines:
            line = QHBoxLayout()
            line.setSpacing(6)
            for key, stretch in keys:
                line.addWidget(key, stretch)
            self._bottom.addLayout(line)

    def _bottom_width(self) -> int:
        keys = [key for key, _ in self._bottom_keys]
        return sum(k.minimumSizeHint().width() for k in keys) + 6 * (len(keys) - 1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._place_bottom(self._bottom_width() > event.size().width())
        super().resizeEvent(event)

    def minimumSizeHint(self) -> QSize:
        """As narrow as the widest row of keys, the bottom row on two lines if need be."""
        hint = super().minimumSizeHint()
        keys = [key for key, _ in self._bottom_keys]
        split = max(sum(k.minimumSizeHint().width() for k in part) + 6 * (len(part) - 1)
                    for part in (keys[:4], keys[4:]))
        rows = [sum(k.minimumSizeHint().width() for k in self._row_keys(i))
                + 6 * (len(self._row_keys(i)) - 1) for i in range(self._rows.count())]
        return QSize(max([split, *rows]), hint.height())

    def _row_keys(self, i: int) -> list[QPushButton]:
        item = self._rows.itemAt(i)
        line = item.layout() if item is not None else None
        if line is None:
            return []
        found = (line.itemAt(j).widget() for j in range(line.count()))
        return [w for w in found if isinstance(w, QPushButton)]

    # ------------------------------------------------------------------ typing

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is not None and new in self._targets:
            self._target = new

    def _send(self, key: Qt.Key, text: str = "") -> None:
        target = self._target
        if target is None or not target.isEnabled():
            return
        if not target.hasFocus():
            target.setFocus(Qt.FocusReason.OtherFocusReason)
        mods = Qt.KeyboardModifier.NoModifier
        QApplication.sendEvent(target, QKeyEvent(QEvent.Type.KeyPress, key, mods, text))
        QApplication.sendEvent(target, QKeyEvent(QEvent.Type.KeyRelease, key, mods, text))

    def _type(self, text: str) -> None:
        self._send(Qt.Key.Key_unknown, text)

    def _type_letter(self, ch: str) -> None:
        self._type(ch.upper() if ch.isalpha() and self.upper else ch)
        if self._shift:
            self._shift = False
            self._apply_shift()

    def _backspace(self) -> None:
        self._send(Qt.Key.Key_Backspace)

    def _enter(self) -> None:
        self.enter_pressed.emit()

    def _toggle_shift(self) -> None:
        self._shift = not self._shift
        self._apply_shift()

    def _toggle_caps(self) -> None:
        self._caps = not self._caps
        self._shift = False
        self._apply_shift()

    def _toggle_page(self) -> None:
        self.set_page(SYMBOLS if self._page == LETTERS else LETTERS)

    def _toggle_layout(self) -> None:
        self.set_layout("en" if self._layout == "ru" else "ru")

    def _apply_shift(self) -> None:
        """Shift and caps keys show their state; letter keys show the case they type."""
        self.shift_key.setChecked(self._shift)
        self.caps_key.setChecked(self._caps)
        for btn in self._letter_keys:
            ch = btn.objectName()[4:]
            btn.setText(ch.upper() if self.upper else ch)


def _spoken(ch: str) -> str:
    """An accessible name for a key: the character, or its name where a screen reader
    would otherwise say nothing useful."""
    names = {
        ".": QCoreApplication.translate("Keyboard", "точка"),
        ",": QCoreApplication.translate("Keyboard", "запятая"),
        "?": QCoreApplication.translate("Keyboard", "вопросительный знак"),
        "!": QCoreApplication.translate("Keyboard", "восклицательный знак"),
        "-": QCoreApplication.translate("Keyboard", "дефис"),
        "_": QCoreApplication.translate("Keyboard", "подчёркивание"),
        "@": QCoreApplication.translate("Keyboard", "собака"),
        " ": QCoreApplication.translate("Keyboard", "пробел"),
    }
    return names.get(ch, ch)
