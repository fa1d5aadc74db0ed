"""FHIR R4 JSON → the kiosk's Patient and Document: one typed path (docs/upstream.md).

This module is the entry point: ``Reader`` reads a search page (``Reader.page``) or one
resource, type by type (Patient, DocumentReference, DiagnosticReport, Composition and
FHIR document Bundles). What it reads with lives beside it:

- ``fhir_fields``: ids and references, dates, text on one line, parties; ``Reject``;
- ``fhir_status``: whether a document is shown (``Withdrawn``, not final, replaced);
- ``fhir_kinds``: a document's kind from its codes (tables in ``fhir_codes``);
- ``fhir_content``: attachments, narrative and PDF bytes (``Content``, ``Fetcher``);
- ``fhir_labs``: lab values as rows;
- ``fhir_model``: the typed structs msgspec decodes into.

A search page is decoded as a Bundle whose entries stay raw bytes; each entry is then
decoded on its own into the typed structs of ``fhir_model``. So one record that is not
valid UTF-8, has a field of the wrong type or a shape we did not foresee is rejected
alone with a reason naming the field (R-SYNC-4), and the rest of the page goes in. Why
no FHIR model library: a validated object tree per resource costs more than the whole
rest of the sync, and fhir.resources ships R4B/R5, not R4; msgspec reads only the
fields declared, in C.

What a document carries is what the server sent (``kiosk.domain.documents.Document``).
Reasons name fields and codes, never names, dates of birth or document text (they go
to the reject log).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

import msgspec

from kiosk.domain.documents import KIND_TITLES_RU, MAX_TEXT_CHARS, DocKind, Document, LabRow
from kiosk.domain.narrative import strip_invisible
from kiosk.domain.people import Patient, Sex
from kiosk.services.ports import Rejected
from kiosk.upstream import fhir_model as m
from kiosk.upstream.fhir_content import (
    Content,
    Fetcher,
    narrative_of,
    not_shown,
    plain_note,
    read_attachment,
    read_sections,
)
from kiosk.upstream.fhir_fields import (
    ID,
    MAX_NAME_CHARS,
    MAX_TITLE_CHARS,
    NO_CONTAINED,
    Contained,
    Reject,
    aware_instant,
    checked_id,
    clean,
    concept_text,
    human_name,
    one_line,
    parse_date,
    parties_of,
    party_of,
    patient_id,
    source_id,
    title_line,
    updated_of,
    version_of,
)
from kiosk.upstream.fhir_kinds import document_kind, report_kind
from kiosk.upstream.fhir_labs import report_results, report_rows
from kiosk.upstream.fhir_status import (
    REPORT_FINAL,
    Withdrawn,
    composition_withdrawn,
    docref_withdrawn,
    replaced,
    report_withdrawn,
)

_GENDER = {"male": Sex.MALE, "female": Sex.FEMALE}


@dataclass(frozen=True, slots=True)
class Ignored:
    """A resource of a type that carries no document of its own (an Observation...)."""

    source_id: str


@dataclass(frozen=True, slots=True)
class Radiology:
    """How a study of the city's unified radiology service (ЕРИС) is recognised: by the
    exact host of ``meta.source`` or an exact ``identifier.system`` (R-SHOW-4)."""

    hosts: frozenset[str] = frozenset({"eris.mos.ru"})
    systems: frozenset[str] = frozenset({"https://eris.mos.ru", "https://eris.mos.ru/"})

    def owns(self, source: str | None, systems: Iterable[str | None]) -> bool:
        if source:
            try:
                host = urlsplit(source).hostname
            except ValueError:
                host = None
            if host is not None and host.lower() in self.hosts:
                return True
        return any(s in self.systems for s in systems if s)


@dataclass(slots=True)
class ParsedPage:
    """One Bundle, sorted into what the store needs. ``error`` is a page-level problem."""

    patients: list[Patient] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    next_url: str | None = None
    total: int | None = None
    #: The newest ``meta.lastUpdated`` seen per resource type (what the cursor moves to).
    last_updated: dict[str, datetime] = field(default_factory=dict)
    #: Entries of the searched types (documents, patients, withdrawn and rejected).
    entries: int = 0
    #: The ``_count`` this page was asked with (0: not known), so that paging can tell a
    #: full page from the last one after the count was lowered.
    asked: int = 0
    #: The page is one record that could not be read at all, skipped: paging by
    #: ``_lastUpdated`` must go on strictly after it.
    skipped: bool = False
    error: str | None = None


def _conclusion(res: m.DiagnosticReport) -> str:
    """A report's conclusion in words, else its conclusion codes' words."""
    conclusion = res.conclusion.strip() if res.conclusion else ""
    if not conclusion and res.conclusionCode:
        conclusion = ", ".join(filter(None, map(concept_text, res.conclusionCode)))
    return conclusion


def _report_date(res: m.DiagnosticReport) -> tuple[datetime, bool]:
    """``issued``, else ``effectiveDateTime``, else the start of ``effectivePeriod``."""
    if res.issued is not None:
        return parse_date(res.issued, "issued")
    if res.effectiveDateTime is not None:
        return parse_date(res.effectiveDateTime, "effectiveDateTime")
    if res.effectivePeriod is not None and res.effectivePeriod.start is not None:
        return parse_date(res.effectivePeriod.start, "effectivePeriod.start")
    raise Reject("missing date (issued, effectiveDateTime or effectivePeriod)")


# ---------------------------------------------------------------- the reader


_fromisoformat = datetime.fromisoformat


@dataclass(slots=True)
class Reader:
    """Reads resources into documents with one server's settings.

    ``fetcher`` fetches what a page points at but does not hold (results a server did
    not ``_include``, PDFs by Binary URL); without one, they are simply missing.
    """

    radiology: Radiology = field(default_factory=Radiology)
    fetcher: Fetcher | None = None

    # -- one resource

    def resource(self, raw: bytes, observations: dict[str, m.Observation] | None = None,
                 ) -> Patient | Document | Withdrawn | Rejected | Ignored | list[
                     Document | Withdrawn]:
        """One resource's JSON → what it is for the kiosk (never raises)."""
        try:
            res = m.known_decoder.decode(raw)
        except (msgspec.ValidationError, msgspec.DecodeError) as err:
            return self._undecodable(raw, err)
        try:
            return self.typed(res, observations or {})
        except Reject as rej:
            return Rejected(source_id(type(res).__name__, res.id), rej.reason)
        except Exception:  # a shape we did not foresee: still one rejected record
            return Rejected(source_id(type(res).__name__, res.id), "unreadable record")

    def _undecodable(self, raw: bytes, err: Exception) -> Rejected | Ignored:
        try:
            head = m.head_decoder.decode(raw)
        except (msgspec.ValidationError, msgspec.DecodeError):
            try:  # not UTF-8: the head's id may still be read from the bytes
                head = m.head_decoder.decode(raw.decode("utf-8", "replace").encode())
            except (msgspec.ValidationError, msgspec.DecodeError):
                return Rejected("?/?", "not a JSON object")
            return Rejected(source_id(str(head.resourceType), head.id), "not valid UTF-8")
        rtype = head.resourceType if isinstance(head.resourceType, str) else "?"
        if rtype not in _READ_TYPES:
            return Ignored(source_id(rtype, head.id))
        if "UTF-8" in str(err):
            return Rejected(source_id(rtype, head.id), "not valid UTF-8")
        reason = str(err).replace("`", "")[:200]
        return Rejected(source_id(rtype, head.id), reason)

    def typed(self, res: m.Known, observations: dict[str, m.Observation]
              ) -> Patient | Document | Withdrawn | Ignored | list[Document | Withdrawn]:
        if isinstance(res, m.DocumentReference):
            return self.document_reference(res)
        if isinstance(res, m.DiagnosticReport):
            return self.diagnostic_report(res, observations)
        if isinstance(res, m.Patient):
            return self.patient(res)
        if isinstance(res, m.Composition):
            return self.composition(res, {})
        return Ignored(source_id(type(res).__name__, res.id))

    # -- Patient

    def patient(self, res: m.Patient) -> Patient:
        """Official name (family; given[0] first name, given[1] patronymic)."""
        emr_id = checked_id(res.id)
        names = res.name or []
        if not names:
            raise Reject("missing name")
        chosen = next((n for n in names if n.use == "official"), None)
        if chosen is None:
            chosen = next((n for n in names if n.use in (None, "usual")), names[0])
        family = one_line(chosen.family, MAX_NAME_CHARS)
        if not family:
            raise Reject("missing family name")
        given = [one_line(g, MAX_NAME_CHARS) for g in chosen.given or ()]
        if not given or not given[0]:
            raise Reject("missing given name")
        if res.birthDate is None:
            raise Reject("missing birthDate")
        if not re.match(r"^\d{4}-\d{2}-\d{2}$", res.birthDate):
            raise Reject("birthDate is not a full date")
        try:
            birth = date.fromisoformat(res.birthDate)
        except ValueError:
            raise Reject("birthDate is not a valid date") from None
        return Patient(emr_id=emr_id, family=family, given=given[0],
                       patronymic=given[1] if len(given) > 1 and given[1] else None,
                       birth_date=birth, sex=_GENDER.get(res.gender or "", Sex.UNKNOWN))

    # -- DocumentReference

    def document_reference(self, res: m.DocumentReference
                           ) -> Document | list[Document | Withdrawn]:
        """The document, and the documents it replaces (``relatesTo``), which leave.

        Written for the usual note (one text/plain attachment in UTF-8, no contained
        resources), which most documents of a sync are; other content is gathered by
        ``_docref_content``."""
        rid = res.id
        if rid is None or not ID.match(rid):
            raise Reject("missing or invalid id")
        doc_id = "DocumentReference/" + rid
        if res.status != "current" or res.docStatus is not None:  # else neither applies
            gone = docref_withdrawn(res, doc_id)
            if gone is not None:
                return [gone]
        kind = document_kind(res.type, res.category)
        emr_id = patient_id(res.subject)
        created, date_only = parse_date(res.date, "date")
        note = plain_note(res.content)
        contained = Contained(res.contained) if res.contained else NO_CONTAINED
        organization = parties_of((res.custodian,) if res.custodian else None, contained)[0]
        performer = parties_of(res.author, contained)[1]
        if note is None:
            content, first_title = self._docref_content(res)
        else:
            text, first_title = note
        title = res.description or concept_text(res.type) or first_title or KIND_TITLES_RU[kind]
        if note is None:
            doc = self._document(
                doc_id, emr_id, kind, created, date_only, content, title=title,
                organization=organization, performer=performer, meta=res.meta,
                radiology=False)
        else:
            doc = Document(doc_id, emr_id, kind, created, title_line(title), organization,
                           performer, text, version_of(res.meta), False, "", (), None,
                           date_only, updated_of(res.meta))
        if res.status == "current" and res.relatesTo:
            return [doc, *replaced(res.relatesTo, doc_id)]
        return doc

    def _docref_content(self, res: m.DocumentReference) -> tuple[Content, str]:
        """A DocumentReference's attachments gathered, and the first one's title."""
        content = Content()
        first_title = ""
        for i, item in enumerate(res.content or ()):
            read_attachment(content, item.attachment, f"content[{i}].attachment", self.fetcher)
            if not first_title and item.attachment is not None and item.attachment.title:
                first_title = item.attachment.title
        if content.empty():
            raise Reject("no readable content" + not_shown(content))
        return content, first_title

    # -- DiagnosticReport

    def diagnostic_report(self, res: m.DiagnosticReport,
                          observations: dict[str, m.Observation]) -> Document | Withdrawn:
        """``observations``: ``"Observation/<id>"`` and full URLs → the page's Observations.

        Written for the usual report (a conclusion and results), as
        ``document_reference`` is; presented forms and reports with nothing else to show
        go through ``_report_content``."""
        rid = res.id
        if rid is None or not ID.match(rid):
            raise Reject("missing or invalid id")
        doc_id = "DiagnosticReport/" + rid
        if res.status != "final":  # else it is shown
            gone = report_withdrawn(res, doc_id)
            if gone is not None:
                return gone
        emr_id = patient_id(res.subject)
        created, date_only = _report_date(res)
        contained = Contained(res.contained) if res.contained else NO_CONTAINED
        results = report_results(res.result, contained, observations) if res.result else []
        kind = report_kind(res, results)
        conclusion = _conclusion(res)
        rows = report_rows(results, contained, observations) if results else None
        organization, doctor = parties_of(res.performer, contained)
        if res.resultsInterpreter:
            doctor = parties_of(res.resultsInterpreter, contained)[1] or doctor
        radiology = kind is DocKind.INSTRUMENTAL and self._eris(res)
        title = concept_text(res.code) or KIND_TITLES_RU[kind]
        if res.presentedForm or not (conclusion or rows):
            content = self._report_content(res, conclusion, rows)
            return self._document(
                doc_id, emr_id, kind, created, date_only, content, title=title,
                organization=organization, performer=doctor, meta=res.meta,
                radiology=radiology)
        text = clean(strip_invisible(f"Заключение: {conclusion}")).strip() if conclusion else ""
        if len(text) > MAX_TEXT_CHARS:
            raise Reject(f"text over {MAX_TEXT_CHARS} characters")
        return Document(
            doc_id, emr_id, kind, created, title_line(title), organization,
            doctor, text, version_of(res.meta), radiology, "", tuple(rows) if rows else (),
            None, date_only, updated_of(res.meta))

    def _eris(self, res: m.DiagnosticReport) -> bool:
        """Whether an instrumental study is the radiology service's (R-SHOW-4)."""
        return self.radiology.owns(res.meta.source if res.meta is not None else None,
                                   [i.system for i in res.identifier or ()])

    def _report_content(self, res: m.DiagnosticReport, conclusion: str,
                        rows: list[LabRow] | None) -> Content:
        """The conclusion, the rows, the presented forms; the narrative when there is
        nothing else."""
        content = Content()
        if conclusion:
            content.texts.append(clean(strip_invisible(f"Заключение: {conclusion}")))
        if rows:
            content.add_rows(rows)
        for i, form in enumerate(res.presentedForm or ()):
            read_attachment(content, form, f"presentedForm[{i}]", self.fetcher)
        if content.empty():
            markup, words = narrative_of(res.text)
            if words:
                content.add_narrative(markup, words)
        if content.empty():
            raise Reject("no readable content" + not_shown(content))
        return content

    # -- Composition (and FHIR document Bundles)

    def composition(self, res: m.Composition, parties: dict[str, str]) -> Document | Withdrawn:
        """A Composition as one document made of its sections' narratives; ``parties``:
        the display names of the document Bundle's Organizations and Practitioners."""
        doc_id = "Composition/" + checked_id(res.id)
        withdrawn = composition_withdrawn(res, doc_id)
        if withdrawn is not None:
            return withdrawn
        kind = document_kind(res.type, res.category)
        emr_id = patient_id(res.subject)
        created, date_only = parse_date(res.date, "date")
        content = Content()
        parts: list[str] = []
        words: list[str] = []
        read_sections(res.section or (), parts, words, 0)
        if not words:
            markup, text = narrative_of(res.text)
            parts, words = [markup], [text]
        if any(w.strip() for w in words):
            content.add_narrative("".join(parts), "\n\n".join(w for w in words if w.strip()))
        if content.empty():
            raise Reject("no readable content (no section narrative)")
        contained = Contained(res.contained) if res.contained else NO_CONTAINED

        def party(refs: Sequence[m.Ref] | None, want: str) -> str:
            for ref in refs or ():
                name = parties.get(ref.reference or "")
                if name and (ref.reference or "").find(want) >= 0:
                    return one_line(name, MAX_TITLE_CHARS)
            return party_of(refs, contained, want)

        return self._document(
            doc_id, emr_id, kind, created, date_only, content,
            title=res.title or concept_text(res.type) or KIND_TITLES_RU[kind],
            organization=party([res.custodian] if res.custodian else None, "Organization"),
            performer=party(res.author, "Practitioner"), meta=res.meta, radiology=False)

    def document_bundle(self, entries: Sequence[m.Entry]) -> Document | Withdrawn | Rejected:
        """A FHIR document (Bundle of type ``document``): its Composition, whose author
        and custodian are found among the Bundle's other entries."""
        parties: dict[str, str] = {}
        composition: m.Composition | None = None
        for entry in entries:
            try:
                res = m.known_decoder.decode(entry.resource)
            except (msgspec.ValidationError, msgspec.DecodeError):
                continue
            name = ""
            if isinstance(res, m.Organization):
                name = res.name or ""
            elif isinstance(res, m.Practitioner):
                name = human_name(res.name)
            elif isinstance(res, m.Composition) and composition is None:
                composition = res
            if name:
                for key in (entry.fullUrl, f"{type(res).__name__}/{res.id}"):
                    if key:
                        parties[key] = name
        if composition is None:
            return Rejected("Bundle/?", "document Bundle without a Composition")
        try:
            return self.composition(composition, parties)
        except Reject as rej:
            return Rejected(source_id("Composition", composition.id), rej.reason)

    # -- the document itself

    @staticmethod
    def _document(doc_id: str, emr_id: str, kind: DocKind, created: datetime, date_only: bool,
                  content: Content, *, title: str, organization: str, performer: str,
                  meta: m.Meta | None, radiology: bool) -> Document:
        """``organization`` and ``performer`` already on one line (``parties_of``)."""
        lines = content.texts  # each made clean as it was added
        if content.pdf is not None and not lines:
            lines = ["Документ в формате PDF."]
        text = (lines[0] if len(lines) == 1 else "\n\n".join(lines)).strip()
        if len(text) > MAX_TEXT_CHARS:
            raise Reject(f"text over {MAX_TEXT_CHARS} characters")
        narrative = clean("".join(content.narratives)) if content.narratives else ""
        if len(narrative) > MAX_TEXT_CHARS * 2:
            raise Reject(f"narrative over {MAX_TEXT_CHARS * 2} characters")
        return Document(
            doc_id=doc_id, emr_id=emr_id, kind=kind, created_at=created,
            title=one_line(title, MAX_TITLE_CHARS), organization=organization,
            performer=performer, text=text, version=version_of(meta), radiology=radiology,
            narrative=narrative, results=tuple(content.rows) if content.rows else (),
            pdf=content.pdf, date_only=date_only, updated=updated_of(meta))

    # -- a page

    def page(self, body: bytes) -> ParsedPage:
        """Every entry of a search (or collection) Bundle; one bad entry is rejected alone.

        The whole page is first decoded in one call into typed entries (the usual case);
        when any entry cannot be (a wrong type, an unknown resource type, bytes that are
        not UTF-8), the page is decoded again with raw entries, each then decoded alone,
        so that only the bad one is rejected. The same structs and rules either way.
        """
        page = ParsedPage()
        # msgspec checks the UTF-8 of every string it reads (a bad one fails the decode,
        # and the page is read again entry by entry); strings it skips or keeps raw are
        # never used unread, so the page is not checked as a whole (10 µs a document).
        entries: Sequence[m.TypedEntry | _Item] | None
        head: m.Bundle | m.TypedBundle
        try:
            head = m.typed_bundle_decoder.decode(body)
            entries = head.entry or ()
        except (msgspec.ValidationError, msgspec.DecodeError):
            entries = None
        if entries is None:
            try:
                head = m.bundle_decoder.decode(body)
            except (msgspec.ValidationError, msgspec.DecodeError) as err:
                body = _tolerant(body)
                try:
                    head = m.bundle_decoder.decode(body)
                except (msgspec.ValidationError, msgspec.DecodeError):
                    page.error = "not a Bundle: " + str(err).replace("`", "")[:120]
                    return page
            entries = [_Item(e.fullUrl, self._entry(i, e.resource, page))
                       for i, e in enumerate(head.entry or ())]
        if head.resourceType != "Bundle":
            page.error = "not a Bundle"
            return page
        page.total = head.total
        for link in head.link or ():
            if link.relation == "next" and link.url:
                page.next_url = link.url
        self._entries(entries, page)
        return page

    def _entry(self, i: int, raw: msgspec.Raw, page: ParsedPage) -> object:
        """One raw entry decoded alone: the resource, or why not."""
        if not raw:
            return Rejected(f"entry[{i}]", "entry without a resource")
        data = bytes(raw)
        try:
            return m.known_decoder.decode(data)
        except (msgspec.ValidationError, msgspec.DecodeError) as err:
            res = self._undecodable(data, err)
            if isinstance(res, Rejected):
                self._stamp(page, data)
            return res

    def _entries(self, entries: Sequence[m.TypedEntry | _Item], page: ParsedPage) -> None:
        """Each record read into the page's lists, and the cursor moved to the newest
        ``meta.lastUpdated`` of each type. Written for the usual page of one type, with
        one Python call per record (a call costs as much as reading a few fields)."""
        decoded, observations, reports = _sorted_out(entries, page)
        if reports and self.fetcher is not None:
            self._fetch_missing(reports, observations)
        documents, rejected = page.documents, page.rejected
        newest: dict[type, datetime] = {}
        read = 0
        for res in decoded:
            cls = type(res)
            if cls not in _READ:
                if cls is Rejected:
                    read += 1
                    rejected.append(res)
                continue
            read += 1
            meta = res.meta
            if meta is not None:
                try:  # aware_instant, written out
                    moment = _fromisoformat(meta.lastUpdated)
                except (TypeError, ValueError):
                    moment = None
                if moment is not None and moment.tzinfo is not None:
                    prev = newest.get(cls)
                    if prev is None or moment > prev:
                        newest[cls] = moment
            try:
                if cls is m.DocumentReference:
                    out = self.document_reference(res)
                elif cls is m.DiagnosticReport:
                    out = self.diagnostic_report(res, observations)
                else:
                    out = self.typed(res, observations)
            except Reject as rej:
                rejected.append(Rejected(source_id(cls.__name__, res.id), rej.reason))
                continue
            except Exception:
                rejected.append(Rejected(source_id(cls.__name__, res.id), "unreadable record"))
                continue
            if type(out) is Document:
                documents.append(out)
            else:
                _file(page, out)
        page.entries += read
        for cls, moment in newest.items():
            prev = page.last_updated.get(cls.__name__)
            if prev is None or moment > prev:
                page.last_updated[cls.__name__] = moment

    @staticmethod
    def _stamp(page: ParsedPage, raw: bytes) -> None:
        """A rejected record still moves its type's cursor on, past itself."""
        try:
            head = m.head_decoder.decode(raw.decode("utf-8", "replace").encode())
        except (msgspec.ValidationError, msgspec.DecodeError):
            return
        if isinstance(head.resourceType, str) and isinstance(head.meta, dict):
            moment = aware_instant(head.meta.get("lastUpdated"))
            if moment is not None:
                prev = page.last_updated.get(head.resourceType)
                if prev is None or moment > prev:
                    page.last_updated[head.resourceType] = moment

    def _fetch_missing(self, reports: Sequence[m.DiagnosticReport],
                       observations: dict[str, m.Observation]) -> None:
        """Results the server did not ``_include``, asked for by id in one request."""
        if self.fetcher is None:
            return
        wanted: list[str] = []
        for res in reports:
            if not res.result or res.status not in REPORT_FINAL:
                continue
            for ref in res.result or ():
                target = ref.reference or ""
                if target.startswith("Observation/") and target not in observations:
                    rid = target.split("/", 1)[1]
                    if ID.match(rid):
                        wanted.append(rid)
        if not wanted:
            return
        self._fetch_into(wanted, observations)
        members = [ref.reference.split("/", 1)[1] for obs in list(observations.values())
                   for ref in obs.hasMember or () if ref.reference
                   and ref.reference.startswith("Observation/")
                   and ref.reference not in observations]
        if members:
            self._fetch_into(members, observations)  # a panel's members, one level

    def _fetch_into(self, ids: list[str], observations: dict[str, m.Observation]) -> None:
        assert self.fetcher is not None
        for raw in self.fetcher.observations(sorted(set(ids))):
            try:
                obs = m.known_decoder.decode(raw)
            except (msgspec.ValidationError, msgspec.DecodeError):
                continue
            if isinstance(obs, m.Observation) and obs.id:
                observations["Observation/" + obs.id] = obs


