"""A text field for logins, passwords, SMS codes and the staff PIN (R-ENT-1, R-OTP-7).

A public terminal is used by one stranger after another, so a credential field must not
hand anything to the next person. A plain ``QLineEdit`` does, in several ways:

- ``clear()`` is an undoable edit: after a failed sign-in the next person taps
  «Показать» and presses Ctrl+Z, and the previous password is back;
- the clipboard (Ctrl+C/X/V, Shift+Insert, Ctrl+K «cut to end of line» on Unix) and the
  X11/Wayland primary selection (select, then middle-click) carry the text out of the
  field and into the next person's;
- drag and drop and the context menu (with its Undo entry) do the same by mouse.

``SecretField`` keeps no edit history at all (every clear is a ``setText("")``, which
also drops the history, and the undo/redo keys and slots do nothing), never talks to a
clipboard or a selection, accepts no drops and has no context menu. Typing, the
on-screen keyboard, backspace and the cursor keys work as usual.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeyEvent, QKeySequence, QMouseEvent
from PySide6.QtWidgets import QLineEdit, QWidget

#: Key sequences a credential field ignores: each one recovers or carries text.
BLOCKED_KEYS = (
    QKeySequence.StandardKey.Undo,
    QKeySequence.StandardKey.Redo,
    QKeySequence.StandardKey.Copy,
    QKeySequence.StandardKey.Cut,
    QKeySequence.StandardKey.Paste,
    QKeySequence.StandardKey.DeleteEndOfLine,  # copies what it deletes (Unix Ctrl+K)
    QKeySequence.StandardKey.SelectAll,  # a selection is copied to the primary selection
)


def _blocked(event: QKeyEvent) -> bool:
    if any(event.matches(seq) for seq in BLOCKED_KEYS):
        return True
    # Any other Ctrl/Meta + letter (emacs-style bindings such as Ctrl+Y yank): a field
    # that takes a login or a code needs none of them.
    mods = event.modifiers()
    command = mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.MetaModifier)
    return bool(command) and Qt.Key.Key_A <= event.key() <= Qt.Key.Key_Z


class SecretField(QLineEdit):
    """A ``QLineEdit`` without undo, clipboard, selection, drag and drop or context menu.

    Signals: those of ``QLineEdit``.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.setDragEnabled(False)
        self.setAcceptDrops(False)
        self.setInputMethodHints(Qt.InputMethodHint.ImhSensitiveData
                                 | Qt.InputMethodHint.ImhNoPredictiveText)
        # A selection in Normal echo mode is copied to the primary selection on Unix.
        self.selectionChanged.connect(self._drop_selection)

    def setInputMethodHints(self, hints: Qt.InputMethodHint) -> None:
        """Extra hints (digits only) add to the sensitive-data ones, never replace them."""
        super().setInputMethodHints(hints | Qt.InputMethodHint.ImhSensitiveData
                                    | Qt.InputMethodHint.ImhNoPredictiveText)

    # ------------------------------------------------------------------ no history

    def clear(self) -> None:
        """Empty the field and its undo history (``QLineEdit.clear`` is undoable)."""
        self.setText("")

    def undo(self) -> None:
        return

    def redo(self) -> None:
        return

    # ------------------------------------------------------------------ no clipboard

    def copy(self) -> None:
        return

    def cut(self) -> None:
        return

    def paste(self) -> None:
        return

    def selectAll(self) -> None:
        return

    def _drop_selection(self) -> None:
        if self.hasSelectedText():
            self.deselect()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if _blocked(event):
            event.accept()
            return
        super().keyPressEvent(event)

    def event(self, event: QEvent) -> bool:
        # A blocked sequence must not fall through to a window shortcut either.
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) \
                and _blocked(event):
            event.accept()
            return True
        return super().event(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton:  # primary-selection paste
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton:
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        event.accept()  # a double click selects a word; nothing to select here

    # ------------------------------------------------------------------ no drag and drop

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        event.ignore()
