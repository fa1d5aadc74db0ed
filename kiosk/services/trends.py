"""Trends of lab values over time (issue 17 item 1, R-SHOW-5): where an analyte of an
open lab result appears in several lab results of the same EMR, its values as a series.

Qt-free on purpose: the series, the numbers read from the values as written and the
sentence that describes a trend are decided here and tested without a screen; the UI
(:mod:`kiosk.ui.lab_trend`) only draws them, on screen and for print.

What counts as "the same analyte": the same name and the same unit, compared without
case and extra spaces. A lab's name with a method («СОЭ (по Вестергрену)») is a different
analyte from one without it: methods give different numbers, and a picture that mixed
them would mislead. A value that is not a plain number as written («<0.5»,
«положительно», «1e3», «NaN») is left out of the picture and counted in ``skipped``;
it never raises.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from kiosk.domain.documents import DocKind, Document, Flag, LabRow
from kiosk.domain.moscow import moscow_date
from kiosk.domain.people import ru_plural
from kiosk.services.records import RecordsService
from kiosk.services.session import Session

#: How many of the EMR's newest lab results a trend looks through. A trend is a glance
#: at the recent course; a hundred results is years of a chronic patient's tests, and
#: each is one indexed read.
HISTORY_LIMIT = 100
#: A picture holds at most this many points (the newest): more would not read on a
#: 400 px picture, and the table beside it has the exact values.
MAX_POINTS = 12

_NUMBER = re.compile(r"[+\-−]?\d{1,12}(?:[.,]\d{1,12})?")


def number(written: str) -> Decimal | None:
    """The value as a number, or None when it is not a plain number as written.

    ``4.50`` and ``4,50`` (a Russian lab's comma) are numbers; ``<0.5``, ``5-10``,
    ``положительно``, ``1e3``, ``NaN`` and ``Infinity`` are not (Decimal would accept the
    last three).
    """
    text = written.strip().replace("\u00a0", "")
    if not _NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text.replace(",", ".").replace("−", "-"))
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One value of the series: when it was taken, the number, and as it was written."""

    at: datetime
    value: Decimal
    written: str
    flag: Flag
    doc_id: str


@dataclass(frozen=True, slots=True)
class Trend:
    """An analyte's values over time, oldest first, with the reference band of the result
    the patient is looking at (``low``/``high``, None where the lab gave no bound)."""

    analyte: str
    unit: str
    points: tuple[TrendPoint, ...]
    low: Decimal | None
    high: Decimal | None
    #: The result the patient opened: its point is marked in the picture.
    doc_id: str = ""
    #: Values of the analyte left out because they are not numbers as written.
    skipped: int = 0

    @property
    def latest(self) -> TrendPoint:
        return self.points[-1]

    def years(self) -> tuple[int, int]:
        """The first and the last year of the series (Moscow dates)."""
        return moscow_date(self.points[0].at).year, moscow_date(self.points[-1].at).year

    def status(self) -> Flag:
        """The newest value against its lab's flag, or against the band if no flag."""
        return self.latest.flag


def _flag(row: LabRow, value: Decimal) -> Flag:
    """The lab's own flag; where it gave none but its range is numeric, the range's word."""
    if row.flag is not Flag.NORMAL:
        return row.flag
    low, high = number(row.low), number(row.high)
    if low is not None and value < low:
        return Flag.LOW
    if high is not None and value > high:
        return Flag.HIGH
    return Flag.NORMAL


def trends_for(doc: Document, history: Iterable[Document]) -> list[Trend]:
    """The trends of ``doc``'s analytes across ``history`` (the EMR's lab results, ``doc``
    among them or not), in the order of ``doc``'s rows; only analytes with at least two
    numeric values. Never raises on what a lab wrote."""
    wanted: dict[tuple[str, str], LabRow] = {}
    for row in doc.results:
        wanted.setdefault((_key(row.analyte), _key(row.unit)), row)
    if not wanted:
        return []
    found: dict[tuple[str, str], list[TrendPoint]] = {k: [] for k in wanted}
    skipped: dict[tuple[str, str], int] = dict.fromkeys(wanted, 0)
    seen: set[str] = set()
    for source in (doc, *history):
        if source.doc_id in seen or source.kind is not DocKind.LAB_RESULT:
            continue
        seen.add(source.doc_id)
        taken: set[tuple[str, str]] = set()
        for row in source.results:
            key = (_key(row.analyte), _key(row.unit))
            if key not in found or key in taken:  # one value per result and analyte
                continue
            taken.add(key)
            value = number(row.value)
            if value is None:
                skipped[key] += 1
                continue
            found[key].append(TrendPoint(source.created_at, value, row.value,
                                         _flag(row, value), source.doc_id))
    trends = []
    for key, row in wanted.items():
        points = sorted(found[key], key=lambda p: (p.at, p.doc_id))[-MAX_POINTS:]
        if len(points) < 2:
            continue
        trends.append(Trend(row.analyte, row.unit, tuple(points), number(row.low),
                            number(row.high), doc.doc_id, skipped[key]))
    return trends


def lab_history(records: RecordsService, session: Session, emr_id: str,
                limit: int = HISTORY_LIMIT) -> list[Document]:
    """The EMR's newest lab results with their rows, grant-checked (R-ACC-5)."""
    return records.lab_results(session, emr_id, limit)


def for_document(records: RecordsService, session: Session, emr_id: str,
                 doc: Document) -> list[Trend]:
    """The trends the document screen shows beside ``doc``'s table (a worker task)."""
    if not doc.results:
        return []
    return trends_for(doc, lab_history(records, session, emr_id))


def for_documents(records: RecordsService, session: Session, emr_id: str,
                  docs: Sequence[Document]) -> dict[str, list[Trend]]:
    """Each lab result's trends for a print job; the history is read once."""
    labs = [d for d in docs if d.results]
    if not labs:
        return {}
    history = lab_history(records, session, emr_id)
    return {d.doc_id: trends_for(d, history) for d in labs}


# ---------------------------------------------------------------- words
#
# The sentence and the legend are built from Russian templates («%1» placeholders). The
# UI passes ``tr``, its translator for these exact strings (kiosk.ui.lab_trend lists them
# for lupdate); print keeps Russian.

_STATUS_RU = {Flag.NORMAL: "в норме", Flag.HIGH: "выше нормы", Flag.LOW: "ниже нормы",
              Flag.ABNORMAL: "вне нормы"}


def _same(text: str) -> str:
    return text


def fill(template: str, *args: object) -> str:
    """``%1``, ``%2`` … replaced in one pass (an analyte named «%2» stays as it is)."""
    return re.sub(r"%(\d)", lambda m: str(args[int(m.group(1)) - 1]), template)


def status_ru(trend: Trend, tr: Callable[[str], str] = _same) -> str:
    """The newest value's standing in words; nothing when the lab gave no range."""
    if trend.low is None and trend.high is None and trend.status() is Flag.NORMAL:
        return ""
    return tr(_STATUS_RU[trend.status()])


def describe_ru(trend: Trend, tr: Callable[[str], str] = _same) -> str:
    """One sentence for the picture's accessible description, speech and print:
    «Гемоглобин: 3 значения с 2024 по 2026, последнее 135 г/л, в норме»."""
    n = len(trend.points)
    first, last = trend.years()
    span = fill(tr("за %1 год"), last) if first == last else fill(tr("с %1 по %2"), first, last)
    count = f"{n} {tr(ru_plural(n, 'значение', 'значения', 'значений'))}"
    latest = trend.latest.written + (f" {trend.unit}" if trend.unit else "")
    status = status_ru(trend, tr)
    text = fill(tr("%1: %2 %3, последнее %4"), trend.analyte, count, span, latest)
    return text + (f", {status}" if status else "")


def band_ru(trend: Trend, tr: Callable[[str], str] = _same) -> str:
    """The reference band as the picture's legend says it: «норма 120–160 г/л»."""
    unit = f" {trend.unit}" if trend.unit else ""
    if trend.low is not None and trend.high is not None:
        return fill(tr("норма %1–%2"), trend.low, trend.high) + unit
    if trend.low is not None:
        return fill(tr("норма от %1"), trend.low) + unit
    if trend.high is not None:
        return fill(tr("норма до %1"), trend.high) + unit
    return tr("норма не указана")


#: The symbol beside a flagged point in the picture (the word is in the table and the
#: sentence): read without colour, in high contrast and on a black-and-white printer.
FLAG_MARKS = {Flag.HIGH: "↑", Flag.LOW: "↓", Flag.ABNORMAL: "!", Flag.NORMAL: ""}
