"""The store's contract, run on every backend.

``RepositoryContract`` holds what goes through the ports, ``StoreContract`` adds what
only a database keeps (processes, migrations, the sync lock).
``tests/integration/test_store.py`` runs ``StoreContract`` on SQLite files and
``tests/postgres/test_store_pg.py`` on PostgreSQL, each by subclassing it with a
``store`` and a ``store_url`` fixture; ``tests/unit/test_fakes.py`` runs
``RepositoryContract`` on the fake store the unit and UI tests use, so the fake cannot
drift from the real one. This module itself
collects nothing (the class name does not start with ``Test``). The worker functions
at the bottom run in ``spawn``-ed processes, so they live at module level.
"""

from __future__ import annotations

import itertools
import multiprocessing
import subprocess
import sys
import threading
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, cast

import pytest
from msgspec import structs

from kiosk.domain.documents import DocKind, Document, Flag, LabRow
from kiosk.domain.otp import AccountState
from kiosk.domain.people import Patient, Sex
from kiosk.services.ports import (
    AuditRecord,
    Department,
    OutboxMessage,
    PinState,
    Rejected,
    SourceBatch,
    SupportTopic,
)
from kiosk.store import migrate
from kiosk.store.database import SCHEMA_HEAD, Store, open_store
from kiosk.store.repositories import SqlOutboxRepository, SqlSyncStateRepository

T0 = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
MSK = timezone(timedelta(hours=3))

ACQUIRED = 0
REFUSED = 3


def doc(
    doc_id: str,
    emr_id: str = "emr-1",
    kind: DocKind = DocKind.EXAM_PROTOCOL,
    created_at: datetime = T0,
    version: str = "1",
    radiology: bool = False,
    text: str = "Жалоб нет. <b>не разметка</b>",
) -> Document:
    return Document(
        doc_id=doc_id,
        emr_id=emr_id,
        kind=kind,
        created_at=created_at,
        title=f"Протокол {doc_id}",
        organization="ГП № 2",
        performer="Петрова А. А.",
        text=text,
        version=version,
        radiology=radiology,
    )


def patient(emr_id: str = "emr-1", patronymic: str | None = "Петрович") -> Patient:
    return Patient(
        emr_id=emr_id,
        family="Сидоров",
        given="Иван",
        patronymic=patronymic,
        birth_date=date(2012, 2, 29),
        sex=Sex.MALE,
    )


def count_rows(store: Store, table: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one())


def run_in_processes(
    target: Any, args_list: list[tuple[Any, ...]], timeout: float = 180
) -> list[int | None]:
    """Run ``target(*args)`` in fresh interpreters; returns the exit codes."""
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=target, args=args) for args in args_list]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout)
    codes = [p.exitcode for p in procs]
    for p in procs:
        if p.is_alive():
            p.kill()
            p.join()
        p.close()
    return codes


