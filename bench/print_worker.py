"""Print timings: each job rendered to PDF by the UI's ``QtPrinter``, as the kiosk does.

* ``print_ms``: a lab report of N A4 pages (``render_print_html``: masked header, one
  section per document); the number of lab results is calibrated once so that the
  adapter lays out exactly the wanted page count.
* ``print_pdf_ms``: an instrumental report whose PDF has 30 pages, as
  ``PrintService.prepare`` makes it (a part with the extract's header, then the PDF's
  pages drawn by PDFium at 150 dpi).
* ``pdf_open_ms``: the document screen's PDF view showing that 30-page report: from
  the bytes to the view laid out with its page count (the pages then render in the
  background; issue 17: "a PDF of 30 pages opens in under a second").
* ``print_lab_ms``: the demo's full blood count (20 analytes, some out of range) with
  the trend pictures of its analytes over two earlier counts (issue 17 item 1).

Each figure is the median of ``--runs`` warm runs; ``*_cold_ms`` is the first run of
that job in the process (the first of all, the PDF job, also pays for Qt's print
support, PDFium and the fonts). Each run writes a new PDF.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.services.printing import PrintJob
    from kiosk.services.views import DocumentView, EmrCard


def report_pdf(pages: int) -> bytes:
    """A report of ``pages`` A4 pages with a heading and a few paragraphs each, written by
    Qt's PDF writer (the size and shape of a scanned-free ECG or ultrasound report)."""
    from PySide6.QtGui import QPageSize, QPdfWriter, QTextDocument

    para = ("Ритм синусовый, правильный. ЧСС 72 в минуту. Электрическая ось сердца не "
            "отклонена. Интервалы PQ, QRS, QT в пределах нормы. ") * 6
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.pdf"
        writer = QPdfWriter(str(path))
        writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        doc = QTextDocument()
        doc.setHtml("".join(
            ("<h2 style='page-break-before: always'>" if i else "<h2>")
            + f"Протокол исследования, лист {i + 1}</h2>" + f"<p>{para}</p>" * 4
            for i in range(pages)))
        doc.print_(writer)
        del writer
        return path.read_bytes()


def _card() -> EmrCard:
    from kiosk.domain.grants import Relation
    from kiosk.domain.people import Sex
    from kiosk.services.views import EmrCard

    return EmrCard("1009", "Б***** Борис Борисович", 66, Sex.MALE, Relation.SELF, None,
                   datetime.now(UTC), False, True)


def text_job(n: int) -> PrintJob:
    from kiosk.domain.documents import DocKind
    from kiosk.services.printing import FOOTER_TEMPLATE, PrintJob, render_print_html
    from kiosk.services.views import DocumentView

    card = _card()
    lines = "\n".join(f"{name}: {v} {unit} (норма: {lo} – {hi})" for name, v, unit, lo, hi in [
        ("Гемоглобин", 141, "г/л", 120, 160), ("Эритроциты", 4.7, "10*12/л", 3.9, 5.5),
        ("Лейкоциты", 6.1, "10*9/л", 4.0, 9.0), ("Тромбоциты", 250, "10*9/л", 150, 400),
        ("СОЭ", 8, "мм/ч", 2, 15), ("Глюкоза", 5.1, "ммоль/л", 3.9, 6.1),
    ])
    docs = [DocumentView(f"DiagnosticReport/lab-{i}", "1009", DocKind.LAB_RESULT,
                         datetime(2024, 1, 1, 6, 0, tzinfo=UTC), "Общий анализ крови",
                         "ГБУЗ «ГП № 2 ДЗМ»", "Орлова Н. В.",
                         "Заключение: без особенностей.\n\n" + lines) for i in range(n)]
    now = datetime.now(UTC)
    return PrintJob(render_print_html(card, docs, "bench-01", now), card.masked_name,
                    "bench-01", now, FOOTER_TEMPLATE, n)


def _parts_job(docs: list[DocumentView], history: list[DocumentView]) -> PrintJob:
    from kiosk.services.printing import FOOTER_TEMPLATE, PrintJob, render_parts
    from kiosk.services.trends import trends_for

    card = _card()
    now = datetime.now(UTC)
    trends = {d.doc_id: trends_for(d, history) for d in docs if d.results}
    return PrintJob("", card.masked_name, "bench-01", now, FOOTER_TEMPLATE, len(docs),
                    render_parts(card, docs, None, trends))


