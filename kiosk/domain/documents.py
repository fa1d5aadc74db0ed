"""Document kinds and the order's date cut-offs (R-SHOW-4, R-SHOW-5).

Visibility depends only on the document (kind, source, Moscow creation date), never on
the viewer, so it is computed once at sync time and stored with the document.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import msgspec

from kiosk.domain.moscow import moscow_date, require_aware


class DocKind(enum.StrEnum):
    EXAM_PROTOCOL = "exam"
    DISCHARGE_SUMMARY = "discharge"
    LAB_RESULT = "lab"
    INSTRUMENTAL = "instrumental"


#: Display order of the lists on screen and in print.
KIND_ORDER: tuple[DocKind, ...] = (
    DocKind.EXAM_PROTOCOL,
    DocKind.DISCHARGE_SUMMARY,
    DocKind.LAB_RESULT,
    DocKind.INSTRUMENTAL,
)

KIND_TITLES_RU = {
    DocKind.EXAM_PROTOCOL: "Протоколы осмотров",
    DocKind.DISCHARGE_SUMMARY: "Выписные эпикризы",
    DocKind.LAB_RESULT: "Лабораторные исследования",
    DocKind.INSTRUMENTAL: "Инструментальные исследования",
}

#: One document's kind, as a print-out or a document header names it.
KIND_NAMES_RU = {
    DocKind.EXAM_PROTOCOL: "Протокол осмотра",
    DocKind.DISCHARGE_SUMMARY: "Выписной эпикриз",
    DocKind.LAB_RESULT: "Лабораторное исследование",
    DocKind.INSTRUMENTAL: "Инструментальное исследование",
}

CUTOFFS: dict[DocKind, date] = {
    DocKind.EXAM_PROTOCOL: date(2017, 1, 1),
    DocKind.DISCHARGE_SUMMARY: date(2019, 1, 1),
    DocKind.LAB_RESULT: date(2019, 1, 1),
    DocKind.INSTRUMENTAL: date(2019, 1, 1),
}
#: Studies of the city's unified radiology service are shown from an earlier date.
RADIOLOGY_CUTOFF = date(2016, 1, 1)

#: Upper bound of a document's text; bigger ones are rejected at sync (R-SYNC-4).
MAX_TEXT_CHARS = 200_000


def visible_from(kind: DocKind, radiology: bool) -> date:
    if kind is DocKind.INSTRUMENTAL and radiology:
        return RADIOLOGY_CUTOFF
    return CUTOFFS[kind]


def is_older(coming: Any, held: Any) -> bool:
    """Whether a version stamped ``coming`` is older than the one held, stamped ``held``:
    it then never replaces it. Stamps are ``Document.updated`` or that instant as the
    store's driver takes it (text on SQLite): two of a kind, or ``None``. A version
    without a stamp, or held without one, is not older."""
    return coming is not None and held is not None and coming < held


def is_visible(kind: DocKind, created_at: datetime, radiology: bool) -> bool:
    """Whether the order lets a patient see this document, by its Moscow creation date."""
    return moscow_date(require_aware(created_at)) >= visible_from(kind, radiology)


#: Upper bound of one PDF kept with a document (bytes); a bigger one is rejected.
MAX_PDF_BYTES = 16 * 1024 * 1024


class Flag(enum.StrEnum):
    """A lab value against its reference range (FHIR v3 ObservationInterpretation)."""

    NORMAL = ""
    HIGH = "H"
    LOW = "L"
    ABNORMAL = "A"


FLAG_WORDS_RU = {Flag.HIGH: "↑ выше нормы", Flag.LOW: "↓ ниже нормы", Flag.ABNORMAL: "! вне нормы"}


class LabRow(msgspec.Struct, frozen=True, gc=False, array_like=True):
    """One measured value of a lab (or instrumental) result, as the laboratory wrote it.

    ``value``, ``low`` and ``high`` keep their written precision (``4.50`` stays
    ``4.50``): a patient compares them with a paper result. ``array_like``: the store
    keeps a report's rows as one JSON list of field lists, encoded and decoded in C.
    """

    analyte: str
    value: str
    unit: str = ""
    low: str = ""
    high: str = ""
    range_text: str = ""
    flag: Flag = Flag.NORMAL
    #: ``preliminary`` and the like; empty for a final value.
    status: str = ""

    @property
    def reference(self) -> str:
        """The reference range in words: ``3.5–5.0``, ``от 3.5``, ``до 5.0`` or its text."""
        if self.low and self.high:
            return f"{self.low}–{self.high}"
        if self.low:
            return f"от {self.low}"
        if self.high:
            return f"до {self.high}"
        return self.range_text

    def line(self) -> str:
        """The row as one line of plain text (speech, a plain print-out, search)."""
        text = f"{self.analyte}: {self.value}" + (f" {self.unit}" if self.unit else "")
        if self.reference:
            text += f" (норма: {self.reference})"
        if self.flag is not Flag.NORMAL:
            text += f" {FLAG_WORDS_RU[self.flag]}"
        return text


class Document(msgspec.Struct, frozen=True, gc=False):
    """A document as the cache holds it, with its content as the source sent it.

    A frozen msgspec struct rather than a frozen dataclass: a sync makes hundreds of
    thousands, and its constructor (in C) costs 0.3 µs against the dataclass's 1.8 µs;
    ``gc=False`` because a document holds no cycle, so the collector never walks them.

    ``text`` is always plain text (never markup): the whole content for a note, the
    words of a narrative, the conclusion of a report (its lab rows are in ``results``
    only, not repeated as lines). ``narrative`` is XHTML already
    reduced to the safe subset of ``kiosk.domain.narrative`` (empty when the source sent
    none); ``results`` the measured values of a report; ``pdf`` the bytes of a PDF the
    source sent. ``date_only``: the source gave a date without a time (or a partial
    date), ``created_at`` is then 00:00 Moscow time of its first day.
    """

    doc_id: str
    emr_id: str
    kind: DocKind
    created_at: datetime
    title: str
    organization: str
    performer: str
    text: str
    version: str = "1"
    radiology: bool = False
    narrative: str = ""
    results: tuple[LabRow, ...] = ()
    pdf: bytes | None = None
    date_only: bool = False
    #: The source's ``meta.lastUpdated`` of this version (None: it gave none). The cache
    #: never replaces a version with an older one: a sign-in refresh that read a page
    #: before a concurrent sync wrote a newer version must not put the old one back.
    updated: datetime | None = None

    def __repr__(self) -> str:  # no content in logs and tracebacks
        return f"Document(doc_id={self.doc_id!r}, kind={self.kind.value!r})"

    @property
    def visible(self) -> bool:
        return is_visible(self.kind, self.created_at, self.radiology)

    def plain_text(self) -> str:
        """All the content as plain text: the words, then each lab row as a line."""
        rows = "\n".join(row.line() for row in self.results)
        return "\n\n".join(part for part in (self.text, rows) if part)


class DocumentSummary(msgspec.Struct, frozen=True, gc=False):
    """One line of a list: everything but the content (a struct: see ``Document``)."""

    doc_id: str
    kind: DocKind
    created_at: datetime
    title: str
    organization: str
    performer: str
    date_only: bool = False
