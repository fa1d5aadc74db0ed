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
