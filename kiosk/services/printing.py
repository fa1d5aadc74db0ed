"""Print jobs: chosen documents → an extract from the EMR (R-ACT-3, R-KSK-3, R-SHOW-6).

Each document is one part and starts a new page, under a header that says what the paper
is: the clinic (config ``print.clinic_name``/``clinic_address``), «Выписка из электронной
медицинской карты», the masked name, sex and age («41 год»), the document's kind, date,
organisation and author, and that the data come from the patient's personal account,
with when the cache was last in step with the source. Lab rows print as a table with
the flag in words; a narrative as its sanitised subset; a PDF's pages follow its header
as images. The HTML is built here, Qt-free, so that it is tested without a printer; the
UI's printer adapter lays the parts out and draws the footer (masked name, kiosk id,
print time, «стр. N из M») on every page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING, Protocol

from kiosk.domain.documents import FLAG_WORDS_RU, KIND_NAMES_RU, LabRow
from kiosk.domain.moscow import format_moscow
from kiosk.domain.people import SEX_LABELS_RU, age_words
from kiosk.services.audit import AuditLog
from kiosk.services.clock import SystemClock
from kiosk.services.ports import Clock
from kiosk.services.records import RecordsService
from kiosk.services.session import Session
from kiosk.services.trends import Trend, band_ru, describe_ru, for_documents
from kiosk.services.views import DocumentView, EmrCard

if TYPE_CHECKING:
    from kiosk.services.receipts import Slip

#: On every page: whose pages they are, where and when they were printed, and which.
FOOTER_TEMPLATE = ("{name} · Киоск {kiosk_id} · напечатано {printed_at} (МСК) · "
                   "стр. {page} из {pages}")
EXTRACT_TITLE = "Выписка из электронной медицинской карты"


@dataclass(frozen=True, slots=True)
class PrintPart:
    """One document of a job: its header and content as HTML, and the PDF whose pages
    follow it, drawn as images. Each part starts a new page."""

    html: str
    pdf: bytes | None = None
    #: The trend pictures the HTML names ``kiosk-trend:<index>`` (issue 17 item 1): the
    #: printer adapter draws them with Qt and hands them to the layout as images.
    trends: tuple[Trend, ...] = ()


@dataclass(frozen=True, slots=True)
class PrintJob:
    html: str
    title: str
    kiosk_id: str
    printed_at: datetime
    footer_template: str
    doc_count: int
    #: One part per document; empty for a job that is one flow of HTML (a receipt).
    parts: tuple[PrintPart, ...] = ()

    def footer(self, page: int, pages: int) -> str:
        return self.footer_template.format(
            name=self.title, kiosk_id=self.kiosk_id, printed_at=format_moscow(self.printed_at),
            page=page, pages=pages,
        )


class Printer(Protocol):
    def print_job(self, job: PrintJob) -> None:
        """Lay out and print; raises PrinterError with a plain reason."""
        ...

    def print_slip(self, slip: Slip) -> None:
        """A support receipt or booking slip (:mod:`kiosk.services.receipts`); the same
        errors."""
        ...


def _text_block(text: str) -> str:
    # Plain text stays plain: escape, keep line breaks, never interpret markup.
    return "<br/>".join(escape(line) for line in text.splitlines()) or "&nbsp;"


def _lab_table(rows: Sequence[LabRow]) -> str:
    head = "".join(f"<th align='left'>{h}</th>"
                   for h in ("Показатель", "Результат", "Ед. изм.", "Норма", "Отметка"))
    body = []
    for row in rows:
        flag = FLAG_WORDS_RU.get(row.flag, "")
        value = escape(row.value) + (f" ({escape(row.status)})" if row.status else "")
        if flag:
            value, flag = f"<b>{value}</b>", f"<b>{escape(flag)}</b>"
        body.append(f"<tr><td>{escape(row.analyte)}</td><td>{value}</td>"
                    f"<td>{escape(row.unit)}</td><td>{escape(row.reference)}</td>"
                    f"<td>{flag}</td></tr>")
    return ("<table border='1' cellspacing='0' cellpadding='4' width='100%'>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


def _conclusion(doc: DocumentView) -> str:
    rows = {r.line() for r in doc.results}
    return "\n".join(line for line in doc.text.splitlines() if line not in rows).strip()


def _header(card: EmrCard, doc: DocumentView, clinic: Clinic) -> str:
    synced = format_moscow(card.data_as_of) if card.data_as_of else "нет сведений"
    clinic_lines = "<br/>".join(escape(x) for x in (clinic.name, clinic.address) if x)
    return (
        (f"<p>{clinic_lines}</p>" if clinic_lines else "")
        + f"<h2>{EXTRACT_TITLE}</h2>"
        f"<p>Пациент: <b>{escape(card.masked_name)}</b> · Пол: {SEX_LABELS_RU[card.sex]} · "
        f"Возраст: {age_words(card.age)}</p>"
        f"<h3>{escape(doc.title)}</h3>"
        f"<p><b>{escape(KIND_NAMES_RU[doc.kind])}</b> · "
        f"{format_moscow(doc.created_at, not doc.date_only)}<br/>"
        f"Организация: {escape(doc.organization)} · Автор: {escape(doc.performer)}</p>"
        f"<p><i>Данные из личного кабинета пациента; сверены с источником: {synced}.</i></p>"
        "<hr/>"
    )


#: The name under which a part's HTML refers to its ``i``-th trend picture.
TREND_IMAGE = "kiosk-trend:{}"


def _trend_section(trends: Sequence[Trend]) -> str:
    """Two pictures a row, each over its sentence, so the paper says in words what the
    picture shows (and pdftotext finds it). The picture carries its analyte and unit as
    its heading (``kiosk.ui.lab_trend.TrendTextObject``): a heading line of its own was
    left at a page's foot while the picture went to the next page."""
    cells = []
    for i, t in enumerate(trends):
        band = band_ru(t)
        cells.append(f"<td width='50%' valign='top'>"
                     f"<img src='{TREND_IMAGE.format(i)}'/><br/>"
                     f"{escape(describe_ru(t))}. {escape(band[:1].upper() + band[1:])}.</td>")
    rows = "".join(f"<tr>{''.join(cells[i:i + 2])}</tr>" for i in range(0, len(cells), 2))
    return ("<h3>Динамика показателей</h3><p><i>Значения этих показателей в лабораторных "
            "исследованиях карты; серая полоса — норма, обведено значение этого "
            "исследования.</i></p>"
            f"<table width='100%' cellspacing='0' cellpadding='6'>{rows}</table>")


