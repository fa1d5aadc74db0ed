"""FHIR R4 JSON → the kiosk's Patient and Document, in plain dict code.

Why no FHIR model library: the sync must move 200k documents over loopback HTTP at a
good fraction of raw SQLite speed, and building a validated object tree per resource
costs more than the whole rest of the pipeline (and fhir.resources ships R4B/R5, not
R4). We read the handful of fields the kiosk needs, check their types ourselves, and
turn every problem into a ``Rejected(source_id, reason)``: one bad record never stops
a page (R-SYNC-4), and nothing here raises (a fuzz test holds us to it).

The codes we accept are listed below and in docs/upstream.md. Reasons name fields and
codes, never names, dates of birth or document text (they go to the reject log).
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from kiosk.domain.documents import KIND_TITLES_RU, MAX_TEXT_CHARS, DocKind, Document
from kiosk.domain.people import Patient, Sex
from kiosk.domain.records import slots_constructor
from kiosk.services.ports import Rejected

# ---------------------------------------------------------------- the codes we chose

LOINC = "http://loinc.org"
#: DocumentReference.type (LOINC) → kind. Notes of a doctor's examination are "exam
#: protocols" (протоколы осмотров); the two discharge codes are hospital discharge
#: summaries (выписные эпикризы).
DOCREF_KINDS: dict[str, DocKind] = {
    "11488-4": DocKind.EXAM_PROTOCOL,  # Consult note
    "34108-1": DocKind.EXAM_PROTOCOL,  # Outpatient note
    "11506-3": DocKind.EXAM_PROTOCOL,  # Progress note
    "34117-2": DocKind.EXAM_PROTOCOL,  # History and physical note
    "18842-5": DocKind.DISCHARGE_SUMMARY,  # Discharge summary
    "11490-0": DocKind.DISCHARGE_SUMMARY,  # Physician discharge summary
}

V2_0074 = frozenset(
    {"http://terminology.hl7.org/CodeSystem/v2-0074", "http://hl7.org/fhir/v2/0074"}
)
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
#: DiagnosticReport.category (HL7 v2 table 0074, "diagnostic service section") → kind.
LAB_SECTIONS = frozenset(
    {"LAB", "BG", "BLB", "CG", "CH", "CP", "GE", "HM", "HLA", "IMM", "MB", "MCB", "MYC",
     "PAT", "SP", "SR", "TX", "URN", "VR"}
)
INSTRUMENTAL_SECTIONS = frozenset(
    {"RAD", "CT", "CUS", "EC", "EN", "NMR", "NMS", "OUS", "RUS", "VUS", "XRC", "PF", "AU",
     "CTH"}
)
#: The same from the observation-category code system, which some servers use instead.
OBS_CATEGORY_KINDS = {
    "laboratory": DocKind.LAB_RESULT,
    "imaging": DocKind.INSTRUMENTAL,
    "procedure": DocKind.INSTRUMENTAL,
}

#: The city's unified radiology service (ЕРИС ЕМИАС). A study is theirs when the
#: resource's ``meta.source`` or one of its ``identifier.system`` starts with this URI.
RADIOLOGY_SYSTEM = "https://eris.mos.ru"

DOCREF_WITHDRAWN = frozenset({"entered-in-error", "superseded"})
DOCREF_OK = frozenset({"current"})
REPORT_OK = frozenset({"final", "amended", "corrected", "appended"})
REPORT_WITHDRAWN = frozenset({"entered-in-error", "cancelled"})
REPORT_NOT_FINAL = frozenset({"registered", "partial", "preliminary", "unknown"})

MAX_TITLE_CHARS = 500
MAX_NAME_CHARS = 200

_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$")

_GENDER = {"male": Sex.MALE, "female": Sex.FEMALE, "other": Sex.UNKNOWN, "unknown": Sex.UNKNOWN}


@dataclass(frozen=True, slots=True)
class Withdrawn:
    """A document the source marked entered-in-error (or replaced): drop it (R-SYNC-3)."""

    doc_id: str


@dataclass(slots=True)
class ParsedPage:
    """One Bundle, sorted into what the store needs. ``error`` is a page-level problem."""

    patients: list[Patient] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    next_url: str | None = None
    #: The newest ``meta.lastUpdated`` seen per resource type (what the cursor moves to).
    last_updated: dict[str, datetime] = field(default_factory=dict)
    error: str | None = None


class _Reject(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# ---------------------------------------------------------------- small readers


def _clean(text: str) -> str:
    """Text safe for any store: no NUL (PostgreSQL refuses it), no lone surrogates."""
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = text.encode("utf-8", "replace").decode("utf-8")
    return text


#: Titles, organisations and doctors repeat across thousands of documents: their
#: cleaned forms are remembered (bounded; cleared when full).
_SHORT_MEMO: dict[tuple[str, int], str] = {}
_SHORT_MEMO_MAX = 8192


def _short(text: str, limit: int) -> str:
    key = (text, limit)
    done = _SHORT_MEMO.get(key)
    if done is not None:
        return done
    out = _clean(" ".join(text.split()))
    out = out if len(out) <= limit else out[: limit - 1] + "…"
    if len(text) <= 1000:
        if len(_SHORT_MEMO) >= _SHORT_MEMO_MAX:
            _SHORT_MEMO.clear()
        _SHORT_MEMO[key] = out
    return out


def _dict(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Reject(f"{what} is not an object")
    return value


def _list(value: object, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _Reject(f"{what} is not a list")
    return value


def _opt_str(value: object, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Reject(f"{what} is not a string")
    return value


def parse_instant(value: object, what: str) -> datetime:
    """An aware datetime; a date or a time without a zone is refused (R-SHOW-4 needs one)."""
    if value is None:
        raise _Reject(f"missing {what}")
    if not isinstance(value, str):
        raise _Reject(f"{what} is not a string")
    if not _DATETIME.match(value):  # one pattern for every good instant (no value fits both)
        if _DATE.match(value) or (len(value) in (4, 7) and value[:4].isdigit()):
            raise _Reject(f"{what} has no time and no time zone")
        raise _Reject(f"{what} is malformed")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _Reject(f"{what} is malformed") from None
    if moment.tzinfo is None:
        raise _Reject(f"{what} has no time zone")
    return moment


def _resource_id(res: Mapping[str, Any]) -> str:
    return resource_id(res.get("id"))


def _source_id(res: object, rtype: str) -> str:
    return source_id(rtype, res.get("id") if isinstance(res, dict) else None)


# The rules below take plain values, so that fhir_fast reads its typed structs by the
# very same rules: each way only gathers the values.


def resource_id(rid: object) -> str:
    if not isinstance(rid, str) or not _ID.match(rid):
        raise _Reject("missing or invalid id")
    return rid


def source_id(rtype: str, rid: object) -> str:
    """What a rejection names: the record's type and id, ``?`` for an unusable id."""
    if isinstance(rid, str) and _ID.match(rid):
        return f"{rtype}/{rid}"
    return f"{rtype}/?"