#: The resource types read into documents and patients (others feed them or are ignored).
_READ = frozenset({m.Patient, m.DocumentReference, m.DiagnosticReport, m.Composition})
_READ_TYPES = frozenset(cls.__name__ for cls in _READ)
_RESOURCES = frozenset({*_READ, m.Observation, m.Binary, m.Organization, m.Practitioner})


class _Item:
    """A raw entry decoded alone (``Reader._entry``), shaped as a typed entry."""

    __slots__ = ("fullUrl", "resource")

    def __init__(self, full_url: str | None, resource: object) -> None:
        self.fullUrl = full_url
        self.resource = resource


def _sorted_out(entries: Sequence[m.TypedEntry | _Item], page: ParsedPage,
                ) -> tuple[list[Any], dict[str, m.Observation], list[m.DiagnosticReport]]:
    """A page's entries to read, its Observations by reference (``Observation/<id>``
    and full URL), which are results of its reports rather than documents, and its
    reports (whose results a server may have left out)."""
    decoded: list[Any] = []
    observations: dict[str, m.Observation] = {}
    reports: list[m.DiagnosticReport] = []
    for i, entry in enumerate(entries):
        res: Any = entry.resource
        cls = type(res)
        if cls in _RESOURCES:
            if res.id is None:
                full_url = entry.fullUrl
                if full_url and full_url.startswith("urn:uuid:"):
                    res.id = full_url[9:]  # a resource not yet stored: its bundle name
            if cls is m.Observation:
                if res.id:
                    observations["Observation/" + res.id] = res
                if entry.fullUrl:
                    observations[entry.fullUrl] = res
                continue
            if cls is m.DiagnosticReport:
                reports.append(res)
        elif res is None:
            page.rejected.append(Rejected(f"entry[{i}]", "entry without a resource"))
            continue
        decoded.append(res)
    return decoded, observations, reports


