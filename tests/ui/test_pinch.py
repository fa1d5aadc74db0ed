"""Pinch to zoom on the PDF pages and the print preview (issue 17 item 5, R-SHOW-5,
R-ACT-3): real two-finger touch events through Qt's gesture recognizer (offscreen, with
a synthetic touch screen), and a touchpad's native zoom gesture."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QNativeGestureEvent, QPointingDevice
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from kiosk.domain.documents import DocKind
from kiosk.ui.pinch import pinched_zoom
from kiosk.ui.tasks import flush_events
from tests.pdfs import make_pdf
from tests.ui.conftest import Kiosk
from tests.ui.test_documents import doc, screen
from tests.ui.test_print_extract import add_docs, extract_docs

_DEVICE: list[QPointingDevice] = []


def touch_screen() -> QPointingDevice:
    if not _DEVICE:  # one registered device for the whole run, as a kiosk has
        _DEVICE.append(QTest.createTouchDevice())
    return _DEVICE[0]


def pinch(widget: QWidget, start: int, end: int, steps: int = 10) -> None:
    """Two fingers on ``widget``'s centre, ``start`` px apart, moved to ``end`` px."""
    c = widget.rect().center()
    device = touch_screen()

    def at(gap: float) -> tuple[QPoint, QPoint]:
        return QPoint(int(c.x() - gap / 2), c.y()), QPoint(int(c.x() + gap / 2), c.y())

    a, b = at(start)
    QTest.touchEvent(widget, device).press(0, a).press(1, b).commit()
    for i in range(1, steps + 1):
        a, b = at(start + (end - start) * i / steps)
        QTest.touchEvent(widget, device).move(0, a).move(1, b).commit()
        flush_events()
    QTest.touchEvent(widget, device).release(0, a).release(1, b).commit()
    flush_events()


def native_zoom(widget: QWidget, steps: list[float]) -> None:
    """A touchpad's zoom: begin, relative steps, end (as libinput reports it)."""
    device = QPointingDevice.primaryPointingDevice()
    here = QPointF(widget.rect().center())

    def send(kind: Qt.NativeGestureType, value: float = 0.0) -> None:
        QApplication.sendEvent(widget, QNativeGestureEvent(
            kind, device, 2, here, here, widget.mapToGlobal(here), value, QPointF(), 1))

    send(Qt.NativeGestureType.BeginNativeGesture)
    for value in steps:
        send(Qt.NativeGestureType.ZoomNativeGesture, value)
    send(Qt.NativeGestureType.EndNativeGesture)


@pytest.mark.parametrize(("start", "scale", "expected"), [
    (1.0, 2.0, 2.0), (1.5, 0.5, 1.0), (1.0, 10.0, 3.0), (2.0, 0.01, 1.0),
    (1.25, 0.0, 1.25), (1.25, -2.0, 1.25), (1.25, math.nan, 1.25),
])
def test_issue_17_pinch_scales_the_zoom_it_began_at_within_the_range(
        start: float, scale: float, expected: float) -> None:
    assert pinched_zoom(start, scale, 1.0, 3.0) == pytest.approx(expected)


def test_issue_17_pinch_zooms_pdf_pages_in_and_out(qtbot) -> None:
    s = screen(qtbot)
    s.show_document(doc(kind=DocKind.INSTRUMENTAL, text="Отчёт.", pdf=make_pdf(3)))
    view = s.pdf
    qtbot.waitUntil(lambda: view.pages_drawn() == 3 and not view.busy(), timeout=10_000)
    width = view._pages[0].width()
    pinch(view.scroll.viewport(), 100, 300)  # fingers spread about 2.5 times
    assert view.zoom() in (2.0, 3.0) and view.pinch.pinches == 1
    qtbot.waitUntil(lambda: view.pages_drawn() == 3 and not view.busy(), timeout=10_000)
    assert view._pages[0].width() > width * 1.8
    assert view.fit.isEnabled() and view.zoom_out.isEnabled()  # the buttons agree
    pinch(view.scroll.viewport(), 400, 80)  # together: back to the width
    assert view.zoom() == 1.0
    native_zoom(view.scroll.viewport(), [0.1] * 4)  # a touchpad: ×1.46 → the 1.5 step
    assert view.zoom() == 1.5
    qtbot.waitUntil(lambda: view.pages_drawn() == 3 and not view.busy(), timeout=10_000)


def test_issue_17_pinch_zooms_the_print_preview(kiosk: Kiosk) -> None:
    add_docs(kiosk.env, extract_docs(make_pdf(1))[:1])
    kiosk.sign_in()
    kiosk.open_emr("emr-1")
    kiosk.window.prepare_print(["p-text"])
    kiosk.settle()
    preview = kiosk.s.preview
    assert kiosk.name() == "preview" and preview.pinch is not None
    viewport = preview._view.viewport()
    # The fitted zoom once the layout has settled: a page taller than the view brings in
    # the vertical scroll bar, and the fit to width is then made again (4 % narrower).
    flush_events()
    fitted = preview.preview.zoomFactor()
    pinch(viewport, 100, 200)
    assert preview.preview.zoomFactor() == pytest.approx(fitted * 2, rel=0.25)
    assert preview.pinch.pinches == 1
    native_zoom(viewport, [-0.5, -0.5, -0.5, -0.5])  # far out: stops at a quarter
    assert preview.preview.zoomFactor() == pytest.approx(preview.ZOOM_RANGE[0])
    preview.fit.click()  # «По ширине» brings the page back to the width
    flush_events()
    assert preview.preview.zoomFactor() == pytest.approx(fitted, rel=0.01)