def pdf_job(pages: int) -> PrintJob:
    from kiosk.domain.documents import DocKind
    from kiosk.services.views import DocumentView

    doc = DocumentView("DiagnosticReport/ecg-1", "1009", DocKind.INSTRUMENTAL,
                       datetime(2026, 10, 16, 8, 0, tzinfo=UTC), "Электрокардиография",
                       "ГБУЗ «ГП № 2 ДЗМ»", "Орлова Н. В.", "Заключение: ритм синусовый.",
                       pdf=report_pdf(pages))
    return _parts_job([doc], [])


def lab_job() -> PrintJob:
    """The demo's full blood count (kiosk.sim's panel) and two earlier counts: 20 rows,
    20 trend pictures."""
    from kiosk.domain.documents import DocKind, Flag, LabRow
    from kiosk.services.views import DocumentView
    from kiosk.sim.population import _CBC_FULL

    def count(i: int, factor: float) -> DocumentView:
        rows = []
        for name, lo, hi, unit, value in _CBC_FULL:
            v = round(value * factor, 2)
            flag = Flag.HIGH if v > hi else Flag.LOW if v < lo else Flag.NORMAL
            rows.append(LabRow(name, f"{v:g}", unit, f"{lo:g}", f"{hi:g}", flag=flag))
        return DocumentView(f"DiagnosticReport/cbc-{i}", "1009", DocKind.LAB_RESULT,
                            datetime(2024 + i, 10, 15, 5, 40, tzinfo=UTC),
                            "Общий анализ крови с лейкоцитарной формулой",
                            "ГБУЗ «ГП № 2 ДЗМ»", "Орлова Н. В.",
                            "Лейкоцитоз, ускорение СОЭ.", results=tuple(rows))

    history = [count(0, 0.9), count(1, 1.05), count(2, 1.0)]
    return _parts_job([history[-1]], history)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--pdf-pages", type=int, default=30)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])  # noqa: F841 - the kiosk process has one
    from kiosk.ui.printer import QtPrinter, render

    folder = Path(tempfile.mkdtemp(prefix="kiosk-bench-print-"))
    printer = QtPrinter(f"pdf:{folder}", "A4")

    def timed(job: PrintJob) -> tuple[float, list[float], int, int]:
        """Cold (first) run, warm runs sorted, pages, PDF bytes."""
        runs = []
        for _ in range(args.runs + 1):
            t = time.perf_counter()
            printer.print_job(job)
            runs.append((time.perf_counter() - t) * 1000)
        size = printer.last_file().stat().st_size  # type: ignore[union-attr]
        pages = render(job, printer._printer())
        printer.remove_files()
        return runs[0], sorted(runs[1:]), pages, size

    out: dict[str, object] = {}

    def record(key: str, job: Callable[[], PrintJob], **extra: object) -> None:
        cold, warm, pages, size = timed(job())
        out[key] = warm[len(warm) // 2]
        out[f"{key.removesuffix('_ms')}_cold_ms"] = cold
        out[f"{key}_runs"] = warm
        out[f"{key.removesuffix('_ms')}_pages"] = pages
        out[f"{key.removesuffix('_ms')}_pdf_bytes"] = size
        out.update(extra)

    from kiosk.ui.content import PdfView

    opens = []
    data = report_pdf(args.pdf_pages)
    for _ in range(args.runs + 1):
        view = PdfView()
        view.resize(1080, 1500)
        t = time.perf_counter()
        view.show_pdf(data)
        opens.append((time.perf_counter() - t) * 1000)
        if view.page_count() != args.pdf_pages:
            raise RuntimeError(f"the PDF view shows {view.page_count()} pages")
        view.clear()
        view.deleteLater()
    warm_opens = sorted(opens[1:])
    out["pdf_open_cold_ms"] = opens[0]
    out["pdf_open_ms_runs"] = warm_opens
    out["pdf_open_ms"] = warm_opens[len(warm_opens) // 2]
    record("print_pdf_ms", lambda: pdf_job(args.pdf_pages))
    record("print_lab_ms", lab_job)

    def pages_of(n: int) -> int:
        return render(text_job(n), printer._printer())

    n = 4
    while pages_of(n) < args.pages:
        n *= 2
    lo, hi = n // 2, n
    while lo < hi:  # the smallest count that fills the wanted pages
        mid = (lo + hi) // 2
        if pages_of(mid) >= args.pages:
            hi = mid
        else:
            lo = mid + 1
    printer.remove_files()
    record("print_ms", lambda: text_job(lo), lab_results=lo)
    # The names of the first release: the 20-page job's pages and size.
    out["pages"], out["pdf_bytes"] = out.pop("print_pages"), out.pop("print_pdf_bytes")
    folder.rmdir()
    out["printed_on"] = date.today().isoformat()
    print(json.dumps(out), flush=True)
    os._exit(0)


if __name__ == "__main__":
    main()
