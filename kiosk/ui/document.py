"""One document's full text (R-SHOW-5): plain text only, large, scrollable by touch.

``QPlainTextEdit`` never interprets markup, so ``<b>`` or ``<script>`` in a document
shows as the characters it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit, QScroller, QWidget

from kiosk.ui.texts import kind_name, moscow
from kiosk.ui.widgets import button, header, init_screen, label

if TYPE_CHECKING:
    from kiosk.services.views import DocumentView


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
        self.meta = label("", "muted", name="docMeta")
        layout.addWidget(self.meta)
        self.text = QPlainTextEdit()
        self.text.setObjectName("docText")
        self.text.setReadOnly(True)
        self.text.setAccessibleName(self.tr("Текст документа"))
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        QScroller.grabGesture(self.text.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        layout.addWidget(self.text, 1)
        bottom = QHBoxLayout()
        bottom.setSpacing(14)
        self.print_button = button(self.tr("Печать"), "primary", "printDocument")
        self.print_button.clicked.connect(lambda: self.print_document.emit(self._doc_id))
        bottom.addWidget(self.print_button, 1)
        layout.addLayout(bottom)

    def show_document(self, doc: DocumentView) -> None:
        self._doc_id = doc.doc_id
        if isinstance(self.title, type(self.meta)):
            self.title.setText(doc.title)
        self.meta.setText(f"{kind_name(doc.kind)} · {moscow(doc.created_at)}\n"
                          f"{doc.organization} · {doc.performer}")
        self.text.setPlainText(doc.text)
        self.text.verticalScrollBar().setValue(0)

    def wipe(self) -> None:
        self._doc_id = ""
        if isinstance(self.title, type(self.meta)):
            self.title.setText("")
        self.meta.setText("")
        self.text.clear()
        self.text.document().clearUndoRedoStacks()
