"""The trend picture of a lab value (issue 17 item 1, R-SHOW-5): its values over time
with the reference band, drawn with QPainter for the screen and for print.

One function, :func:`paint_trend`, draws on any paint device, so the screen's
:class:`TrendChart` and the print-out's picture (:class:`TrendTextObject`, vector in
the PDF) are the same picture.
The series and the words come from :mod:`kiosk.services.trends` (Qt-free).

Read without colour: a value outside the band is a triangle pointing up or down (a
diamond for «вне нормы») with «↑»/«↓» before its number in bold, not only a red dot; the
band is a tinted strip between two dashed lines labelled with its bounds. Points stand
at equal steps, oldest on the left, each with its date under it: a patient reads "then,
then, now", and the exact spacing in time is in the dates. The open result's point has
a ring around it. Fonts follow the screen's text size; in high contrast the picture is
white on black like the rest of the screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QObject,
    QPointF,
    QRectF,
    QSize,
    QSizeF,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPolygonF,
    QPyTextObject,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from kiosk.domain.documents import Flag
from kiosk.domain.moscow import to_moscow
from kiosk.services.trends import FLAG_MARKS, Trend, band_ru, describe_ru
from kiosk.ui.style import CONTRAST, NORMAL
from kiosk.ui.widgets import button, label

if TYPE_CHECKING:
    from decimal import Decimal

    from PySide6.QtGui import QPaintEvent, QResizeEvent


def tr_trend(text: str) -> str:
    """The translation of one of the trend's Russian templates (see :func:`_for_lupdate`)."""
    return QCoreApplication.translate("LabTrend", text)


def _for_lupdate() -> None:  # pragma: no cover - never called; lupdate reads the literals
    """Every template :mod:`kiosk.services.trends` passes through ``tr``."""
    QCoreApplication.translate("LabTrend", "за %1 год")
    QCoreApplication.translate("LabTrend", "с %1 по %2")
    QCoreApplication.translate("LabTrend", "значение")
    QCoreApplication.translate("LabTrend", "значения")
    QCoreApplication.translate("LabTrend", "значений")
    QCoreApplication.translate("LabTrend", "%1: %2 %3, последнее %4")
    QCoreApplication.translate("LabTrend", "в норме")
    QCoreApplication.translate("LabTrend", "выше нормы")
    QCoreApplication.translate("LabTrend", "ниже нормы")
    QCoreApplication.translate("LabTrend", "вне нормы")
    QCoreApplication.translate("LabTrend", "норма %1–%2")
    QCoreApplication.translate("LabTrend", "норма от %1")
    QCoreApplication.translate("LabTrend", "норма до %1")
    QCoreApplication.translate("LabTrend", "норма не указана")


def describe(trend: Trend) -> str:
    """The sentence in the screen's language (the accessible description and caption)."""
    return describe_ru(trend, tr_trend)


def legend(trend: Trend) -> str:
    return band_ru(trend, tr_trend)


def keep_units(text: str, unit: str) -> str:
    """``text`` with its number and unit kept on one line: «118 г/л» never wraps as
    «118 г/» over «л» (a no-break space before the unit, word joiners around «/»)."""
    if not unit:
        return text
    whole = unit.replace("/", "\u2060/\u2060")
    return text.replace(f" {unit}", f"\u00a0{whole}")


# ---------------------------------------------------------------------------- drawing


@dataclass(frozen=True, slots=True)
class TrendColors:
    background: str
    text: str
    axis: str
    band: str
    line: str
    alert: str


# On the screen's normal scheme: the band a pale green the text reads on (>13:1).
SCREEN = TrendColors(background=NORMAL.panel, text=NORMAL.text, axis=NORMAL.muted,
                     band="#DDF0E1", line=NORMAL.primary, alert=NORMAL.error)
# High contrast: white on black, the band a dark grey (white text on it 15:1).
HIGH_CONTRAST = TrendColors(background=CONTRAST.panel, text=CONTRAST.text,
                            axis=CONTRAST.text, band="#333333", line=CONTRAST.primary,
                            alert=CONTRAST.error)