class RepositoryContract:
    """Repository round-trips through the ports: what every ``UnitOfWorkFactory`` keeps,
    the real store and ``tests.fakes.FakeStore`` alike. Needs a ``store`` fixture (with
    ``uow_factory`` and ``ping``) and ``rows``, which counts what a table holds."""

    def rows(self, store: Any, table: str) -> int:
        raise NotImplementedError

    # ------------------------------------------------------------ patients

    def test_patient_round_trip_and_replace(self, store: Store) -> None:
        with store.uow_factory(write=True) as uow:
            uow.patients.upsert_many([patient("emr-1"), patient("emr-2", patronymic=None)])
            uow.commit()
        with store.uow_factory() as uow:
            assert uow.patients.get("emr-1") == patient("emr-1")
            assert uow.patients.get("emr-2") == patient("emr-2", patronymic=None)
            assert uow.patients.get("missing") is None
        changed = replace(patient("emr-1"), given="Пётр", sex=Sex.UNKNOWN)
        with store.uow_factory(write=True) as uow:
            uow.patients.upsert_many([changed])
            uow.commit()
        with store.uow_factory() as uow:
            assert uow.patients.get("emr-1") == changed
        assert self.rows(store, "patients") == 2

    def test_withdrawn_patient_leaves_with_documents_r_sync_3(self, store: Store) -> None:
        """R-SYNC-3: a withdrawn patient takes the EMR's documents and sync mark along."""
        with store.uow_factory(write=True) as uow:
            uow.patients.upsert_many([patient("emr-1"), patient("emr-2")])
            uow.documents.upsert_many([doc("a", "emr-1"), doc("b", "emr-2")])
            uow.sync_state.mark_emr_synced(["emr-1", "emr-2"], T0)
            uow.commit()
        with store.uow_factory(write=True) as uow:
            uow.patients.delete_many(["emr-1", "never-there"])
            uow.commit()
        with store.uow_factory() as uow:
            assert uow.patients.get("emr-1") is None
            assert uow.documents.get_visible("emr-1", "a") is None
            assert uow.sync_state.emr_synced_at("emr-1") is None
            assert uow.patients.get("emr-2") is not None
            assert uow.documents.get_visible("emr-2", "b") is not None

    # ------------------------------------------------------------ documents

    def test_document_round_trip_aware_utc(self, store: Store) -> None:
        moscow_time = datetime(2024, 3, 1, 12, 30, 15, 123456, tzinfo=MSK)
        original = doc("d1", created_at=moscow_time, radiology=True, kind=DocKind.INSTRUMENTAL)
        with store.uow_factory(write=True) as uow:
            uow.documents.upsert_many([original])
            uow.commit()
        with store.uow_factory() as uow:
            got = uow.documents.get_visible("emr-1", "d1")
        assert got == original
        assert got is not None
        assert got.created_at.tzinfo is not None
        assert got.created_at.utcoffset() == timedelta(0)
        assert got.created_at == moscow_time

    def test_get_visible_only_own_emr_and_visible_r_acc_5(self, store: Store) -> None:
        """R-ACC-5 / R-SHOW-4: an id from the UI gives nothing of another EMR or hidden."""
        hidden = doc("old", created_at=datetime(2016, 12, 31, 20, 59, tzinfo=UTC))
        shown = doc("new", created_at=datetime(2016, 12, 31, 21, 30, tzinfo=UTC))
        assert not hidden.visible
        assert shown.visible
        with store.uow_factory(write=True) as uow:
            uow.documents.upsert_many([hidden, shown])
            uow.commit()
        with store.uow_factory() as uow:
            assert uow.documents.get_visible("emr-1", "old") is None
            assert uow.documents.get_visible("emr-1", "new") == shown
            assert uow.documents.get_visible("emr-2", "new") is None
            listed = uow.documents.list_visible("emr-1", DocKind.EXAM_PROTOCOL, 10)
            assert [s.doc_id for s in listed] == ["new"]

    def test_visibility_at_every_cutoff_r_show_4(self, store: Store) -> None:
        """R-SHOW-4: stored visibility equals the domain rule at each cut-off, to the µs,
        whatever the zone the time comes in (radiology studies from 01.01.2016)."""
        from kiosk.domain.documents import visible_from
        from kiosk.domain.moscow import moscow_midnight

        docs = []
        for kind in DocKind:
            for radiology in (False, True):
                edge = moscow_midnight(visible_from(kind, radiology))
                for n, delta in enumerate((timedelta(microseconds=-1), timedelta(0))):
                    for zone in (UTC, MSK, timezone(timedelta(hours=-5))):
                        docs.append(
                            doc(
                                f"{kind}-{radiology}-{n}-{zone.utcoffset(None)}",
                                kind=kind,
                                radiology=radiology,
                                created_at=(edge + delta).astimezone(zone),
                            )
                        )
        with store.uow_factory(write=True) as uow:
            uow.documents.upsert_many(docs)
            uow.commit()
        with store.uow_factory() as uow:
            stored = {d.doc_id: uow.documents.get_visible("emr-1", d.doc_id) for d in docs}
        assert {k: v is not None for k, v in stored.items()} == {d.doc_id: d.visible for d in docs}
        assert sum(d.visible for d in docs) == len(docs) // 2

    def test_list_visible_newest_first_paged_after_the_last_row_r_show_5(
        self, store: Store
    ) -> None:
        """R-SHOW-5: one kind per list, newest first; each page follows the last row of
        the one before (issue 18 item 1), ties on the instant broken by id."""
        docs = [doc(f"x{i:02d}", created_at=T0 + timedelta(hours=i)) for i in range(10)]
        docs += [doc("tie-b", created_at=T0 + timedelta(hours=5))]
        docs += [doc("lab", kind=DocKind.LAB_RESULT), doc("other", emr_id="emr-2")]
        with store.uow_factory(write=True) as uow:
            uow.documents.upsert_many(list(reversed(docs)))
            uow.commit()
        with store.uow_factory() as uow:
            first = uow.documents.list_visible("emr-1", DocKind.EXAM_PROTOCOL, 4)
            second = uow.documents.list_visible("emr-1", DocKind.EXAM_PROTOCOL, 4, first[-1])
            rest = uow.documents.list_visible("emr-1", DocKind.EXAM_PROTOCOL, 100, second[-1])
            end = uow.documents.list_visible("emr-1", DocKind.EXAM_PROTOCOL, 100, rest[-1])
            counts = uow.documents.count_visible("emr-1")
        ids = [s.doc_id for s in first + second + rest]
        assert ids == [
            "x09",
            "x08",
            "x07",
            "x06",
            "tie-b",
            "x05",
            "x04",
            "x03",
            "x02",
            "x01",
            "x00",
        ]
        assert end == []
        assert all(s.kind is DocKind.EXAM_PROTOCOL for s in first)
        assert first[0].created_at == T0 + timedelta(hours=9)
        assert first[0].title == "Протокол x09"
        assert not hasattr(first[0], "text")
        assert counts == {
            DocKind.EXAM_PROTOCOL: 11,
            DocKind.DISCHARGE_SUMMARY: 0,
            DocKind.LAB_RESULT: 1,
            DocKind.INSTRUMENTAL: 0,
        }

    def test_pages_cut_through_ties_on_the_instant_issue_18(self, store: Store) -> None:
        """Issue 18 item 1: many documents of one instant (a day's results, date-only
        documents at midnight) page across every boundary without a row twice or lost,
        in (created_at descending, doc_id ascending) order, the UTC instant being what
        counts whatever the zone the time came in."""
        day = datetime(2024, 3, 1, 0, 0, tzinfo=MSK)
        docs = [doc(f"m{i:02d}", created_at=day) for i in range(13)]
        docs += [doc(f"u{i:02d}", created_at=day.astimezone(UTC)) for i in range(4)]
        docs += [doc("later", created_at=day + timedelta(microseconds=1)),
                 doc("earlier", created_at=day - timedelta(microseconds=1))]
        with store.uow_factory(write=True) as uow:
            uow.documents.upsert_many(docs)
            uow.commit()
        expected = ["later", *sorted(d.doc_id for d in docs[:17]), "earlier"]
        for size in (1, 2, 3, 5, 16, 17, 18, 19, 50):
            seen: list[str] = []
            last = None
            with store.uow_factory() as uow:
                while True:
                    page = uow.documents.list_visible("emr-1", DocKind.EXAM_PROTOCOL, size, last)
                    seen += [s.doc_id for s in page]
                    if len(page) < size:
                        break
                    last = page[-1]
            assert seen == expected, size

    def test_a_sync_between_pages_shifts_nothing_issue_18(self, store: Store) -> None:
        """Issue 18 item 1: documents written between two pages (a sync or the sign-in
        refresh while the patient scrolls) neither repeat a row nor hide one: the rows
        older than the last one shown, the new older one included, all come."""
        docs = [doc(f"d{i:02d}", created_at=T0 + timedelta(hours=i)) for i in range(20)]
        with store.uow_factory(write=True) as uow:
            uow.documents.upsert_many(docs)
            uow.commit()
        with store.uow_factory() as uow:
            first = uow.documents.list_visible("emr-1", DocKind.EXAM_PROTOCOL, 8)
        # Newer than everything shown (OFFSET paging would have shown d12 again), one
        # of the instant of the last row shown, and an older one not yet reached.
        added = [doc("new-top", created_at=T0 + timedelta(days=5)),
                 doc("d12-twin", created_at=first[-1].created_at),
                 doc("new-old", created_at=T0 + timedelta(minutes=30))]
        with store.uow_factory(write=True) as uow:
            uow.documents.upsert_many(added)
            uow.commit()
        rows = list(first)
        with store.uow_factory() as uow:
            while True:
                page = uow.documents.list_visible("emr-1", DocKind.EXAM_PROTOCOL, 8, rows[-1])
                rows += page
                if len(page) < 8:
                    break
        ids = [s.doc_id for s in rows]
        assert len(ids) == len(set(ids))
        assert ids[:8] == [f"d{i:02d}" for i in range(19, 11, -1)]
        assert ids[8:] == ["d12-twin", *(f"d{i:02d}" for i in range(11, 0, -1)), "new-old",
                           "d00"]

    def test_upsert_by_id_and_version_does_not_duplicate_r_sync_1(self, store: Store) -> None:
        """R-SYNC-1: re-applying a batch, or a new version, replaces rows by upstream id."""
        batch = [doc(f"d{i}") for i in range(5)]
        with store.uow_factory(write=True) as uow:
            uow.documents.upsert_many(batch)
            uow.documents.upsert_many(batch)
            uow.commit()
        v2 = structs.replace(batch[0], version="2", text="Исправлено",
                             created_at=T0 + timedelta(days=1))
        with store.uow_factory(write=True) as uow:
            uow.documents.upsert_many([v2, *batch[1:]])
            uow.commit()
        assert self.rows(store, "documents") == 5
        with store.uow_factory() as uow:
            assert uow.documents.get_visible("emr-1", "d0") == v2

    def test_new_version_replaces_content_of_every_shape_r_sync_1(self, store: Store) -> None:
        """A version without lab rows, narrative or PDF clears the old ones (plain text
        documents are written by a narrower statement: it must still clear them), and
        within one batch the later version of a document wins whatever its shape."""
        rich = structs.replace(doc("d"), narrative="<p>Статус</p>", pdf=b"%PDF-1.4",
                               results=(LabRow("Гемоглобин", "135", "г/л", flag=Flag.HIGH),),
                               date_only=True)
        plain = structs.replace(doc("d"), version="2", text="Без таблицы")
        with store.uow_factory(write=True) as uow:
            uow.documents.upsert_many([rich])
            uow.commit()
        with store.uow_factory() as uow:
            assert uow.documents.get_visible("emr-1", "d") == rich
        with store.uow_factory(write=True) as uow:
            uow.documents.upsert_many([plain])
            uow.commit()
        with store.uow_factory() as uow:
            assert uow.documents.get_visible("emr-1", "d") == plain
        rich3 = structs.replace(rich, version="3")
        with store.uow_factory(write=True) as uow:
            uow.documents.upsert_many([plain, rich3, doc("e"), plain, doc("f"), rich3])
            uow.commit()
        with store.uow_factory() as uow:
            assert uow.documents.get_visible("emr-1", "d") == rich3
            assert uow.documents.get_visible("emr-1", "e") == doc("e")
        plain4 = structs.replace(plain, version="4")
        with store.uow_factory(write=True) as uow:
            uow.documents.upsert_many([rich3, doc("e"), plain4])
            uow.commit()
        with store.uow_factory() as uow:
            assert uow.documents.get_visible("emr-1", "d") == plain4

    def test_an_older_version_never_replaces_a_newer_one_r_sync_1(self, store: Store) -> None:
        """R-SYNC-1 (issue 18): a sign-in refresh that read a page before a concurrent
        sync wrote a newer version must not put the old one back. By ``meta.lastUpdated``
        (``Document.updated``), in either shape and within one batch; a version without
        one, or a row held without one (cached before 0003), is replaced as before."""
        hour = timedelta(hours=1)
        v1 = structs.replace(doc("d"), updated=T0)
        v2 = structs.replace(doc("d"), version="2", text="Исправлено", updated=T0 + hour,
                             narrative="<p>Исправлено</p>")
        v3 = structs.replace(doc("d"), version="3", text="Снова", updated=T0 + 2 * hour)

        def write(*docs: Document) -> Document | None:
            with store.uow_factory(write=True) as uow:
                uow.documents.upsert_many(list(docs))
                uow.commit()
            with store.uow_factory() as uow:
                return uow.documents.get_visible("emr-1", "d")

        assert write(v2) == v2
        assert write(v1) == v2  # plain and older: left alone
        assert write(v3, v1) == v3  # newer, then older in the same batch
        assert write(v2, doc("e")) == v3  # rich and older
        assert write(structs.replace(v3, text="Тот же миг")).text == "Тот же миг"
        unstamped = structs.replace(v1, version="4", updated=None)
        assert write(unstamped) == unstamped  # the source gave no instant
        assert write(v1) == v1  # a row held without one takes any version
        assert self.rows(store, "documents") == 2

    def test_upsert_can_hide_a_document(self, store: Store) -> None:
        """Visibility is recomputed on every write: a corrected date can hide a document."""
        with store.uow_factory(write=True) as uow:
            uow.documents.upsert_many([doc("d")])
            uow.commit()
        with store.uow_factory(write=True) as uow:
            uow.documents.upsert_many(
                [doc("d", version="2", created_at=datetime(2010, 1, 1, tzinfo=UTC))]
            )
            uow.commit()
        with store.uow_factory() as uow:
            assert uow.documents.get_visible("emr-1", "d") is None
            assert uow.documents.count_visible("emr-1")[DocKind.EXAM_PROTOCOL] == 0

    def test_delete_many_withdraws_r_sync_3(self, store: Store) -> None:
        """R-SYNC-3: withdrawn (deleted, entered-in-error) documents leave the cache."""
        with store.uow_factory(write=True) as uow:
            uow.documents.upsert_many([doc(f"d{i}") for i in range(3)])
            uow.commit()
        with store.uow_factory(write=True) as uow:
            uow.documents.delete_many(["d0", "d2", "unknown"])
            uow.commit()
        with store.uow_factory() as uow:
            ids = [s.doc_id for s in uow.documents.list_visible("emr-1", DocKind.EXAM_PROTOCOL, 9)]
        assert ids == ["d1"]

    def test_ids_of_emr_name_every_cached_document_of_it_r_sync_3(self, store: Store) -> None:
        """The sign-in refresh drops what the source no longer has: the cached ids of
        the EMR, hidden ones too (R-SHOW-4/5 cut-offs), never another EMR's."""
        old = datetime(2000, 1, 1, tzinfo=UTC)  # before every kind's cut-off
        with store.uow_factory(write=True) as uow:
            uow.documents.upsert_many(
                [doc("keep"), doc("hidden", created_at=old), doc("elsewhere", emr_id="emr-2")])
            uow.commit()
        with store.uow_factory() as uow:
            assert uow.documents.get_visible("emr-1", "hidden") is None
            assert uow.documents.ids_of_emr("emr-1") == {"keep", "hidden"}
            assert uow.documents.ids_of_emr("emr-3") == set()
            # Which of some ids the cache holds, any EMR, hidden ones too; more ids than
            # one statement binds (the refresh asks about a page of them).
            many = [f"nope-{i}" for i in range(1200)]
            assert uow.documents.cached(["keep", "hidden", "elsewhere", *many]) == {
                "keep", "hidden", "elsewhere"}
            assert uow.documents.cached([]) == set()

    def test_bulk_upsert_many_rows(self, store: Store) -> None:
        """Chunked bulk writes keep every row (more than one chunk)."""
        docs = [
            doc(
                f"b{i:05d}",
                emr_id=f"e{i % 7}",
                kind=list(DocKind)[i % 4],
                created_at=T0 + timedelta(minutes=i),
            )
            for i in range(4500)
        ]
        with store.uow_factory(write=True) as uow:
            uow.documents.upsert_many(docs)
            uow.commit()
        assert self.rows(store, "documents") == 4500
        with store.uow_factory() as uow:
            total = sum(sum(uow.documents.count_visible(f"e{k}").values()) for k in range(7))
        assert total == 4500

    # ------------------------------------------------------------ sync state

    def test_sync_state_round_trip_r_sync_1_r_sync_4(self, store: Store) -> None:
        """R-SYNC-1 cursor with the batch; R-SYNC-4 rejects with their reason; R-SHOW-6 time."""
        with store.uow_factory() as uow:
            assert uow.sync_state.get_cursor("fhir") is None
            assert uow.sync_state.last_sync() is None
            assert uow.sync_state.last_complete_sync() is None
            assert uow.sync_state.emr_synced_at("emr-1") is None
        later = T0 + timedelta(hours=1)
        with store.uow_factory(write=True) as uow:
            uow.sync_state.set_cursor("fhir", "2024-03-01T09:30:00Z|17")
            uow.sync_state.mark_emr_synced(["emr-1", "emr-2", "emr-1"], T0)
            uow.sync_state.add_rejects(
                [Rejected("Observation/9", "missing date"), Rejected("x", "oversized")], T0
            )
            uow.sync_state.set_last_sync(T0.astimezone(MSK))
            uow.commit()
        with store.uow_factory(write=True) as uow:
            uow.sync_state.mark_emr_synced(["emr-2"], later)
            uow.sync_state.set_last_sync(later)
            uow.sync_state.set_last_complete_sync(T0.astimezone(MSK))
            uow.commit()
        with store.uow_factory() as uow:
            assert uow.sync_state.get_cursor("fhir") == "2024-03-01T09:30:00Z|17"
            assert uow.sync_state.emr_synced_at("emr-1") == T0
            assert uow.sync_state.emr_synced_at("emr-2") == later
            last = uow.sync_state.last_sync()
            assert last == later
            assert last is not None
            assert last.utcoffset() == timedelta(0)
            complete = uow.sync_state.last_complete_sync()
            assert complete == T0 and complete is not None
            assert complete.utcoffset() == timedelta(0)
            assert cast(SqlSyncStateRepository, uow.sync_state).rejects() == [
                ("x", "oversized", T0),
                ("Observation/9", "missing date", T0),
            ]
        with store.uow_factory(write=True) as uow:
            uow.sync_state.set_cursor("fhir", None)
            uow.commit()
        with store.uow_factory() as uow:
            assert uow.sync_state.get_cursor("fhir") is None

    def test_two_writers_merging_cursor_parts_keep_both_r_sync_1(self, store: Store) -> None:
        """Sync workers merge their stream's part into the stored cursor inside their
        batch's transaction: a second writer waits for the first one's commit and then
        merges into what it committed, so neither part is lost (a lost part would make
        the next sync read that stream again, or worse, in another order, skip)."""
        from kiosk.services.sync import STREAM, SyncReport, apply_batch
        from kiosk.upstream.fhir import load_cursor, merge_cursor
        from tests.fakes import FakeClock

        with store.uow_factory(write=True) as uow:  # the row the workers lock
            uow.sync_state.set_cursor(STREAM, None)
            uow.commit()
        b_about_to_write = threading.Event()

        def writer_b() -> None:
            b_about_to_write.set()
            apply_batch(store.uow_factory, FakeClock(T0),
                        SourceBatch(cursor='{"v":1,"DiagnosticReport":"2026-02-02T00:00:00Z"}'),
                        SyncReport(), merge_cursor)

        b = threading.Thread(target=writer_b)
        with store.uow_factory(write=True) as uow:
            stored = uow.sync_state.get_cursor(STREAM, for_update=True)
            b.start()
            assert b_about_to_write.wait(5)
            b.join(0.3)
            assert b.is_alive(), "the second writer did not wait for the first"
            uow.sync_state.set_cursor(
                STREAM, merge_cursor(stored, '{"v":1,"DocumentReference":"2026-01-01T00:00:00Z"}'))
            uow.commit()
        b.join(10)
        with store.uow_factory() as uow:
            merged = load_cursor(uow.sync_state.get_cursor(STREAM))
        assert set(merged) == {"DocumentReference", "DiagnosticReport"}

    # ------------------------------------------------------------ accounts

    def test_account_round_trip_r_otp_3(self, store: Store) -> None:
        """R-OTP-3: the lockout state persists per account, with the send history."""
        with store.uow_factory(write=True) as uow:
            fresh = uow.accounts.load_for_update("sub-1")
            assert fresh == AccountState(subject="sub-1")
            state = replace(
                fresh,
                failures=4,
                blocked_since=T0,
                code_hash="ab" * 32,
                code_nonce="n1",
                code_sent_at=T0.astimezone(MSK),
                attempt_id="att",
                attempt_sends=2,
                sends=(T0 - timedelta(hours=1), T0),
            )
            uow.accounts.save(state, "digest-1")
            uow.commit()
        with store.uow_factory(write=True) as uow:
            loaded = uow.accounts.load_for_update("sub-1")
            assert loaded == state
            assert all(t.utcoffset() == timedelta(0) for t in loaded.sends)
            uow.accounts.save(replace(loaded, failures=0))  # no digest: the stored one stays
            uow.commit()
        with store.uow_factory() as uow:
            found = uow.accounts.find_by_login_digest("digest-1")
            assert found == replace(state, failures=0)
            assert uow.accounts.find_by_login_digest("nobody") is None

    def test_load_for_update_exact_across_threads_r_otp_3(self, store: Store) -> None:
        """R-OTP-3 within one kiosk: UI workers on threads share the store safely."""
        errors: list[BaseException] = []

        def work() -> None:
            try:
                for _ in range(25):
                    with store.uow_factory(write=True) as uow:
                        state = uow.accounts.load_for_update("threads")
                        uow.accounts.save(replace(state, failures=state.failures + 1), "d-t")
                        uow.commit()
            except BaseException as err:  # pragma: no cover - reported below
                errors.append(err)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        with store.uow_factory() as uow:
            final = uow.accounts.find_by_login_digest("d-t")
        assert final is not None
        assert final.failures == 100

    # ------------------------------------------------------------ audit

    def test_audit_chain_round_trip_r_ksk_7(self, store: Store) -> None:
        """R-KSK-7: the chain comes back in order, details verbatim (masked values only)."""
        records = [
            AuditRecord(
                kiosk_id="k1",
                seq=i,
                at=T0 + timedelta(seconds=i),
                event="signin.code_sent",
                actor="Иван С.",
                details={"phone": "+7 *** ***-**-67", "n": i, "nested": {"a": [1, 2]}},
                prev_hash=f"{i - 1:064d}" if i else "0" * 64,
                hash=f"{i:064d}",
            )
            for i in range(5)
        ]
        with store.uow_factory(write=True) as uow:
            assert uow.audit.head_for_update("k1") is None
            for r in records:
                uow.audit.append(r)
            uow.audit.append(replace(records[0], kiosk_id="k0"))
            uow.commit()
        with store.uow_factory(write=True) as uow:
            assert uow.audit.head_for_update("k1") == records[-1]
        with store.uow_factory() as uow:
            assert list(uow.audit.iter_chain("k1")) == records
            assert uow.audit.kiosk_ids() == ["k0", "k1"]

    # ------------------------------------------------------------ outbox

    def test_outbox_lifecycle_r_act_5(self, store: Store) -> None:
        """R-ACT-5: requests persist until delivered; failures come back when due."""
        msg = OutboxMessage(
            id="m1",
            created_at=T0,
            department=Department.HEALTH,
            topic=SupportTopic.RECORDS,
            kiosk_id="k1",
            requester="Иван С.",
            contact="+7 *** ***-**-67",
            text="Вопрос о записи",
        )
        other = replace(
            msg,
            id="m2",
            created_at=T0 + timedelta(minutes=1),
            department=Department.IT,
            topic=SupportTopic.KIOSK,
        )
        with store.uow_factory(write=True) as uow:
            uow.outbox.add(msg)
            uow.outbox.add(other)
            uow.commit()
        with store.uow_factory(write=True) as uow:
            assert uow.outbox.due(T0, 10) == [msg, other]
            assert uow.outbox.due(T0, 1) == [msg]
            uow.outbox.mark_failed("m1", 1, T0 + timedelta(minutes=5), "Unavailable")
            uow.outbox.mark_delivered("m2", T0 + timedelta(minutes=2))
            uow.commit()
        with store.uow_factory() as uow:
            assert uow.outbox.due(T0 + timedelta(minutes=4), 10) == []
            assert uow.outbox.pending_count() == 1
            due = uow.outbox.due(T0 + timedelta(minutes=5), 10)
            assert due == [
                replace(
                    msg,
                    attempts=1,
                    next_attempt_at=T0 + timedelta(minutes=5),
                    last_error="Unavailable",
                )
            ]
            delivered = cast(SqlOutboxRepository, uow.outbox).get("m2")
            assert delivered is not None
            assert delivered.delivered_at == T0 + timedelta(minutes=2)

    # ------------------------------------------------------------ staff PIN

    def test_staff_pin_state_r_ksk_6(self, store: Store) -> None:
        """R-KSK-6: wrong staff PINs and the lock time persist per kiosk."""
        with store.uow_factory(write=True) as uow:
            assert uow.staff.load_for_update("k1") == PinState("k1")
            uow.staff.save(PinState("k1", failures=5, locked_until=T0))
            uow.commit()
        with store.uow_factory(write=True) as uow:
            assert uow.staff.load_for_update("k1") == PinState("k1", 5, T0)
            assert uow.staff.load_for_update("k2") == PinState("k2")
            uow.staff.save(PinState("k1"))
            uow.commit()
        with store.uow_factory() as uow:
            assert uow.staff.load_for_update("k1") == PinState("k1")

    # ------------------------------------------------------------ units of work

    def test_uncommitted_unit_keeps_nothing_r_sync_1(self, store: Store) -> None:
        """R-SYNC-1: a batch interrupted before commit leaves no trace."""
        with store.uow_factory(write=True) as uow:
            uow.documents.upsert_many([doc("a")])
            uow.sync_state.set_cursor("fhir", "c1")

        def killed_mid_batch() -> None:
            with store.uow_factory(write=True) as uow:
                uow.patients.upsert_many([patient()])
                uow.accounts.save(AccountState("s"), "d")
                raise RuntimeError("killed mid-batch")

        with pytest.raises(RuntimeError):
            killed_mid_batch()
        with store.uow_factory(write=True) as uow:
            uow.documents.upsert_many([doc("b")])
            uow.rollback()
            uow.documents.upsert_many([doc("c")])
            uow.commit()
        with store.uow_factory() as uow:
            assert uow.sync_state.get_cursor("fhir") is None
            assert uow.patients.get("emr-1") is None
            assert uow.accounts.find_by_login_digest("d") is None
        assert self.rows(store, "documents") == 1
        assert self.rows(store, "accounts") == 0

    def test_unit_reusable_after_commit(self, store: Store) -> None:
        """A long sync may commit batch after batch in one unit; each commit is durable."""
        with store.uow_factory(write=True) as uow:
            uow.sync_state.set_cursor("fhir", "1")
            uow.commit()
            uow.sync_state.set_cursor("fhir", "2")
            uow.commit()
            uow.sync_state.set_cursor("fhir", "3")  # never committed
        with store.uow_factory() as uow:
            assert uow.sync_state.get_cursor("fhir") == "2"

    def test_naive_datetime_refused(self, store: Store) -> None:
        naive = datetime(2024, 1, 1, 12, 0)  # naive on purpose
        with store.uow_factory(write=True) as uow, pytest.raises(Exception, match="time zone"):
            uow.staff.save(PinState("k", 1, naive))
        with store.uow_factory(write=True) as uow, pytest.raises(ValueError, match="time zone"):
            uow.documents.upsert_many([doc("n", created_at=naive)])

    def test_ping(self, store: Store) -> None:
        store.ping()


