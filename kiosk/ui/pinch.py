"""Pinch to zoom (issue 17 item 5): two fingers apart or together on the PDF pages and
the print preview, as on a phone; the «−» / «По ширине» / «+» buttons stay for a
patient who does not know the gesture.

:class:`PinchZoom` is an event filter on a view's viewport. It takes Qt's pinch gesture
(``QPinchGesture``, recognised from the touch screen's two-finger touch events) and a
touchpad's zoom gesture (``QNativeGestureEvent``, ``ZoomNativeGesture``), and turns
either into one number: the zoom at the pinch's start times how far the fingers have
spread since (:func:`pinched_zoom`), clamped to the view's range. The view decides
what a zoom means (a scale factor, or the nearest of its zoom steps).

Grabbing Qt's built-in pinch gesture adds no recognizer (unlike ``QScroller``, see
widgets.init_screen): screens rebuilt at each sign-out leave nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QGestureEvent, QPinchGesture

if TYPE_CHECKING:
    from PySide6.QtGui import QNativeGestureEvent
    from PySide6.QtWidgets import QWidget


def pinched_zoom(start: float, scale: float, low: float, high: float) -> float:
    """The zoom after a pinch that has spread the fingers ``scale`` times since it began
    at ``start``; never outside ``low``…``high``, and a nonsense scale (0, negative,
    NaN from a driver) leaves the zoom where it started."""
    if not scale > 0:  # also catches NaN
        return min(high, max(low, start))
    return min(high, max(low, start * scale))


class PinchZoom(QObject):
    """Filters ``viewport``'s pinch events into ``apply(zoom)``.

    ``current()`` is read when a pinch begins; ``apply`` is called as the fingers move
    (the view may ignore a zoom it already shows). ``pinches`` counts the pinches that
    changed something (tests, logs).
    """

    def __init__(self, viewport: QWidget, current: Callable[[], float],
                 apply: Callable[[float], None], low: float, high: float) -> None:
        super().__init__(viewport)
        self._current = current
        self._apply = apply
        self.low, self.high = low, high
        self._start = 1.0
        self._scale = 1.0
        self.pinches = 0
        viewport.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        viewport.grabGesture(Qt.GestureType.PinchGesture)
        viewport.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Gesture:
            return self._gesture(cast("QGestureEvent", event))
        if kind == QEvent.Type.NativeGesture:
            return self._native(cast("QNativeGestureEvent", event))
        return False

    # -- the touch screen's two fingers

    def _gesture(self, event: QGestureEvent) -> bool:
        pinch = event.gesture(Qt.GestureType.PinchGesture)
        if not isinstance(pinch, QPinchGesture):
            return False
        state = pinch.state()
        if state == Qt.GestureState.GestureStarted:
            self.begin()
        if state in (Qt.GestureState.GestureStarted, Qt.GestureState.GestureUpdated,
                     Qt.GestureState.GestureFinished):
            self.scale_to(pinch.totalScaleFactor())
        if state == Qt.GestureState.GestureFinished:
            self.pinches += 1
        event.accept(pinch)
        return True

    # -- a touchpad's zoom (Wayland/libinput, macOS): relative steps

    def _native(self, event: QNativeGestureEvent) -> bool:
        gesture = event.gestureType()
        if gesture == Qt.NativeGestureType.BeginNativeGesture:
            self.begin()
        elif gesture == Qt.NativeGestureType.ZoomNativeGesture:
            self.scale_to(self._scale * (1.0 + event.value()))
        elif gesture == Qt.NativeGestureType.EndNativeGesture:
            self.pinches += 1
        else:
            return False
        event.accept()
        return True

    # -- the logic both share

    def begin(self) -> None:
        self._start = self._current()
        self._scale = 1.0

    def scale_to(self, scale: float) -> None:
        if not scale > 0:
            return
        self._scale = scale
        self._apply(pinched_zoom(self._start, scale, self.low, self.high))
