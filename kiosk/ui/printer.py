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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

# Qt's printing and text-layout classes are imported inside the functions that use them:
# the kiosk makes its QtPrinter before the Welcome screen paints, and QtPrintSupport
# alone costs ~100 ms to import.
if TYPE_CHECKING:
    from PySide6.QtCore import QSizeF
    from PySide6.QtGui import QPageLayout, QPainter, QTextDocument
    from PySide6.QtPrintSupport import QPrinter

    from kiosk.services.printing import PrintJob
    from kiosk.services.receipts import QrCode, Slip
    from kiosk.services.trends import Trend

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


def _layout(html: str, printer: QPrinter, paper: str, body: QSizeF,
            trends: tuple[Trend, ...] = ()) -> QTextDocument:
    from PySide6.QtGui import QFont

    from kiosk.ui.content import InertTextDocument

    doc = InertTextDocument()  # nothing in a print-out loads a resource either
    doc.setDocumentMargin(0)
    doc.setDefaultFont(QFont("DejaVu Sans", 9 if paper == "roll80" else 11))
    doc.documentLayout().setPaintDevice(printer)
    doc.setHtml(html)
    if trends:  # the trend pictures, drawn by Qt in place of their placeholders
        from kiosk.ui.lab_trend import embed_trends

        embed_trends(doc, trends, (body.width() - printer.resolution() * 0.5) / 2)
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
        doc = _layout(html, printer, paper, body, part.trends)
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


# ---------------------------------------------------------------- receipts and slips


@dataclass(frozen=True, slots=True)
class SlipStyle:
    """Sizes of a slip on one paper: type a patient reads at arm's length, a QR code a
    phone reads at once (modules ≥ 1 mm), margins a printer's cutter keeps clear of."""

    base_pt: float
    title_pt: float
    number_pt: float
    address_pt: float
    meta_pt: float
    qr_mm: float
    gap_mm: float
    #: On A4 the slip is a column in the middle of the page: lines as long as the page
    #: is wide read badly, and centred headings over them look lost. 0: the full width.
    column_mm: float = 0.0


SLIP_STYLES = {
    "roll80": SlipStyle(base_pt=10, title_pt=14, number_pt=24, address_pt=13, meta_pt=8,
                        qr_mm=40, gap_mm=2),
    "A4": SlipStyle(base_pt=13, title_pt=20, number_pt=32, address_pt=17, meta_pt=10,
                    qr_mm=50, gap_mm=3, column_mm=130),
}
#: An 80 mm roll: the printable width of common 80 mm printers is 72 mm; the bottom
#: margin keeps the last line above the cutter; a slip is never shorter than this.
ROLL_MARGINS_MM = (4.0, 5.0, 4.0, 14.0)  # left, top, right, bottom
ROLL_MIN_MM = 80.0
#: Headings, the number and the address stay on one line (an address broken at its
#: «-» reads as two words); when one does not fit they shrink together by these steps,
#: and only past the last one may they wrap.
_FIT_STEPS = (1.0, 0.92, 0.85, 0.78, 0.72, 0.66, 0.6)
_ONE_LINE = ("title", "number", "address")
_CENTRED = ("title", "label", "number", "address", "meta")


def slip_page_layout(paper: str, content_mm: float) -> QPageLayout:
    """A4 as for extracts; on a roll, one page exactly as long as the slip.

    ``QPageSize`` takes any custom size; ``ExactMatch`` keeps Qt from snapping a length
    that happens to be near a standard size (C7 is 81 × 114 mm) to that size."""
    from PySide6.QtCore import QMarginsF, QSizeF
    from PySide6.QtGui import QPageLayout, QPageSize

    if paper != "roll80":
        return page_layout(paper)
    left, top, right, bottom = ROLL_MARGINS_MM
    length = max(ROLL_MIN_MM, round(content_mm + top + bottom + 0.5))
    size = QPageSize(QSizeF(80, length), QPageSize.Unit.Millimeter, "Receipt 80 mm",
                     QPageSize.SizeMatchPolicy.ExactMatch)
    return QPageLayout(size, QPageLayout.Orientation.Portrait,
                       QMarginsF(left, top, right, bottom), QPageLayout.Unit.Millimeter)


def _slip_css(style: SlipStyle, scale: float, one_line: bool) -> str:
    # Black only: thermal printers have no grey, and grey on A4 is harder to read.
    nowrap = "white-space: nowrap;" if one_line else ""
    return (
        "p { margin-top: 0px; margin-bottom: 6px; color: #000000; }"
        f".title {{ font-size: {style.title_pt * scale:.1f}pt; font-weight: bold; {nowrap} }}"
        f".number {{ font-size: {style.number_pt * scale:.1f}pt; font-weight: bold; {nowrap} }}"
        f".address {{ font-size: {style.address_pt * scale:.1f}pt; font-weight: bold;"
        f" {nowrap} }}"
        f".meta {{ font-size: {style.meta_pt}pt; margin-top: 10px; }}"
        ".label { margin-top: 4px; margin-bottom: 2px; }"
    )


