"""``print_ms``: a lab report of N A4 pages rendered to PDF by the UI's ``QtPrinter``.

The job is what ``PrintService.prepare`` makes (``render_print_html``: masked header,
one section per document); the number of lab results is calibrated once so that the
adapter lays out exactly the wanted page count. Each run writes a new PDF.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])  # noqa: F841 - the kiosk process has one
    from kiosk.domain.documents import DocKind
    from kiosk.domain.grants import Relation
    from kiosk.domain.people import Sex
    from kiosk.services.printing import FOOTER_TEMPLATE, PrintJob, render_print_html
    from kiosk.services.views import DocumentView, EmrCard
    from kiosk.ui.printer import QtPrinter

    card = EmrCard("1009", "Б***** Борис Борисович", 66, Sex.MALE, Relation.SELF, None,
                   datetime.now(UTC), False, True)
    lines = "\n".join(f"{name}: {v} {unit} (норма: {lo} – {hi})" for name, v, unit, lo, hi in [
        ("Гемоглобин", 141, "г/л", 120, 160), ("Эритроциты", 4.7, "10*12/л", 3.9, 5.5),
        ("Лейкоциты", 6.1, "10*9/л", 4.0, 9.0), ("Тромбоциты", 250, "10*9/л", 150, 400),
        ("СОЭ", 8, "мм/ч", 2, 15), ("Глюкоза", 5.1, "ммоль/л", 3.9, 6.1),
    ])

    def job(n: int) -> PrintJob:
        docs = [DocumentView(f"DiagnosticReport/lab-{i}", "1009", DocKind.LAB_RESULT,
                             datetime(2024, 1, 1, 6, 0, tzinfo=UTC), "Общий анализ крови",
                             "ГБУЗ «ГП № 2 ДЗМ»", "Орлова Н. В.",
                             "Заключение: без особенностей.\n\n" + lines) for i in range(n)]
        now = datetime.now(UTC)
        return PrintJob(render_print_html(card, docs, "bench-01", now), card.masked_name,
                        "bench-01", now, FOOTER_TEMPLATE, n)

    folder = Path(tempfile.mkdtemp(prefix="kiosk-bench-print-"))
    printer = QtPrinter(f"pdf:{folder}", "A4")

    def pages_of(n: int) -> int:
        from kiosk.ui.printer import render

        p = printer._printer()
        return render(job(n), p)

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
    the_job = job(lo)
    pages = pages_of(lo)
    printer.remove_files()
    times = []
    for _ in range(args.runs):
        t = time.perf_counter()
        printer.print_job(the_job)
        times.append((time.perf_counter() - t) * 1000)
    size = printer.last_file().stat().st_size  # type: ignore[union-attr]
    printer.remove_files()
    folder.rmdir()
    times.sort()
    print(json.dumps({"print_ms": times[len(times) // 2], "print_ms_runs": times,
                      "pages": pages, "lab_results": lo, "pdf_bytes": size,
                      "printed_on": date.today().isoformat()}), flush=True)
    os._exit(0)


if __name__ == "__main__":
    main()
