"""A SQLite cache holding the big EMR (1009, account ``boris``) with N documents.

Written straight through the store, so that a cache is built without a sync: each of
the simulator's documents is rendered as the simulator serves it and read by the FHIR
reader the sync uses (``Reader.resource``), so the cache holds exactly what a sync
would have written — narratives sanitised, lab rows with their flags, PDFs — and a
refresh against the simulator finds every document unchanged, as in a kiosk whose
cache is in step. Reading costs what the sync's reading costs (~1 ms for a narrative
protocol): a 200k cache takes a few minutes to build.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

BIG_EMR = "1009"
BIG_SUBJECT = "u-boris"


def _documents(pop) -> Iterator:  # type: ignore[no-untyped-def]
    from kiosk.domain.documents import Document
    from kiosk.sim.fhir_render import render_document
    from kiosk.upstream.fhir_read import Reader

    reader = Reader()
    at = datetime.now(UTC)
    for d in pop.documents():
        if d.withdrawn:
            continue
        read = reader.resource(render_document(d, at, 1))
        if isinstance(read, list):  # a DocumentReference with what it replaces: none here
            read = next((x for x in read if isinstance(x, Document)), read)
        if not isinstance(read, Document):
            raise RuntimeError(f"{d.doc_id} does not read as a document: {read!r}")
        yield read


def content(big_docs: int) -> tuple[list, Iterator]:
    """The fixed demo people and (lazily) the documents, EMR 1009 holding ``big_docs``."""
    from kiosk.domain.moscow import moscow_date
    from kiosk.domain.people import Patient
    from kiosk.sim.population import Population

    pop = Population(size=9, seed=5, today=moscow_date(datetime.now(UTC)), big_emr_docs=big_docs)
    patients = [Patient(p.emr_id, p.family, p.given, p.patronymic, p.birth_date, p.sex)
                for p in pop.patients]
    return patients, _documents(pop)


def fill(store, big_docs: int) -> None:  # type: ignore[no-untyped-def]
    """Write the content into an upgraded, empty ``store`` (any backend)."""
    patients, documents = content(big_docs)
    batch = []
    with store.uow_factory(write=True) as uow:
        uow.patients.upsert_many(patients)
        uow.sync_state.mark_emr_synced([p.emr_id for p in patients], datetime.now(UTC))
        for d in documents:
            batch.append(d)
            if len(batch) >= 5000:
                uow.documents.upsert_many(batch)
                batch = []
        uow.documents.upsert_many(batch)
        uow.commit()


def build(path: Path, big_docs: int) -> Path:
    """Create (once) ``path`` with the fixed demo people and ``big_docs`` for EMR 1009."""
    if path.exists():
        return path
    from kiosk.store.database import open_store

    tmp = path.with_suffix(".building")
    store = open_store(f"sqlite:///{tmp}")
    try:
        store.upgrade()
        fill(store, big_docs)
    finally:
        store.dispose()
    import sqlite3

    conn = sqlite3.connect(tmp)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for suffix in ("-wal", "-shm", ".sync-lock"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    tmp.rename(path)
    return path
