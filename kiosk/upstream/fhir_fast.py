"""The sync's fast path: a search page of documents decoded straight into typed structs.

Why: reading a page as plain dicts (``fhir_parse``) costs ~6 µs per document to decode
and ~15 µs to walk, most of it type checks and dictionary look-ups over a tree that does
not fit in the CPU's caches. msgspec decodes the same bytes into small typed structs in
C, dropping every field the kiosk does not read, in ~4 µs; what is left here is the
meaning (statuses, codes, references, instants, text), with no type checks.

The fast path only takes a page it can read exactly as ``fhir_parse`` would: one whose
every entry is a DocumentReference or a DiagnosticReport and whose every field the kiosk
reads has the type FHIR gives it. Anything else (a wrong type anywhere, an included
Observation, a Patient page, JSON that msgspec refuses) returns ``None`` and the page
goes the dict way, where a bad record is rejected on its own (R-SYNC-4).
``tests/unit/test_fhir_fast.py`` checks that both ways give the same page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from kiosk.domain.documents import KIND_TITLES_RU, DocKind, Document
from kiosk.services.ports import Rejected
from kiosk.upstream.fhir_parse import (
    _ID,
    DOCREF_KINDS,
    DOCREF_OK,
    DOCREF_WITHDRAWN,
    INSTRUMENTAL_SECTIONS,
    LAB_SECTIONS,
    LOINC,
    MAX_TITLE_CHARS,
    OBS_CATEGORY,
    OBS_CATEGORY_KINDS,
    RADIOLOGY_SYSTEM,
    REPORT_NOT_FINAL,
    REPORT_OK,
    REPORT_WITHDRAWN,
    V2_0074,
    ParsedPage,
    _finish_text,
    _human_name,
    _Reject,
    _short,
    _text_of,
    parse_instant,
    render_observation,
)

# ---------------------------------------------------------------- the shapes read

Struct = msgspec.Struct


class _Coding(Struct):
    system: str | None = None
    code: str | None = None
    display: str | None = None


class _Concept(Struct):
    coding: list[_Coding] | None = None
    text: str | None = None


class _Ref(Struct):
    reference: str | None = None
    display: str | None = None


class _Meta(Struct):
    versionId: str | None = None
    lastUpdated: str | None = None
    source: str | None = None


class _Attachment(Struct):
    contentType: str | None = None
    data: str | None = None
    title: str | None = None


class _Content(Struct):
    attachment: _Attachment | None = None


class _Identifier(Struct):
    system: str | None = None


class _Resource(Struct):
    resourceType: str | None = None
    id: str | None = None
    meta: _Meta | None = None
    status: str | None = None
    subject: _Ref | None = None
    contained: list[dict[str, Any]] | None = None
    # DocumentReference
    type: _Concept | None = None
    date: str | None = None
    author: list[_Ref] | None = None
    custodian: _Ref | None = None
    description: str | None = None
    content: list[_Content] | None = None
    # DiagnosticReport
    category: list[_Concept] | None = None
    code: _Concept | None = None
    issued: str | None = None
    effectiveDateTime: str | None = None
    performer: list[_Ref] | None = None
    resultsInterpreter: list[_Ref] | None = None
    conclusion: str | None = None
    result: list[_Ref] | None = None
    presentedForm: list[_Attachment] | None = None
    identifier: list[_Identifier] | None = None


class _Entry(Struct):
    resource: _Resource | None = None


class _Link(Struct):
    relation: str | None = None
    url: str | None = None


class _Bundle(Struct):
    resourceType: str | None = None
    link: list[_Link] | None = None
    entry: list[_Entry] | None = None


_decoder = msgspec.json.Decoder(_Bundle)
_TYPES = frozenset({"DocumentReference", "DiagnosticReport"})


# ---------------------------------------------------------------- the page


def parse_page_bytes(body: bytes) -> ParsedPage | None:
    """The page, or ``None`` when only the dict way can read it exactly."""
    try:
        bundle = _decoder.decode(body)
    except (msgspec.DecodeError, ValueError, RecursionError):
        return None
    try:
        return _page(bundle)
    except Exception:  # never a page half read: the dict way starts it over
        return None


def _page(bundle: _Bundle) -> ParsedPage | None:
    if bundle.resourceType != "Bundle":
        return None
    page = ParsedPage()
    for link in bundle.link or ():
        if link.relation == "next" and link.url is not None:
            page.next_url = link.url
    entries = bundle.entry or ()
    for entry in entries:
        res = entry.resource
        if res is None or res.resourceType not in _TYPES:
            return None  # an entry without a resource, an Observation…: the dict way
    for entry in entries:
        res = entry.resource
        assert res is not None and res.resourceType is not None
        rtype = res.resourceType
        moment = _last_updated(res)
        if moment is not None:
            prev = page.last_updated.get(rtype)
            if prev is None or moment > prev:
                page.last_updated[rtype] = moment
        try:
            if rtype == "DocumentReference":
                doc = _document_reference(res)
            else:
                doc = _diagnostic_report(res)
        except _Reject as rej:
            page.rejected.append(Rejected(_source_id(res, rtype), rej.reason))
            continue
        except Exception:
            page.rejected.append(Rejected(_source_id(res, rtype), "unreadable record"))
            continue
        if isinstance(doc, str):
            page.withdrawn.append(doc)
        else:
            page.documents.append(doc)
    return page


# ---------------------------------------------------------------- small readers


def _source_id(res: _Resource, rtype: str) -> str:
    rid = res.id
    if rid is not None and _ID.match(rid):
        return f"{rtype}/{rid}"
    return f"{rtype}/?"


def _resource_id(res: _Resource) -> str:
    rid = res.id
    if rid is None or not _ID.match(rid):
        raise _Reject("missing or invalid id")
    return rid


def _last_updated(res: _Resource) -> datetime | None:
    meta = res.meta
    if meta is not None and meta.lastUpdated is not None:
        try:
            moment = datetime.fromisoformat(meta.lastUpdated)
        except ValueError:
            return None
        return moment if moment.tzinfo is not None else None
    return None


def _version(res: _Resource) -> str:
    meta = res.meta
    if meta is not None:
        if meta.versionId:
            return meta.versionId[:64]
        if meta.lastUpdated:
            return meta.lastUpdated[:64]
    return "1"


def _patient_ref(res: _Resource) -> str:
    subject = res.subject
    if subject is None:
        raise _Reject("missing subject")
    ref = subject.reference
    if not ref:
        raise _Reject("subject has no reference")
    parts = ref.rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2] == "Patient" and _ID.match(parts[-1]):
        return parts[-1]
    history = len(parts) >= 4 and parts[-4] == "Patient" and parts[-2] == "_history"
    if history and _ID.match(parts[-3]):
        return parts[-3]
    raise _Reject("subject is not a Patient reference")


def _concept_text(concept: _Concept | None) -> str:
    if concept is None:
        return ""
    text = concept.text
    if text is not None and text.strip():
        return text
    codings = concept.coding or ()
    for c in codings:
        if c.display is not None and c.display.strip():
            return c.display
    for c in codings:
        if c.code is not None and c.code.strip():
            return c.code
    return ""


def _contained(res: _Resource) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for item in res.contained or ():
        if isinstance(item.get("id"), str):
            out["#" + item["id"]] = item
    return out


def _party(refs: list[_Ref], contained: dict[str, dict[str, Any]], want: str) -> str:
    """``fhir_parse._party`` over typed references."""
    for item in refs:
        ref = item.reference or ""
        target = contained.get(ref) if ref.startswith("#") else None
        if target is not None:
            rtype = target.get("resourceType")
            if rtype == want == "Organization" and isinstance(target.get("name"), str):
                return target["name"]
            if want == "Practitioner" and rtype in ("Practitioner", "PractitionerRole"):
                name = _human_name(target.get("name"))
                if name:
                    return name
            continue
        head, slash, _ = ref.rpartition("/")
        kind_ok = head.rpartition("/")[2] == want if slash else not ref
        display = item.display
        if kind_ok and display is not None and display.strip():
            return display
    return ""


def _attachment_text(att: _Attachment | None, what: str) -> str | None:
    if att is None:
        raise _Reject(f"{what} is not an object")
    return _text_of(att.contentType, att.data, what)


# ---------------------------------------------------------------- DocumentReference


def _document_reference(res: _Resource) -> Document | str:
    """``fhir_parse._document_reference``; a withdrawn document comes back as its id."""
    doc_id = "DocumentReference/" + _resource_id(res)
    status = res.status
    if status in DOCREF_WITHDRAWN:
        return doc_id
    if status is None:
        raise _Reject("missing status")
    if status not in DOCREF_OK:
        raise _Reject(f"unknown status {status[:30]!r}")
    kind: DocKind | None = None
    codes: list[str] = []
    if res.type is not None:
        for c in res.type.coding or ():
            code = c.code
            if c.system == LOINC and code is not None:
                codes.append(code)
                kind = DOCREF_KINDS.get(code)
                if kind is not None:
                    break
    if kind is None:
        if not codes:
            raise _Reject("missing document type (LOINC)")
        raise _Reject(f"unknown document type LOINC {codes[0][:20]}")
    emr_id = _patient_ref(res)
    created = parse_instant(res.date, "date")
    texts: list[str] = []
    first_title = ""
    for i, content in enumerate(res.content or ()):
        att = content.attachment
        text = _attachment_text(att, f"content[{i}].attachment")
        if text is not None:
            texts.append(text)
        if not first_title and att is not None and att.title is not None:
            first_title = att.title
    if not texts:
        raise _Reject("no text/plain content")
    contained = _contained(res)
    custodian = [res.custodian] if res.custodian is not None else []
    title = res.description or _concept_text(res.type) or first_title or KIND_TITLES_RU[kind]
    return Document(
        doc_id=doc_id,
        emr_id=emr_id,
        kind=kind,
        created_at=created,
        title=_short(title, MAX_TITLE_CHARS),
        organization=_short(_party(custodian, contained, "Organization"), MAX_TITLE_CHARS),
        performer=_short(_party(res.author or [], contained, "Practitioner"), MAX_TITLE_CHARS),
        text=_finish_text("\n\n".join(texts)),
        version=_version(res),
        radiology=False,
    )


# ---------------------------------------------------------------- DiagnosticReport


def _report_kind(res: _Resource) -> DocKind:
    seen: list[str] = []
    for concept in res.category or ():
        for c in concept.coding or ():
            code, system = c.code, c.system
            if code is None:
                continue
            if system in V2_0074:
                seen.append(code)
                if code in LAB_SECTIONS:
                    return DocKind.LAB_RESULT
                if code in INSTRUMENTAL_SECTIONS:
                    return DocKind.INSTRUMENTAL
            elif system == OBS_CATEGORY:
                seen.append(code)
                if code in OBS_CATEGORY_KINDS:
                    return OBS_CATEGORY_KINDS[code]
    if not seen:
        raise _Reject("missing category (v2-0074)")
    raise _Reject(f"unknown category {seen[0][:20]}")


def _is_radiology(res: _Resource) -> bool:
    if res.meta is not None and res.meta.source is not None and res.meta.source.startswith(
        RADIOLOGY_SYSTEM
    ):
        return True
    return any(
        ident.system is not None and ident.system.startswith(RADIOLOGY_SYSTEM)
        for ident in res.identifier or ()
    )


def _diagnostic_report(res: _Resource) -> Document | str:
    """``fhir_parse._diagnostic_report`` for a page without included Observations."""
    doc_id = "DiagnosticReport/" + _resource_id(res)
    status = res.status
    if status in REPORT_WITHDRAWN:
        return doc_id
    if status is None:
        raise _Reject("missing status")
    if status in REPORT_NOT_FINAL:
        raise _Reject(f"status {status} is not final")
    if status not in REPORT_OK:
        raise _Reject(f"unknown status {status[:30]!r}")
    kind = _report_kind(res)
    emr_id = _patient_ref(res)
    if res.issued is not None:
        created = parse_instant(res.issued, "issued")
    elif res.effectiveDateTime is not None:
        created = parse_instant(res.effectiveDateTime, "effectiveDateTime")
    else:
        raise _Reject("missing date (issued or effectiveDateTime)")
    contained = _contained(res)
    lines: list[str] = []
    conclusion = res.conclusion
    if conclusion and conclusion.strip():
        lines.append(f"Заключение: {conclusion.strip()}")
    results = res.result or []
    if results and lines:
        lines.append("")
    for ref in results:
        target = ref.reference or ""
        obs = contained.get(target) if target.startswith("#") else None
        if isinstance(obs, dict) and obs.get("resourceType") == "Observation":
            lines.extend(render_observation(obs))
        else:
            name = ref.display if ref.display is not None else "Показатель"
            lines.append(f"{name}: результат не передан")
    for i, form in enumerate(res.presentedForm or ()):
        text = _text_of(form.contentType, form.data, f"presentedForm[{i}]")
        if text is not None:
            lines.extend(["", text])
    title = _concept_text(res.code) or KIND_TITLES_RU[kind]
    performers = res.performer or []
    organization = _party(performers, contained, "Organization")
    performer = _party(res.resultsInterpreter or [], contained, "Practitioner") or _party(
        performers, contained, "Practitioner"
    )
    return Document(
        doc_id=doc_id,
        emr_id=emr_id,
        kind=kind,
        created_at=created,
        title=_short(title, MAX_TITLE_CHARS),
        organization=_short(organization, MAX_TITLE_CHARS),
        performer=_short(performer, MAX_TITLE_CHARS),
        text=_finish_text("\n".join(lines)),
        version=_version(res),
        radiology=kind is DocKind.INSTRUMENTAL and _is_radiology(res),
    )