def _content(doc: DocumentView, trends: Sequence[Trend] = ()) -> str:
    if doc.results:
        words = _conclusion(doc)
        return ((f"<p>{_text_block(words)}</p>" if words else "") + _lab_table(doc.results)
                + (_trend_section(trends) if trends else ""))
    if doc.pdf is not None:
        words = doc.text.strip()
        return (f"<p>{_text_block(words)}</p>" if words else "") + \
            "<p><i>Страницы PDF-документа — на следующих листах.</i></p>"
    if doc.narrative:
        return doc.narrative  # the sanitised subset (kiosk.domain.narrative), as stored
    return f"<p>{_text_block(doc.text)}</p>"


_HEAD = ("<html><head><meta charset='utf-8'/></head>"
         "<body style='font-family: DejaVu Sans; font-size: 11pt'>")


def render_parts(card: EmrCard, documents: Sequence[DocumentView],
                 clinic: Clinic | None = None,
                 trends: Mapping[str, Sequence[Trend]] | None = None) -> tuple[PrintPart, ...]:
    """One part per document: the extract's header on its first page, then its content
    (a lab result's trends, from ``trends`` by document id, after its table)."""
    clinic = clinic or Clinic()
    trends = trends or {}
    parts = []
    for d in documents:
        own = tuple(trends.get(d.doc_id, ()))
        parts.append(PrintPart(_HEAD + _header(card, d, clinic) + _content(d, own)
                               + "</body></html>", d.pdf, own))
    return tuple(parts)


def render_print_html(
    card: EmrCard, documents: Sequence[DocumentView], kiosk_id: str, printed_at: datetime,
    clinic: Clinic | None = None,
) -> str:
    """The whole job as one HTML flow, each document from a new page (search, bench)."""
    clinic = clinic or Clinic()
    body = "".join(
        (f"<div style='page-break-before: always'>{_header(card, d, clinic)}{_content(d)}</div>"
         if i else _header(card, d, clinic) + _content(d))
        for i, d in enumerate(documents))
    return _HEAD + body + "</body></html>"


@dataclass(frozen=True, slots=True)
class Clinic:
    """The clinic the kiosk stands in, as the extract's header names it (config)."""

    name: str = ""
    address: str = ""


class PrintService:
    def __init__(
        self, records: RecordsService, audit: AuditLog, kiosk_id: str, clock: Clock | None = None,
        clinic: Clinic | None = None,
    ) -> None:
        self._clinic = clinic or Clinic()
        self._records = records
        self._audit = audit
        self._kiosk_id = kiosk_id
        self._clock = clock or SystemClock()

    def prepare(self, session: Session, emr_id: str, doc_ids: Sequence[str]) -> PrintJob:
        """Only the chosen documents, each grant-checked (R-ACC-5)."""
        card, docs = self._records.for_print(session, emr_id, doc_ids)
        now = self._clock.now()
        job = PrintJob(
            html=render_print_html(card, docs, self._kiosk_id, now, self._clinic),
            title=card.masked_name,
            kiosk_id=self._kiosk_id,
            printed_at=now,
            footer_template=FOOTER_TEMPLATE,
            doc_count=len(docs),
            parts=render_parts(card, docs, self._clinic,
                               for_documents(self._records, session, emr_id, docs)),
        )
        self._audit.record("document.printed", session.actor, emr=emr_id, count=len(docs))
        return job