# Paper: black on white, a light grey band, so a black-and-white printer loses nothing.
PRINT = TrendColors(background="#FFFFFF", text="#000000", axis="#333333", band="#E4E4E4",
                    line="#000000", alert="#000000")


@dataclass(slots=True)
class TrendGeometry:
    """Where the last paint put things (tests check the picture against it)."""

    points: list[QPointF] = field(default_factory=list)
    band: QRectF | None = None
    labels: list[str] = field(default_factory=list)


def _short_date(trend: Trend, i: int) -> str:
    return to_moscow(trend.points[i].at).strftime("%d.%m.%Y")


def paint_trend(painter: QPainter, rect: QRectF, trend: Trend, colors: TrendColors,
                font: QFont) -> TrendGeometry:
    """Draw ``trend`` into ``rect``; returns where its points and band went."""
    geo = TrendGeometry()
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.fillRect(rect, QColor(colors.background))
    frame = _Frame.of(painter, rect, trend, font)
    if frame is None:
        painter.restore()
        return geo
    if trend.low is not None or trend.high is not None:
        geo.band = _draw_band(painter, frame, trend, colors, font)
    # The axis: a baseline under the points.
    plot, line_h = frame.plot, frame.line_h
    painter.setPen(QPen(QColor(colors.axis), max(1.0, line_h / 14)))
    painter.drawLine(plot.bottomLeft(), plot.bottomRight())
    n = len(trend.points)
    step = plot.width() / n
    geo.points = [QPointF(plot.left() + step * (i + 0.5), frame.y_of(float(p.value)))
                  for i, p in enumerate(trend.points)]
    # The course: a line through the points.
    painter.setPen(QPen(QColor(colors.line), max(2.0, line_h / 8)))
    path = QPainterPath(geo.points[0])
    for pt in geo.points[1:]:
        path.lineTo(pt)
    painter.drawPath(path)
    _draw_points(painter, frame, trend, colors, font, geo)
    painter.restore()
    return geo


@dataclass(slots=True)
class _Frame:
    """Where a trend's parts go: the plot, the value scale, text and marker sizes."""

    rect: QRectF
    plot: QRectF
    inner: QRectF
    left: float
    lo: float
    hi: float
    line_h: float
    r: float
    fm: QFontMetricsF

    @classmethod
    def of(cls, painter: QPainter, rect: QRectF, trend: Trend, font: QFont) -> _Frame | None:
        """The frame of ``trend`` in ``rect``, ``None`` when there is no room to draw."""
        fm = QFontMetricsF(font, painter.device())
        line_h = fm.height()
        values: list[Decimal] = [p.value for p in trend.points]
        bounds = [b for b in (trend.low, trend.high) if b is not None]
        lo, hi = float(min(values + bounds)), float(max(values + bounds))
        if hi == lo:
            lo, hi = lo - 1, hi + 1
        axis_labels = [str(b) for b in bounds] or [trend.points[0].written,
                                                   trend.latest.written]
        left = rect.left() + max(fm.horizontalAdvance(t) for t in axis_labels) + line_h * 0.6
        plot = QRectF(left, rect.top() + line_h * 0.2, rect.right() - left - line_h * 0.6,
                      rect.height() - line_h * 1.6)
        r = max(4.0, line_h * 0.28)
        # Values map onto the plot less a label's height above and below, so the label
        # of the highest and of the lowest point stays inside the picture.
        room = line_h + r * 2.4
        inner = plot.adjusted(0, room, 0, -room)
        if plot.width() <= 10 or inner.height() <= 4:
            return None
        return cls(rect, plot, inner, left, lo, hi, line_h, r, fm)

    def y_of(self, v: float) -> float:
        return self.inner.bottom() - (v - self.lo) / (self.hi - self.lo) * self.inner.height()