class StoreContract(RepositoryContract):
    """The repository contract on a database, and what only a database keeps: counts exact
    across processes, one migration at a time, one sync lock. Needs ``store`` and
    ``store_url``."""

    def rows(self, store: Store, table: str) -> int:
        return count_rows(store, table)

    def test_load_for_update_exact_across_processes_r_otp_3(
        self, store: Store, store_url: str
    ) -> None:
        """R-OTP-3: counts shared by kiosks stay exact under concurrent read-modify-write."""
        codes = run_in_processes(increment_failures, [(store_url, "shared", 20)] * 8)
        assert codes == [0] * 8
        with store.uow_factory() as uow:
            final = uow.accounts.find_by_login_digest("d-shared")
        assert final is not None
        assert final.failures == 160
        assert final.attempt_sends == 160

    def test_concurrent_first_upgrades(self, store_url: str) -> None:
        """Kiosks starting together on an empty store: every one starts, schema at head."""
        assert run_in_processes(upgrade_store, [(store_url,)] * 3) == [0, 0, 0]
        assert migrate.current(store_url) == migrate.head()

    def test_documents_cached_before_0003_take_the_next_version(self, store_url: str) -> None:
        """A kiosk upgraded to 0003 keeps its cache: rows written at 0002 have no source
        instant (NULL), read back as before, and the next version replaces them."""
        store = open_store(store_url)
        try:
            store.upgrade("0002")
            sqlite = store.engine.dialect.name == "sqlite"
            at = "'2024-03-01T09:30:00.000000'" if sqlite else "'2024-03-01 09:30:00+00'"
            with store.engine.begin() as conn:
                conn.exec_driver_sql(
                    "INSERT INTO documents (doc_id, emr_id, kind, created_at, title, "
                    "organization, performer, text, version, radiology, visible) VALUES "
                    f"('d', 'emr-1', 'exam', {at}, 'Протокол d', 'ГП № 2', 'Петрова А. А.', "
                    "'Старый текст', '1', false, true)")
            store.upgrade()
            with store.uow_factory() as uow:
                held = uow.documents.get_visible("emr-1", "d")
            assert held is not None and held.text == "Старый текст" and held.updated is None
            new = structs.replace(doc("d"), version="2", updated=T0)
            with store.uow_factory(write=True) as uow:
                uow.documents.upsert_many([new])
                uow.commit()
            with store.uow_factory() as uow:
                assert uow.documents.get_visible("emr-1", "d") == new
        finally:
            store.dispose()

    def test_a_store_at_head_starts_without_alembic_issue_18(self, store_url: str) -> None:
        """Issue 18 (ready_ms): the kiosk's start checks the schema with one query; Alembic
        runs only for a store that needs it — a new one, or one a revision behind."""
        assert migrate.head() == SCHEMA_HEAD  # a new migration must move SCHEMA_HEAD
        store = open_store(store_url)
        try:
            assert not store.at_head()  # nothing there yet
            store.upgrade("0001")
            assert not store.at_head()
            assert migrate.current(store_url) == "0001"
        finally:
            store.dispose()
        code = ("import sys\n"
                "from kiosk.store.database import open_store\n"
                "s = open_store(sys.argv[1])\n"
                "s.upgrade()\n"
                "print(s.at_head(), 'alembic' in sys.modules)\n"
                "s.upgrade()\n"
                "print(s.at_head(), 'alembic' in sys.modules)\n"
                "s.dispose()\n")
        once = subprocess.run([sys.executable, "-c", code, store_url], capture_output=True,
                              text=True, check=True).stdout.split("\n")
        assert once[:2] == ["True True", "True True"]  # one revision behind: Alembic ran
        again = subprocess.run([sys.executable, "-c", code, store_url], capture_output=True,
                               text=True, check=True).stdout.split("\n")
        assert again[:2] == ["True False", "True False"]  # at head: one query, no Alembic
        assert migrate.current(store_url) == migrate.head()

    def test_audit_appends_serialised_per_chain_r_ksk_7(self, store: Store, store_url: str) -> None:
        """R-KSK-7: concurrent appenders never fork a chain (head_for_update serialises)."""
        codes = run_in_processes(append_audit, [(store_url, "k-shared", 10)] * 4)
        assert codes == [0] * 4
        with store.uow_factory() as uow:
            chain = list(uow.audit.iter_chain("k-shared"))
        assert [r.seq for r in chain] == list(range(40))
        assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(chain))

    def test_sync_lock_refuses_second_holder_r_sync_5(self, store: Store, store_url: str) -> None:
        """R-SYNC-5: one sync worker per store; a second one (another process) exits cleanly."""
        lock = store.sync_lock()
        assert lock.try_acquire()
        try:
            assert run_in_processes(try_sync_lock, [(store_url,)]) == [REFUSED]
            second = store.sync_lock()
            assert not second.try_acquire()
            second.release()  # releasing a lock never held is harmless
        finally:
            lock.release()
        assert run_in_processes(try_sync_lock, [(store_url,)]) == [ACQUIRED]
        assert lock.try_acquire()
        lock.release()


