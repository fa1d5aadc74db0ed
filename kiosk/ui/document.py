"""One document (R-SHOW-5), as the source sent it: a plain text note, a lab table, a
narrative report from the sanitised subset, or the pages of a PDF. Above it always the
record it belongs to (masked name and age, R-SHOW-1/2), so a parent with two children
knows whose result this is.

Plain text goes to ``QPlainTextEdit``, which never interprets markup: ``<b>`` or
``<script>`` in a note shows as the characters it is. Rich content has its own inert
views (:mod:`kiosk.ui.content`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit, QScroller, QWidget

from kiosk.ui.content import LabTable, NarrativeView, PdfView
from kiosk.ui.texts import age_label, kind_name, moscow
from kiosk.ui.widgets import button, header, init_screen, label

if TYPE_CHECKING:
    from kiosk.services.views import DocumentView, EmrCard


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

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
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
        QScroller.grabGesture(self.text.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        layout.addWidget(self.text, 1)
        self.labs = LabTable()
        layout.addWidget(self.labs, 1)
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
        self.narrative.setVisible(narrative)
        self.pdf.setVisible(pdf)
        self.summary.setVisible(summary)

    def show_document(self, doc: DocumentView, card: EmrCard | None = None) -> None:
        self._doc_id = doc.doc_id
        if isinstance(self.title, type(self.meta)):
            self.title.setText(doc.title)
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
            if doc.pdf is not None:
                self.pdf.show_pdf(doc.pdf)
        elif doc.narrative:
            self._show_parts(narrative=True)
            self.narrative.show_narrative(doc.narrative)
        else:
            self._show_parts(text=True)
            self.text.setPlainText(doc.text)
            self.text.verticalScrollBar().setValue(0)

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
        self.narrative.clear()
        self.pdf.clear()
        self._show_parts()
