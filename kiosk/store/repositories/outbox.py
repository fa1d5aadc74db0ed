"""Support requests waiting for delivery (R-ACT-5)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from kiosk.services.ports import Department, OutboxMessage, SupportTopic
from kiosk.store.models import OUTBOX
from kiosk.store.repositories.base import MAX_NOTE, Repository


def _outbox_from_row(row: Any) -> OutboxMessage:
    return OutboxMessage(
        id=row.id,
        created_at=row.created_at,
        department=Department(row.department),
        topic=SupportTopic(row.topic),
        kiosk_id=row.kiosk_id,
        requester=row.requester,
        contact=row.contact,
        text=row.text,
        attempts=int(row.attempts),
        next_attempt_at=row.next_attempt_at,
        delivered_at=row.delivered_at,
        last_error=row.last_error,
    )


class SqlOutboxRepository(Repository):
    def add(self, message: OutboxMessage) -> None:
        self._conn.execute(
            OUTBOX.insert(),
            {
                "id": message.id,
                "created_at": message.created_at,
                "department": str(message.department),
                "topic": str(message.topic),
                "kiosk_id": message.kiosk_id,
                "requester": message.requester,
                "contact": message.contact,
                "text": message.text,
                "attempts": message.attempts,
                "next_attempt_at": message.next_attempt_at,
                "delivered_at": message.delivered_at,
                "last_error": message.last_error,
            },
        )

    def due(self, now: datetime, limit: int) -> list[OutboxMessage]:
        """Undelivered messages whose retry time has come, oldest first."""
        t = OUTBOX
        rows = self._conn.execute(
            select(t)
            .where(
                t.c.delivered_at.is_(None),
                (t.c.next_attempt_at.is_(None)) | (t.c.next_attempt_at <= now),
            )
            .order_by(t.c.created_at, t.c.id)
            .limit(limit)
        )
        return [_outbox_from_row(r) for r in rows]

    def mark_delivered(self, message_id: str, at: datetime) -> None:
        self._conn.execute(
            update(OUTBOX).where(OUTBOX.c.id == message_id).values(delivered_at=at, last_error=None)
        )

    def mark_failed(
        self, message_id: str, attempts: int, next_attempt_at: datetime, error: str
    ) -> None:
        self._conn.execute(
            update(OUTBOX)
            .where(OUTBOX.c.id == message_id)
            .values(attempts=attempts, next_attempt_at=next_attempt_at, last_error=error[:MAX_NOTE])
        )

    def pending_count(self) -> int:
        t = OUTBOX
        return int(
            self._conn.execute(
                select(func.count()).select_from(t).where(t.c.delivered_at.is_(None))
            ).scalar_one()
        )

    def get(self, message_id: str) -> OutboxMessage | None:
        """One message by id (for tests and the staff panel; not part of the port)."""
        row = self._conn.execute(select(OUTBOX).where(OUTBOX.c.id == message_id)).first()
        return None if row is None else _outbox_from_row(row)
