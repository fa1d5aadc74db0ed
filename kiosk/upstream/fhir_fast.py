"""The sync's fast path: a search page of documents decoded straight into typed structs.

Why: reading a page as plain dicts (``fhir_parse``) costs ~6 µs per document to decode
and ~15 µs to walk, most of it type checks and dictionary look-ups over a tree that does
not fit in the CPU's caches. msgspec decodes the same bytes into small typed structs in
C, dropping every field the kiosk does not read, in ~4 µs; what is left here is the
meaning (statuses, codes, references, instants, text), with no type checks.

The fast path only takes a page it can read exactly as ``fhir_parse`` would: one whose
every entry is a DocumentReference, a DiagnosticReport or an Observation the reports
include, and whose every field the kiosk reads has the type FHIR gives it. Anything else
(a wrong type anywhere, a Patient page, JSON that msgspec refuses) returns ``None`` and
the page goes the dict way, where a bad record is rejected on its own (R-SYNC-4).
``tests/unit/test_fhir_fast.py`` checks that both ways give the same page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec

from kiosk.domain.documents import KIND_TITLES_RU, DocKind, Document
from kiosk.services.ports import Rejected, UpstreamError
from kiosk.upstream.fhir_parse import (
    DOCREF_OK,
    REPORT_OK,
    ParsedPage,
    _Reject,
    aware_instant,
    concept_words,
    contained_by_ref,
    docref_kind,
    docref_withdrawn,
    document_of,
    included_observations,
    is_radiology,
    parse_instant,
    party_of,
    patient_id,
    render_observation,
    report_kind,
    report_parties,
    report_withdrawn,
    resource_id,
    source_id,
    text_of_bytes,
    version_of,
)
from kiosk.upstream.http import decode_json_bytes

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
    #: msgspec reads base64 in C as strictly as ``binascii`` (the differential test holds
    #: it to that); data that is not base64 sends the page the dict way.
    data: bytes | None = None
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
        return _page(bundle, body)
    except Exception:  # never a page half read: the dict way starts it over
        return None


def _page(bundle: _Bundle, body: bytes) -> ParsedPage | None:
    if bundle.resourceType != "Bundle":
        return None
    page = ParsedPage()
    for link in bundle.link or ():
        if link.relation == "next" and link.url is not None:
            page.next_url = link.url
    entries = bundle.entry or ()
    observations = False
    for entry in entries:
        res = entry.resource
        if res is None:
            return None  # an entry without a resource: the dict way rejects it
        if res.resourceType == "Observation":
            observations = True
        elif res.resourceType not in _TYPES:
            return None  # a Patient, another type: the dict way
    included = _included(body, entries) if observations else _NONE
    if included is None:
        return None
    for entry in entries:
        res = entry.resource
        assert res is not None and res.resourceType is not None
        rtype = res.resourceType
        if rtype == "Observation":
            continue  # read through the reports that name them
        moment = _last_updated(res)
        if moment is not None:
            prev = page.last_updated.get(rtype)
            if prev is None or moment > prev:
                page.last_updated[rtype] = moment
        try:
            if rtype == "DocumentReference":
                doc = _document_reference(res)
            else:
                doc = _diagnostic_report(res, included)
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


class _RawEntry(Struct):
    fullUrl: str | None = None
    resource: msgspec.Raw = msgspec.Raw()  # its JSON as it came (null included)


class _RawBundle(Struct):
    entry: list[_RawEntry] | None = None


_raw_decoder = msgspec.json.Decoder(_RawBundle)
#: orjson reads an integer past 64 bits as a float, the standard decoder as an int, and
#: the dict way uses the standard one for a whole page when orjson refuses anything on
#: it; an Observation decoded alone could then read differently. Such pages (19 digits
#: in a row anywhere in an Observation, strings included) go the dict way.
_LONG_DIGITS = re.compile(rb"\d{19}")


def _included(body: bytes, entries: Sequence[_Entry]) -> dict[str, Any] | None:
    """A page's ``_include``d Observations exactly as the dict way has them: each one's
    JSON decoded by the dict way's decoder (JSON values do not depend on what surrounds
    them), the map made by its function. Their many value types are then rendered by the
    dict way's own ``render_observation``."""
    raw = _raw_decoder.decode(body).entry or []
    if len(raw) != len(entries):
        return None
    found = []
    for typed, entry in zip(entries, raw, strict=True):
        res = typed.resource
        if res is not None and res.resourceType == "Observation":
            data = bytes(entry.resource)
            if _LONG_DIGITS.search(data):
                return None  # see _LONG_DIGITS
            try:
                obs = decode_json_bytes(data, "fhir", "page")
            except UpstreamError:
                return None
            found.append({"fullUrl": entry.fullUrl, "resource": obs})
    return included_observations(found)


