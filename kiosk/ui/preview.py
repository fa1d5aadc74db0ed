"""Print preview, then print (R-ACT-3): the patient sees the pages, masked header and
footer included, before anything leaves the printer. No print dialog (R-KSK-4).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewWidget
from PySide6.QtWidgets import QHBoxLayout, QWidget

from kiosk.ui.printer import page_layout, render
from kiosk.ui.widgets import button, header, init_screen, label

if TYPE_CHECKING:
    from kiosk.services.printing import PrintJob


class PreviewScreen(QWidget):
    """Signals:
        print_now(): «Напечатать» pressed.
        cancel(): back without printing.
    """

    print_now = Signal()
    cancel = Signal()

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
        layout.addWidget(self.preview, 1)
        bottom = QHBoxLayout()
        bottom.setSpacing(14)
        self.print_button = button(self.tr("Напечатать"), "primary", "printNow")
        self.print_button.clicked.connect(self.print_now)
        bottom.addWidget(self.print_button, 1)
        layout.addLayout(bottom)

    def show_job(self, job: PrintJob) -> None:
        self.job = job
        self.summary.setText(self.tr("Документов: %1. Проверьте и нажмите «Напечатать».")
                             .replace("%1", str(job.doc_count)))
        self.set_busy(False)
        self.preview.updatePreview()

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
