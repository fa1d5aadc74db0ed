"""One document (R-SHOW-5), as the source sent it: a plain text note, a lab table, a
narrative report from the sanitised subset, or the pages of a PDF. Above it always the
record it belongs to (masked name and age, R-SHOW-1/2), so a parent with two children
knows whose result this is.

A lab result shows its trends under the table (issue 17 item 1): the values of its
analytes in the EMR's other lab results, read in a worker after the document is on
screen, so a long history never delays the table.

Plain text goes to ``QPlainTextEdit``, which never interprets markup: ``<b>`` or
``<script>`` in a note shows as the characters it is. Rich content has its own inert
views (:mod:`kiosk.ui.content`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QPlainTextEdit, QWidget

from kiosk.ui.content import LabTable, NarrativeView, PdfView
from kiosk.ui.dragscroll import drag_to_scroll
from kiosk.ui.lab_trend import TrendPanel
from kiosk.ui.texts import age_label, kind_name, moscow
from kiosk.ui.widgets import button, header, init_screen, label

if TYPE_CHECKING:
    from PySide6.QtGui import QResizeEvent

    from kiosk.services.trends import Trend
    from kiosk.services.views import DocumentView, EmrCard
    from kiosk.ui.context import UiContext


_VOWELS = frozenset("аеёиоуыэюяАЕЁИОУЫЭЮЯaeiouyAEIOUY")


def breakable(title: str, longest: int = 12) -> str:
    """``title`` with soft hyphens in words longer than ``longest`` letters, after a vowel
    that a consonant follows («Элек­тро­кар­дио­гра­фия»): at 150 %/200 % text a one-word
    title wider than a portrait screen made the whole screen wider than the glass (the
    buttons beside it went off the edge). A soft hyphen shows only where a line breaks."""
    words = []
    for word in title.split(" "):
        if len(word) <= longest:
            words.append(word)
            continue
        out, run = [], 0
        for i, ch in enumerate(word):
            out.append(ch)
            run += 1
            nxt = word[i + 1] if i + 1 < len(word) else ""
            if (ch in _VOWELS and nxt.isalpha() and nxt not in _VOWELS and nxt not in "ьъйЬЪЙ"
                    and run >= 3 and len(word) - i - 1 >= 4):
                out.append("\u00ad")
                run = 0
        words.append("".join(out))
    return " ".join(words)


def conclusion(doc: DocumentView) -> str:
    """A report's own words: its text without the lines that repeat its lab rows."""
    rows = {r.line() for r in doc.results}
    return "\n".join(line for line in doc.text.splitlines() if line not in rows).strip()


