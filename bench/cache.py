"""A SQLite cache holding the big EMR (1009, account ``boris``) with N documents.

Written straight through the store (documents made from the simulator's population,
the way the parser would make them), so that building a 200k cache takes seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

BIG_EMR = "1009"
BIG_SUBJECT = "u-boris"


def _document(d):
    from kiosk.domain.documents import Document

    text = d.text or "\n".join(
        f"{o.name}: {o.value:g} {o.unit} (норма: {o.low:g} – {o.high:g})"
        for o in d.observations
    )
    return Document(doc_id=d.doc_id, emr_id=d.emr_id, kind=d.kind, created_at=d.created_at,
                    title=d.title, organization=d.organization, performer=d.performer,
                    text=text, version="1", radiology=d.radiology)


def content(big_docs: int) -> tuple[list, Iterator]:
    """The fixed demo people and (lazily) the documents, EMR 1009 holding ``big_docs``."""
    from kiosk.domain.moscow import moscow_date
    from kiosk.domain.people import Patient
    from kiosk.sim.population import Population

    pop = Population(size=9, seed=5, today=moscow_date(datetime.now(UTC)), big_emr_docs=big_docs)
    patients = [Patient(p.emr_id, p.family, p.given, p.patronymic, p.birth_date, p.sex)
                for p in pop.patients]
    return patients, (_document(d) for d in pop.documents() if not d.withdrawn)


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
