"""Print jobs: chosen documents → HTML with the masked header (R-ACT-3, R-KSK-3).

The HTML is built here, Qt-free, so that it is tested without a printer; the UI's
printer adapter lays it out on pages and draws the footer (kiosk id, print time,
«Стр. N из M») on each page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Protocol

from kiosk.domain.documents import KIND_NAMES_RU
from kiosk.domain.moscow import format_moscow
from kiosk.services.audit import AuditLog
from kiosk.services.clock import SystemClock
from kiosk.services.ports import Clock
from kiosk.services.records import RecordsService
from kiosk.services.session import Session
from kiosk.services.views import DocumentView, EmrCard

FOOTER_TEMPLATE = "Киоск {kiosk_id} · напечатано {printed_at} · стр. {page} из {pages}"


@dataclass(frozen=True, slots=True)
class PrintJob:
    html: str
    title: str
    kiosk_id: str
    printed_at: datetime
    footer_template: str
    doc_count: int

    def footer(self, page: int, pages: int) -> str:
        return self.footer_template.format(
            kiosk_id=self.kiosk_id, printed_at=format_moscow(self.printed_at), page=page,
            pages=pages,
        )


class Printer(Protocol):
    def print_job(self, job: PrintJob) -> None:
        """Lay out and print; raises PrinterError with a plain reason."""
        ...


def _text_block(text: str) -> str:
    # Plain text stays plain: escape, keep line breaks, never interpret markup.
    return "<br/>".join(escape(line) for line in text.splitlines()) or "&nbsp;"


def render_print_html(
    card: EmrCard, documents: Sequence[DocumentView], kiosk_id: str, printed_at: datetime
) -> str:
    header = (
        f"<h2>{escape(card.masked_name)}</h2>"
        f"<p>Возраст: {card.age} · Киоск {escape(kiosk_id)} · "
        f"Напечатано {format_moscow(printed_at)}</p><hr/>"
    )
    parts = [
        "<html><head><meta charset='utf-8'/></head>"
        "<body style='font-family: DejaVu Sans; font-size: 11pt'>",
        header,
    ]
    for i, doc in enumerate(documents):
        if i:
            parts.append("<hr/>")
        parts.append(
            f"<h3>{escape(doc.title)}</h3>"
            f"<p><b>{escape(KIND_NAMES_RU[doc.kind])}</b> · {format_moscow(doc.created_at)}<br/>"
            f"{escape(doc.organization)} · {escape(doc.performer)}</p>"
            f"<p>{_text_block(doc.text)}</p>"
        )
    parts.append("</body></html>")
    return "".join(parts)


class PrintService:
    def __init__(
        self, records: RecordsService, audit: AuditLog, kiosk_id: str, clock: Clock | None = None
    ) -> None:
        self._records = records
        self._audit = audit
        self._kiosk_id = kiosk_id
        self._clock = clock or SystemClock()

    def prepare(self, session: Session, emr_id: str, doc_ids: Sequence[str]) -> PrintJob:
        """Only the chosen documents, each grant-checked (R-ACC-5)."""
        card, docs = self._records.for_print(session, emr_id, doc_ids)
        now = self._clock.now()
        job = PrintJob(
            html=render_print_html(card, docs, self._kiosk_id, now),
            title=card.masked_name,
            kiosk_id=self._kiosk_id,
            printed_at=now,
            footer_template=FOOTER_TEMPLATE,
            doc_count=len(docs),
        )
        self._audit.record("document.printed", session.actor, emr=emr_id, count=len(docs))
        return job
