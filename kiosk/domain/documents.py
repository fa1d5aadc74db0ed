"""Document kinds and the order's date cut-offs (R-SHOW-4, R-SHOW-5).

Visibility depends only on the document (kind, source, Moscow creation date), never on
the viewer, so it is computed once at sync time and stored with the document.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime

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


def is_visible(kind: DocKind, created_at: datetime, radiology: bool) -> bool:
    """Whether the order lets a patient see this document, by its Moscow creation date."""
    return moscow_date(require_aware(created_at)) >= visible_from(kind, radiology)


@dataclass(frozen=True, slots=True)
class Document:
    """A document as the cache holds it; ``text`` is plain text, never markup."""

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

    @property
    def visible(self) -> bool:
        return is_visible(self.kind, self.created_at, self.radiology)


@dataclass(frozen=True, slots=True)
class DocumentSummary:
    """One line of a list: everything but the text."""

    doc_id: str
    kind: DocKind
    created_at: datetime
    title: str
    organization: str
    performer: str
