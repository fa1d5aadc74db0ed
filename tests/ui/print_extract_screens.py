"""Render a printed EMR extract to PNG, a page each: ``python -m
tests.ui.print_extract_screens [dir]`` (default docs/screens).

The extract holds a note, a blood count with its trends over two earlier counts, an
exam protocol as a narrative and a report with a 2-page PDF, chosen and printed through
the kiosk as a patient would (tests/ui/test_print_extract.py), into a PDF that
``pdftoppm`` turns into A4 pages at 70 dpi in 16 greys — the paper as it comes out of
the printer.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LANG", "C.UTF-8")

from PySide6.QtWidgets import QApplication

from kiosk.domain.documents import DocKind, Document, Flag, LabRow
from kiosk.ui.tasks import flush_events
from tests.ui.conftest import Kiosk, make_env
from tests.ui.print_screens import _sixteen_greys
from tests.ui.test_print_extract import add_docs

DPI = 70
_WHEN = datetime(2026, 10, 20, 7, 40, tzinfo=UTC)
#: (name of the picture, page of the printed PDF, from 1)
PAGES = (("print-extract-text", 1), ("print-extract-lab", 2), ("print-extract-lab-trends", 3),
         ("print-extract-narrative", 4), ("print-extract-pdf", 6))


def _documents() -> list[Document]:
    from bench.print_worker import report_pdf
    from kiosk.domain.narrative import sanitise
    from tests.ui.screens import NARRATIVE

    panel = [("Гемоглобин", ("131", "126", "118"), "г/л", "120", "140"),
             ("Эритроциты", ("4.5", "4.3", "4.20"), "×10¹²/л", "3.8", "5.1"),
             ("Лейкоциты", ("6.2", "7.4", "11.8"), "×10⁹/л", "4.0", "9.0"),
             ("Тромбоциты", ("240", "251", "265"), "×10⁹/л", "150", "400"),
             ("СОЭ", ("8", "15", "24"), "мм/ч", "2", "20"),
             ("С-реактивный белок", ("<1.0", "3.1", "12.4"), "мг/л", "", "5.0"),
             ("Глюкоза", ("4.9", "5.0", "5.1"), "ммоль/л", "3.9", "6.1")]

    def flag(value: str, low: str, high: str) -> Flag:
        try:
            v = float(value)
        except ValueError:
            return Flag.NORMAL
        return Flag.LOW if low and v < float(low) else Flag.HIGH if v > float(high) \
            else Flag.NORMAL

    labs = []
    for k, year in enumerate((2024, 2025, 2026)):
        rows = tuple(LabRow(a, vs[k], u, lo, hi, flag=flag(vs[k], lo, hi))
                     for a, vs, u, lo, hi in panel)
        labs.append(Document(f"x-lab-{year}", "emr-1", DocKind.LAB_RESULT,
                             _WHEN.replace(year=year, month=4 + 6 * (year == 2026)),
                             "Общий анализ крови", "КДЛ ГП № 1", "Петрова О. В.",
                             "Заключение: лейкоцитоз, ускорение СОЭ." if year == 2026 else "",
                             results=rows))
    safe, words = sanitise(NARRATIVE)
    return [
        Document("x-note", "emr-1", DocKind.EXAM_PROTOCOL, _WHEN, "Осмотр терапевта",
                 "ГП № 1", "Иванова А. А.", "Жалоб нет.\nАД 124/78 мм рт. ст.\n"
                 "Рекомендации: наблюдение, повторный осмотр через год."),
        *labs,
        Document("x-nar", "emr-1", DocKind.EXAM_PROTOCOL, _WHEN, "Осмотр педиатра",
                 "ДГП № 2", "Орлова Е. Н.", words, narrative=safe),
        Document("x-pdf", "emr-1", DocKind.INSTRUMENTAL, _WHEN, "Электрокардиография",
                 "ГП № 1", "Сидоров С. С.", "Заключение: ритм синусовый.",
                 pdf=report_pdf(2)),
    ]


def render(out: Path) -> list[Path]:
    app = QApplication.instance() or QApplication(sys.argv[:1])  # noqa: F841 - kept alive
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        k = Kiosk(make_env(Path(tmp), print_section={
            "clinic_name": "ГБУЗ «Городская поликлиника № 1 ДЗМ»",
            "clinic_address": "Москва, ул. Примерная, д. 1"}), None)
        add_docs(k.env, _documents())
        k.sign_in()
        k.open_emr("emr-1")
        k.window.prepare_print(["x-note", "x-lab-2026", "x-nar", "x-pdf"])
        k.settle()
        k.s.preview.print_button.click()
        k.settle()
        pdf = k.ctx.printer.last_file()
        assert pdf is not None, "the extract printed nothing"
        for name, page in PAGES:
            target = out / name
            subprocess.run(["pdftoppm", "-png", "-gray", "-r", str(DPI), "-f", str(page),
                            "-l", str(page), "-singlefile", str(pdf), str(target)], check=True)
            png = target.with_suffix(".png")
            _sixteen_greys(png)
            written.append(png)
        k.window.shutdown()
        k.window.hide()
        k.window.deleteLater()
        flush_events()
    return written


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    folder = Path(args[0]) if args else Path("docs/screens")
    folder.mkdir(parents=True, exist_ok=True)
    for p in render(folder):
        print(p, f"{p.stat().st_size // 1024} KB")