def _file(page: ParsedPage, out: object) -> None:
    """What a record gave, each into its list of the page."""
    for item in out if isinstance(out, list) else [out]:
        if isinstance(item, Document):
            page.documents.append(item)
        elif isinstance(item, Patient):
            page.patients.append(item)
        elif isinstance(item, Withdrawn):
            page.withdrawn.append(item.doc_id)


def _tolerant(body: bytes) -> bytes:
    """A page msgspec refuses, read by the standard decoder, which takes what JSON
    allows and msgspec does not (a lone surrogate escape): such characters become
    ``?`` in the one record that holds them, instead of the whole page failing."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return body
    try:
        return json.dumps(data, ensure_ascii=False, allow_nan=False).encode("utf-8", "replace")
    except (ValueError, RecursionError):
        return body


def parse_page(body: bytes, reader: Reader | None = None) -> ParsedPage:
    """A search page read with ``reader`` (default settings, no fetching)."""
    return (reader or Reader()).page(body)


def read_value(value: object, observations: dict[str, object] | None = None,
               reader: Reader | None = None) -> object:
    """Any decoded JSON value read as one resource (a document's first outcome), with
    ``observations`` (reference → resource) on its page: for tests and fuzzing, which
    build resources as dicts."""
    entries = [{"resource": value}] + [
        {"fullUrl": key, "resource": obs} for key, obs in (observations or {}).items()]
    body = json.dumps({"resourceType": "Bundle", "entry": entries}, ensure_ascii=False,
                      default=str).encode("utf-8", "replace")
    page = (reader or Reader()).page(body)
    for found in (page.patients, page.documents, page.rejected):
        if found:
            return found[0]
    if page.withdrawn:
        return Withdrawn(page.withdrawn[0], "withdrawn")
    return Ignored("?/?") if page.error is None else Rejected("?/?", page.error)


def read_bundle_value(value: object, reader: Reader | None = None) -> ParsedPage:
    """A decoded JSON value read as a search page (tests and fuzzing)."""
    body = json.dumps(value, ensure_ascii=False, default=str).encode("utf-8", "replace")
    return (reader or Reader()).page(body)
