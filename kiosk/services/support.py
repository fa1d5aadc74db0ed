"""Support requests: routed to ДЗМ or ДИТ, kept in a persistent outbox (R-ACT-5).

Submitting only writes the outbox, so a request is never lost to a network failure;
``deliver_due`` sends with exponential back-off and runs in the background worker.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from kiosk.domain.credentials import InvalidInput
from kiosk.domain.tickets import new_number
from kiosk.services.audit import AuditLog
from kiosk.services.ports import (
    Clock,
    Department,
    OutboxMessage,
    SupportChannel,
    SupportTopic,
    UnitOfWorkFactory,
    UpstreamError,
)
from kiosk.services.session import Session

log = logging.getLogger(__name__)

ROUTES: dict[SupportTopic, Department] = {
    SupportTopic.RECORDS: Department.HEALTH,
    SupportTopic.ACCESS: Department.IT,
    SupportTopic.FAILURE: Department.IT,
    SupportTopic.KIOSK: Department.IT,
}
MAX_TEXT = 2000
MAX_CONTACT = 120
BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class SupportReceipt:
    request_id: str
    department: Department


def _clean(text: str, limit: int, what: str) -> str:
    text = "".join(ch for ch in text if unicodedata.category(ch) not in {"Cc", "Cf"} or ch == "\n")
    text = text.strip()
    if len(text) > limit:
        raise InvalidInput(f"{what}: не более {limit} символов.")
    return text


class SupportService:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, audit: AuditLog, kiosk_id: str
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._audit = audit
        self._kiosk_id = kiosk_id

    def submit(
        self, session: Session | None, topic: SupportTopic, text: str, contact: str = ""
    ) -> SupportReceipt:
        body = _clean(text, MAX_TEXT, "Текст обращения")
        if not body:
            raise InvalidInput("Опишите, пожалуйста, вопрос.")
        contact = _clean(contact, MAX_CONTACT, "Контакт")
        department = ROUTES[topic]
        now = self._clock.now()
        with self._uow(write=True) as uow:
            # A short number a patient can read out (К-4821-7), unique in the outbox.
            message = OutboxMessage(
                id=new_number(lambda n: uow.outbox.get(n) is not None),
                created_at=now,
                department=department,
                topic=topic,
                kiosk_id=self._kiosk_id,
                requester=session.actor if session else "anonymous",
                contact=contact,
                text=body,
                next_attempt_at=now,
            )
            uow.outbox.add(message)
            uow.commit()
        self._audit.record(
            "support.submitted", message.requester, department=department.value, id=message.id
        )
        return SupportReceipt(message.id, department)

    def deliver_due(self, channel: SupportChannel, limit: int = 20) -> int:
        """Send what is due; failures are rescheduled with back-off. Returns how many left."""
        now = self._clock.now()
        with self._uow() as uow:
            due = uow.outbox.due(now, limit)
        delivered = 0
        for msg in due:
            try:
                channel.deliver(msg)
            except UpstreamError as err:
                attempts = msg.attempts + 1
                delay = min(BACKOFF_FIRST * (2 ** (attempts - 1)), BACKOFF_MAX)
                with self._uow(write=True) as uow:
                    uow.outbox.mark_failed(msg.id, attempts, now + delay, type(err).__name__)
                    uow.commit()
                continue
            with self._uow(write=True) as uow:
                uow.outbox.mark_delivered(msg.id, now)
                uow.commit()
            delivered += 1
        return delivered