class DocumentScreen(QWidget):
    """Signals:
        back(): back to the list.
        print_document(str): print this document (its id).
    """

    back = Signal()
    print_document = Signal(str)

    def __init__(self, ctx: UiContext | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._doc_id = ""
        layout = init_screen(self, "document")
        self.back_button = button(self.tr("К списку"), name="backToList")
        self.back_button.clicked.connect(self.back)
        layout.addLayout(header("", self.back_button))
        self.title = self.findChild(QWidget, "screenTitle")
        self.whose = label("", "subtitle", name="docWhose")
        layout.addWidget(self.whose)
        self.meta = label("", "muted", name="docMeta")
        layout.addWidget(self.meta)
        self.summary = label("", name="docConclusion")
        layout.addWidget(self.summary)
        self.text = QPlainTextEdit()
        self.text.setObjectName("docText")
        self.text.setReadOnly(True)
        self.text.setAccessibleName(self.tr("Текст документа"))
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        drag_to_scroll(self.text)
        layout.addWidget(self.text, 1)
        # The table and its trend: side by side on a landscape screen (the table keeps
        # its rows in view), one under the other in portrait (see resizeEvent).
        self.lab_area = QWidget()
        self.lab_area.setObjectName("labArea")
        self._lab_box = QBoxLayout(QBoxLayout.Direction.TopToBottom, self.lab_area)
        self._lab_box.setContentsMargins(0, 0, 0, 0)
        self._lab_box.setSpacing(16)
        self.labs = LabTable()
        self._lab_box.addWidget(self.labs, 3)
        self.trends = TrendPanel()
        self.labs.cellClicked.connect(self._row_tapped)
        self._lab_box.addWidget(self.trends, 2)
        layout.addWidget(self.lab_area, 1)
        self.narrative = NarrativeView()
        self.narrative.setAccessibleName(self.tr("Текст документа"))
        layout.addWidget(self.narrative, 1)
        self.pdf = PdfView()
        layout.addWidget(self.pdf, 2)
        bottom = QHBoxLayout()
        bottom.setSpacing(14)
        self.print_button = button(self.tr("Печать"), "primary", "printDocument")
        self.print_button.clicked.connect(lambda: self.print_document.emit(self._doc_id))
        bottom.addWidget(self.print_button, 1)
        layout.addLayout(bottom)
        self._show_parts()

    def _show_parts(self, text: bool = False, labs: bool = False, narrative: bool = False,
                    pdf: bool = False, summary: bool = False) -> None:
        self.text.setVisible(text)
        self.labs.setVisible(labs)
        self.lab_area.setVisible(labs)
        self.trends.clear()
        self.narrative.setVisible(narrative)
        self.pdf.setVisible(pdf)
        self.summary.setVisible(summary)

    def show_document(self, doc: DocumentView, card: EmrCard | None = None) -> None:
        self._doc_id = doc.doc_id
        if isinstance(self.title, type(self.meta)):
            self.title.setText(breakable(doc.title))
            self.title.setAccessibleName(doc.title)
        self.whose.setText(f"{card.masked_name} · {age_label(card.age)}" if card else "")
        self.whose.setVisible(card is not None)
        self.meta.setText(f"{kind_name(doc.kind)} · {moscow(doc.created_at, not doc.date_only)}\n"
                          f"{doc.organization} · {doc.performer}")
        has_pdf = doc.pdf is not None
        if doc.results or has_pdf:
            words = conclusion(doc) if doc.results else doc.text.strip()
            self.summary.setText(words)
            self._show_parts(labs=bool(doc.results), pdf=has_pdf, summary=bool(words))
            if doc.results:
                self.labs.show_rows(doc.results)
                self._ask_trends(doc)
            if doc.pdf is not None:
                self.pdf.show_pdf(doc.pdf)
        elif doc.narrative:
            self._show_parts(narrative=True)
            self.narrative.show_narrative(doc.narrative)
        else:
            self._show_parts(text=True)
            self.text.setPlainText(doc.text)
            self.text.verticalScrollBar().setValue(0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # Side by side on a landscape screen with room for the table's columns at this
        # text size: at 1280×720 and 150 %/200 % the table beside the trend cut
        # «Гемоглобин»; there they stack and the screen scrolls.
        width = event.size().width()
        roomy = width >= 40 * max(1, self.font().pixelSize())
        wide = width >= event.size().height() * 1.3 and roomy
        self._lab_box.setDirection(QBoxLayout.Direction.LeftToRight if wide
                                   else QBoxLayout.Direction.TopToBottom)

    def _ask_trends(self, doc: DocumentView) -> None:
        """Read the EMR's lab history in a worker; the panel shows when it comes, if this
        document is still the one on screen. A failure leaves the table alone: the
        picture is an aid, and the next step that reads the EMR reports any error."""
        ctx = self._ctx
        if ctx is None or ctx.services is None or ctx.state.session is None \
                or ctx.state.emr_id is None:
            return
        from kiosk.services.trends import for_document

        doc_id = doc.doc_id

        def done(result: list[Trend]) -> None:
            if self._doc_id == doc_id:
                self.show_trends(result)

        ctx.call(for_document, ctx.svc.records, ctx.state.session, ctx.state.emr_id, doc,
                 on_done=done, on_error=lambda _err: None)

    def show_trends(self, trends: list[Trend]) -> None:
        """The trend pictures of the open lab result (also called by tests directly)."""
        self.trends.show_trends(trends)

    def _row_tapped(self, row: int, _column: int) -> None:
        item = self.labs.item(row, 0)
        if item is not None:  # the analyte as written (one column stacks more under it)
            self.trends.show_analyte(item.data(Qt.ItemDataRole.UserRole) or item.text())

    def has_content(self) -> bool:
        """Whether the open document shows anything: text, lab rows, narrative or a PDF
        (the self-test's check, whatever kind of content the first document has)."""
        return bool(self.text.toPlainText().strip() or self.labs.rowCount()
                    or self.narrative.toPlainText().strip() or not self.pdf.isHidden())

    def wipe(self) -> None:
        self._doc_id = ""
        if isinstance(self.title, type(self.meta)):
            self.title.setText("")
        self.whose.setText("")
        self.meta.setText("")
        self.summary.setText("")
        self.text.clear()
        self.text.document().clearUndoRedoStacks()
        self.labs.setRowCount(0)
        self.trends.clear()
        self.narrative.clear()
        self.pdf.clear()
        self._show_parts()
