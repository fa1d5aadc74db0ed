"""What a document holds, on screen: a lab table, a narrative, PDF pages (R-SHOW-5).

- :class:`LabTable`: analyte, value as written, unit, reference range and a flag that
  says «↑ выше нормы» in symbol and word (bold, and in the scheme's error colour), so it
  reads without colour, in high contrast and in print.
- :class:`NarrativeView`: the sanitised XHTML subset in a read-only rich text view that
  cannot load anything. The sanitiser already drops images and links; the view does not
  rely on it: its document's ``loadResource`` returns nothing for every URL (so no
  file, qrc or network image is ever read), links are neither followed nor even
  clickable, and no text interaction but selection is possible.
- :class:`PdfView`: the pages at the view's width, drawn off the GUI thread one at a
  time, scrolled by finger, zoomed by buttons or a pinch; a PDF that cannot be drawn becomes one
  plain sentence (``failed``), never an exception on the GUI thread.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QT_TRANSLATE_NOOP, QObject, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPalette, QPixmap, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from kiosk.domain.documents import FLAG_WORDS_RU, Flag, LabRow
from kiosk.ui.dragscroll import drag_to_scroll
from kiosk.ui.pdfpages import BadPdf, iter_pages, page_sizes
from kiosk.ui.pinch import PinchZoom
from kiosk.ui.style import CONTRAST, MIN_TOUCH, NORMAL
from kiosk.ui.widgets import button, label

if TYPE_CHECKING:
    from PySide6.QtGui import QResizeEvent


# ---------------------------------------------------------------------------- narrative


class InertTextDocument(QTextDocument):
    """A text document that never loads a resource: every ``<img>``, stylesheet or
    background URL resolves to nothing, whatever its scheme (http, file, qrc, data).

    An image resolves to a blank 1×1 image rather than to nothing: Qt's image handler,
    given no resource, reads the URL as a local file name itself (``file:`` and plain
    paths would be read from disk). A non-null blank image stops it there.
    """

    requested: int = 0  # how many loads were asked for (and refused), for tests

    def loadResource(self, kind: int, name: QUrl) -> object:
        self.requested += 1
        if kind == QTextDocument.ResourceType.ImageResource:
            return blank_image()
        return None


def blank_image() -> QImage:
    image = QImage(1, 1, QImage.Format.Format_ARGB32)
    image.fill(0)
    return image


class NarrativeView(QTextBrowser):
    """Read-only rich text that follows no link and loads nothing.

    A ``QTextBrowser`` (not ``QTextEdit``) because its ``loadResource`` is the one Qt
    calls for a browser's document; both it and the document's are overridden.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDocument(InertTextDocument(self))
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setReadOnly(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setUndoRedoEnabled(False)
        self.setObjectName("docNarrative")
        drag_to_scroll(self)

    def loadResource(self, kind: int, name: QUrl) -> object:
        return None

    def setSource(self, name: QUrl, type: QTextDocument.ResourceType = (
            QTextDocument.ResourceType.UnknownResource)) -> None:
        """Never navigates: a link clicked or a source set leaves the text as it is."""

    def show_narrative(self, xhtml: str) -> None:
        self.setHtml(xhtml)
        self.verticalScrollBar().setValue(0)


# ---------------------------------------------------------------------------- lab table


def flag_text(flag: Flag) -> str:
    return FLAG_WORDS_RU.get(flag, "")


class LabTable(QTableWidget):
    """Lab rows as a table; out-of-range rows carry the flag in symbol, word, weight and
    colour. Rows grow with their text (large text), the table scrolls by finger."""

    # Listed for lupdate: the headers are translated through self.tr(c) below.
    COLUMNS = (QT_TRANSLATE_NOOP("LabTable", "Показатель"),
               QT_TRANSLATE_NOOP("LabTable", "Результат"),
               QT_TRANSLATE_NOOP("LabTable", "Ед. изм."),
               QT_TRANSLATE_NOOP("LabTable", "Норма"),
               QT_TRANSLATE_NOOP("LabTable", "Отметка"))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(self.COLUMNS), parent)
        self.setObjectName("labTable")
        self.setAccessibleName(self.tr("Результаты анализов"))
        self.setHorizontalHeaderLabels([self.tr(c) for c in self.COLUMNS])
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setWordWrap(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        head = self.horizontalHeader()
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(self.COLUMNS)):
            head.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # A row is a touch target (a tap shows its trend): never under 44 px.
        self.verticalHeader().setMinimumSectionSize(MIN_TOUCH)
        drag_to_scroll(self)

    def show_rows(self, rows: tuple[LabRow, ...]) -> None:
        dark = self.palette().color(QPalette.ColorRole.Window).lightness() < 128
        alert = QColor((CONTRAST if dark else NORMAL).error)
        self.setRowCount(len(rows))
        for r, row in enumerate(rows):
            flagged = row.flag is not Flag.NORMAL
            value = row.value + (f" ({row.status})" if row.status else "")
            cells = (row.analyte, value, row.unit, row.reference, flag_text(row.flag))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                if flagged and c in (1, 4):
                    font = QFont(self.font())
                    font.setBold(True)
                    item.setFont(font)
                    item.setForeground(alert)
                self.setItem(r, c, item)
        self.setProperty("stack", -1)  # new items: lay the columns out afresh
        self.fit_columns()
        self._fit_height()
        self.scrollToTop()

    def sizeHintForRow(self, row: int) -> int:
        return max(MIN_TOUCH, super().sizeHintForRow(row))

    # How tall a one-column table may ask to be: about two stacked rows at 200 % text.
    ONE_COLUMN_HEIGHT = 480

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_columns()
        self._fit_height()

    def _fit_height(self) -> None:
        """In one column (720×1280 at 150/200 %) a row is four lines, and the table, at
        its minimum in a scrolling screen, showed half of one; it asks for its rows'
        height there, up to ``ONE_COLUMN_HEIGHT`` (it still scrolls beyond)."""
        want = 0
        if self.property("stack") == 3:
            rows = sum(self.rowHeight(r) for r in range(self.rowCount()))
            frame = 2 * self.frameWidth() + self.horizontalHeader().height()
            want = min(rows + frame, self.ONE_COLUMN_HEIGHT)
        if self.minimumHeight() != want:
            self.setMinimumHeight(want)

    def fit_columns(self) -> None:
        """Keep the analyte's longest word whole: where the columns at their natural
        width leave it too little room (large text, portrait, the trend beside it), the
        flag column wraps («↓ ниже» over «нормы»), then the unit and at last the flag move
        under the value in its cell, so «Эритроциты» never reads «Эритроци…»."""
        head = self.horizontalHeader()
        bold = QFont(self.font())
        bold.setBold(True)
        fm, fm_bold = QFontMetrics(self.font()), QFontMetrics(bold)
        pad = fm.horizontalAdvance("  ")

        def longest_word(col: int, metrics: QFontMetrics) -> int:
            words = [w for r in range(self.rowCount()) if self.item(r, col) is not None
                     for w in self.item(r, col).text().split()]
            return max((metrics.horizontalAdvance(w) for w in words), default=0) + pad

        def used() -> int:
            return sum(max(self.sizeHintForColumn(c), head.sectionSizeHint(c))
                       if head.sectionResizeMode(c) != QHeaderView.ResizeMode.Interactive
                       else head.sectionSize(c)
                       for c in range(1, len(self.COLUMNS)) if not self.isColumnHidden(c))

        self._stack(0)
        head.setSectionResizeMode(4, QHeaderView.ResizeMode.ResizeToContents)
        avail = self.viewport().width()
        need0 = min(max(longest_word(0, fm), fm_bold.horizontalAdvance(self.COLUMNS[0]) + pad),
                    int(avail * 0.5))
        if avail - used() >= need0:
            return
        narrow = max(longest_word(4, fm_bold), fm_bold.horizontalAdvance(self.COLUMNS[4]) + pad)
        head.setSectionResizeMode(4, QHeaderView.ResizeMode.Interactive)
        head.resizeSection(4, narrow)
        for level in (1, 2, 3):
            if avail - used() >= need0:
                return
            self._stack(level)

    def _stack(self, level: int) -> None:
        """0: every part in its column; 1: the unit under the value in the value's cell;
        2: the flag under them too (its column hidden); 3: one column, the analyte over
        its value, flag and range (720×1280 at 150 % and 200 % text: «Гемоглобин» and
        «положительно» side by side were wider than the screen, issue 16). A cell's text
        as written stays in its UserRole (speech and the trend read it)."""
        if self.property("stack") == level:
            return
        self.setProperty("stack", level)
        self.setColumnHidden(2, level >= 1)
        self.setColumnHidden(4, level >= 2)
        self.setColumnHidden(1, level >= 3)
        self.setColumnHidden(3, level >= 3)
        for r in range(self.rowCount()):
            name, value, unit = self.item(r, 0), self.item(r, 1), self.item(r, 2)
            reference, flag = self.item(r, 3), self.item(r, 4)
            if None in (name, value, unit, reference, flag):
                continue
            analyte = name.data(Qt.ItemDataRole.UserRole) or name.text()
            name.setData(Qt.ItemDataRole.UserRole, analyte)
            written = value.data(Qt.ItemDataRole.UserRole) or value.text()
            value.setData(Qt.ItemDataRole.UserRole, written)
            parts = [written, unit.text() if level >= 1 else "",
                     flag.text() if level >= 2 else ""]
            value.setText("\n".join(p for p in parts if p))
            lines = [analyte]
            if level >= 3:
                norm, norm_word = reference.text(), self.tr("Норма")
                lines += [f"{written} {unit.text()}".strip(), flag.text(),
                          f"{norm_word}: {norm}" if norm else ""]
            name.setText("\n".join(p for p in lines if p))

    def flags_shown(self) -> list[str]:
        """The flag column as a patient reads it (tests, speech)."""
        return [self.item(r, 4).text() for r in range(self.rowCount())]


