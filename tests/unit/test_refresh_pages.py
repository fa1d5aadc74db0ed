"""The sign-in refresh written as it is read, in short transactions (R-SYNC-2, R-SYNC-3,
R-SHOW-6; issue 18's ``open_field_ms``), with fakes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from kiosk.services.audit import AuditLog
from kiosk.services.ports import EmrSnapshot, Rejected, Unavailable
from kiosk.services.records import RecordsService
from kiosk.services.session import Session
from kiosk.services.sync import REFRESH_CHUNK, SyncService
from tests.fakes import FakeClock, FakeRegistry, FakeSource, FakeStore, document, grant, patient

EARLIER = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class PagedSource(FakeSource):
    """A ``PagedSnapshotSource``: each EMR's snapshot in the parts given, then (when
    ``fail_after`` is set) the source goes down after that many parts."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: dict[str, list[EmrSnapshot]] = {}
        self.fail_after: int | None = None

    def snapshot_pages(self, emr_id: str) -> Iterator[EmrSnapshot]:
        for n, part in enumerate(self.parts.get(emr_id, [EmrSnapshot(None)])):
            if n == self.fail_after:
                raise Unavailable("emr", "down")
            yield part


class CountingStore(FakeStore):
    """A fake store that remembers, for each committed write unit, how many documents it
    upserted and whether it marked an EMR synced."""

    def __init__(self) -> None:
        super().__init__()
        self.units: list[dict[str, Any]] = []

    def __call__(self, *, write: bool = False) -> Any:
        unit = super().__call__(write=write)
        store = self

        class Counting:
            def __enter__(self) -> Any:
                self.uow = unit.__enter__()
                self.seen: dict[str, Any] = {"documents": 0, "synced": False}
                upsert, mark = self.uow.documents.upsert_many, self.uow.sync_state.mark_emr_synced

                def upsert_many(docs: Any) -> None:
                    self.seen["documents"] += len(docs)
                    upsert(docs)

                def mark_emr_synced(ids: Any, at: datetime) -> None:
                    self.seen["synced"] = True
                    mark(ids, at)

                self.uow.documents.upsert_many = upsert_many
                self.uow.sync_state.mark_emr_synced = mark_emr_synced
                return self

            def __getattr__(self, name: str) -> Any:
                return getattr(self.uow, name)

            def commit(self) -> None:
                self.uow.commit()
                store.units.append(self.seen)

            def __exit__(self, *exc: Any) -> None:
                unit.__exit__(*exc)

        return Counting()


def _cached(store: FakeStore, doc_ids: list[str]) -> None:
    with store() as uow:
        uow.patients.upsert_many([patient("e1")])
        uow.documents.upsert_many([document(d, "e1") for d in doc_ids])
        uow.sync_state.mark_emr_synced(["e1"], EARLIER)
        uow.commit()


def test_r_sync_2_a_big_snapshot_is_written_in_short_transactions() -> None:
    """An EMR of 1,201 documents goes in transactions of at most REFRESH_CHUNK
    documents, and only the last one marks the EMR synced (issue 18: an EMR opened
    meanwhile waits for one of them, not for all)."""
    store, src = CountingStore(), FakeSource()
    docs = [document(f"d{i:04}", "e1") for i in range(1201)]
    src.snapshots["e1"] = EmrSnapshot(patient("e1"), docs)
    clock = FakeClock()
    assert SyncService(src, store, clock).refresh(["e1"]).refreshed == ["e1"]
    written = [u["documents"] for u in store.units]
    assert sum(written) == 1201 and max(written) <= REFRESH_CHUNK
    assert [u["synced"] for u in store.units] == [False] * (len(store.units) - 1) + [True]
    assert len(store.data.documents) == 1201
    assert store.data.synced["e1"] == clock.now()


def test_r_sync_2_each_page_is_written_before_the_next_is_read() -> None:
    """A paged source: the cache holds a page's documents when the next page is asked
    for, and the EMR is marked synced only at the end."""
    store, src = FakeStore(), PagedSource()
    _cached(store, [])
    seen: list[tuple[list[str], datetime | None]] = []

    def parts() -> Iterator[EmrSnapshot]:
        yield EmrSnapshot(patient("e1"))
        for page in (["a", "b"], ["c"]):
            seen.append((sorted(store.data.documents), store.data.synced.get("e1")))
            yield EmrSnapshot(None, [document(d, "e1") for d in page])
        seen.append((sorted(store.data.documents), store.data.synced.get("e1")))

    src.snapshot_pages = lambda emr_id: parts()  # type: ignore[method-assign]
    clock = FakeClock()
    assert SyncService(src, store, clock).refresh(["e1"]).refreshed == ["e1"]
    assert seen == [([], EARLIER), (["a", "b"], EARLIER), (["a", "b", "c"], EARLIER)]
    assert store.data.synced["e1"] == clock.now()


def test_r_sync_3_documents_gone_upstream_leave_when_the_refresh_completes(
        caplog: Any) -> None:
    store, src = FakeStore(), PagedSource()
    _cached(store, ["old", "kept"])
    src.parts["e1"] = [
        EmrSnapshot(patient("e1", family="Новиков")),
        EmrSnapshot(None, [document("kept", "e1"), document("new", "e1")],
                    [Rejected("DocumentReference/bad", "no creation date")]),
        EmrSnapshot(None, [document("newer", "e1")]),
    ]
    clock = FakeClock()
    assert SyncService(src, store, clock).refresh(["e1"]).refreshed == ["e1"]
    assert sorted(store.data.documents) == ["kept", "new", "newer"]
    assert store.data.patients["e1"].family == "Новиков"
    assert [r.source_id for r, _ in store.data.rejects] == ["DocumentReference/bad"]
    assert "DocumentReference/bad" in caplog.text


def test_r_show_6_a_refresh_failing_midway_keeps_what_it_wrote_and_the_emr_stale() -> None:
    """The source goes down after two pages: what they held stays (each a valid upstream
    document), nothing is dropped, the EMR is not marked fresh, and its card says
    «Данные на …» with the time of its last good refresh."""
    store, src = FakeStore(), PagedSource()
    _cached(store, ["old"])
    src.parts["e1"] = [
        EmrSnapshot(patient("e1")),
        EmrSnapshot(None, [document("a", "e1")]),
        EmrSnapshot(None, [document("b", "e1")]),
    ]
    src.fail_after = 2
    clock, registry = FakeClock(), FakeRegistry()
    registry.grants["s1"] = [grant("e1")]
    session = Session("x", "s1", "u:1", clock.now(), registry.grants_for("s1"), clock.now())
    report = SyncService(src, store, clock).refresh_session(session)
    assert (report.refreshed, report.failed) == ([], ["e1"])
    assert sorted(store.data.documents) == ["a", "old"]
    assert store.data.synced["e1"] == EARLIER
    records = RecordsService(store, registry, clock, AuditLog(store, clock, "k1"))
    card = records.card(session, "e1")
    assert card.stale and card.data_as_of == EARLIER