# ---------------------------------------------------------------- small readers


def _source_id(res: _Resource, rtype: str) -> str:
    return source_id(rtype, res.id)


def _last_updated(res: _Resource) -> datetime | None:
    return aware_instant(res.meta.lastUpdated) if res.meta is not None else None


def _concept_text(concept: _Concept | None) -> str:
    if concept is None:
        return ""
    text = concept.text
    if text is not None and text.strip():  # concept_words' first answer, sooner
        return text
    return concept_words(text, [(c.display, c.code) for c in concept.coding or ()])


def _pairs(refs: list[_Ref] | None) -> list[tuple[object, object]]:
    return [(r.reference, r.display) for r in refs or ()]


def _party(refs: list[_Ref] | None, contained: dict[str, dict[str, Any]], want: str) -> str:
    if refs is not None and len(refs) == 1:  # the usual custodian or author
        ref, display = refs[0].reference, refs[0].display
        if not (isinstance(ref, str) and ref.startswith("#")):
            key = (want, ref, display)
            done = _PARTY_MEMO.get(key)
            if done is None:
                done = _remember(key, party_of([(ref, display)], contained, want))
            return done
    return party_of(_pairs(refs), contained, want)


def _report_parties(
    performers: list[_Ref] | None, interpreters: list[_Ref] | None,
    contained: dict[str, dict[str, Any]],
) -> tuple[str, str]:
    pairs, doctors = _pairs(performers), _pairs(interpreters)
    key = _memo_key(pairs + doctors, len(pairs))
    if key is None:
        return report_parties(pairs, doctors, contained)
    done = _PARTY_MEMO.get(key)
    if done is None:
        done = _remember(key, report_parties(pairs, doctors, contained))
    return done


#: Organisations and doctors by their references: a sync sees a few hundred of them
#: thousands of times. Only references to no contained resource (``#id``) are
#: remembered: without one, ``party_of`` never looks at the contained resources.
_PARTY_MEMO: dict[tuple[object, ...], Any] = {}
_PARTY_MEMO_MAX = 4096


def _memo_key(pairs: list[tuple[object, object]], tag: object) -> tuple[object, ...] | None:
    for ref, _ in pairs:
        if isinstance(ref, str) and ref.startswith("#"):
            return None
    return (tag, *pairs)


def _remember(key: tuple[object, ...], value: Any) -> Any:
    if len(_PARTY_MEMO) >= _PARTY_MEMO_MAX:
        _PARTY_MEMO.clear()
    _PARTY_MEMO[key] = value
    return value


# ---------------------------------------------------------------- DocumentReference


def _document_reference(res: _Resource) -> Document | str:
    """``fhir_parse._document_reference``; a withdrawn document comes back as its id.

    Written out in one function, with the repeated parts remembered: it runs for most
    documents of a sync, and a call or a small tuple is ~0.1 µs of its ~4.
    """
    doc_id = "DocumentReference/" + resource_id(res.id)
    if res.status not in DOCREF_OK and docref_withdrawn(res.status):
        return doc_id
    codings = (res.type.coding or ()) if res.type is not None else ()
    if len(codings) == 1:  # the usual single LOINC code
        key = (codings[0].system, codings[0].code)
        kind = _DOCREF_KINDS.get(key)
        if kind is None:
            kind = _DOCREF_KINDS[key] = docref_kind((key,))
    else:
        kind = docref_kind((c.system, c.code) for c in codings)
    if res.subject is None:
        raise _Reject("missing subject")
    emr_id = patient_id(res.subject.reference)
    created = parse_instant(res.date, "date")
    texts: list[str] = []
    clean = True
    first_title = ""
    for i, content in enumerate(res.content or ()):
        att = content.attachment
        if att is None:
            raise _Reject(f"content[{i}].attachment is not an object")
        read = text_of_bytes(att.contentType, att.data, _content_what(i))
        if read is not None:
            texts.append(read[0])
            clean = clean and read[1]
        if not first_title and att.title is not None:
            first_title = att.title
    if not texts:
        raise _Reject("no text/plain content")
    contained = contained_by_ref(res.contained) if res.contained is not None else _NONE
    custodian = [res.custodian] if res.custodian is not None else []
    title = res.description or _concept_text(res.type) or first_title or KIND_TITLES_RU[kind]
    meta = res.meta
    return document_of(
        doc_id, emr_id, kind, created, title=title,
        organization=_party(custodian, contained, "Organization"),
        performer=_party(res.author, contained, "Practitioner"),
        text="\n\n".join(texts),
        version=version_of(meta.versionId, meta.lastUpdated) if meta is not None else "1",
        radiology=False, clean_text=clean,
    )