# ---------------------------------------------------------------- workers (spawned)


def increment_failures(url: str, subject: str, times: int) -> None:
    store = open_store(url, busy_timeout=60)
    try:
        for _ in range(times):
            with store.uow_factory(write=True) as uow:
                state = uow.accounts.load_for_update(subject)
                uow.accounts.save(
                    replace(
                        state, failures=state.failures + 1, attempt_sends=state.attempt_sends + 1
                    ),
                    f"d-{subject}",
                )
                uow.commit()
    finally:
        store.dispose()


def append_audit(url: str, kiosk_id: str, times: int) -> None:
    store = open_store(url, busy_timeout=60)
    try:
        for _ in range(times):
            with store.uow_factory(write=True) as uow:
                head = uow.audit.head_for_update(kiosk_id)
                seq = 0 if head is None else head.seq + 1
                prev = "0" * 64 if head is None else head.hash
                uow.audit.append(
                    AuditRecord(kiosk_id, seq, datetime.now(UTC), "e", "a", {}, prev, f"h{seq}")
                )
                uow.commit()
    finally:
        store.dispose()


def upgrade_store(url: str) -> None:
    store = open_store(url, busy_timeout=60)
    try:
        store.upgrade()
    finally:
        store.dispose()


def try_sync_lock(url: str) -> None:
    store = open_store(url)
    try:
        lock = store.sync_lock()
        got = lock.try_acquire()
        lock.release()
    finally:
        store.dispose()
    sys.exit(ACQUIRED if got else REFUSED)
