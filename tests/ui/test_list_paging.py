"""Issue 18 item 1: a kind's list pages after the last row it shows (keyset paging).

Driven as a patient scrolls: the real list view is scrolled to its end, which makes
the view ask the model for more; every page is read by a worker task.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kiosk.domain.documents import DocKind
from tests.fakes import document
from tests.ui.conftest import Kiosk

pytestmark = pytest.mark.ui

DAY = datetime(2023, 6, 1, 6, 0, tzinfo=UTC)


def _add(kiosk: Kiosk, docs: list) -> None:
    with kiosk.env.store() as uow:
        uow.documents.upsert_many(docs)
        uow.commit()


def _scroll_to_end(kiosk: Kiosk, kind: DocKind, pages: int | None = None) -> list[str]:
    view = kiosk.s.emr.lists[kind]
    model = kiosk.s.emr.models[kind]
    n = 0
    while model.canFetchMore() and (pages is None or n < pages):
        before = model.rowCount()
        view.scrollToBottom()
        kiosk.settle()
        assert model.rowCount() > before or not model.canFetchMore()
        n += 1
    return [model.row(i).doc_id for i in range(model.rowCount())]


def test_scrolling_shows_every_document_once_in_order_with_ties(kiosk: Kiosk) -> None:
    """R-SHOW-5: 130 documents, 30 of them at one instant across page boundaries (a
    day's results arrive together), scroll in newest first, ties by id, none twice."""
    kiosk.sign_in()
    kiosk.settle()  # the sign-in refresh has written the snapshot
    docs = [document(f"p{i:03d}", "emr-1", created=DAY - timedelta(days=i)) for i in range(100)]
    docs += [document(f"t{i:02d}", "emr-1", created=DAY - timedelta(days=40)) for i in range(30)]
    _add(kiosk, docs)
    kiosk.open_emr("emr-1")
    shown = _scroll_to_end(kiosk, DocKind.EXAM_PROTOCOL)
    # d-1 and d-2 of the sample are newer; p040 shares the ties' instant and sorts
    # before them by id.
    ties = [f"t{i:02d}" for i in range(30)]
    assert shown == ["d-1", "d-2", *(f"p{i:03d}" for i in range(41)), *ties,
                     *(f"p{i:03d}" for i in range(41, 100))]
    assert kiosk.s.emr.models[DocKind.EXAM_PROTOCOL].total == 132


def test_documents_synced_between_pages_shift_nothing(kiosk: Kiosk) -> None:
    """A sync writing while the patient scrolls: a newer document does not push a row
    of the next page back into it (as OFFSET paging did), an older one is reached."""
    kiosk.sign_in()
    kiosk.settle()
    _add(kiosk, [document(f"p{i:03d}", "emr-1", created=DAY - timedelta(days=i))
                 for i in range(120)])
    kiosk.open_emr("emr-1")
    model = kiosk.s.emr.models[DocKind.EXAM_PROTOCOL]
    assert model.rowCount() == 50
    _add(kiosk, [document("fresh", "emr-1", created=DAY + timedelta(days=1)),
                 document("late-old", "emr-1", created=DAY - timedelta(days=90, hours=1))])
    shown = _scroll_to_end(kiosk, DocKind.EXAM_PROTOCOL)
    assert len(shown) == len(set(shown))
    assert "fresh" not in shown  # above the rows shown: it comes with the next open
    assert shown.index("late-old") == shown.index("p090") + 1
    assert len(shown) == 2 + 120 + 1  # d-1 and d-2, the 120, the older newcomer


def test_pages_grow_so_a_long_list_is_laid_out_a_few_times_only(kiosk: Kiosk) -> None:
    """Issue 18 (scroll_ms): each page inserted makes the list view lay out every row
    again, so after the first screenful the list asks for as many rows as it holds (up
    to the service's cap): 1,000 documents come in 5 pages, not 20."""
    kiosk.sign_in()
    kiosk.settle()
    _add(kiosk, [document(f"p{i:04d}", "emr-1", created=DAY - timedelta(hours=i))
                 for i in range(1000)])
    records = kiosk.env.services.records
    asked: list[int] = []
    original = records.documents

    def counting(session, emr_id, kind, after=None, limit=50):  # type: ignore[no-untyped-def]
        if kind is DocKind.EXAM_PROTOCOL:
            asked.append(limit)
        return original(session, emr_id, kind, after, limit)

    records.documents = counting  # type: ignore[method-assign]
    try:
        kiosk.open_emr("emr-1")
        shown = _scroll_to_end(kiosk, DocKind.EXAM_PROTOCOL)
    finally:
        del records.documents
    assert asked == [50, 50, 100, 200, 400, 800]  # the first with the card
    assert len(shown) == len(set(shown)) == 1002


def test_rows_kept_by_column_read_back_as_the_store_gave_them() -> None:
    """The list keeps rows compactly (issue 18, rss_scrolled_mb); what a paint, a tap or
    the next page's key reads back is the very summary the store gave: the instant to
    the microsecond (in UTC), the texts, date-only, the kind."""
    from datetime import timezone

    from kiosk.domain.documents import DocumentSummary
    from kiosk.ui.list_rows import ListRows

    msk = timezone(timedelta(hours=3))
    given = [
        DocumentSummary("a", DocKind.LAB_RESULT, datetime(2024, 2, 29, 23, 59, 59, 999999,
                                                          tzinfo=UTC), "ОАК", "ГП № 1", "Врач А."),
        DocumentSummary("b", DocKind.LAB_RESULT, datetime(1969, 12, 31, 23, 0, tzinfo=msk),
                        "ОАК", "ГП № 2", "Врач А.", date_only=True),
        DocumentSummary("c", DocKind.LAB_RESULT, DAY, "Биохимия", "ГП № 1", "Врач Б."),
    ]
    rows = ListRows(DocKind.LAB_RESULT)
    rows.extend(given[:2])
    rows.extend(given[2:])
    assert [rows[i] for i in range(3)] == given
    assert rows[-1] == given[2] and rows[1].created_at.utcoffset() == timedelta(0)
    assert rows.doc_ids() == ["a", "b", "c"] and rows.doc_id(1) == "b"
    assert len(rows._texts) == 6  # 9 texts, each distinct one kept once
    rows.clear()
    assert len(rows) == 0 and rows._texts == []
