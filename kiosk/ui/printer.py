"""The Qt side of printing (R-ACT-3, R-KSK-3): lays a ``PrintJob`` out on pages and
draws the footer (kiosk id, print time, «стр. N из M») on every page.

:class:`QtPrinter` implements the ``Printer`` protocol of
:mod:`kiosk.services.printing` and runs in a worker thread (a real printer may block):
it creates its ``QTextDocument`` and ``QPrinter`` there and touches no widget.
``print.printer = "pdf:<dir>"`` writes a PDF into ``<dir>`` (demo and tests); an empty
value means the system default printer, anything else a printer by name. The PDFs are
the session's files: :meth:`QtPrinter.remove_files` deletes them at sign-out (R-KSK-2).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

# Qt's printing and text-layout classes are imported inside the functions that use them:
# the kiosk makes its QtPrinter before the Welcome screen paints, and QtPrintSupport
# alone costs ~100 ms to import.
if TYPE_CHECKING:
    from PySide6.QtGui import QPageLayout
    from PySide6.QtPrintSupport import QPrinter

    from kiosk.services.printing import PrintJob

log = logging.getLogger(__name__)

FOOTER_MM = 10.0


def page_layout(paper: str) -> QPageLayout:
    """A4 with 15 mm margins, or an 80 mm roll (one long page per A4 height)."""
    from PySide6.QtCore import QMarginsF, QSizeF
    from PySide6.QtGui import QPageLayout, QPageSize

    if paper == "roll80":
        size = QPageSize(QSizeF(80, 297), QPageSize.Unit.Millimeter, "Roll 80 mm")
        margins = QMarginsF(4, 4, 4, 4)
    else:
        size = QPageSize(QPageSize.PageSizeId.A4)
        margins = QMarginsF(15, 12, 15, 8)
    return QPageLayout(size, QPageLayout.Orientation.Portrait, margins,
                       QPageLayout.Unit.Millimeter)


def render(job: PrintJob, printer: QPrinter, paper: str = "A4") -> int:
    """Paint ``job`` on ``printer`` page by page; returns the page count."""
    from PySide6.QtCore import QRectF, QSizeF, Qt
    from PySide6.QtGui import QAbstractTextDocumentLayout, QFont, QPainter, QTextDocument

    from kiosk.services.errors import PrinterError

    doc = QTextDocument()
    doc.setDocumentMargin(0)
    doc.setDefaultFont(QFont("DejaVu Sans", 9 if paper == "roll80" else 11))
    doc.documentLayout().setPaintDevice(printer)
    doc.setHtml(job.html)
    dpi = printer.resolution()
    rect = printer.pageLayout().paintRectPixels(dpi)
    footer_h = FOOTER_MM / 25.4 * dpi
    body = QSizeF(rect.width(), rect.height() - footer_h)
    doc.setPageSize(body)  # without it pageCount() says 1
    pages = max(1, doc.pageCount())
    painter = QPainter()
    if not painter.begin(printer):
        raise PrinterError("cannot start printing")
    try:
        footer_font = QFont("DejaVu Sans", 7 if paper == "roll80" else 8)
        for page in range(pages):
            if page and not printer.newPage():
                raise PrinterError("cannot start a new page")
            painter.save()
            painter.translate(0, -page * body.height())
            ctx = QAbstractTextDocumentLayout.PaintContext()
            ctx.clip = QRectF(0, page * body.height(), body.width(), body.height())
            painter.setClipRect(ctx.clip)
            doc.documentLayout().draw(painter, ctx)
            painter.restore()
            painter.setFont(footer_font)
            painter.drawText(QRectF(0, body.height(), body.width(), footer_h),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom,
                             job.footer(page + 1, pages))
    finally:
        painter.end()
    return pages


class QtPrinter:
    """``Printer`` for the services: PDF into a directory, or a system printer."""

    def __init__(self, target: str = "", paper: str = "A4") -> None:
        self.target = target
        self.paper = paper
        self._files: list[Path] = []
        self._lock = threading.Lock()

    @property
    def files(self) -> list[Path]:
        with self._lock:
            return list(self._files)

    def available(self) -> bool:
        """For the staff panel: is there somewhere to print to?"""
        from PySide6.QtPrintSupport import QPrinterInfo

        if self.target.startswith("pdf:"):
            return Path(self.target[4:]).is_dir()
        if self.target:
            return not QPrinterInfo.printerInfo(self.target).isNull()
        return not QPrinterInfo.defaultPrinter().isNull()

    def _printer(self) -> QPrinter:
        import secrets

        from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

        from kiosk.services.errors import PrinterError

        if self.target.startswith("pdf:"):
            folder = Path(self.target[4:])
            if not folder.is_dir():
                raise PrinterError("the PDF folder does not exist")
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            path = folder / f"kiosk-print-{secrets.token_hex(6)}.pdf"
            printer.setOutputFileName(str(path))
            with self._lock:
                self._files.append(path)
        else:
            info = (QPrinterInfo.printerInfo(self.target) if self.target
                    else QPrinterInfo.defaultPrinter())
            if info.isNull():
                raise PrinterError("no printer")
            printer = QPrinter(info, QPrinter.PrinterMode.HighResolution)
        printer.setPageLayout(page_layout(self.paper))
        printer.setDocName("kiosk")
        return printer

    def print_job(self, job: PrintJob) -> None:
        from PySide6.QtPrintSupport import QPrinter

        from kiosk.services.errors import PrinterError

        printer = self._printer()
        try:
            render(job, printer, self.paper)
        except PrinterError:
            raise
        except Exception as err:  # a driver failure is a printer failure to the patient
            log.warning("printing failed: %s", type(err).__name__)
            raise PrinterError("printing failed") from None
        if printer.printerState() == QPrinter.PrinterState.Error:
            raise PrinterError("the printer reported an error")

    def last_file(self) -> Path | None:
        with self._lock:
            return self._files[-1] if self._files else None

    def remove_files(self) -> None:
        """Sign-out: delete every PDF this session wrote (R-KSK-2)."""
        with self._lock:
            files, self._files = self._files, []
        for path in files:
            try:
                path.unlink(missing_ok=True)
            except OSError as err:
                log.warning("could not remove a print file: %s", type(err).__name__)