def _slip_doc(html: str, printer: QPrinter, style: SlipStyle, width: float) -> QTextDocument:
    """One run of text blocks laid out at ``width``, its one-line classes shrunk until
    they fit."""
    from PySide6.QtGui import QFont

    from kiosk.ui.content import InertTextDocument

    for cls in _CENTRED:  # Qt's rich text centres by the attribute, not by CSS classes
        html = html.replace(f"<p class='{cls}'>", f"<p class='{cls}' align='center'>")
    for step, scale in enumerate(_FIT_STEPS):
        last = step == len(_FIT_STEPS) - 1
        doc = InertTextDocument()  # a slip loads nothing either
        doc.setDocumentMargin(0)
        doc.setDefaultFont(QFont("DejaVu Sans", style.base_pt))
        doc.setDefaultStyleSheet(_slip_css(style, scale, one_line=not last))
        doc.documentLayout().setPaintDevice(printer)
        doc.setHtml(html)
        doc.setTextWidth(width)
        if last or doc.idealWidth() <= width:
            return doc
    raise AssertionError("unreachable")


def _draw_qr(painter: QPainter, qr: QrCode, x: float, y: float, cell: int) -> None:
    """Module by module in whole device pixels, each row's dark runs as one rectangle:
    sharp and seamless on a PDF and on a thermal printer's dots alike."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QColor

    black = QColor("black")
    for row, line in enumerate(qr.modules):
        col = 0
        while col < len(line):
            if not line[col]:
                col += 1
                continue
            start = col
            while col < len(line) and line[col]:
                col += 1
            painter.fillRect(QRectF(x + start * cell, y + row * cell, (col - start) * cell,
                                    cell), black)


def render_slip(slip: Slip, printer: QPrinter, paper: str = "A4") -> int:
    """Paint ``slip`` on one page of ``printer``: its text blocks and QR codes top to
    bottom, the QR codes centred. On a roll the page is made as long as the slip (a
    printer that refuses a custom length keeps its 80 × 297 mm page); on A4 the slip
    is a column at the top of the page. Returns the page count (1)."""
    from PySide6.QtGui import QPainter

    from kiosk.services.errors import PrinterError
    from kiosk.services.receipts import QrCode

    style = SLIP_STYLES["roll80" if paper == "roll80" else "A4"]
    dpi = printer.resolution()

    def px(mm: float) -> float:
        return mm / 25.4 * dpi

    page_width = printer.pageLayout().paintRectPixels(dpi).width()
    width = min(page_width, px(style.column_mm)) if style.column_mm else page_width
    left = (page_width - width) / 2
    items: list[tuple[QTextDocument | QrCode, float]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            doc = _slip_doc("".join(run), printer, style, width)
            items.append((doc, doc.size().height()))
            run.clear()

    for block in slip.blocks:
        if isinstance(block, QrCode):
            flush()
            cell = max(1, int(px(style.qr_mm) / len(block.modules)))
            items.append((block, float(cell * len(block.modules))))
        else:
            run.append(block)
    flush()
    gap = px(style.gap_mm)
    height = sum(h for _, h in items) + gap * (len(items) - 1)
    if paper == "roll80":
        printer.setPageLayout(slip_page_layout(paper, height / dpi * 25.4))
    room = printer.pageLayout().paintRectPixels(dpi).height()
    painter = QPainter()
    if not painter.begin(printer):
        raise PrinterError("cannot start printing")
    try:
        if height > room:  # never with the slips there are; shrink rather than clip
            painter.scale(room / height, room / height)
        y = 0.0
        for item, h in items:
            if isinstance(item, QrCode):
                _draw_qr(painter, item, left + (width - h) / 2, y, int(h) // len(item.modules))
            else:
                painter.save()
                painter.translate(left, y)
                item.drawContents(painter)
                painter.restore()
            y += h + gap
    finally:
        painter.end()
    return 1


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
        self._print(lambda printer: render(job, printer, self.paper))

    def print_slip(self, slip: Slip) -> None:
        """A support receipt or booking slip: one page, a roll's page cut to its length.
        Its PDF is the session's like any other (removed at sign-out)."""
        self._print(lambda printer: render_slip(slip, printer, self.paper))

    def _print(self, paint: Callable[[QPrinter], int]) -> None:
        from PySide6.QtPrintSupport import QPrinter

        from kiosk.services.errors import PrinterError

        printer = self._printer()
        path = Path(printer.outputFileName()) if printer.outputFileName() else None
        try:
            paint(printer)
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