def _patient_ref(res: Mapping[str, Any]) -> str:
    subject = res.get("subject")
    if subject is None:
        raise _Reject("missing subject")
    ref = _opt_str(_dict(subject, "subject").get("reference"), "subject.reference")
    return patient_id(ref)


def patient_id(ref: str | None) -> str:
    """The Patient id of a subject reference (plain, absolute or versioned)."""
    if not ref:
        raise _Reject("subject has no reference")
    parts = ref.rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2] == "Patient" and _ID.match(parts[-1]):
        return parts[-1]
    history = len(parts) >= 4 and parts[-4] == "Patient" and parts[-2] == "_history"
    if history and _ID.match(parts[-3]):
        return parts[-3]
    raise _Reject("subject is not a Patient reference")


def _codings(concept: object, what: str) -> list[dict[str, Any]]:
    if concept is None:
        return []
    codings = _list(_dict(concept, what).get("coding"), f"{what}.coding")
    return [c for c in codings if isinstance(c, dict)]


def _concept_text(concept: object) -> str:
    if not isinstance(concept, dict):
        return ""
    text = concept.get("text")
    if isinstance(text, str) and text.strip():  # concept_words' first answer, sooner
        return text
    codings = concept.get("coding")
    pairs = [(c.get("display"), c.get("code")) for c in codings if isinstance(c, dict)] \
        if isinstance(codings, list) else []
    return concept_words(text, pairs)


