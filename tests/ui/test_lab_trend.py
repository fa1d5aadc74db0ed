"""Trend pictures of lab values (issue 17 item 1, R-SHOW-5, R-ACT-3): on the document
screen beside the table and in the printed extract, drawn by Qt, read without colour."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtGui import QColor, QImage

from kiosk.domain.documents import DocKind, Document, Flag, LabRow
from kiosk.ui.lab_trend import HIGH_CONTRAST, SCREEN, TrendPanel
from tests.ui.conftest import Kiosk
from tests.ui.test_print_extract import add_docs, pages_text


def hb(value: str, flag: Flag = Flag.NORMAL) -> LabRow:
    return LabRow("Гемоглобин", value, "г/л", "120", "160", flag=flag)


def results() -> list[Document]:
    """Three blood counts of emr-1 over three years; the newest has a culture and a
    value written as «<0.5», which have no picture."""
    def cbc(doc_id: str, year: int, *rows: LabRow) -> Document:
        return Document(doc_id, "emr-1", DocKind.LAB_RESULT,
                        datetime(year, 3, 12, 6, 0, tzinfo=UTC), "Общий анализ крови",
                        "КДЛ № 3", "Петров П. П.", "Заключение: см. таблицу.", results=rows)

    return [
        cbc("t-2024", 2024, hb("135"), LabRow("СРБ", "<0.5", "мг/л", "", "5.0")),
        cbc("t-2025", 2025, hb("118", Flag.LOW), LabRow("СРБ", "2.0", "мг/л", "", "5.0")),
        cbc("t-2026", 2026, hb("171", Flag.HIGH), LabRow("СРБ", "положительно", "мг/л"),
            LabRow("Посев мочи", "роста нет")),
    ]


def open_result(kiosk: Kiosk, doc_id: str) -> None:
    add_docs(kiosk.env, results())
    kiosk.sign_in()
    kiosk.open_emr("emr-1")
    kiosk.window.open_document(doc_id)
    kiosk.settle()
    kiosk.settle()  # the trends come in a second worker task
    assert kiosk.name() == "document"


def grab(widget) -> QImage:
    return widget.grab().toImage()


def test_issue_17_three_results_of_one_analyte_show_a_trend_with_3_points_and_the_band(
        kiosk: Kiosk) -> None:
    open_result(kiosk, "t-2026")
    screen = kiosk.s.document
    assert screen.labs.rowCount() == 3
    panel: TrendPanel = screen.trends
    assert panel.isVisible()
    # Only Гемоглобин has two numeric values: «<0.5» and «положительно» are left out.
    assert [t.analyte for t in panel.trends] == ["Гемоглобин"]
    assert panel.title.text() == "Динамика: Гемоглобин, г/л"
    chart = panel.chart
    image = grab(chart)
    geo = chart.geometry_drawn
    assert len(geo.points) == 3
    # Oldest on the left; 118 is below the band, 171 above it, 135 inside.
    xs = [p.x() for p in geo.points]
    assert xs == sorted(xs)
    band = geo.band
    assert band is not None and band.height() > 10
    assert geo.points[0].y() > band.top() and geo.points[0].y() < band.bottom()
    assert geo.points[1].y() > band.bottom() and geo.points[2].y() < band.top()
    # The band is on the picture: its tint fills the strip between the points.
    inside = image.pixelColor(int(band.left() + 3), int(band.center().y()))
    assert inside == QColor(SCREEN.band)
    # Flags read without colour: the symbols stand beside the flagged values.
    assert "↓ 118" in geo.labels and "↑ 171" in geo.labels and "135" in geo.labels
    # Words for screen readers and «Озвучить»; the caption shows the same sentence.
    description = chart.accessibleDescription()
    assert description == ("Гемоглобин: 3 значения с 2024 по 2026, последнее 171 г/л, "
                           "выше нормы")
    assert chart.accessibleName() == "Динамика: Гемоглобин"
    caption = panel.caption.text().replace("\u2060", "").replace("\u00a0", " ")
    assert caption.startswith(description) and "Норма 120–160 г/л" in caption


def test_issue_17_an_older_result_rings_its_own_point(kiosk: Kiosk) -> None:
    open_result(kiosk, "t-2024")
    trend = kiosk.s.document.trends.current()
    assert trend is not None and trend.doc_id == "t-2024"
    assert [p.doc_id for p in trend.points] == ["t-2024", "t-2025", "t-2026"]


def test_issue_17_non_numeric_values_never_crash_the_screen_or_the_picture(qtbot) -> None:
    from kiosk.services.trends import trends_for
    from kiosk.ui.document import DocumentScreen

    rows = (LabRow("Антитела", "не обнаружены"), LabRow("ТТГ", "<0.01", "мЕд/л", "0.4", "4.0"),
            LabRow("Глюкоза", "NaN", "ммоль/л"))
    docs = [Document(f"n-{i}", "emr-1", DocKind.LAB_RESULT,
                     datetime(2026, 1 + i, 1, tzinfo=UTC), "Анализ", "КДЛ", "Врач",
                     "", results=rows) for i in range(3)]
    s = DocumentScreen()
    qtbot.addWidget(s)
    s.resize(1080, 1700)
    s.show()
    s.show_document(docs[2])
    s.show_trends(trends_for(docs[2], docs))
    assert s.labs.rowCount() == 3 and not s.trends.isVisible()
    # Two numbers and a non-number, equal values, a single bound: still a picture.
    flat = (LabRow("ТТГ", "2.0", "мЕд/л", "", "4.0"),)
    docs = [Document(f"f-{i}", "emr-1", DocKind.LAB_RESULT, datetime(2026, 1 + i, 1, tzinfo=UTC),
                     "Анализ", "КДЛ", "Врач", "", results=flat if i else rows) for i in range(3)]
    s.show_document(docs[2])
    s.show_trends(trends_for(docs[2], docs))
    assert s.trends.isVisible()
    grab(s.trends.chart)
    assert len(s.trends.chart.geometry_drawn.points) == 2


def test_issue_17_row_tap_and_arrows_choose_the_analyte(qtbot) -> None:
    from kiosk.services.trends import trends_for
    from kiosk.ui.document import DocumentScreen

    def rows(i: int) -> tuple[LabRow, ...]:
        return (hb(str(130 + i)), LabRow("Лейкоциты", f"{5 + i}.1", "10*9/л", "4.0", "9.0"),
                LabRow("СОЭ", str(10 + 8 * i), "мм/ч", "2", "20",
                       flag=Flag.HIGH if 10 + 8 * i > 20 else Flag.NORMAL))

    docs = [Document(f"r-{i}", "emr-1", DocKind.LAB_RESULT, datetime(2024 + i, 1, 1, tzinfo=UTC),
                     "ОАК", "КДЛ", "Врач", "", results=rows(i)) for i in range(3)]
    s = DocumentScreen()
    qtbot.addWidget(s)
    s.resize(1080, 1700)
    s.show()
    s.show_document(docs[2])
    s.show_trends(trends_for(docs[2], docs))
    panel = s.trends
    # The flagged analyte first: it is what the patient will ask about.
    assert panel.current().analyte == "СОЭ" and panel.position.text() == "3 из 3"
    panel.prev.click()
    assert panel.current().analyte == "Лейкоциты"
    s._row_tapped(0, 0)  # a tap on the Гемоглобин row (cellClicked)
    assert panel.current().analyte == "Гемоглобин" and not panel.prev.isEnabled()


def test_issue_17_trend_follows_high_contrast_and_large_text(kiosk: Kiosk) -> None:
    open_result(kiosk, "t-2026")
    chart = kiosk.s.document.trends.chart
    normal_height = chart.sizeHint().height()
    kiosk.window.set_high_contrast(True)
    kiosk.window.set_text_size(2)
    open_result_again(kiosk)
    chart = kiosk.s.document.trends.chart
    assert chart.colors() == HIGH_CONTRAST
    assert chart.sizeHint().height() >= normal_height * 1.8
    image = grab(chart)
    band = chart.geometry_drawn.band
    assert band is not None
    assert image.pixelColor(int(band.left() + 3), int(band.center().y())) == \
        QColor(HIGH_CONTRAST.band)


def open_result_again(kiosk: Kiosk) -> None:
    """After a look change the screens are rebuilt: open the result again."""
    if kiosk.ctx.state.session is None:
        kiosk.sign_in()
    kiosk.open_emr("emr-1")
    kiosk.window.open_document("t-2026")
    kiosk.settle()
    kiosk.settle()


def test_r_act_3_printed_lab_table_carries_its_trend_picture(kiosk: Kiosk) -> None:
    open_result(kiosk, "t-2026")
    kiosk.window.prepare_print(["t-2026"])
    kiosk.settle()
    assert kiosk.name() == "preview"
    kiosk.s.preview.print_button.click()
    kiosk.settle()
    path = kiosk.ctx.printer.last_file()
    assert path is not None
    [page] = pages_text(path)
    assert "Динамика показателей" in page
    assert "Гемоглобин: 3 значения с 2024 по 2026, последнее 171 г/л," in " ".join(page.split())
    # The picture itself is drawn as vectors and text: its dates and flagged values.
    assert "12.03.2024" in page and "↓ 118" in page and "↑ 171" in page
    # …and on paper: pdftoppm shows the grey band (228, 228, 228) over a real area.
    assert shutil.which("pdftoppm")
    png = Path(path).with_suffix("")
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-singlefile", str(path), str(png)],
                   check=True)
    image = QImage(str(png) + ".png")
    grey = sum(1 for y in range(0, image.height(), 2) for x in range(0, image.width(), 2)
               if abs(image.pixelColor(x, y).red() - 228) <= 3
               and image.pixelColor(x, y).red() == image.pixelColor(x, y).blue())
    assert grey > 300  # a 200 × 30 px band at 50 dpi, sampled every other pixel
    Path(str(png) + ".png").unlink()


def test_r_ksk_8_lab_table_and_trend_fit_every_text_size_orientation_and_theme(
        kiosk: Kiosk) -> None:
    """The layout check of test_layout on a lab result with its trend: no clipped text,
    no small target, no contrast failure, and no analyte name cut in the table."""
    from PySide6.QtGui import QFontMetrics

    from kiosk.ui.tasks import flush_events
    from tests.ui.test_layout import ORIENTATIONS, THEMES, Findings, _check

    open_result(kiosk, "t-2026")
    screen = kiosk.s.document
    out = Findings()
    cut: list[str] = []
    for size in (0, 1, 2):
        for theme, hc in THEMES.items():
            kiosk.window.set_high_contrast(hc)
            kiosk.window.set_text_size(size)
            for orientation, (width, height) in ORIENTATIONS.items():
                kiosk.window.resize(width, height)
                for _ in range(3):
                    flush_events()
                assert screen.trends.isVisible()
                label = f"[{orientation} size{size} {theme}]"
                _check(kiosk, "document-lab", label, hc, out)
                table = screen.labs
                fm = QFontMetrics(table.font())
                for r in range(table.rowCount()):
                    words = table.item(r, 0).text().split()  # one column: every line's
                    if max(fm.horizontalAdvance(w) for w in words) > table.columnWidth(0):
                        cut.append(f"{label} {table.item(r, 0).text()}")
    # A header view is an item view without rows: the layout check's row rule is not
    # about it.
    small = [s for s in out.small if "QHeaderView<" not in s]
    assert (out.clipped, small, out.contrast, cut) == ([], [], [], [])


def test_r_ksk_8_trend_reads_in_english_too(kiosk: Kiosk) -> None:
    """The sentence, legend and panel are translated like the rest of the screen."""
    kiosk.window.set_language("en")
    try:
        kiosk.settle()
        open_result(kiosk, "t-2026")
        panel = kiosk.s.document.trends
        assert panel.chart.accessibleDescription() == (
            "Гемоглобин: 3 values from 2024 to 2026, latest 171 г/л, above range")
        assert panel.title.text() == "Trend: Гемоглобин, г/л"
        caption = panel.caption.text().replace("\u2060", "").replace("\u00a0", " ")
        assert caption.endswith("Reference range 120–160 г/л.")
    finally:  # the translator is the application's: leave Russian for the next test
        kiosk.window.set_language("ru")
        kiosk.settle()


def test_r_act_3_a_printed_trend_heading_stays_on_its_picture_s_page(kiosk: Kiosk) -> None:
    """Seen on the two-page print preview of a full blood count: «СОЭ, мм/ч» and
    «С-реактивный белок, мг/л» stood at the foot of page 1, their pictures on page 2.
    Each heading is now part of its picture, so both are on one page."""
    from tests.ui.screens import _lab

    _lab(kiosk)
    kiosk.window.prepare_print(["d-lab"])
    kiosk.settle()
    kiosk.s.preview.print_button.click()
    kiosk.settle()
    path = kiosk.ctx.printer.last_file()
    assert path is not None
    pages = [" ".join(p.split()) for p in pages_text(path)]
    assert len(pages) == 2  # the case that split them
    for heading, newest in (("Гемоглобин, г/л", "↓ 118"), ("Лейкоциты, ×10⁹/л", "↑ 11.8"),
                            ("СОЭ, мм/ч", "↑ 24"), ("С-реактивный белок, мг/л", "↑ 12.4")):
        on = [i for i, page in enumerate(pages) if heading in page]
        assert len(on) == 1, (heading, on)
        assert newest in pages[on[0]], (heading, newest)