def _draw_band(painter: QPainter, frame: _Frame, trend: Trend, colors: TrendColors,
               font: QFont) -> QRectF:
    """The reference band, its bounds dashed and labelled on the left."""
    plot, line_h, rect = frame.plot, frame.line_h, frame.rect
    top = frame.y_of(float(trend.high)) if trend.high is not None else plot.top()
    bottom = frame.y_of(float(trend.low)) if trend.low is not None else plot.bottom()
    band = QRectF(plot.left(), top, plot.width(), bottom - top)
    painter.fillRect(band, QColor(colors.band))
    pen = QPen(QColor(colors.axis), max(1.0, line_h / 14), Qt.PenStyle.DashLine)
    painter.setFont(font)
    for bound in (trend.low, trend.high):
        if bound is None:
            continue
        y = frame.y_of(float(bound))
        painter.setPen(pen)
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        painter.setPen(QColor(colors.text))
        painter.drawText(QRectF(rect.left(), y - line_h / 2, frame.left - rect.left()
                                - line_h * 0.3, line_h),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                         str(bound))
    return band


def _marker(flag: Flag, pt: QPointF, r: float) -> QPolygonF | None:
    """A flagged point's shape (▲ high, ▼ low, ◆ abnormal), so it reads without colour;
    ``None`` for a normal one (a dot)."""
    x, y = pt.x(), pt.y()
    if flag is Flag.HIGH:
        return QPolygonF([QPointF(x, y - r * 1.3), QPointF(x - r * 1.2, y + r * 0.9),
                          QPointF(x + r * 1.2, y + r * 0.9)])
    if flag is Flag.LOW:
        return QPolygonF([QPointF(x, y + r * 1.3), QPointF(x - r * 1.2, y - r * 0.9),
                          QPointF(x + r * 1.2, y - r * 0.9)])
    if flag is Flag.ABNORMAL:
        return QPolygonF([QPointF(x, y - r * 1.3), QPointF(x + r * 1.3, y),
                          QPointF(x, y + r * 1.3), QPointF(x - r * 1.3, y)])
    return None


