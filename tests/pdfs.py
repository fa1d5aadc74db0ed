"""PDFs made in the test itself (Qt's own writer), so no binary file is kept in git."""

from __future__ import annotations

import tempfile
from pathlib import Path


def make_pdf(pages: int, word: str = "Заключение") -> bytes:
    """A PDF of ``pages`` A4 pages, page i saying «``word`` i» (needs a QGuiApplication)."""
    from PySide6.QtGui import QPageSize, QPdfWriter, QTextDocument

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.pdf"
        writer = QPdfWriter(str(path))
        writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        doc = QTextDocument()
        doc.setHtml("".join(
            f"<p style='page-break-before: always'>{word} {i + 1}</p>" if i
            else f"<p>{word} {i + 1}</p>" for i in range(pages)))
        doc.print_(writer)
        del writer
        return path.read_bytes()


def corrupt_pdf() -> bytes:
    """What a broken upload looks like: a PDF header and then nothing readable."""
    return b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n\x00\xff garbage"
