"""The EMR view (R-ACT-1..3, R-SHOW-4..6): masked header, one list per document kind,
newest first, fetched page by page in a worker as the patient scrolls.

Lists are a ``QAbstractListModel`` with ``canFetchMore``/``fetchMore``: an EMR with
thousands of lab results opens as fast as one with three, and the GUI thread never
waits for the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QFontMetrics, QKeyEvent, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QButtonGroup,
    QListView,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.domain.documents import KIND_ORDER, DocKind
from kiosk.ui.context import UiContext
from kiosk.ui.dragscroll import drag_to_scroll
from kiosk.ui.list_rows import ListRows
from kiosk.ui.texts import age_label, kind_title, moscow, relation_label, sex_label
from kiosk.ui.widgets import AdaptiveGrid, button, header, init_screen, label

if TYPE_CHECKING:
    from PySide6.QtGui import QResizeEvent

    from kiosk.services.session import Session
    from kiosk.services.views import DocumentPage, DocumentRow, EmrCard

PAGE = 50
#: The largest page the list asks for (the service's own cap). Pages grow from ``PAGE``
#: by doubling what is loaded: each page inserted makes ``QListView`` lay out every row
#: it holds again, asking the model about each one from C++ (``index`` → ``rowCount``,
#: ~2.5 µs a row through PySide), so pages of 50 cost a 50k-document EMR paged to its
#: end ~10^7 such calls, 14 s (issue 18, ``scroll_ms``). Doubling keeps the layouts'
#: total at a few times the rows.
MAX_PAGE = 5000
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex


class DocumentListModel(QAbstractListModel):
    """One kind's documents of one EMR, loaded a page at a time by a worker.

    Signals:
        loaded(int): rows now loaded (after each page).
        checked_changed(int): how many rows are chosen for printing.
        failed(object): a page could not be read (the error).
    """

    loaded = Signal(int)
    checked_changed = Signal(int)
    failed = Signal(object)

    def __init__(self, ctx: UiContext, session: Session, emr_id: str, kind: DocKind,
                 page_size: int = PAGE, max_page: int = MAX_PAGE) -> None:
        super().__init__()
        self._ctx = ctx
        self._session: Session | None = session
        self.emr_id = emr_id
        self.kind = kind
        self._page = page_size
        self._max_page = max(page_size, max_page)
        self._asked = page_size  # the size of the page in flight (or of the seed)
        self._after: DocumentRow | None = None  # the row the page in flight follows
        self._rows = ListRows(kind)
        self._checked: set[str] = set()
        self.total: int | None = None
        self._loading = False
        self._done = False

    # ------------------------------------------------------------------ model

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        i = index.row()
        if role == ROW_ROLE:
            return self._rows[i]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            row = self._rows[i]
            when = moscow(row.created_at, not row.date_only)  # no invented 00:00
            return f"{when} · {row.title} · {row.organization} · {row.performer}"
        if role == Qt.ItemDataRole.CheckStateRole:
            return (Qt.CheckState.Checked if self._rows.doc_id(i) in self._checked
                    else Qt.CheckState.Unchecked)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsUserCheckable if index.isValid() else base

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._done and not self._loading \
            and self._session is not None

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        session = self._session
        if session is None or not self.canFetchMore(parent):
            return
        self._loading = True
        # Keyset paging: the next page is what follows the last row shown, so a page
        # costs the same at row 40,000 as at row 50, and documents a sync adds between
        # two pages shift nothing (no row twice, none skipped).
        self._after = self._rows[-1] if self._rows else None
        self._asked = min(self._max_page, max(self._page, len(self._rows)))
        self._ctx.call(self._ctx.svc.records.documents, session, self.emr_id, self.kind,
                       self._after, self._asked, on_done=self._got, on_error=self._failed)

    # ------------------------------------------------------------------ pages

    def seed(self, page: DocumentPage) -> None:
        """Start with a first page fetched elsewhere (with the card, in one worker task),
        so that the first screenful needs no round trip of its own."""
        if page.after is None and not self._rows and not self._loading and not self._done:
            self._got(page)

    def _got(self, p: DocumentPage) -> None:
        self._loading = False
        if self._session is None:
            return
        if p.after is not self._after:
            return  # not the page that follows what is shown (a stale answer): ask again
        if p.after is None and p.total >= 0:
            self.total = p.total
        if p.rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(p.rows) - 1)
            self._rows.extend(p.rows)
            self.endInsertRows()
        if len(p.rows) < self._asked or (self.total is not None and len(self._rows) >= self.total):
            self._done = True
        self.loaded.emit(len(self._rows))

    def _failed(self, err: object) -> None:
        self._loading = False
        self._done = True  # no retry loop; the window decides what to do
        self.failed.emit(err)

    # ------------------------------------------------------------------ choice

    def row(self, i: int) -> DocumentRow:
        return self._rows[i]

    def toggle(self, i: int) -> None:
        doc_id = self._rows.doc_id(i)
        self._checked ^= {doc_id}
        idx = self.index(i)
        self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.CheckStateRole])
        self.checked_changed.emit(len(self._checked))

    def checked_ids(self) -> list[str]:
        checked = self._checked
        return [d for d in self._rows.doc_ids() if d in checked] if checked else []

    def clear_checks(self) -> None:
        self._checked.clear()
        if self._rows:
            self.dataChanged.emit(self.index(0), self.index(len(self._rows) - 1))
        self.checked_changed.emit(0)

    def wipe(self) -> None:
        """Sign-out: forget every row and the session."""
        self.beginResetModel()
        self._rows.clear()
        self._after = None
        self._checked.clear()
        self._session = None
        self._done = True
        self.endResetModel()


CHECK_AREA = 84


class DocumentDelegate(QStyledItemDelegate):
    """Per document: date and title (up to two lines, wrapped), organisation and performer
    (one line), and a big check box. Rows are of one height (``setUniformItemSizes``:
    thousands of rows stay cheap), so the title gets two lines at every text size; a
    text that still does not fit is elided and counted in ``elided`` (issue 16: the
    layout test asserts it stays 0 on its data).

    Signals: none.
    """

    TITLE_LINES = 2

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.elided = 0

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        fm = QFontMetrics(option.font)
        # No width of its own: a list row is as wide as the list (the rect's width was
        # the last layout's and could make the list scroll sideways after a resize).
        return QSize(0,
                     max(96, fm.lineSpacing() * (self.TITLE_LINES + 1) + 40))

    def _draw(self, painter: QPainter, rect: QRect, text: str, lines: int) -> None:
        """``text`` wrapped into ``rect`` (``lines`` lines high); elided if longer."""
        fm = painter.fontMetrics()
        wrap = int(Qt.AlignmentFlag.AlignLeft.value | Qt.TextFlag.TextWordWrap.value)
        need = fm.boundingRect(QRect(0, 0, rect.width(), 100000), wrap, text)
        if need.height() // max(1, fm.lineSpacing()) > lines or need.width() > rect.width():
            self.elided += 1
            text = fm.elidedText(text, Qt.TextElideMode.ElideRight, rect.width() * lines)
        painter.drawText(rect, wrap, text)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        row = index.data(ROW_ROLE)
        if row is None:
            return
        painter.save()
        pal = option.palette
        rect = option.rect
        selected = bool(option.state & QStyle.StateFlag.State_HasFocus)
        painter.fillRect(rect, pal.alternateBase() if index.row() % 2 else pal.base())
        text_pen = QPen(pal.text().color())
        painter.setPen(QPen(pal.mid().color(), 1))
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())
        box = QRect(rect.left() + 18, rect.center().y() - 22, 44, 44)
        painter.setPen(QPen(pal.text().color(), 3))
        painter.drawRoundedRect(box, 6, 6)
        if index.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked:
            painter.fillRect(box.adjusted(8, 8, -8, -8), pal.highlight())
        if selected:
            painter.setPen(QPen(pal.highlight().color(), 4))
            painter.drawRect(rect.adjusted(2, 2, -2, -2))
        font = option.font
        fm = QFontMetrics(font)
        left = rect.left() + CHECK_AREA
        width = rect.width() - CHECK_AREA - 16
        bold = option.font
        bold.setBold(True)
        line1 = QRect(left, rect.top() + 14, width,
                      QFontMetrics(bold).lineSpacing() * self.TITLE_LINES)
        line2 = QRect(left, line1.bottom() + 8, width, fm.lineSpacing())
        painter.setFont(bold)
        painter.setPen(text_pen)
        self._draw(painter, line1, f"{moscow(row.created_at, not row.date_only)}   {row.title}",
                   self.TITLE_LINES)
        font.setBold(False)
        painter.setFont(font)
        self._draw(painter, line2, f"{row.organization} · {row.performer}", 1)
        painter.restore()


class DocumentList(QListView):
    """A touch list: the left strip ticks a document for printing, the rest opens it.

    Signals:
        open_row(int): open this row's document.
    """

    open_row = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setItemDelegate(DocumentDelegate(self))
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setAlternatingRowColors(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        drag_to_scroll(self)

    def model_(self) -> DocumentListModel | None:
        model = self.model()
        return model if isinstance(model, DocumentListModel) else None

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        index = self.indexAt(event.position().toPoint())
        model = self.model_()
        if index.isValid() and model is not None and event.button() == Qt.MouseButton.LeftButton:
            self.setCurrentIndex(index)
            if event.position().x() < CHECK_AREA:
                model.toggle(index.row())
            else:
                self.open_row.emit(index.row())
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        index = self.currentIndex()
        model = self.model_()
        if index.isValid() and model is not None:
            if event.key() == Qt.Key.Key_Space:
                model.toggle(index.row())
                return
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.open_row.emit(index.row())
                return
        super().keyPressEvent(event)


class EmrScreen(QWidget):
    """Signals:
        open_document(str): a document id to open.
        print_documents(list): ids chosen for printing, in list order.
        switch_emr(): back to the picker (R-ACT-1).
        sign_out(): «Выйти».
        booking(): «Запись к врачу».
        support(): «Поддержка».
    """

    open_document = Signal(str)
    print_documents = Signal(list)
    switch_emr = Signal()
    sign_out = Signal()
    booking = Signal()
    support = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.models: dict[DocKind, DocumentListModel] = {}
        self.lists: dict[DocKind, DocumentList] = {}
        layout = init_screen(self, "emr")
        self.switch = button(self.tr("Сменить карту"), name="switchEmr")
        self.switch.clicked.connect(self.switch_emr)
        self.exit = button(self.tr("Выйти"), name="signOut")
        self.exit.clicked.connect(self.sign_out)
        top = header("", self.switch, self.exit)
        layout.addLayout(top)
        self.title = self.findChild(QWidget, "screenTitle")
        self.details = label("", name="emrDetails")
        layout.addWidget(self.details)
        self.stale = label("", "notice", name="dataAsOf")
        self.stale.hide()
        layout.addWidget(self.stale)
        kinds = AdaptiveGrid(2)
        self.kind_buttons = QButtonGroup(self)
        self.kind_buttons.setExclusive(True)
        self.pages = QStackedWidget()
        for i, kind in enumerate(KIND_ORDER):
            b = button(kind_title(kind), name=f"kind_{kind.value}")
            b.setCheckable(True)
            self.kind_buttons.addButton(b, i)
            kinds.add(b)
            view = DocumentList()
            view.setObjectName(f"list_{kind.value}")
            view.open_row.connect(lambda r, kind=kind: self._open(kind, r))
            self.lists[kind] = view
            self.pages.addWidget(view)
        self.kind_buttons.idClicked.connect(self.show_kind)
        self.kinds = kinds
        # The kinds above the list, or beside it on a short landscape screen (1280×720:
        # above it they left room for one row, issue 16); see resizeEvent.
        self._middle = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self._middle.setSpacing(18)
        self._side = QVBoxLayout()
        self._side.setSpacing(18)
        self._side.addWidget(kinds)
        self._side.addStretch(1)
        self._middle.addLayout(self._side)
        column = QVBoxLayout()
        column.setSpacing(18)
        self.empty = label("", "muted", name="emptyList")
        column.addWidget(self.empty)
        column.addWidget(self.pages, 1)
        self._middle.addLayout(column, 1)
        layout.addLayout(self._middle, 1)
        self._layout = layout
        self._sidebar = False
        bottom = AdaptiveGrid(4, 14)
        self.print_button = button(self.tr("Печать выбранных"), "primary", "printChosen")
        self.print_button.setEnabled(False)
        self.print_button.clicked.connect(self._print)
        self.book = button(self.tr("Запись к врачу"), name="booking")
        self.book.clicked.connect(self.booking)
        self.help = button(self.tr("Поддержка"), name="support")
        self.help.clicked.connect(self.support)
        bottom.add(self.print_button, 2)
        bottom.add(self.book)
        bottom.add(self.help)
        layout.addWidget(bottom)
        self.hint = label(self.tr(
            "Нажмите на документ, чтобы открыть его. Квадрат слева — выбрать для печати."),
            "muted", name="emrHint")
        layout.addWidget(self.hint)

    # ------------------------------------------------------------------ layout

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        size = event.size()
        one_column = max(b.sizeHint().width() for b in self.kind_buttons.buttons())
        self._set_sidebar(size.width() >= size.height() * 1.3 and size.height() < 900
                          and one_column <= size.width() * 0.4)

    def _set_sidebar(self, on: bool) -> None:
        """Kinds and the hint in a column left of the list (short landscape screens), or
        the kinds above the list and the hint at the bottom."""
        if on == self._sidebar:
            return
        self._sidebar = on
        self._side.removeWidget(self.hint)
        self._layout.removeWidget(self.hint)
        if on:
            self._side.insertWidget(1, self.hint)
        else:
            self._layout.addWidget(self.hint)
        self.kinds.set_most(1 if on else 2)
        self._middle.setDirection(QBoxLayout.Direction.LeftToRight if on
                                  else QBoxLayout.Direction.TopToBottom)

    # ------------------------------------------------------------------ loading

    def show_card(self, card: EmrCard) -> None:
        """Header and «Данные на …» from the card (R-SHOW-1..3, R-SHOW-6)."""
        if isinstance(self.title, type(self.details)):
            self.title.setText(card.masked_name)
        self.details.setText(" · ".join((age_label(card.age),
                                         self.tr("Пол: %1").replace("%1", sex_label(card.sex)),
                                         relation_label(card.relation))))
        if card.stale or not card.in_cache:
            if card.data_as_of is not None:
                text = self.tr("Данные на %1. Сервис медицинских карт сейчас недоступен, "
                               "показаны сохранённые данные.").replace(
                                   "%1", moscow(card.data_as_of))
            else:
                text = self.tr("Данные карты ещё не загружены. Попробуйте позже.")
            self.stale.setText(text)
            self.stale.show()
        else:
            self.stale.setText("")
            self.stale.hide()

    def load(self, session: Session, card: EmrCard,
             first_page: DocumentPage | None = None) -> None:
        """Start over for ``card``: fresh models, first kind shown.

        ``first_page`` (the first kind's first page, read with the card) fills the shown
        list at once; otherwise its first page is asked for before anything else. The
        per-kind counts come after, so they never hold up the first screenful.
        """
        self.wipe_models()
        self.show_card(card)
        for kind in KIND_ORDER:
            model = DocumentListModel(self._ctx, session, card.emr_id, kind)
            model.setParent(self)
            model.loaded.connect(lambda _n, kind=kind: self._update_kind(kind))
            model.checked_changed.connect(self._update_print)
            model.failed.connect(self._ctx.error)
            self.models[kind] = model
            self.lists[kind].setModel(model)
        if (first_page is not None and first_page.emr_id == card.emr_id
                and first_page.kind in self.models):
            self.models[first_page.kind].seed(first_page)
        for kind in KIND_ORDER:
            self._update_kind(kind)
        self._update_print()
        first = self.kind_buttons.button(0)
        first.setChecked(True)
        self.show_kind(0)  # the first page request (when not seeded) goes out first
        self._ctx.call(self._ctx.svc.records.counts, session, card.emr_id,
                       on_done=self._counts)

    def _counts(self, counts: object) -> None:
        assert isinstance(counts, dict)
        for kind, model in self.models.items():
            if model.total is None:
                model.total = int(counts.get(kind, 0))
            self._update_kind(kind)
        # Open on the first kind that has documents: less tapping for the patient.
        current = KIND_ORDER[self.pages.currentIndex()]
        if not counts.get(current):
            for i, kind in enumerate(KIND_ORDER):
                if counts.get(kind):
                    self.kind_buttons.button(i).setChecked(True)
                    self.show_kind(i)
                    break

    def show_kind(self, i: int) -> None:
        kind = KIND_ORDER[i]
        self.pages.setCurrentIndex(i)
        model = self.models.get(kind)
        if model is not None and model.rowCount() == 0 and model.canFetchMore():
            model.fetchMore()
        self._update_kind(kind)

    def _update_kind(self, kind: DocKind) -> None:
        model = self.models.get(kind)
        b = self.kind_buttons.button(KIND_ORDER.index(kind))
        title = kind_title(kind)
        if model is not None and model.total is not None:
            title = f"{title} ({model.total})"
        b.setText(title)
        b.setAccessibleName(title)
        if KIND_ORDER[self.pages.currentIndex()] is kind and model is not None:
            empty = model.total == 0 or (model.rowCount() == 0 and not model.canFetchMore()
                                         and not model._loading)
            self.empty.setText(self.tr("В этом разделе документов нет.") if empty else "")
            self.empty.setVisible(empty)

    def _update_print(self, _n: int = 0) -> None:
        n = sum(len(m.checked_ids()) for m in self.models.values())
        self.print_button.setEnabled(n > 0)
        self.print_button.setText(self.tr("Печать выбранных (%1)").replace("%1", str(n)))

    def chosen_ids(self) -> list[str]:
        return [d for kind in KIND_ORDER if kind in self.models
                for d in self.models[kind].checked_ids()]

    def _print(self) -> None:
        ids = self.chosen_ids()
        if ids:
            self.print_documents.emit(ids)

    def _open(self, kind: DocKind, row: int) -> None:
        self.open_document.emit(self.models[kind].row(row).doc_id)

    def clear_checks(self) -> None:
        for model in self.models.values():
            model.clear_checks()

    def wipe_models(self) -> None:
        for kind, model in self.models.items():
            self.lists[kind].setModel(None)
            model.wipe()
            model.deleteLater()
        self.models = {}
        if isinstance(self.title, type(self.details)):
            self.title.setText("")
        self.details.setText("")
        self.stale.setText("")