#: A single ``(system, code)`` of a DocumentReference's type → its kind (a sync sees a
#: handful of codes; an unknown one is refused each time it comes).
_DOCREF_KINDS: dict[tuple[object, object], DocKind] = {}
#: No contained resources (shared; never written to).
_NONE: dict[str, dict[str, Any]] = {}
_CONTENT_WHAT = tuple(f"content[{i}].attachment" for i in range(4))


def _content_what(i: int) -> str:
    return _CONTENT_WHAT[i] if i < len(_CONTENT_WHAT) else f"content[{i}].attachment"


# ---------------------------------------------------------------- DiagnosticReport


def _is_radiology(res: _Resource) -> bool:
    return is_radiology(res.meta.source if res.meta is not None else None,
                        [i.system for i in res.identifier or ()])


def _diagnostic_report(res: _Resource, included: dict[str, Any]) -> Document | str:
    """``fhir_parse._diagnostic_report`` (written out as ``_document_reference`` is);
    ``included``: the page's Observations (``_included``)."""
    doc_id = "DiagnosticReport/" + resource_id(res.id)
    if res.status not in REPORT_OK and report_withdrawn(res.status):
        return doc_id
    categories = res.category or ()
    codings = categories[0].coding if len(categories) == 1 else None
    if codings is not None and len(codings) == 1:  # the usual single section code
        key = (codings[0].system, codings[0].code)
        kind = _REPORT_KINDS.get(key)
        if kind is None:
            kind = _REPORT_KINDS[key] = report_kind((key,))
    else:
        kind = report_kind((c.system, c.code) for concept in categories
                           for c in concept.coding or ())
    if res.subject is None:
        raise _Reject("missing subject")
    emr_id = patient_id(res.subject.reference)
    if res.issued is not None:
        created = parse_instant(res.issued, "issued")
    elif res.effectiveDateTime is not None:
        created = parse_instant(res.effectiveDateTime, "effectiveDateTime")
    else:
        raise _Reject("missing date (issued or effectiveDateTime)")
    contained = contained_by_ref(res.contained) if res.contained is not None else _NONE
    lines: list[str] = []
    conclusion = res.conclusion
    if conclusion and conclusion.strip():
        lines.append(f"Заключение: {conclusion.strip()}")
    results = res.result or ()
    if results and lines:
        lines.append("")
    for ref in results:
        target = ref.reference or ""
        obs = contained.get(target) if target.startswith("#") else included.get(target)
        if obs is None and "/Observation/" in target:
            obs = included.get("Observation/" + target.rsplit("/", 1)[-1])
        if isinstance(obs, dict) and obs.get("resourceType") == "Observation":
            lines.extend(render_observation(obs))
        else:
            name = ref.display if ref.display is not None else "Показатель"
            lines.append(f"{name}: результат не передан")
    for i, form in enumerate(res.presentedForm or ()):
        read = text_of_bytes(form.contentType, form.data, f"presentedForm[{i}]")
        if read is not None:
            lines.extend(["", read[0]])
    title = _concept_text(res.code) or KIND_TITLES_RU[kind]
    organization, performer = _report_parties(res.performer, res.resultsInterpreter, contained)
    meta = res.meta
    return document_of(
        doc_id, emr_id, kind, created, title=title,
        organization=organization,
        performer=performer,
        text="\n".join(lines),
        version=version_of(meta.versionId, meta.lastUpdated) if meta is not None else "1",
        radiology=kind is DocKind.INSTRUMENTAL and _is_radiology(res),
    )


#: A single ``(system, code)`` of a report's single category → its kind.
_REPORT_KINDS: dict[tuple[object, object], DocKind] = {}
