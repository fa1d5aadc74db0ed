"""What screens and print receive: masked, formatted, never a full surname."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from kiosk.domain.documents import DocKind, Document, DocumentSummary
from kiosk.domain.grants import Relation
from kiosk.domain.people import Sex


@dataclass(frozen=True, slots=True)
class EmrCard:
    """One EMR in the picker and the header of the EMR view (R-SHOW-1..3, R-ACT-2)."""

    emr_id: str
    masked_name: str
    age: int
    sex: Sex
    relation: Relation
    access_ends_on: date | None  # the child's 15th birthday (Moscow date), None for self
    data_as_of: datetime | None  # last good sync of this EMR
    stale: bool  # the sign-in refresh failed: show «Данные на …» (R-SHOW-6)
    in_cache: bool  # False: the source has not delivered this EMR yet


#: One line of a kind's list. The store's summary already holds exactly what a line
#: shows (no text, no surname), so the service hands it on without copying each row.
DocumentRow = DocumentSummary


@dataclass(frozen=True, slots=True)
class DocumentPage:
    emr_id: str
    kind: DocKind
    rows: list[DocumentRow]
    after: DocumentRow | None  # the row this page follows; None: the first page
    total: int  # -1: not counted here (see RecordsService.counts)


#: A document opened to its full text (R-SHOW-5): the cached document itself. It holds
#: no surname, and ``text`` is plain text that screens and print never interpret.
DocumentView = Document