def concept_words(text: object, codings: Sequence[tuple[object, object]]) -> str:
    """A CodeableConcept as words: its text, else the first display, else the first code
    (``codings``: its ``(display, code)`` pairs)."""
    if isinstance(text, str) and text.strip():
        return text
    for index in (0, 1):
        for pair in codings:
            value = pair[index]
            if isinstance(value, str) and value.strip():
                return value
    return ""


def _contained(res: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return contained_by_ref(res.get("contained"))


def contained_by_ref(items: object) -> dict[str, dict[str, Any]]:
    """Contained resources by the local reference (``#id``) that points at them."""
    out: dict[str, dict[str, Any]] = {}
    if isinstance(items, list):
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                out["#" + item["id"]] = item
    return out


def _human_name(value: object) -> str:
    names = value if isinstance(value, list) else [value]
    for name in names:
        if not isinstance(name, dict):
            continue
        if isinstance(name.get("text"), str) and name["text"].strip():
            return name["text"]
        given = name.get("given")
        parts = [g for g in given if isinstance(g, str)] if isinstance(given, list) else []
        if isinstance(name.get("family"), str):
            parts.append(name["family"])
        if parts:
            return " ".join(parts)
    return ""


def _party(refs: object, contained: Mapping[str, dict[str, Any]], want: str) -> str:
    """The display of the first reference of type ``want`` (Organization/Practitioner)."""
    return party_of(_ref_pairs(refs), contained, want)


def _ref_pairs(refs: object) -> list[tuple[object, object]]:
    """``(reference, display)`` of a Reference or a list of them."""
    items = refs if isinstance(refs, list) else [refs]
    return [(item.get("reference"), item.get("display")) for item in items
            if isinstance(item, dict)]


def report_parties(
    performers: list[tuple[object, object]], interpreters: list[tuple[object, object]],
    contained: Mapping[str, dict[str, Any]],
) -> tuple[str, str]:
    """A report's organisation (a performer) and doctor (its interpreter, else a
    performing practitioner), from ``(reference, display)`` pairs."""
    organization = party_of(performers, contained, "Organization")
    doctor = party_of(interpreters, contained, "Practitioner") or party_of(
        performers, contained, "Practitioner")
    return organization, doctor


def party_of(
    refs: Iterable[tuple[object, object]], contained: Mapping[str, dict[str, Any]], want: str
) -> str:
    """``_party`` over ``(reference, display)`` pairs (shared with fhir_fast)."""
    for ref, display in refs:
        ref = ref if isinstance(ref, str) else ""
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
        if kind_ok and isinstance(display, str) and display.strip():
            return display
    return ""


def _version(res: Mapping[str, Any]) -> str:
    meta = res.get("meta")
    if isinstance(meta, dict):
        return version_of(meta.get("versionId"), meta.get("lastUpdated"))
    return "1"


def version_of(version_id: object, last_updated: object) -> str:
    """The version the store compares: ``meta.versionId``, else ``meta.lastUpdated``."""
    for value in (version_id, last_updated):
        if isinstance(value, str) and value:
            return value[:64]
    return "1"


def _is_radiology(res: Mapping[str, Any]) -> bool:
    meta = res.get("meta")
    idents = res.get("identifier")
    return is_radiology(
        meta.get("source") if isinstance(meta, dict) else None,
        [i.get("system") for i in idents if isinstance(i, dict)]
        if isinstance(idents, list) else [],
    )


def is_radiology(source: object, systems: Iterable[object]) -> bool:
    """ЕРИС ЕМИАС's study: ``meta.source`` or an identifier's system is its URI."""
    if isinstance(source, str) and source.startswith(RADIOLOGY_SYSTEM):
        return True
    return any(isinstance(s, str) and s.startswith(RADIOLOGY_SYSTEM) for s in systems)


def _attachment_text(att: object, what: str) -> str | None:
    """Text of a ``text/*`` attachment's base64 ``data``; ``None`` for images, PDFs, URLs.

    HTML or script arrives as characters and stays characters: the UI shows plain text.
    """
    if not isinstance(att, dict):
        raise _Reject(f"{what} is not an object")
    return _text_of(att.get("contentType"), att.get("data"), what)


def _text_of(ctype: object, data: object, what: str) -> str | None:
    """The text of an attachment's ``contentType`` and ``data`` (shared with fhir_fast)."""
    if not isinstance(ctype, str):
        return None
    charset = _text_charset(ctype)
    if charset is None or data is None:
        return None
    if not isinstance(data, str):
        raise _Reject(f"{what}.data is not a string")
    if len(data) > _MAX_BASE64:  # more bytes than any allowed text
        raise _Reject(f"text over {MAX_TEXT_CHARS} characters")
    try:
        raw = binascii.a2b_base64(data, strict_mode=True)
    except (binascii.Error, ValueError):
        raise _Reject(f"{what}.data is not base64") from None
    return _decoded(raw, charset, what)


#: The longest base64 ``data`` read as text, and the most bytes it can carry: strict
#: base64 of n bytes is 4·⌈n/3⌉ characters, so ``len(data) > _MAX_BASE64`` exactly when
#: the bytes are more than ``_MAX_TEXT_BYTES`` (``_MAX_BASE64`` is a multiple of 4).
_MAX_BASE64 = (MAX_TEXT_CHARS * 4 // 3 + 4) * 4
_MAX_TEXT_BYTES = _MAX_BASE64 * 3 // 4


def text_of_bytes(ctype: str | None, raw: bytes | None, what: str) -> tuple[str, bool] | None:
    """``_text_of`` for ``data`` that msgspec has already read as strict base64, with
    whether the text is known clean (see ``_finish_text``): UTF-8 without NUL."""
    if ctype is None:
        return None
    charset = _text_charset(ctype)
    if charset is None or raw is None:
        return None
    if len(raw) > _MAX_TEXT_BYTES:
        raise _Reject(f"text over {MAX_TEXT_CHARS} characters")
    text = _decoded(raw, charset, what)
    # A strict UTF-8 decode never gives a lone surrogate; NUL is looked for in the bytes
    # (a memchr) rather than in the text: as the byte value 0, since ``b"\x00" in raw``
    # first tries its argument as an int and raises and clears a TypeError inside.
    return text, charset == "utf-8" and 0 not in raw


def _decoded(raw: bytes, charset: str, what: str) -> str:
    try:
        return raw.decode(charset)
    except (LookupError, UnicodeDecodeError):
        raise _Reject(f"{what}.data is not {charset[:20]} text") from None


#: Content type → its charset when it is ``text/*``, else ``None``. A sync sees a
#: handful of spellings thousands of times; parsing each once saves ~1 µs per document.
_CHARSETS: dict[str, str | None] = {}


def _text_charset(ctype: str) -> str | None:
    if ctype in _CHARSETS:
        return _CHARSETS[ctype]
    charset: str | None = None
    if ctype.lower().startswith("text/"):
        charset = "utf-8"
        for param in ctype.split(";")[1:]:
            key, _, val = param.partition("=")
            if key.strip().lower() == "charset" and val.strip():
                charset = val.strip().strip('"')
        if charset.lower() in ("utf-8", "utf8"):
            charset = "utf-8"  # one spelling: the codec's fast path
    if len(ctype) <= 200:
        if len(_CHARSETS) >= 256:
            _CHARSETS.clear()
        _CHARSETS[ctype] = charset
    return charset


def document_of(
    doc_id: str, emr_id: str, kind: DocKind, created: datetime, *, title: str,
    organization: str, performer: str, text: str, version: str, radiology: bool,
    clean_text: bool = False,
) -> Document:
    """A Document with its labels cut to size and its text cleaned (both ways use it);
    ``clean_text``: the text is known to need no cleaning (``text_of_bytes``)."""
    return new_document(
        doc_id, emr_id, kind, created,
        _short(title, MAX_TITLE_CHARS),
        _short(organization, MAX_TITLE_CHARS),
        _short(performer, MAX_TITLE_CHARS),
        _finish_text(text, clean_text),
        version,
        radiology,
    )


#: ``Document(*fields)`` in field order, at half the cost (both readers make one per
#: document of a sync).
new_document = slots_constructor(Document)


def _finish_text(text: str, clean: bool = False) -> str:
    text = (text if clean else _clean(text)).strip()
    if not text:
        raise _Reject("no text content")
    if len(text) > MAX_TEXT_CHARS:
        raise _Reject(f"text over {MAX_TEXT_CHARS} characters")
    return text


# ---------------------------------------------------------------- Patient


def parse_patient(res: object) -> Patient | Rejected:
    """Patient: official name (family; given[0] first name, given[1] patronymic)."""
    source_id = _source_id(res, "Patient")
    try:
        return _patient(_dict(res, "resource"))
    except _Reject as rej:
        return Rejected(source_id, rej.reason)
    except Exception:  # a shape we did not foresee: still one rejected record
        return Rejected(source_id, "unreadable record")


def _patient(res: dict[str, Any]) -> Patient:
    if res.get("resourceType") != "Patient":
        raise _Reject("not a Patient")
    emr_id = _resource_id(res)
    names = [n for n in _list(res.get("name"), "name") if isinstance(n, dict)]
    if not names:
        raise _Reject("missing name")
    chosen = next((n for n in names if n.get("use") == "official"), None)
    if chosen is None:
        chosen = next((n for n in names if n.get("use") in (None, "usual")), names[0])
    family = _opt_str(chosen.get("family"), "name.family")
    if not family or not family.strip():
        raise _Reject("missing family name")
    given = [g for g in _list(chosen.get("given"), "name.given")]
    if not given or not isinstance(given[0], str) or not given[0].strip():
        raise _Reject("missing given name")
    if any(not isinstance(g, str) for g in given):
        raise _Reject("name.given is not a list of strings")
    patronymic = given[1].strip() if len(given) > 1 and given[1].strip() else None
    birth = res.get("birthDate")
    if birth is None:
        raise _Reject("missing birthDate")
    if not isinstance(birth, str):
        raise _Reject("birthDate is not a string")
    if not _DATE.match(birth):
        raise _Reject("birthDate is not a full date")
    try:
        birth_date = date.fromisoformat(birth)
    except ValueError:
        raise _Reject("birthDate is not a valid date") from None
    gender = res.get("gender")
    if gender is not None and not isinstance(gender, str):
        raise _Reject("gender is not a string")
    sex = _GENDER.get(gender, Sex.UNKNOWN) if gender else Sex.UNKNOWN
    return Patient(
        emr_id=emr_id,
        family=_short(family, MAX_NAME_CHARS),
        given=_short(given[0], MAX_NAME_CHARS),
        patronymic=_short(patronymic, MAX_NAME_CHARS) if patronymic else None,
        birth_date=birth_date,
        sex=sex,
    )


# ---------------------------------------------------------------- DocumentReference


def parse_document_reference(res: object) -> Document | Withdrawn | Rejected:
    source_id = _source_id(res, "DocumentReference")
    try:
        return _document_reference(_dict(res, "resource"))
    except _Reject as rej:
        return Rejected(source_id, rej.reason)
    except Exception:
        return Rejected(source_id, "unreadable record")


def docref_withdrawn(status: object) -> bool:
    """Whether a DocumentReference's status withdraws it; refuses any other but current."""
    if status in DOCREF_WITHDRAWN:
        return True
    if status is None:
        raise _Reject("missing status")
    if status not in DOCREF_OK:
        raise _Reject(f"unknown status {str(status)[:30]!r}")
    return False


def docref_kind(codings: Iterable[tuple[object, object]]) -> DocKind:
    """The kind of the first known LOINC code among ``(system, code)`` pairs."""
    codes: list[str] = []
    for system, code in codings:
        if system == LOINC and isinstance(code, str):
            codes.append(code)
            kind = DOCREF_KINDS.get(code)
            if kind is not None:
                return kind
    if not codes:
        raise _Reject("missing document type (LOINC)")
    raise _Reject(f"unknown document type LOINC {codes[0][:20]}")


def _document_reference(res: dict[str, Any]) -> Document | Withdrawn:
    if res.get("resourceType") != "DocumentReference":
        raise _Reject("not a DocumentReference")
    doc_id = "DocumentReference/" + _resource_id(res)
    if docref_withdrawn(res.get("status")):
        return Withdrawn(doc_id)
    kind = docref_kind((c.get("system"), c.get("code")) for c in _codings(res.get("type"), "type"))
    emr_id = _patient_ref(res)
    created = parse_instant(res.get("date"), "date")
    texts: list[str] = []
    first_title = ""
    for i, content in enumerate(_list(res.get("content"), "content")):
        att = _dict(content, f"content[{i}]").get("attachment")
        text = _attachment_text(att, f"content[{i}].attachment")
        if text is not None:
            texts.append(text)
        if not first_title and isinstance(att, dict) and isinstance(att.get("title"), str):
            first_title = att["title"]
    if not texts:
        raise _Reject("no text/plain content")
    contained = _contained(res)
    title = (
        _opt_str(res.get("description"), "description")
        or _concept_text(res.get("type"))
        or first_title
        or KIND_TITLES_RU[kind]
    )
    return document_of(
        doc_id, emr_id, kind, created, title=title,
        organization=_party(res.get("custodian"), contained, "Organization"),
        performer=_party(res.get("author"), contained, "Practitioner"),
        text="\n\n".join(texts), version=_version(res),
        radiology=False,
    )


# ---------------------------------------------------------------- DiagnosticReport


def parse_diagnostic_report(
    res: object, observations: Mapping[str, Any] | None = None
) -> Document | Withdrawn | Rejected:
    """``observations``: ``"Observation/<id>"`` → resource, from ``_include`` entries."""
    source_id = _source_id(res, "DiagnosticReport")
    try:
        return _diagnostic_report(_dict(res, "resource"), observations or {})
    except _Reject as rej:
        return Rejected(source_id, rej.reason)
    except Exception:
        return Rejected(source_id, "unreadable record")


def _report_kind(res: Mapping[str, Any]) -> DocKind:
    return report_kind(
        (c.get("system"), c.get("code"))
        for i, concept in enumerate(_list(res.get("category"), "category"))
        for c in _codings(concept, f"category[{i}]")
    )


def report_kind(codings: Iterable[tuple[object, object]]) -> DocKind:
    """The kind of the first known section among the categories' ``(system, code)``."""
    seen: list[str] = []
    for system, code in codings:
        if not isinstance(code, str):
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


def report_withdrawn(status: object) -> bool:
    """Whether a DiagnosticReport's status withdraws it; refuses one not final."""
    if status in REPORT_WITHDRAWN:
        return True
    if status is None:
        raise _Reject("missing status")
    if status in REPORT_NOT_FINAL:
        raise _Reject(f"status {status} is not final")
    if status not in REPORT_OK:
        raise _Reject(f"unknown status {str(status)[:30]!r}")
    return False


def _report_date(res: Mapping[str, Any]) -> datetime:
    if res.get("issued") is not None:
        return parse_instant(res.get("issued"), "issued")
    if res.get("effectiveDateTime") is not None:
        return parse_instant(res.get("effectiveDateTime"), "effectiveDateTime")
    raise _Reject("missing date (issued or effectiveDateTime)")


def _diagnostic_report(res: dict[str, Any], included: Mapping[str, Any]) -> Document | Withdrawn:
    if res.get("resourceType") != "DiagnosticReport":
        raise _Reject("not a DiagnosticReport")
    doc_id = "DiagnosticReport/" + _resource_id(res)
    if report_withdrawn(res.get("status")):
        return Withdrawn(doc_id)
    kind = _report_kind(res)
    emr_id = _patient_ref(res)
    created = _report_date(res)
    contained = _contained(res)
    lines: list[str] = []
    conclusion = _opt_str(res.get("conclusion"), "conclusion")
    if conclusion and conclusion.strip():
        lines.append(f"Заключение: {conclusion.strip()}")
    results = _list(res.get("result"), "result")
    if results and lines:
        lines.append("")
    for i, ref in enumerate(results):
        ref = _dict(ref, f"result[{i}]")
        target = _opt_str(ref.get("reference"), f"result[{i}].reference") or ""
        obs = contained.get(target) if target.startswith("#") else included.get(target)
        if obs is None and "/Observation/" in target:
            obs = included.get("Observation/" + target.rsplit("/", 1)[-1])
        if isinstance(obs, dict) and obs.get("resourceType") == "Observation":
            lines.extend(render_observation(obs))
        else:
            name = ref.get("display") if isinstance(ref.get("display"), str) else "Показатель"
            lines.append(f"{name}: результат не передан")
    for i, form in enumerate(_list(res.get("presentedForm"), "presentedForm")):
        text = _attachment_text(form, f"presentedForm[{i}]")  # images and PDFs: None
        if text is not None:
            lines.extend(["", text])
    title = _concept_text(res.get("code")) or KIND_TITLES_RU[kind]
    organization, performer = report_parties(
        _ref_pairs(res.get("performer")), _ref_pairs(res.get("resultsInterpreter")), contained)
    return document_of(
        doc_id, emr_id, kind, created, title=title,
        organization=organization,
        performer=performer,
        text="\n".join(lines), version=_version(res),
        radiology=kind is DocKind.INSTRUMENTAL and _is_radiology(res),
    )


def _number(value: object) -> str:
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    return str(value) if isinstance(value, str) else "?"


def _quantity(q: object) -> str:
    if not isinstance(q, dict):
        return ""
    unit = q.get("unit")
    if not isinstance(unit, str):
        unit = q.get("code")
    if "value" in q:
        value = q["value"]
        text = f"{value:g}" if type(value) is float else _number(value)
        comparator = q.get("comparator")
        if isinstance(comparator, str):
            text = comparator + text
        return f"{text} {unit}" if isinstance(unit, str) and unit else text
    return unit if isinstance(unit, str) else ""


def _value(holder: Mapping[str, Any]) -> str:
    if "valueQuantity" in holder:
        return _quantity(holder["valueQuantity"]) or "—"
    for key in ("valueString", "valueDateTime", "valueTime"):
        if isinstance(holder.get(key), str):
            return holder[key]
    for key in ("valueInteger", "valueBoolean"):
        if key in holder:
            return _number(holder[key])
    if "valueCodeableConcept" in holder:
        return _concept_text(holder["valueCodeableConcept"]) or "—"
    if isinstance(holder.get("valueRange"), dict):
        rng = holder["valueRange"]
        return f"{_quantity(rng.get('low'))}–{_quantity(rng.get('high'))}"
    if isinstance(holder.get("valueRatio"), dict):
        ratio = holder["valueRatio"]
        return f"{_quantity(ratio.get('numerator'))}/{_quantity(ratio.get('denominator'))}"
    if "dataAbsentReason" in holder:
        return "нет данных (" + (_concept_text(holder["dataAbsentReason"]) or "—") + ")"
    return "—"


def _range(obs: Mapping[str, Any]) -> str:
    ranges = obs.get("referenceRange")
    if not isinstance(ranges, list) or not ranges or not isinstance(ranges[0], dict):
        return ""
    rng = ranges[0]
    low, high = _quantity(rng.get("low")), _quantity(rng.get("high"))
    if low and high:
        return f"норма: {low} – {high}"
    if low:
        return f"норма: от {low}"
    if high:
        return f"норма: до {high}"
    text = rng.get("text")
    return f"норма: {text}" if isinstance(text, str) and text else ""


def render_observation(obs: Mapping[str, Any]) -> list[str]:
    """``name: value unit (норма: low – high)`` — plain text lines, one per measurement."""
    name = _concept_text(obs.get("code")) or "Показатель"
    lines = []
    components = obs.get("component")
    if isinstance(components, list) and components and not any(
        k.startswith("value") for k in obs
    ):
        for comp in components:
            if isinstance(comp, dict):
                cname = _concept_text(comp.get("code")) or name
                rng = _range(comp)
                lines.append(f"{cname}: {_value(comp)}" + (f" ({rng})" if rng else ""))
        return lines
    rng = _range(obs)
    return [f"{name}: {_value(obs)}" + (f" ({rng})" if rng else "")]


# ---------------------------------------------------------------- Bundle


def _last_updated(res: Mapping[str, Any]) -> datetime | None:
    meta = res.get("meta")
    return aware_instant(meta.get("lastUpdated")) if isinstance(meta, dict) else None


def aware_instant(value: object) -> datetime | None:
    """``meta.lastUpdated`` as the cursor reads it: an aware instant, else ``None``."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def included_observations(entries: list[Any]) -> dict[str, Any]:
    """A search page's ``_include``d Observations by what a report's result may name:
    ``Observation/<id>`` and the entry's ``fullUrl`` (shared with fhir_fast)."""
    observations: dict[str, Any] = {}
    for entry in entries:
        res = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(res, dict) and res.get("resourceType") == "Observation":
            rid = res.get("id")
            if isinstance(rid, str):
                observations["Observation/" + rid] = res
            full = entry.get("fullUrl")
            if isinstance(full, str):
                observations[full] = res
    return observations


def parse_bundle(bundle: object) -> ParsedPage:
    """Every entry of a search (or collection) Bundle; included Observations feed reports."""
    page = ParsedPage()
    try:
        _bundle(bundle, page)
    except Exception:
        page.error = "unreadable Bundle"
    return page


def _bundle(bundle: object, page: ParsedPage) -> None:
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        page.error = "not a Bundle"
        return
    links = bundle.get("link")
    if isinstance(links, list):
        for link in links:
            if (
                isinstance(link, dict)
                and link.get("relation") == "next"
                and isinstance(link.get("url"), str)
            ):
                page.next_url = link["url"]
    entries = bundle.get("entry")
    if entries is None:
        return
    if not isinstance(entries, list):
        page.error = "Bundle.entry is not a list"
        return
    resources: list[dict[str, Any]] = []
    for i, entry in enumerate(entries):
        res = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(res, dict):
            page.rejected.append(Rejected(f"entry[{i}]", "entry without a resource"))
            continue
        if res.get("resourceType") in ("Patient", "DocumentReference", "DiagnosticReport"):
            resources.append(res)
    observations = included_observations(entries)
    for res in resources:
        rtype = res["resourceType"]
        moment = _last_updated(res)
        if moment is not None:
            prev = page.last_updated.get(rtype)
            if prev is None or moment > prev:
                page.last_updated[rtype] = moment
        if rtype == "Patient":
            patient = parse_patient(res)
            if isinstance(patient, Rejected):
                page.rejected.append(patient)
            else:
                page.patients.append(patient)
            continue
        doc = (
            parse_document_reference(res)
            if rtype == "DocumentReference"
            else parse_diagnostic_report(res, observations)
        )
        if isinstance(doc, Document):
            page.documents.append(doc)
        elif isinstance(doc, Withdrawn):
            page.withdrawn.append(doc.doc_id)
        else:
            page.rejected.append(doc)
