"""What the sync keeps besides the documents: cursors, EMR stamps, rejects, last syncs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import bindparam, select

from kiosk.services.ports import Rejected
from kiosk.store.models import EMR_SYNC, META, SYNC_CURSORS, SYNC_REJECTS
from kiosk.store.repositories.base import MAX_NOTE, Repository, Upsert, utc_text

LAST_SYNC_KEY = "last_full_sync"
LAST_COMPLETE_SYNC_KEY = "last_complete_sync"

_GET_CURSOR = select(SYNC_CURSORS.c.cursor).where(SYNC_CURSORS.c.stream == bindparam("stream"))
_EMR_SYNCED_AT = select(EMR_SYNC.c.synced_at).where(EMR_SYNC.c.emr_id == bindparam("emr_id"))
_GET_META = select(META.c.value).where(META.c.key == bindparam("key"))
_CURSOR_UPSERT = Upsert(SYNC_CURSORS, ("stream", "cursor"), ["stream"])
_EMR_SYNC_UPSERT = Upsert(EMR_SYNC, ("emr_id", "synced_at"), ["emr_id"])
_META_UPSERT = Upsert(META, ("key", "value"), ["key"])


class SqlSyncStateRepository(Repository):
    def get_cursor(self, stream: str, *, for_update: bool = False) -> str | None:
        stmt = self._dialect.for_update(_GET_CURSOR) if for_update else _GET_CURSOR
        return cast("str | None", self._conn.execute(stmt, {"stream": stream}).scalar())

    def set_cursor(self, stream: str, cursor: str | None) -> None:
        self._dialect.upsert(self._conn, _CURSOR_UPSERT, [(stream, cursor)])

    def emr_synced_at(self, emr_id: str) -> datetime | None:
        return cast(
            "datetime | None", self._conn.execute(_EMR_SYNCED_AT, {"emr_id": emr_id}).scalar()
        )

    def mark_emr_synced(self, emr_ids: Sequence[str], at: datetime) -> None:
        if not emr_ids:
            return
        synced_at = self._dialect.instant(at)  # one instant for the whole batch
        rows = [(emr_id, synced_at) for emr_id in dict.fromkeys(emr_ids)]
        self._dialect.upsert(self._conn, _EMR_SYNC_UPSERT, rows)

    def add_rejects(self, rejects: Sequence[Rejected], at: datetime) -> None:
        if not rejects:
            return
        rows = [
            {"source_id": r.source_id[:MAX_NOTE], "reason": r.reason[:MAX_NOTE], "at": at}
            for r in rejects
        ]
        self._conn.execute(SYNC_REJECTS.insert(), rows)

    def rejects(self, limit: int = 100) -> list[tuple[str, str, datetime]]:
        """The newest rejects (for the staff panel and tests; not part of the port)."""
        t = SYNC_REJECTS
        rows = self._conn.execute(
            select(t.c.source_id, t.c.reason, t.c.at).order_by(t.c.id.desc()).limit(limit)
        )
        return [(r.source_id, r.reason, r.at) for r in rows]

    def last_sync(self) -> datetime | None:
        return self._get_instant(LAST_SYNC_KEY)

    def set_last_sync(self, at: datetime) -> None:
        self._set_instant(LAST_SYNC_KEY, at)

    def last_complete_sync(self) -> datetime | None:
        return self._get_instant(LAST_COMPLETE_SYNC_KEY)

    def set_last_complete_sync(self, at: datetime) -> None:
        self._set_instant(LAST_COMPLETE_SYNC_KEY, at)

    def _get_instant(self, key: str) -> datetime | None:
        value = self._conn.execute(_GET_META, {"key": key}).scalar()
        return None if value is None else datetime.fromisoformat(value).astimezone(UTC)

    def _set_instant(self, key: str, at: datetime) -> None:
        self._dialect.upsert(self._conn, _META_UPSERT, [(key, utc_text(at))])
