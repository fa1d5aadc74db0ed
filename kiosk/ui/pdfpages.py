"""PDF pages as images, for the document screen and for print (R-SHOW-5, R-ACT-3).

pypdfium2 (PDFium, Apache-2.0/BSD-3, a ~3 MB wheel) rather than QtPdf: QtPdf ships only
in PySide6-Addons (~150 MB more in every bundle) and would add its own start-up cost;
PDFium is the renderer Chrome uses, maintained and fuzzed. See docs/design.md.

PDFium is not thread-safe, so every call into it holds :data:`PDFIUM_LOCK`: the screen
renders in its own thread, print in the print worker, and they never overlap in PDFium.
A PDF that cannot be opened raises :class:`BadPdf`, which the screens turn into a plain
message; a PDF with too many pages, or a page too large to draw, is refused the same way
instead of exhausting memory.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    from PySide6.QtGui import QImage

PDFIUM_LOCK = threading.Lock()
#: More pages than this is not a clinic's report; refused rather than drawn.
MAX_PAGES = 500
#: A page is never drawn with more pixels than this (a 10 m poster page at 300 dpi).
MAX_PIXELS = 40_000_000
POINTS_PER_INCH = 72.0


class BadPdf(Exception):
    """The PDF cannot be shown: damaged, encrypted, empty or beyond the limits."""


def page_sizes(data: bytes) -> list[tuple[float, float]]:
    """Each page's (width, height) in points; raises :class:`BadPdf`."""
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(data)
        except Exception as err:  # PdfiumError, and anything a damaged file provokes
            raise BadPdf(type(err).__name__) from None
        try:
            n = len(pdf)
            if n == 0 or n > MAX_PAGES:
                raise BadPdf(f"{n} pages")
            sizes = []
            for i in range(n):
                page = pdf[i]
                try:
                    w, h = page.get_size()
                finally:
                    page.close()
                if w <= 0 or h <= 0:
                    raise BadPdf("empty page")
                sizes.append((float(w), float(h)))
            return sizes
        finally:
            pdf.close()


def render_pages(data: bytes, width_px: int, pages: range | None = None,
                 cancelled: threading.Event | None = None) -> list[QImage]:
    """Pages of ``data`` drawn ``width_px`` wide (height in proportion), as ``QImage``.

    ``cancelled`` stops between pages (the screen zoomed or closed meanwhile); the pages
    drawn so far are returned.
    """
    return list(iter_pages(data, width_px, pages, cancelled))


def iter_pages(data: bytes, width_px: int, pages: range | None = None,
               cancelled: threading.Event | None = None) -> Iterator[QImage]:
    """Like :func:`render_pages`, one page at a time (the screen shows each as it comes)."""
    import pypdfium2 as pdfium
    from PySide6.QtGui import QImage

    with PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(data)
        except Exception as err:
            raise BadPdf(type(err).__name__) from None
        count = len(pdf)
    try:
        if count == 0 or count > MAX_PAGES:
            raise BadPdf(f"{count} pages")
        for i in pages if pages is not None else range(count):
            if cancelled is not None and cancelled.is_set():
                return
            with PDFIUM_LOCK:
                page = pdf[i]
                try:
                    w, _h = page.get_size()
                    scale = max(0.05, width_px / w)
                    w_px, h_px = page.get_size()[0] * scale, page.get_size()[1] * scale
                    if w_px * h_px > MAX_PIXELS:
                        raise BadPdf("page too large")
                    # BGRx is QImage's RGB32 in memory: no conversion on screen, and
                    # the PDF writer takes it as it is (RGB888 cost it a third more).
                    bitmap = page.render(scale=scale, prefer_bgrx=True)
                    try:
                        fmt = (QImage.Format.Format_RGB32 if bitmap.n_channels == 4
                               else QImage.Format.Format_BGR888)
                        image = QImage(bitmap.buffer, bitmap.width, bitmap.height,
                                       bitmap.stride, fmt).copy()
                    finally:
                        bitmap.close()
                except BadPdf:
                    raise
                except Exception as err:
                    raise BadPdf(type(err).__name__) from None
                finally:
                    page.close()
            yield image
    finally:
        with PDFIUM_LOCK:
            pdf.close()