def _draw_points(painter: QPainter, frame: _Frame, trend: Trend, colors: TrendColors,
                 font: QFont, geo: TrendGeometry) -> None:
    """Each point's marker, the open result's ring, and the labels that fit: every
    value if the step is wide enough, else the newest, the open result's and the
    flagged ones (dates: every one that does not collide)."""
    fm, line_h, r, plot = frame.fm, frame.line_h, frame.r, frame.plot
    bold = QFont(font)
    bold.setBold(True)
    n = len(trend.points)
    step = plot.width() / n
    value_width = max(fm.horizontalAdvance(f"↑ {p.written}") for p in trend.points)
    all_values = value_width + line_h * 0.4 <= step
    date_width = fm.horizontalAdvance("00.00.0000") + line_h * 0.4
    date_every = max(1, int(-(-date_width // step)))
    for i, (p, pt) in enumerate(zip(trend.points, geo.points, strict=True)):
        flagged = p.flag is not Flag.NORMAL
        painter.setPen(QPen(QColor(colors.text), max(1.0, line_h / 16)))
        painter.setBrush(QBrush(QColor(colors.alert if flagged else colors.line)))
        shape = _marker(p.flag, pt, r)
        if shape is not None:
            painter.drawPolygon(shape)
        else:
            painter.drawEllipse(pt, r, r)
        current = p.doc_id == trend.doc_id
        if current:  # the result on screen: a ring around its point
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(QColor(colors.text), max(1.5, line_h / 10)))
            painter.drawEllipse(pt, r * 2.0, r * 2.0)
        if all_values or flagged or current or i == n - 1:
            text = (f"{FLAG_MARKS[p.flag]} " if flagged else "") + p.written
            painter.setFont(bold if flagged or i == n - 1 else font)
            painter.setPen(QColor(colors.text))
            _draw_value(painter, frame, p.flag, pt, step, text, newest=i == n - 1)
            geo.labels.append(text)
        if (n - 1 - i) % date_every == 0:  # the newest date always
            painter.setFont(font)
            painter.setPen(QColor(colors.text))
            # Under its point, but inside the picture: the newest date centred on the
            # last point ran past the right edge at 200 % text on 720×1280 (issue 16).
            left = min(max(pt.x() - date_width / 2, frame.rect.left()),
                       frame.rect.right() - date_width)
            painter.drawText(QRectF(left, plot.bottom() + line_h * 0.2, date_width, line_h),
                             Qt.AlignmentFlag.AlignCenter, _short_date(trend, i))


def _draw_value(painter: QPainter, frame: _Frame, flag: Flag, pt: QPointF, step: float,
                text: str, newest: bool) -> None:
    """A point's value above it, but under a low one (the line comes down to it from
    above); wherever it would leave the picture, on the other side."""
    line_h, r, plot = frame.line_h, frame.r, frame.plot
    below_fits = pt.y() + r * 2.2 + line_h <= plot.bottom()
    above_fits = pt.y() - r * 2.2 - line_h >= plot.top()
    below = (flag is Flag.LOW and below_fits) or not above_fits
    y = pt.y() + r * 2.2 if below else pt.y() - r * 2.2 - line_h
    box = QRectF(pt.x() - step / 2 - line_h * 2, y, step + line_h * 4, line_h)
    if newest:  # the newest keeps inside the picture's right edge
        box.moveRight(min(box.right(), frame.rect.right()))
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


# The text object type of a trend picture in a print layout (Qt's user range).
TREND_OBJECT = int(QTextFormat.ObjectTypes.UserObject) + 17
_TREND_INDEX = TREND_OBJECT + 1  # the char format property that says which trend


class TrendTextObject(QPyTextObject):
    """Draws a trend where the print HTML has its placeholder image: vector lines and
    real text in the PDF (sharp at any resolution, a few KB, and its numbers are text a
    screen reader or ``pdftotext`` finds), the same :func:`paint_trend` as the screen.

    Its analyte and unit are drawn above it, in bold, as part of the same object: a
    heading of its own line was left at the foot of a page while its picture went to
    the next (seen on a two-page lab print-out); one object is one line, which a page
    break never splits."""

    def __init__(self, trends: tuple[Trend, ...], size: QSizeF, font_pt: float,
                 parent: QObject) -> None:
        super().__init__(parent)
        self._trends = trends
        self._size = size
        self._font_pt = font_pt

    def _font(self, title: bool = False) -> QFont:
        """The picture's font; its heading's is the print-out's own (2 pt larger, bold)."""
        font = QFont("DejaVu Sans")
        font.setPointSizeF(self._font_pt + 2 if title else self._font_pt)
        font.setBold(title)
        return font

    def _title_height(self, doc: QTextDocument) -> float:
        device = doc.documentLayout().paintDevice()
        metrics = (QFontMetricsF(self._font(True), device) if device is not None
                   else QFontMetricsF(self._font(True)))
        return metrics.lineSpacing() * 1.4

    def intrinsicSize(self, doc: QTextDocument, pos: int, fmt: QTextFormat) -> QSizeF:
        return QSizeF(self._size.width(), self._size.height() + self._title_height(doc))

    def drawObject(self, painter: QPainter, rect: QRectF, doc: QTextDocument, pos: int,
                   fmt: QTextFormat) -> None:
        i = fmt.property(_TREND_INDEX)
        if isinstance(i, int) and 0 <= i < len(self._trends):
            trend = self._trends[i]
            title_h = self._title_height(doc)
            painter.save()
            painter.setFont(self._font(True))
            painter.setPen(QColor(PRINT.text))
            painter.drawText(QRectF(rect.left(), rect.top(), rect.width(), title_h),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                             trend_title(trend))
            painter.restore()
            paint_trend(painter, rect.adjusted(0, title_h, 0, 0), trend, PRINT, self._font())


def trend_title(trend: Trend) -> str:
    """«Гемоглобин, г/л»: a printed trend's heading."""
    return f"{trend.analyte}, {trend.unit}" if trend.unit else trend.analyte


def embed_trends(doc: QTextDocument, trends: tuple[Trend, ...], width_px: float,
                 font_pt: float = 9.0) -> int:
    """Replace the placeholder images ``kiosk-trend:<i>`` of a laid-out print document
    with trend pictures ``width_px`` device pixels wide; returns how many it placed."""
    from kiosk.services.printing import TREND_IMAGE

    prefix = TREND_IMAGE.format("")
    handler = TrendTextObject(trends, QSizeF(width_px, width_px * 0.4), font_pt, doc)
    doc.documentLayout().registerHandler(TREND_OBJECT, handler)
    found: list[tuple[int, int]] = []
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            fmt = fragment.charFormat()
            name = fmt.toImageFormat().name() if fmt.isImageFormat() else ""
            if name.startswith(prefix) and name[len(prefix):].isdigit():
                found.append((fragment.position(), int(name[len(prefix):])))
            it += 1
        block = block.next()
    cursor = QTextCursor(doc)
    for position, i in found:
        cursor.setPosition(position)
        cursor.setPosition(position + 1, QTextCursor.MoveMode.KeepAnchor)
        fmt = QTextCharFormat()
        fmt.setObjectType(TREND_OBJECT)
        fmt.setProperty(_TREND_INDEX, i)
        cursor.insertText("\ufffc", fmt)
    return len(found)


# ---------------------------------------------------------------------------- widgets


class TrendChart(QWidget):
    """One trend on screen. Its accessible name says which analyte, its description is
    the sentence («Гемоглобин: 3 значения …»), which the caption under it also shows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trendChart")
        self.trend: Trend | None = None
        self.geometry_drawn = TrendGeometry()
        # Grows with the room it is given (a taller picture in portrait), never below
        # nine lines of its text: labels, band and dates stay apart at 200 % text.
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def show_trend(self, trend: Trend | None) -> None:
        self.trend = trend
        name = "" if trend is None else QCoreApplication.translate(
            "LabTrend", "Динамика: %1").replace("%1", trend.analyte)
        self.setAccessibleName(name)
        self.setAccessibleDescription(describe(trend) if trend else "")
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        line = QFontMetricsF(self.font()).height()
        return QSize(600, int(line * 9))

    def minimumSizeHint(self) -> QSize:
        return QSize(300, self.sizeHint().height())

    def hasHeightForWidth(self) -> bool:
        return False

    def colors(self) -> TrendColors:
        # The style sheet sets the text colour on every widget (``* { color }``): light
        # text means the high-contrast scheme.
        light_text = self.palette().color(QPalette.ColorRole.WindowText).lightness() > 128
        return HIGH_CONTRAST if light_text else SCREEN

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.trend is None:
            return
        painter = QPainter(self)
        try:
            self.geometry_drawn = paint_trend(painter, QRectF(self.rect()), self.trend,
                                              self.colors(), self.font())
        finally:
            painter.end()


class TrendPanel(QWidget):
    """The trends of an open lab result, one at a time under its table: «‹»/«›» or a tap
    on a table row choose the analyte. Hidden when no analyte has two numeric values.

    Signals:
        shown(str): the analyte now shown (the table marks its row).
    """

    shown = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trendPanel")
        self.trends: list[Trend] = []
        self._i = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        # The title and «‹ 1 из 4 ›» side by side, or the buttons under the title where
        # its longest word and they do not fit (720×1280 at 200 %: «С-реактивный» beside
        # them made the document wider than the screen, issue 16). See _place_bar.
        bar = QGridLayout()
        bar.setSpacing(10)
        bar.setColumnStretch(0, 1)
        self._bar, self._below = bar, False
        self._nav = QWidget()
        nav = QHBoxLayout(self._nav)
        nav.setContentsMargins(0, 0, 0, 0)
        nav.setSpacing(10)
        self.title = label("", "subtitle", name="trendTitle")
        self.prev = button("‹", name="trendPrev", accessible=self.tr("Предыдущий показатель"))
        self.next = button("›", name="trendNext", accessible=self.tr("Следующий показатель"))
        self.position = label("", "muted", wrap=False, name="trendPosition")
        self.prev.clicked.connect(lambda: self.show_index(self._i - 1))
        self.next.clicked.connect(lambda: self.show_index(self._i + 1))
        bar.addWidget(self.title, 0, 0)
        for w in (self.prev, self.position, self.next):
            nav.addWidget(w)
        bar.addWidget(self._nav, 0, 1)
        layout.addLayout(bar)
        self.chart = TrendChart()
        layout.addWidget(self.chart, 1)
        self.caption = label("", name="trendCaption")
        layout.addWidget(self.caption)
        self.hint = label(self.tr("Другой показатель — кнопками «‹» «›» или нажатием на "
                                  "его строку в таблице."), "muted", name="trendHint")
        layout.addWidget(self.hint)
        self.hide()

    def _place_bar(self) -> None:
        from PySide6.QtGui import QFontMetrics

        fm = QFontMetrics(self.title.font())
        word = max((fm.horizontalAdvance(w) for w in self.title.text().split()), default=0)
        nav = self._nav.sizeHint().width() if self._nav.isVisibleTo(self) else 0
        below = word + 4 + self._bar.spacing() + nav > self.width()
        if below == self._below:
            return
        self._below = below
        self._bar.removeWidget(self._nav)
        self._bar.addWidget(self._nav, *((1, 0) if below else (0, 1)),
                            Qt.AlignmentFlag.AlignLeft if below else Qt.AlignmentFlag(0))

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._place_bar()
        super().resizeEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.LayoutRequest, QEvent.Type.FontChange,
                            QEvent.Type.StyleChange) and self.isVisible():
            self._place_bar()  # a new title or text size changes what fits
        return super().event(event)

    def show_trends(self, trends: list[Trend], first: str = "") -> None:
        """Show ``trends`` (the first flagged one, or ``first`` by name, or the first)."""
        self.trends = list(trends)
        if not self.trends:
            self.clear()
            return
        i = next((k for k, t in enumerate(self.trends) if t.analyte == first), -1)
        if i < 0:
            i = next((k for k, t in enumerate(self.trends) if t.status() is not Flag.NORMAL), 0)
        self._i = -1
        self.show_index(i)
        self.show()

    def show_analyte(self, analyte: str) -> bool:
        """Show the trend of ``analyte`` if it has one (a tapped table row)."""
        for k, t in enumerate(self.trends):
            if t.analyte == analyte:
                self.show_index(k)
                return True
        return False

    def show_index(self, i: int) -> None:
        if not self.trends:
            return
        i = max(0, min(len(self.trends) - 1, i))
        if i == self._i:
            return
        self._i = i
        trend = self.trends[i]
        unit = f", {trend.unit}" if trend.unit else ""
        self.title.setText(self.tr("Динамика: %1").replace("%1", trend.analyte) + unit)
        self.position.setText(self.tr("%1 из %2").replace("%1", str(i + 1))
                              .replace("%2", str(len(self.trends))))
        many = len(self.trends) > 1
        for w in (self.prev, self.next, self.position, self.hint):
            w.setVisible(many)
        self.prev.setEnabled(i > 0)
        self.next.setEnabled(i < len(self.trends) - 1)
        self.chart.show_trend(trend)
        band = legend(trend)
        self.caption.setText(keep_units(f"{describe(trend)}. {band[:1].upper()}{band[1:]}.",
                                        trend.unit))
        self.shown.emit(trend.analyte)

    def current(self) -> Trend | None:
        return self.trends[self._i] if self.trends and 0 <= self._i < len(self.trends) else None

    def clear(self) -> None:
        self.trends = []
        self._i = -1
        self.chart.show_trend(None)
        self.title.setText("")
        self.caption.setText("")
        self.position.setText("")
        self.hide()
