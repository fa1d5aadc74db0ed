"""Touch-drag scrolling without ``QScroller`` (issue 16): a finger moved more than a few
pixels up or down on a scroll area scrolls it, wherever it touched — a label, a button,
the list; a tap stays a tap.

Why not ``QScroller.grabGesture``: each grab registers a gesture recognizer that Qt keeps
for the life of the process, even after its widget is deleted, and the kiosk deletes
and rebuilds every screen at each sign-out (R-KSK-2). The 1,000-cycle session test
measured 13 MiB of growth with a gesture per screen. Here the state is one small
``QObject`` child of the scroll area: it dies with the screen and registers nothing
with Qt.

How: an event filter on the area's viewport and on the buttons and fields inside it
(they take the mouse press, so the viewport never sees it). Touch input reaches these
widgets as the mouse events Qt synthesises from unhandled touches. The press goes
through (the button shows it is pressed); once the finger has moved ``THRESHOLD`` px
vertically the press becomes a drag: the button is released without a click, the
moves scroll the area, and the release is swallowed. Of nested areas (a document list
on a screen that itself scrolls), the innermost one that can scroll takes the drag.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPointF
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QAbstractButton, QAbstractScrollArea, QLineEdit, QWidget

#: Movement that turns a press into a drag: more than a finger's wobble on a tap.
THRESHOLD = 16
_MARK = "dragScroll"


class DragScroll(QObject):
    """One scroll area's drag state. Made by :func:`drag_to_scroll`.

    Signals: none.
    """

    def __init__(self, area: QAbstractScrollArea) -> None:
        super().__init__(area)
        self._area = area
        self._press: QPointF | None = None
        self._start = 0
        self._dragging = False
        self._pressed: QWidget | None = None
        self.drags = 0  # drags so far (tests)
        area.setProperty(_MARK, True)
        area.viewport().installEventFilter(self)
        self.scan()

    def scan(self) -> None:
        """Watch the buttons and fields inside the area that are not watched yet (a
        screen adds some later: keyboard pages, picker cards)."""
        root = self._area.widget() if hasattr(self._area, "widget") else None
        viewport = self._area.viewport()
        if isinstance(root, QWidget):
            root.installEventFilter(self)  # LayoutRequest: children were added
        for w in viewport.findChildren(QWidget):
            if isinstance(w, QAbstractButton | QLineEdit) and not w.property(self._tag()):
                w.setProperty(self._tag(), True)
                w.installEventFilter(self)

    def _tag(self) -> str:
        return f"_drag{id(self)}"

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Show or (kind == QEvent.Type.LayoutRequest
                                        and watched is not self._area.viewport()):
            self.scan()  # shown (a screen is built before it is shown) or children added
            return False
        if kind == QEvent.Type.MouseButtonPress and isinstance(event, QMouseEvent):
            self._pressed_at(watched, event)
            return False
        if self._press is None or not isinstance(event, QMouseEvent):
            return False
        if kind == QEvent.Type.MouseMove:
            return self._moved(event)
        if kind == QEvent.Type.MouseButtonRelease:
            dragged = self._dragging
            self._press, self._pressed, self._dragging = None, None, False
            return dragged
        return False

    def _pressed_at(self, watched: QObject, event: QMouseEvent) -> None:
        self._press = None
        self._dragging = False
        if not isinstance(watched, QWidget) or owner(watched) is not self._area:
            return
        self._press = event.globalPosition()
        self._start = self._area.verticalScrollBar().value()
        self._pressed = watched

    def _moved(self, event: QMouseEvent) -> bool:
        assert self._press is not None
        dy = event.globalPosition().y() - self._press.y()
        if not self._dragging:
            if abs(dy) < THRESHOLD:
                return False
            self._dragging = True
            self.drags += 1
            pressed = self._pressed
            if isinstance(pressed, QAbstractButton):
                pressed.setDown(False)  # no click on release: this was a drag
        self._area.verticalScrollBar().setValue(round(self._start - dy))
        return True


def owner(widget: QWidget) -> QAbstractScrollArea | None:
    """The innermost drag-scrolled area around ``widget`` that has something to scroll."""
    cur: QWidget | None = widget
    while cur is not None:
        if (isinstance(cur, QAbstractScrollArea) and cur.property(_MARK)
                and cur.verticalScrollBar().maximum() > 0):
            return cur
        cur = cur.parentWidget()
    return None


def drag_to_scroll(area: QAbstractScrollArea) -> DragScroll:
    """Let a finger drag ``area`` up and down (see the module's docstring)."""
    return DragScroll(area)
