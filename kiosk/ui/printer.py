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
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

# Qt's printing and text-layout classes are imported inside the functions that use them:
# the kiosk makes its QtPrinter before the Welcome screen paints, and QtPrintSupport
# alone costs ~100 ms to import.
if TYPE_CHECKING:
    from PySide6.QtCore import QSizeF
    from PySide6.QtGui import QPageLayout, QTextDocument
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


#: PDF pages are drawn for print at this resolution at most (sharp on paper, and a
#: 30-page report stays a few hundred ms of PDFium work).
PDF_PRINT_DPI = 150


def _layout(html: str, printer: QPrinter, paper: str, body: QSizeF) -> QTextDocument:
    from PySide6.QtGui import QFont

    from kiosk.ui.content import InertTextDocument

    doc = InertTextDocument()  # nothing in a print-out loads a resource either
    doc.setDocumentMargin(0)
    doc.setDefaultFont(QFont("DejaVu Sans", 9 if paper == "roll80" else 11))
    doc.documentLayout().setPaintDevice(printer)
    doc.setHtml(html)
    doc.setPageSize(body)  # without it pageCount() says 1
    return doc


def render(job: PrintJob, printer: QPrinter, paper: str = "A4") -> int:
    """Paint ``job`` on ``printer`` page by page; returns the page count.

    Each part (document) starts a new page: its HTML pages, then its PDF's pages, each
    scaled to fit the page body. The footer on every page counts all of the job's pages.
    A PDF that cannot be drawn prints as a sentence saying so, not as a failed job.
    """
    from PySide6.QtCore import QRectF, QSizeF, Qt
    from PySide6.QtGui import QAbstractTextDocumentLayout, QFont, QPainter

    from kiosk.services.errors import PrinterError
    from kiosk.services.printing import PrintPart
    from kiosk.ui.pdfpages import BadPdf, iter_pages, page_sizes

    dpi = printer.resolution()
    rect = printer.pageLayout().paintRectPixels(dpi)
    footer_h = FOOTER_MM / 25.4 * dpi
    body = QSizeF(rect.width(), rect.height() - footer_h)
    parts = job.parts or (PrintPart(job.html),)
    laid: list[tuple[QTextDocument, int, bytes | None, list[tuple[float, float]]]] = []
    for part in parts:
        html, sizes = part.html, []
        if part.pdf is not None:
            try:
                sizes = page_sizes(part.pdf)
            except BadPdf:
                html = html.replace("</body>", "<p><b>PDF-файл повреждён, его страницы "
                                    "не напечатаны.</b></p></body>")
        doc = _layout(html, printer, paper, body)
        laid.append((doc, max(1, doc.pageCount()), part.pdf if sizes else None, sizes))
    pages = sum(n + len(sizes) for _, n, _, sizes in laid)
    painter = QPainter()
    if not painter.begin(printer):
        raise PrinterError("cannot start printing")
    footer_font = QFont("DejaVu Sans", 7 if paper == "roll80" else 8)
    number = 0

    def next_page() -> None:
        nonlocal number
        if number and not printer.newPage():
            raise PrinterError("cannot start a new page")
        number += 1

    def footer() -> None:
        painter.setFont(footer_font)
        painter.drawText(QRectF(0, body.height(), body.width(), footer_h),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom,
                         job.footer(number, pages))

    try:
        for doc, n, pdf, sizes in laid:
            for page in range(n):
                next_page()
                painter.save()
                painter.translate(0, -page * body.height())
                ctx = QAbstractTextDocumentLayout.PaintContext()
                ctx.clip = QRectF(0, page * body.height(), body.width(), body.height())
                painter.setClipRect(ctx.clip)
                doc.documentLayout().draw(painter, ctx)
                painter.restore()
                footer()
            if pdf is None:
                continue
            width_px = int(body.width() / dpi * min(PDF_PRINT_DPI, dpi))
            images = iter_pages(pdf, width_px)
            for w, h in sizes:
                next_page()
                try:
                    image = next(images, None)
                except BadPdf:
                    image = None
                if image is None:  # damaged past its first pages: say so, keep numbering
                    painter.setFont(footer_font)
                    painter.drawText(QRectF(0, 0, body.width(), footer_h),
                                     Qt.AlignmentFlag.AlignLeft,
                                     "Страница PDF-файла не напечатана: файл повреждён.")
                else:
                    scale = min(body.width() / w, body.height() / h)
                    target = QRectF(0, 0, w * scale, h * scale)
                    target.moveLeft((body.width() - target.width()) / 2)
                    painter.drawImage(target, image)
                footer()
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
            # Made here, owner-only, before Qt opens it: Qt keeps the mode of a file it
            # truncates, so the PDF is 0600 like the database (issue 15 item 6).
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
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
        path = Path(printer.outputFileName()) if printer.outputFileName() else None
        try:
            render(job, printer, self.paper)
        except PrinterError:
            raise
        except Exception as err:  # a driver failure is a printer failure to the patient
            log.warning("printing failed: %s", type(err).__name__)
            raise PrinterError("printing failed") from None
        finally:
            if path is not None:
                self._drop_if_signed_out(path)
        if printer.printerState() == QPrinter.PrinterState.Error:
            raise PrinterError("the printer reported an error")

    def last_file(self) -> Path | None:
        with self._lock:
            return self._files[-1] if self._files else None

    def _drop_if_signed_out(self, path: Path) -> None:
        """After layout: a sign-out during it removed the path before Qt wrote the file
        (issue 15 item 6), so the finished file is removed here. Under the lock: either
        the sign-out already forgot the path, or it will see it and remove it itself."""
        with self._lock:
            if path in self._files:
                return
            try:
                path.unlink(missing_ok=True)
            except OSError as err:
                log.warning("could not remove a print file: %s", type(err).__name__)

    def remove_files(self) -> None:
        """Sign-out: delete every PDF this session wrote (R-KSK-2)."""
        with self._lock:
            files, self._files = self._files, []
        for path in files:
            try:
                path.unlink(missing_ok=True)
            except OSError as err:
                log.warning("could not remove a print file: %s", type(err).__name__)