# ---------------------------------------------------------------------------- PDF


class _Pages(QObject):
    """Carries pages from the render thread to the GUI thread (queued signals)."""

    page = Signal(int, int, QImage)  # generation, index, image
    failed = Signal(int)  # generation


class PdfView(QWidget):
    """A PDF's pages one under another at the view's width times the zoom.

    Signals:
        failed(): the PDF cannot be drawn; the view shows a plain sentence instead.
    """

    failed = Signal()
    ZOOMS = (1.0, 1.25, 1.5, 2.0, 3.0)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pdfView")
        self._data: bytes | None = None
        self._sizes: list[tuple[float, float]] = []
        self._zoom_i = 0
        self._gen = 0
        self._cancel = threading.Event()
        self._pages: list[QLabel] = []
        self._drawn = 0
        self._thread: threading.Thread | None = None
        self._relay = _Pages(self)
        self._relay.page.connect(self._got_page)
        self._relay.failed.connect(self._got_failure)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        bar = QHBoxLayout()
        self.zoom_out = button("−", name="pdfZoomOut", accessible=self.tr("Уменьшить"))
        self.zoom_in = button("+", name="pdfZoomIn", accessible=self.tr("Увеличить"))
        self.fit = button(self.tr("По ширине"), name="pdfFit")
        self.zoom_out.clicked.connect(lambda: self.set_zoom(self._zoom_i - 1))
        self.zoom_in.clicked.connect(lambda: self.set_zoom(self._zoom_i + 1))
        self.fit.clicked.connect(lambda: self.set_zoom(0))
        self.info = label("", "muted", name="pdfInfo")
        bar.addWidget(self.info, 1)
        for b in (self.zoom_out, self.fit, self.zoom_in):
            bar.addWidget(b)
        layout.addLayout(bar)
        self.message = label("", "notice", name="pdfMessage")
        self.message.hide()
        layout.addWidget(self.message)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("pdfScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self._canvas = QWidget()
        self._canvas.setObjectName("pdfPages")
        self._column = QVBoxLayout(self._canvas)
        self._column.setSpacing(12)
        self._column.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.scroll.setWidget(self._canvas)
        drag_to_scroll(self.scroll)
        self.pinch = PinchZoom(self.scroll.viewport(), self.zoom, self.zoom_to,
                               self.ZOOMS[0], self.ZOOMS[-1])
        layout.addWidget(self.scroll, 1)

    # -- public

    def page_count(self) -> int:
        return len(self._pages)

    def pages_drawn(self) -> int:
        return self._drawn

    def zoom(self) -> float:
        return self.ZOOMS[self._zoom_i]

    def show_pdf(self, data: bytes) -> None:
        """Lay out placeholders for every page at once, then draw them in a thread."""
        self.clear()
        self._data = data
        try:
            self._sizes = page_sizes(data)
        except BadPdf:
            self._fail()
            return
        for i in range(len(self._sizes)):
            page = QLabel()
            page.setObjectName(f"pdfPage{i + 1}")
            page.setAccessibleName(self.tr("Страница %1 из %2").replace("%1", str(i + 1))
                                   .replace("%2", str(len(self._sizes))))
            page.setStyleSheet("background: white; border: 1px solid #7A8794;")
            self._pages.append(page)
            self._column.addWidget(page)
        self.info.setText(self.tr("Страниц: %1").replace("%1", str(len(self._sizes))))
        self._enable(True)
        self._draw()

    def zoom_to(self, zoom: float) -> None:
        """The zoom step nearest to ``zoom`` (a pinch): pages are redrawn only when the
        step changes, a few times a pinch at most."""
        self.set_zoom(min(range(len(self.ZOOMS)), key=lambda i: abs(self.ZOOMS[i] - zoom)))

    def set_zoom(self, i: int) -> None:
        i = max(0, min(len(self.ZOOMS) - 1, i))
        if i == self._zoom_i or self._data is None or not self._pages:
            self._zoom_i = i
            self._enable(bool(self._pages))
            return
        self._zoom_i = i
        self._enable(True)
        self._draw()

    def clear(self) -> None:
        self._stop()
        self._data = None
        self._sizes = []
        self._drawn = 0
        for page in self._pages:
            page.deleteLater()
        self._pages = []
        self.message.hide()
        self.scroll.show()
        self.info.setText("")
        self._enable(False)

    # -- drawing

    def _page_width(self) -> int:
        # The scroll bar's width is kept free whether it shows or not: the fit does not
        # change when the pages grow taller than the view.
        bar = self.scroll.verticalScrollBar().sizeHint().width()
        return max(200, int((self.scroll.width() - bar - 28) * self.zoom()))

    def _draw(self) -> None:
        self._stop()
        self._gen += 1
        self._drawn = 0
        gen, data, width = self._gen, self._data, self._page_width()
        for page, (w, h) in zip(self._pages, self._sizes, strict=True):
            page.setFixedSize(QSize(width, int(width * h / w)))
        cancel = self._cancel = threading.Event()
        relay = self._relay

        def work() -> None:
            try:
                for i, image in enumerate(iter_pages(data, width, cancelled=cancel)):
                    relay.page.emit(gen, i, image)
            except BadPdf:
                relay.failed.emit(gen)

        assert data is not None
        self._thread = threading.Thread(target=work, name="pdf-pages", daemon=True)
        self._thread.start()

    def busy(self) -> bool:
        """A render thread is still drawing (tests wait for it; sign-out cancels it)."""
        return self._thread is not None and self._thread.is_alive()

    def _stop(self) -> None:
        self._cancel.set()

    def _got_page(self, gen: int, i: int, image: QImage) -> None:
        if gen != self._gen or i >= len(self._pages):
            return
        page = self._pages[i]
        page.setPixmap(QPixmap.fromImage(image))
        page.setFixedSize(image.size())
        self._drawn += 1

    def _got_failure(self, gen: int) -> None:
        if gen == self._gen:
            self._fail()

    def _fail(self) -> None:
        self._stop()
        for page in self._pages:
            page.deleteLater()
        self._pages = []
        self._data = None
        self.info.setText("")
        self.message.setText(self.tr(
            "Этот PDF-файл не удаётся показать: он повреждён или в нём ошибка. "
            "Его текст, если он есть, показан выше; бумажную копию можно получить в "
            "регистратуре."))
        self.message.show()
        self.scroll.hide()
        self._enable(False)
        self.failed.emit()

    def _enable(self, on: bool) -> None:
        self.zoom_out.setEnabled(on and self._zoom_i > 0)
        self.zoom_in.setEnabled(on and self._zoom_i < len(self.ZOOMS) - 1)
        self.fit.setEnabled(on and self._zoom_i > 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._data is not None and self._pages and event.oldSize().width() != \
                event.size().width():
            self._draw()
