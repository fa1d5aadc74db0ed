"""A document list's rows, kept column by column (issue 18, ``rss_scrolled_mb``).

A list line as the store hands it over (``DocumentSummary`` with its own strings and
``datetime``) takes ~535 bytes; a 200k-document EMR paged to its end held ~70 MiB of
them and the kiosk's RSS reached 248 MB. A patient's documents come from a handful of
organisations and doctors under a few dozen titles, so each such text is kept once per
list and a row holds its number; the time is kept as microseconds. A row takes ~110
bytes, most of it its id. The summary of a row is made again when asked for: a paint
asks for the few rows on screen.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from kiosk.domain.documents import DocKind, DocumentSummary

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class ListRows:
    """The rows of one kind's list, in list order; ``rows[i]`` is row i's summary."""

    __slots__ = ("_date_only", "_ids", "_kind", "_numbers", "_text_numbers", "_texts", "_times")

    def __init__(self, kind: DocKind) -> None:
        self._kind = kind
        self._ids: list[str] = []
        self._times = array("q")  # microseconds since 1970 (UTC): exact, 8 bytes
        self._numbers = array("I")  # title, organisation, performer: three per row
        self._date_only = bytearray()
        self._texts: list[str] = []
        self._text_numbers: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._ids)

    def extend(self, rows: Iterable[DocumentSummary]) -> None:
        ids, times, numbers, texts = self._ids, self._times, self._numbers, self._texts
        known = self._text_numbers
        for row in rows:
            ids.append(row.doc_id)
            times.append((row.created_at - _EPOCH) // _MICROSECOND)
            for text in (row.title, row.organization, row.performer):
                n = known.get(text)
                if n is None:
                    n = known[text] = len(texts)
                    texts.append(text)
                numbers.append(n)
            self._date_only.append(1 if row.date_only else 0)

    def __getitem__(self, i: int) -> DocumentSummary:
        if i < 0:
            i += len(self._ids)
        texts, numbers, n = self._texts, self._numbers, 3 * i
        return DocumentSummary(
            self._ids[i], self._kind, _EPOCH + timedelta(microseconds=self._times[i]),
            texts[numbers[n]], texts[numbers[n + 1]], texts[numbers[n + 2]],
            bool(self._date_only[i]),
        )

    def doc_id(self, i: int) -> str:
        return self._ids[i]

    def doc_ids(self) -> list[str]:
        """Every row's id, in list order (a copy)."""
        return list(self._ids)

    def clear(self) -> None:
        """Forget every row and text (sign-out, R-KSK-2)."""
        self._ids = []
        self._times = array("q")
        self._numbers = array("I")
        self._date_only = bytearray()
        self._texts = []
        self._text_numbers = {}
