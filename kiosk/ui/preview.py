"""Print preview, then print (R-ACT-3): the patient sees the pages, masked header and
footer included, before anything leaves the printer. No print dialog (R-KSK-4).

The page fits the width at first; «−», «По ширине», «+» or two fingers (a pinch) zoom,
«‹» / «›» turn pages, and «Страница N из M» says where the patient is. The view
scrolls by finger.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewWidget
from PySide6.QtWidgets import QGraphicsView, QHBoxLayout, QWidget

from kiosk.ui.dragscroll import drag_to_scroll
from kiosk.ui.pinch import PinchZoom
from kiosk.ui.printer import page_layout, render
from kiosk.ui.widgets import AdaptiveGrid, button, header, init_screen, label

if TYPE_CHECKING:
    from kiosk.services.printing import PrintJob


class PreviewScreen(QWidget):
    """Signals:
        print_now(): «Напечатать» pressed.
        cancel(): back without printing.
    """

    print_now = Signal()
    cancel = Signal()
    # A pinch zooms between a quarter and five times the page's natural size.
    ZOOM_RANGE = (0.25, 5.0)

    def __init__(self, paper: str = "A4", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._paper = paper
        self.job: PrintJob | None = None
        layout = init_screen(self, "preview")
        self.back_button = button(self.tr("Отмена"), name="cancelPrint")
        self.back_button.clicked.connect(self.cancel)
        layout.addLayout(header(self.tr("Предпросмотр печати"), self.back_button))
        self.summary = label("", name="printSummary")
        layout.addWidget(self.summary)
        self._printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
        self._printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        self._printer.setPageLayout(page_layout(paper))
        self.preview = QPrintPreviewWidget(self._printer)
        self.preview.setObjectName("printPreview")
        self.preview.setZoomMode(QPrintPreviewWidget.ZoomMode.FitToWidth)
        self.preview.paintRequested.connect(self._paint)
        self.preview.previewChanged.connect(self._update_page)
        self._view = self.preview.findChild(QGraphicsView)
        self.pinch: PinchZoom | None = None
        if self._view is not None:
            drag_to_scroll(self._view)
            self.pinch = PinchZoom(self._view.viewport(), self.preview.zoomFactor,
                                   self._pinched, *self.ZOOM_RANGE)
        # Page turning and zoom share a row while it is wide enough, else they stack
        # (720×1280 at 150 % text: «По ширине» was past the screen's edge, issue 16).
        pages, zooms = QWidget(), QWidget()
        page_row, zoom_row = QHBoxLayout(pages), QHBoxLayout(zooms)
        for box in (page_row, zoom_row):
            box.setContentsMargins(0, 0, 0, 0)
            box.setSpacing(10)
        self.prev_page = button("‹", name="previewPrev", accessible=self.tr("Предыдущая страница"))
        self.next_page = button("›", name="previewNext", accessible=self.tr("Следующая страница"))
        self.page_label = label("", name="previewPage")
        self.zoom_out = button("−", name="previewZoomOut", accessible=self.tr("Уменьшить"))
        self.fit = button(self.tr("По ширине"), name="previewFit")
        self.zoom_in = button("+", name="previewZoomIn", accessible=self.tr("Увеличить"))
        self.prev_page.clicked.connect(lambda: self._turn(-1))
        self.next_page.clicked.connect(lambda: self._turn(1))
        self.zoom_out.clicked.connect(self.preview.zoomOut)
        self.zoom_in.clicked.connect(self.preview.zoomIn)
        self.fit.clicked.connect(self.preview.fitToWidth)
        self.page_label.setWordWrap(False)
        for w in (self.prev_page, self.page_label, self.next_page):
            page_row.addWidget(w)
        page_row.addStretch(1)
        zoom_row.addStretch(1)
        for w in (self.zoom_out, self.fit, self.zoom_in):
            zoom_row.addWidget(w)
        tools = AdaptiveGrid(2, 10)
        tools.add(pages)
        tools.add(zooms)
        layout.addWidget(tools)
        layout.addWidget(self.preview, 1)
        bottom = QHBoxLayout()
        bottom.setSpacing(14)
        self.print_button = button(self.tr("Напечатать"), "primary", "printNow")
        self.print_button.clicked.connect(self.print_now)
        bottom.addWidget(self.print_button, 1)
        layout.addLayout(bottom)

    def _pinched(self, zoom: float) -> None:
        if abs(zoom - self.preview.zoomFactor()) > 0.005:
            self.preview.setZoomFactor(zoom)

    def show_job(self, job: PrintJob) -> None:
        self.job = job
        self.summary.setText(self.tr("Документов: %1. Проверьте и нажмите «Напечатать».")
                             .replace("%1", str(job.doc_count)))
        self.set_busy(False)
        self.preview.updatePreview()
        self.preview.setZoomMode(QPrintPreviewWidget.ZoomMode.FitToWidth)
        if self._view is not None:  # the first page's top, where its header is
            self._view.verticalScrollBar().setValue(0)
        self._update_page()

    def _turn(self, step: int) -> None:
        page = self.preview.currentPage() + step
        if 1 <= page <= self.preview.pageCount():
            self.preview.setCurrentPage(page)
        self._update_page()

    def _update_page(self) -> None:
        count = self.preview.pageCount() if self.job is not None else 0
        page = min(max(1, self.preview.currentPage()), max(1, count))
        self.page_label.setText(self.tr("Страница %1 из %2").replace("%1", str(page))
                                .replace("%2", str(count)) if count else "")
        self.prev_page.setEnabled(count > 0 and page > 1)
        self.next_page.setEnabled(page < count)

    def set_busy(self, busy: bool) -> None:
        self.print_button.setEnabled(not busy and self.job is not None)
        self.print_button.setText(self.tr("Печатаем…") if busy else self.tr("Напечатать"))

    def _paint(self, printer: QPrinter) -> None:
        if self.job is not None:
            render(self.job, printer, self._paper)

    def wipe(self) -> None:
        self.job = None
        self.summary.setText("")
        self.preview.updatePreview()
        self._update_page()
