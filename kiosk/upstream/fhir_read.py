"""FHIR R4 JSON → the kiosk's Patient and Document: one typed path (docs/upstream.md).

A search page is decoded as a Bundle whose entries stay raw bytes; each entry is then
decoded on its own into the typed structs of ``fhir_model``. So one record that is not
valid UTF-8, has a field of the wrong type or a shape we did not foresee is rejected
alone with a reason naming the field (R-SYNC-4), and the rest of the page goes in. Why
no FHIR model library: a validated object tree per resource costs more than the whole
rest of the sync, and fhir.resources ships R4B/R5, not R4; msgspec reads only the
fields declared, in C.

What a document carries is what the server sent (``kiosk.domain.documents.Document``):
plain text (any charset, BOM and base64 whitespace handled), narrative reduced to a
safe subset (``kiosk.domain.narrative``), PDF bytes (inline, or fetched from a Binary
on the same server), and lab values as rows with their written precision. Kinds come
from the tables of ``fhir_codes``. Reasons name fields and codes, never names, dates
of birth or document text (they go to the reject log).
"""

from __future__ import annotations

import binascii
import functools
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol
from urllib.parse import urlsplit

import msgspec

from kiosk.domain.documents import (
    KIND_TITLES_RU,
    MAX_PDF_BYTES,
    MAX_TEXT_CHARS,
    DocKind,
    Document,
    Flag,
    LabRow,
)
from kiosk.domain.moscow import moscow_midnight
from kiosk.domain.narrative import sanitise, strip_format_chars
from kiosk.domain.people import Patient, Sex
from kiosk.services.ports import Rejected
from kiosk.upstream import fhir_codes as codes
from kiosk.upstream import fhir_model as m

MAX_TITLE_CHARS = 500
MAX_NAME_CHARS = 200
#: Results of one report read at most (a report is a page, not a data dump).
MAX_ROWS = 500
#: How many entries each of the reader's own caches holds at most (then starts over).
_CACHED = 4096

_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
_FHIR_DATE = re.compile(
    r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?"
    r"(Z|[+-]\d{2}:\d{2})?)?)?)?$")
_GENDER = {"male": Sex.MALE, "female": Sex.FEMALE}

DOCREF_STATUSES = frozenset({"current", "superseded"})
REPORT_FINAL = frozenset({"final", "amended", "corrected", "appended"})
REPORT_NOT_FINAL = frozenset({"registered", "partial", "preliminary"})
COMPOSITION_FINAL = frozenset({"final", "amended"})
WITHDRAWN = frozenset({"entered-in-error", "cancelled"})
#: Why a preliminary document is hidden rather than shown marked: a draft can still
#: change or be withdrawn, and a patient reading it at a public kiosk cannot ask the
#: doctor what changed; the final version arrives by the next sync (docs/upstream.md).
NOT_FINAL = "not final yet (preliminary): shown once final"


@dataclass(frozen=True, slots=True)
class Withdrawn:
    """A document that must not be shown (any cached version leaves the cache)."""

    doc_id: str
    reason: str


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


class Fetcher(Protocol):
    """What a page's reader may ask the server for (``FhirSource`` over HTTP)."""

    def observations(self, ids: Sequence[str]) -> list[bytes]:
        """The raw JSON of each Observation found among ``ids`` (missing ones left out)."""
        ...

    def binary(self, url: str) -> tuple[str, bytes] | None:
        """``(content type, bytes)`` of a Binary on the configured server, else ``None``."""
        ...


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


class _Reject(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# ---------------------------------------------------------------- small readers


def _clean(text: str) -> str:
    """Text safe for any store: no NUL (PostgreSQL refuses it). Lone surrogates cannot
    occur: msgspec refuses their escapes (``_tolerant`` replaces them first) and text
    decoded from bytes never holds one."""
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


@functools.lru_cache(maxsize=8192)
def _short_cached(text: str, limit: int) -> str:
    out = _clean(" ".join(strip_format_chars(text).split()))
    return out if len(out) <= limit else out[: limit - 1] + "…"


def _short(text: str | None, limit: int) -> str:
    """Titles, names and labels on one line, cut to ``limit``; the same few hundred
    organisations and doctors repeat over a whole sync, hence the cache."""
    if not text:
        return ""
    if len(text) > 1000:
        return _short_cached.__wrapped__(text, limit)
    return _short_cached(text, limit)


def _line(text: str) -> str:
    """``_short(text, MAX_TITLE_CHARS)``, remembered in ``_LINES`` (titles and analytes
    repeat over a sync; ``_LINES.get(text) or _line(text)`` is the quick way)."""
    out = _short(text, MAX_TITLE_CHARS)
    if len(text) <= 1000:
        if len(_LINES) >= _CACHED:
            _LINES.clear()
        _LINES[text] = out
    return out


_LINES: dict[str, str] = {}


def source_id(rtype: str, rid: object) -> str:
    """What a rejection names: the record's type and id, ``?`` for an unusable id."""
    if isinstance(rid, str) and _ID.match(rid):
        return f"{rtype}/{rid}"
    return f"{rtype}/?"


def _rid(rid: str | None) -> str:
    if rid is None or not _ID.match(rid):
        raise _Reject("missing or invalid id")
    return rid


def patient_id(ref: m.Ref | None) -> str:
    """The Patient id of a subject reference (plain, absolute or versioned); a
    patient's documents come together in a page, hence ``_PATIENTS``."""
    found = _PATIENTS.get(ref)
    if found is not None:
        return found
    if ref is None:
        raise _Reject("missing subject")
    if not ref.reference:
        raise _Reject("subject has no reference")
    found = _patient_of(ref.reference)
    if len(_PATIENTS) >= _CACHED:
        _PATIENTS.clear()
    _PATIENTS[ref] = found
    return found


_PATIENTS: dict[m.Ref | None, str] = {}


def _patient_of(reference: str) -> str:
    parts = reference.rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2] == "Patient" and _ID.match(parts[-1]):
        return parts[-1]
    history = len(parts) >= 4 and parts[-4] == "Patient" and parts[-2] == "_history"
    if history and _ID.match(parts[-3]):
        return parts[-3]
    if reference.startswith("urn:uuid:") and _ID.match(reference[9:]):
        return reference[9:]  # inside a document Bundle
    raise _Reject("subject is not a Patient reference")


def concept_text(concept: m.Concept | None) -> str:
    """A CodeableConcept as words: its text, else the first display, else the first code."""
    if concept is None:
        return ""
    if concept.text and concept.text.strip():
        return concept.text
    for coding in concept.coding or ():
        if coding.display and coding.display.strip():
            return coding.display
    for coding in concept.coding or ():
        if coding.code and coding.code.strip():
            return coding.code
    return ""


def parse_date(value: str | None, what: str) -> tuple[datetime, bool]:
    """A FHIR ``date``/``dateTime``/``instant`` as ``(aware instant, date_only)``.

    A date without a time, or a partial date (``2019``, ``2019-03``), keeps its precision:
    the instant is 00:00 Moscow time of its first day, so R-SHOW-4 judges it by its date.
    A time without a time zone is refused (FHIR requires one). A leap second (``:60``)
    is read as the next second.
    """
    if value is None:
        raise _Reject(f"missing {what}")
    if len(value) == 20 and value[4:20:3] == "--T::Z":  # the usual, checked in C
        try:
            return _fromisoformat(value), False
        except ValueError:
            pass
    moment = _full_instant(value)
    if moment is not None:
        return moment, False
    found = _FHIR_DATE.match(value.strip())
    if found is None:
        raise _Reject(f"{what} is malformed")
    year, month, day, hour, minute, second, fraction, zone = found.groups()
    try:
        first = date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise _Reject(f"{what} is not a valid date") from None
    if hour is None:
        return moscow_midnight(first), True
    if zone is None:
        raise _Reject(f"{what} has a time but no time zone")
    leap = second == "60"
    text = (f"{first.isoformat()}T{hour}:{minute}:{'59' if leap else (second or '00')}"
            f"{fraction or ''}{'+00:00' if zone == 'Z' else zone}")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _Reject(f"{what} is malformed") from None
    return (moment + timedelta(seconds=1) if leap else moment), False


_fromisoformat = datetime.fromisoformat


def _full_instant(value: str) -> datetime | None:
    """The usual ``YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm)``, read in C; ``None`` for any
    other form (``parse_date``'s pattern then decides). The separators are checked by
    position, as ``fromisoformat`` also takes forms FHIR does not (``20190315T1000``)."""
    n = len(value)
    if (n < 20 or value[10] != "T" or value[4] != "-" or value[7] != "-"
            or value[13] != ":" or value[16] != ":"):
        return None
    if value[-1] == "Z":
        zone_at = n - 1
    elif value[-3] == ":" and value[-6] in "+-":
        zone_at = n - 6
    else:
        return None
    if zone_at != 19 and (zone_at < 21 or value[19] != "."
                          or not value[20:zone_at].isdigit()):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def aware_instant(value: object) -> datetime | None:
    """``meta.lastUpdated`` as the cursor reads it: an aware instant, else ``None``."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def version_of(meta: m.Meta | None) -> str:
    """The version the store compares: ``meta.versionId``, else ``meta.lastUpdated``."""
    if meta is None:
        return "1"
    return (meta.versionId or meta.lastUpdated or "1")[:64]


def _human_name(names: Sequence[m.HumanName] | None) -> str:
    for name in names or ():
        if name.text and name.text.strip():
            return name.text
        parts = [*(name.given or ()), *([name.family] if name.family else [])]
        if parts:
            return " ".join(parts)
    return ""


class _Contained:
    """A resource's contained resources by ``#id``: decoded only when one is named
    (``msgspec.Raw``), or already decoded with a typed page (a report's)."""

    def __init__(self, raw: Sequence[Any] | None) -> None:
        self._raw = raw or ()
        self._by_ref: dict[str, object] | None = None

    def get(self, ref: str) -> object | None:
        if not self._raw:
            return None
        if self._by_ref is None:
            self._by_ref = {}
            for item in self._raw:
                if type(item) is msgspec.Raw:
                    try:
                        item = m.known_decoder.decode(item)
                    except (msgspec.DecodeError, msgspec.ValidationError):
                        continue
                if item.id:
                    self._by_ref["#" + item.id] = item
        return self._by_ref.get(ref)


_NO_CONTAINED = _Contained(None)


def _party(refs: Sequence[m.Ref] | None, contained: _Contained, want: str) -> str:
    """The name of the first reference of type ``want`` (Organization/Practitioner)."""
    return _parties(refs, contained)[0 if want == "Organization" else 1]


def _parties(refs: Sequence[m.Ref] | None, contained: _Contained) -> tuple[str, str]:
    """``(organization, practitioner)`` named by a list of references, each on one line
    (``_short``): a report's performers hold both. A sync sees the same few hundred
    organisations and doctors thousands of times, hence ``_PARTIES``."""
    if not refs:
        return _NO_PARTIES
    key = tuple(refs)
    found = _PARTIES.get(key)
    if found is None:
        found = _read_parties(refs, contained)
        if not any((ref.reference or "").startswith("#") for ref in refs):
            if len(_PARTIES) >= _CACHED:
                _PARTIES.clear()
            _PARTIES[key] = found  # not when a contained resource gave a name
    return found


_NO_PARTIES = ("", "")
_PARTIES: dict[tuple[m.Ref, ...], tuple[str, str]] = {}


def _read_parties(refs: Sequence[m.Ref], contained: _Contained) -> tuple[str, str]:
    org = doctor = ""
    for ref in refs:
        target = ref.reference or ""
        if target.startswith("#"):
            res = contained.get(target)
            if not org and isinstance(res, m.Organization) and res.name:
                org = res.name
            elif not doctor and isinstance(res, m.Practitioner):
                doctor = _human_name(res.name)
        elif ref.display and ref.display.strip():
            kind = _ref_type(target)
            if not org and kind in ("Organization", "*"):
                org = ref.display
            if not doctor and kind in ("Practitioner", "*"):
                doctor = ref.display
        if org and doctor:
            break
    return _short(org, MAX_TITLE_CHARS), _short(doctor, MAX_TITLE_CHARS)


def _ref_type(target: str) -> str:
    """The resource type a reference names; ``*`` for none (a display alone)."""
    head, slash, _ = target.rpartition("/")
    return head.rpartition("/")[2] if slash else ("" if target else "*")


# ---------------------------------------------------------------- content


class _Content:
    """What a document's attachments and fields gave, gathered in order (a plain slotted
    class: made once per document of a sync, and dataclass factories cost ~1 µs).
    ``texts`` are clean (``_clean``) as they are added. The other lists are made on
    first use: most documents are one text."""

    __slots__ = ("narratives", "pdf", "rows", "skipped", "texts")

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.narratives: list[str] | None = None
        self.pdf: bytes | None = None
        self.rows: list[LabRow] | None = None
        #: Attachments not shown and why (images, other formats), for the reject reason.
        self.skipped: list[str] | None = None

    def add_narrative(self, markup: str, words: str) -> None:
        if self.narratives is None:
            self.narratives = []
        self.narratives.append(markup)
        self.texts.append(_clean(words))

    def add_rows(self, rows: Iterable[LabRow]) -> None:
        if self.rows is None:
            self.rows = []
        self.rows.extend(rows)

    def skip(self, why: str) -> None:
        if self.skipped is None:
            self.skipped = []
        self.skipped.append(why)

    def empty(self) -> bool:
        return not (self.texts or self.narratives or self.pdf or self.rows)


@functools.lru_cache(maxsize=256)
def _media(ctype: str | None) -> tuple[str, str | None]:
    """``(media type, charset)`` of a content type, lower case (a sync sees a handful
    of spellings thousands of times)."""
    if not ctype:
        return "", None
    media, *params = ctype.split(";")
    charset = None
    for param in params:
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset" and val.strip():
            charset = val.strip().strip('"').lower()
    return media.strip().lower(), charset


_NO_WHITESPACE = str.maketrans("", "", " \t\r\n")


_base64_decoder = msgspec.json.Decoder(bytes)
_text_decoder = msgspec.json.Decoder(str)


def _b64(data: bytes | msgspec.Raw, what: str, limit: int) -> bytes:
    """Strict base64; line breaks and spaces (MIME style) are allowed, nothing else.

    ``data`` is already the bytes (a typed page, ``fhir_model.D``) or the JSON string as
    sent: msgspec reads strict base64 straight into bytes; only one with whitespace (or
    bad) is read as text and tried again.
    """
    if isinstance(data, bytes):
        if len(data) > limit:
            raise _Reject(f"{what} over {limit} bytes")
        return data
    if len(data) > (limit * 4 // 3 + 8) * 2:  # whitespace allowed for, not unbounded
        raise _Reject(f"{what} over {limit} bytes")
    try:
        raw = _base64_decoder.decode(data)
    except (msgspec.ValidationError, msgspec.DecodeError):
        try:
            text = _text_decoder.decode(data)
        except (msgspec.ValidationError, msgspec.DecodeError):
            raise _Reject(f"{what}.data is not base64") from None
        attempt = text.translate(_NO_WHITESPACE)
        if len(attempt) > limit * 4 // 3 + 4:
            raise _Reject(f"{what} over {limit} bytes") from None
        try:
            raw = binascii.a2b_base64(attempt, strict_mode=True)
        except (binascii.Error, ValueError):
            raise _Reject(f"{what}.data is not base64") from None
    if len(raw) > limit:
        raise _Reject(f"{what} over {limit} bytes")
    return raw


_NULL = msgspec.Raw(b"null")


def _has_data(data: bytes | msgspec.Raw) -> bool:
    return isinstance(data, bytes) or (len(data) > 0 and data != _NULL)


def read_base64(data: msgspec.Raw, what: str, limit: int) -> bytes | None:
    """A Binary's ``data`` by the attachments' rules (strict base64, MIME line breaks
    allowed, at most ``limit`` bytes); ``None`` when absent or unreadable."""
    if not _has_data(data):
        return None
    try:
        return _b64(data, what, limit)
    except _Reject:
        return None


def _decode_text(raw: bytes, charset: str | None, what: str) -> str:
    charset = charset or "utf-8"
    if raw.startswith(b"\xef\xbb\xbf"):
        raw, charset = raw[3:], "utf-8"
    elif raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        charset = "utf-16"
    try:
        text = raw.decode(charset)
    except (LookupError, UnicodeDecodeError):
        raise _Reject(f"{what}.data is not {charset[:20]} text") from None
    return text.lstrip("\ufeff")


def _take(content: _Content, ctype: str | None, raw: bytes, what: str) -> None:
    """One attachment's bytes into ``content`` by their media type."""
    media, charset = _media(ctype)
    if media == "application/pdf" or (not media and raw.startswith(b"%PDF-")):
        if not raw.startswith(b"%PDF-"):
            content.skip("application/pdf that is not a PDF")
            return
        if len(raw) > MAX_PDF_BYTES:
            raise _Reject(f"{what} PDF over {MAX_PDF_BYTES} bytes")
        if content.pdf is None:
            content.pdf = raw
        return
    if media in ("text/html", "application/xhtml+xml"):
        markup, words = sanitise(_decode_text(raw, charset, what))
        if words:
            content.add_narrative(markup, words)
        return
    if media.startswith("text/"):
        if len(raw) > MAX_TEXT_CHARS * 4:
            raise _Reject(f"text over {MAX_TEXT_CHARS} characters")
        text = _decode_text(raw, charset, what).strip()
        if text:
            # NUL looked for in the bytes (a memchr, 10x cheaper than in the text): in
            # every encoding a NUL character holds a zero byte.
            content.texts.append(text if 0 not in raw else _clean(text))
        return
    content.skip(media or "no content type")


def _plain_note(items: Sequence[m.Content] | None) -> tuple[str, str] | None:
    """``(text, title)`` of the usual note: one text/plain attachment in UTF-8 with no
    byte order mark, already decoded from base64 with its page (``fhir_model.D``);
    ``None`` for anything else, which ``_attachment`` reads (and rejects with a reason)."""
    if items is None or len(items) != 1:
        return None
    att = items[0].attachment
    if att is None:
        return None
    data = att.data
    if (type(data) is not bytes or not data or data[0] >= 0xEF  # a BOM's first byte
            or len(data) > MAX_TEXT_CHARS * 4 or _media(att.contentType) not in _PLAIN):
        return None
    try:
        text = data.decode().strip()
    except UnicodeDecodeError:
        return None
    if not text:
        return None
    if len(text) > MAX_TEXT_CHARS:
        raise _Reject(f"text over {MAX_TEXT_CHARS} characters")
    # NUL looked for in the bytes (a memchr): in UTF-8 only the NUL character holds one.
    return (text if 0 not in data else _clean(text)), att.title or ""


_PLAIN = frozenset({("text/plain", None), ("text/plain", "utf-8")})


def _attachment(content: _Content, att: m.Attachment | None, what: str,
                fetcher: Fetcher | None) -> None:
    if att is None:
        raise _Reject(f"{what} is missing")
    data = att.data
    if isinstance(data, bytes) and len(data) <= MAX_TEXT_CHARS * 4:
        media, charset = _media(att.contentType)
        if media == "text/plain":  # the usual note, already decoded with its page
            text = _decode_text(data, charset, what).strip()
            if text:
                content.texts.append(text if 0 not in data else _clean(text))
            return
    if _has_data(data):
        limit = MAX_PDF_BYTES if _media(att.contentType)[0] == "application/pdf" \
            else MAX_TEXT_CHARS * 4
        _take(content, att.contentType, _b64(att.data, what, limit), what)
        return
    if att.url:
        media = _media(att.contentType)[0]
        if media.startswith("image/") or media.startswith("video/"):
            content.skip(media)
            return
        fetched = fetcher.binary(att.url) if fetcher is not None else None
        if fetched is None:
            content.skip(f"{media or 'content'} by URL not on this server")
            return
        ctype, raw = fetched
        _take(content, att.contentType or ctype, raw, what)
        return
    content.skip("an attachment with neither data nor url")


def _narrative_of(text: m.Narrative | None) -> tuple[str, str]:
    if text is None or not text.div:
        return "", ""
    return sanitise(text.div)


# ---------------------------------------------------------------- lab values


_HIGH = frozenset({"H", "HH", "HU", ">", "HX"})
_LOW = frozenset({"L", "LL", "LU", "<", "LX"})
_ABNORMAL = frozenset({"A", "AA", "POS", "R", "DET"})


def _number(value: Decimal) -> str:
    return str(value) if value == value else "?"  # NaN: never in FHIR, never crash


def _quantity(q: m.Quantity | None) -> tuple[str, str]:
    """``(value as written with its comparator, unit)``."""
    if q is None:
        return "", ""
    unit = q.unit if q.unit is not None else (q.code or "")
    if q.value is None:
        return "", unit
    return (q.comparator or "") + _number(q.value), unit


def _flag(holder: m.Component, low: Decimal | None, high: Decimal | None) -> Flag:
    for concept in holder.interpretation or ():
        for coding in concept.coding or ():
            code = (coding.code or "").upper()
            if code in _HIGH:
                return Flag.HIGH
            if code in _LOW:
                return Flag.LOW
            if code in _ABNORMAL:
                return Flag.ABNORMAL
            if code == "N":
                return Flag.NORMAL
    q = holder.valueQuantity
    if q is None or q.value is None or q.comparator:
        return Flag.NORMAL
    try:
        if high is not None and q.value > high:
            return Flag.HIGH
        if low is not None and q.value < low:
            return Flag.LOW
    except InvalidOperation:
        pass
    return Flag.NORMAL


def _value(holder: m.Component) -> tuple[str, str]:
    """``(value as written, unit)`` of whatever ``value[x]`` the holder has."""
    if holder.valueQuantity is not None:
        value, unit = _quantity(holder.valueQuantity)
        return value or "—", unit
    for text in (holder.valueString, holder.valueDateTime, holder.valueTime):
        if text is not None:
            return text, ""
    if holder.valueInteger is not None:
        return str(holder.valueInteger), ""
    if holder.valueBoolean is not None:
        return ("да" if holder.valueBoolean else "нет"), ""
    if holder.valueCodeableConcept is not None:
        return concept_text(holder.valueCodeableConcept) or "—", ""
    if holder.valueRange is not None:
        low, unit = _quantity(holder.valueRange.low)
        high, unit2 = _quantity(holder.valueRange.high)
        return f"{low}–{high}", unit or unit2
    if holder.valueRatio is not None:
        num, unit = _quantity(holder.valueRatio.numerator)
        den, unit2 = _quantity(holder.valueRatio.denominator)
        return f"{num}/{den}", f"{unit}/{unit2}" if unit2 else unit
    if holder.dataAbsentReason is not None:
        return "нет данных (" + (concept_text(holder.dataAbsentReason) or "—") + ")", ""
    return "—", ""


def _row(holder: m.Component, name: str, status: str) -> LabRow:
    """One value as a row. Written for the usual number with a range (each of a
    report's many rows passes here): ``_quantity`` and ``_flag`` written out for it."""
    q = holder.valueQuantity
    if q is not None and q.value is not None and q.comparator is None:
        number: Decimal | None = q.value
        value = str(number) if number == number else "?"  # NaN: never in FHIR, never crash
        if len(value) > MAX_TITLE_CHARS:
            value = _short(value, MAX_TITLE_CHARS)
        unit = q.unit if q.unit is not None else (q.code or "")
    else:
        number = None
        value, unit = _value(holder)
        value = _short(value, MAX_TITLE_CHARS)
    if holder.referenceRange:
        low, high, low_text, high_text, range_text = _reference_range(holder.referenceRange[0])
    else:
        low = high = None
        low_text = high_text = range_text = ""
    if number is not None and holder.interpretation is None:
        try:  # _flag without an interpretation, written out
            flag = (Flag.HIGH if high is not None and number > high
                    else Flag.LOW if low is not None and number < low else Flag.NORMAL)
        except InvalidOperation:
            flag = Flag.NORMAL
    else:
        flag = _flag(holder, low, high)
    return LabRow(_LINES.get(name) or _line(name) or "Показатель", value,
                  _short(unit, 60) if unit else "", low_text, high_text, range_text,
                  flag, status)


def _reference_range(rng: m.ReferenceRange,
                     ) -> tuple[Decimal | None, Decimal | None, str, str, str]:
    """``(low, high, low as written, high as written, the range's text)``."""
    low = high = None
    low_text = high_text = range_text = ""
    bound = rng.low
    if bound is not None:
        low = bound.value
        if low is not None:  # _quantity, written out
            low_text = (bound.comparator or "") + (str(low) if low == low else "?")
    bound = rng.high
    if bound is not None:
        high = bound.value
        if high is not None:
            high_text = (bound.comparator or "") + (str(high) if high == high else "?")
    if rng.text:
        range_text = _short(rng.text, MAX_TITLE_CHARS)
    return low, high, low_text, high_text, range_text


def observation_rows(obs: m.Observation, members: Callable[[str], m.Observation | None],
                     depth: int = 0) -> list[LabRow]:
    """The rows of one Observation: its value, or each component, or each member of a
    panel (``hasMember``, one level deep)."""
    if obs.status in WITHDRAWN:
        return []
    status = "предварительный" if obs.status in REPORT_NOT_FINAL else ""
    name = concept_text(obs.code) or "Показатель"
    if obs.valueQuantity is None and not _has_other_value(obs):
        if obs.component:
            return [_row(c, concept_text(c.code) or name, status) for c in obs.component]
        if obs.hasMember and depth == 0:
            return _member_rows(obs.hasMember, members, name)
    return [_row(obs, name, status)]


def _has_other_value(obs: m.Observation) -> bool:
    """A ``value[x]`` other than a quantity, or why there is none."""
    return not (
        obs.valueString is None and obs.valueCodeableConcept is None
        and obs.valueBoolean is None and obs.valueInteger is None and obs.valueRange is None
        and obs.valueRatio is None and obs.valueDateTime is None and obs.valueTime is None
        and obs.dataAbsentReason is None)


def _member_rows(refs: Sequence[m.Ref], members: Callable[[str], m.Observation | None],
                 name: str) -> list[LabRow]:
    rows: list[LabRow] = []
    for ref in refs:
        member = members(ref.reference or "")
        if member is not None:
            rows.extend(observation_rows(member, members, 1))
        else:
            rows.append(LabRow(ref.display or name, "результат не передан"))
    return rows


def _find(ref: str, contained: _Contained, observations: dict[str, m.Observation],
          ) -> m.Observation | None:
    """The Observation a report's result names: contained (``#id``), else on the page
    (by reference or full URL)."""
    obs = contained.get(ref) if ref.startswith("#") else observations.get(ref)
    if obs is None and "/Observation/" in ref:
        obs = observations.get("Observation/" + ref.rsplit("/", 1)[-1])
    return obs if type(obs) is m.Observation else None


def _results(refs: Sequence[m.Ref], contained: _Contained,
             observations: dict[str, m.Observation],
             ) -> list[tuple[m.Ref, m.Observation | None]]:
    """A report's results (at most ``MAX_ROWS``) with the Observation each names."""
    return [(ref, _find(ref.reference or "", contained, observations))
            for ref in refs[:MAX_ROWS]]


def _rows(results: Sequence[tuple[m.Ref, m.Observation | None]], contained: _Contained,
          observations: dict[str, m.Observation]) -> list[LabRow]:
    """A row per value of each result; ``результат не передан`` for one not sent."""
    rows: list[LabRow] = []

    def members(target: str) -> m.Observation | None:
        return _find(target, contained, observations)

    for ref, obs in results:
        if obs is not None:
            rows.extend(observation_rows(obs, members))
        else:
            rows.append(LabRow(_short(ref.display, MAX_TITLE_CHARS) or "Показатель",
                               "результат не передан"))
    return rows


# ---------------------------------------------------------------- kinds


def _codings(concepts: Iterable[m.Concept | None]) -> list[m.Coding]:
    return [c for concept in concepts if concept is not None for c in concept.coding or ()]


def document_kind(type_: m.Concept | None, category: Sequence[m.Concept] | None) -> DocKind:
    """A DocumentReference's or Composition's kind: LOINC ``type``, else ``category``."""
    if type_ is not None:
        codings = type_.coding
        if codings is not None and len(codings) == 1:
            kind = _TYPE_KINDS.get(codings[0])  # the usual: one code, seen before
            if kind is not None:
                return kind
    return _document_kind(type_, category)


def _document_kind(type_: m.Concept | None, category: Sequence[m.Concept] | None) -> DocKind:
    codings = type_.coding if type_ is not None else None
    if codings is not None and len(codings) == 1 and codings[0].code:
        kind = _loinc_document(codings[0].system, codings[0].code)
        if kind is not None:
            if len(_TYPE_KINDS) >= _CACHED:
                _TYPE_KINDS.clear()
            _TYPE_KINDS[codings[0]] = kind
            return kind
    seen: list[str] = []
    for concepts in ([type_], category or ()):
        for coding in _codings(concepts):
            if coding.code:
                seen.append(f"{coding.code}")
                if coding.system in codes.LOINC_SYSTEMS or coding.system is None:
                    kind = codes.DOCUMENT_TYPES.get(coding.code)
                    if kind is not None:
                        return kind
    if not seen:
        raise _Reject("missing document type")
    for code in seen:
        if code in codes.NOT_A_KIND_CODES:
            raise _Reject(codes.NOT_A_KIND_CODES[code])
    raise _Reject("unknown document type " + ", ".join(c[:20] for c in seen[:4]))


#: A DocumentReference's single type coding → its kind (``document_kind``).
_TYPE_KINDS: dict[m.Coding, DocKind] = {}


def _loinc_document(system: str | None, code: str) -> DocKind | None:
    if system in codes.LOINC_SYSTEMS or system is None:
        return codes.DOCUMENT_TYPES.get(code)
    return None


def _section_kind(coding: m.Coding) -> DocKind | None:
    return _section_of(coding.system, coding.code or "")


@functools.lru_cache(maxsize=1024)
def _section_of(system: str | None, code: str) -> DocKind | None:
    if system in codes.V2_0074_SYSTEMS or system is None:
        kind = codes.REPORT_SECTIONS.get(code.upper())
        if kind is not None:
            return kind
    if system in codes.LOINC_SYSTEMS or system is None:
        kind = codes.LOINC_PARTS.get(code)
        if kind is not None:
            return kind
    if system in codes.OBS_CATEGORY_SYSTEMS or system is None:
        kind = codes.OBS_CATEGORIES.get(code)
        if kind is not None:
            return kind
    if system in codes.SNOMED_SYSTEMS:
        return codes.SNOMED_SECTIONS.get(code)
    return None


def report_kind(res: m.DiagnosticReport,
                results: Sequence[tuple[m.Ref, m.Observation | None]]) -> DocKind:
    """A DiagnosticReport's kind: its category (codes, then words), else its own code,
    else its results' categories (fhir_codes says which tables); ``results``: each
    result's reference and the Observation found for it."""
    if res.category:
        first = res.category[0].coding
        if first:
            kind = _SECTION_KINDS.get(first[0])  # the usual: a category seen before
            if kind is not None:
                return kind
    seen: list[str] = []
    for concept in res.category or ():
        for coding in concept.coding or ():
            seen.append(coding.code or "")
            kind = _section_kind(coding)
            if kind is not None:
                if len(_SECTION_KINDS) >= _CACHED:
                    _SECTION_KINDS.clear()
                _SECTION_KINDS[coding] = kind
                return kind  # the usual: a v2-0074 or LOINC category
        words = concept_text(concept)
        kind = codes.kind_of_words(words) if words else None
        if kind is not None:
            return kind
    kind = _code_kind(res.code)
    if kind is not None:
        return kind
    return _results_kind(res, [obs for _, obs in results if obs is not None], seen)


#: A category coding → the kind it tells (``report_kind``).
_SECTION_KINDS: dict[m.Coding, DocKind] = {}


def _code_kind(code: m.Concept | None) -> DocKind | None:
    """The kind a report's own code tells: a LOINC report code, else its words."""
    if code is None:
        return None
    for coding in code.coding or ():
        if coding.code and (coding.system in codes.LOINC_SYSTEMS or coding.system is None):
            kind = codes.REPORT_CODES.get(coding.code)
            if kind is not None:
                return kind
    return codes.kind_of_words(concept_text(code))


def _results_kind(res: m.DiagnosticReport, results: Sequence[m.Observation],
                  seen: Sequence[str]) -> DocKind:
    """A report with no category or code that tells: by its results' categories, a
    refusal the codes name, or a lab panel when it has results at all."""
    result_categories = {c.code for obs in results for c in _codings(obs.category or ())
                         if c.code}
    for code in sorted(result_categories):
        kind = codes.OBS_CATEGORIES.get(code)
        if kind is not None:
            return kind
    for code, reason in codes.NOT_A_KIND.items():
        if code in result_categories:
            raise _Reject(reason)
    for coding in _codings([res.code]):
        if coding.code in codes.NOT_A_KIND_CODES:
            raise _Reject(codes.NOT_A_KIND_CODES[coding.code])
    if results:
        # Observations with values and no category at all, reported together: a lab
        # panel (an imaging report comes with its section, RAD and the like).
        return DocKind.LAB_RESULT
    codes_seen = ", ".join(c[:20] for c in seen[:4] if c)
    own = ", ".join((c.code or "")[:20] for c in _codings([res.code]))[:60]
    raise _Reject(f"unknown report kind (category: {codes_seen or 'none'}; code: {own or 'none'})")


def _docref_withdrawn(res: m.DocumentReference, doc_id: str) -> Withdrawn | None:
    """A DocumentReference that must leave (withdrawn, or a draft), else ``None``;
    an unknown status is refused."""
    if res.status in WITHDRAWN:
        return Withdrawn(doc_id, res.status or "")
    if res.status is None:
        raise _Reject("missing status")
    if res.status not in DOCREF_STATUSES:
        raise _Reject(f"unknown status {res.status[:30]!r}")
    if res.docStatus == "entered-in-error":
        return Withdrawn(doc_id, "entered-in-error")
    if res.docStatus == "preliminary":
        return Withdrawn(doc_id, NOT_FINAL)
    return None


def _replaced(relations: Sequence[m.RelatesTo], doc_id: str) -> list[Withdrawn]:
    """The documents a current one ``replaces``: they leave the cache."""
    out: list[Withdrawn] = []
    for rel in relations:
        target = rel.target.reference if rel.target is not None else None
        if rel.code == "replaces" and target and target.startswith("DocumentReference/"):
            old = target.split("/")[1]
            if _ID.match(old) and f"DocumentReference/{old}" != doc_id:
                out.append(Withdrawn(f"DocumentReference/{old}", "replaced"))
    return out


def _report_withdrawn(res: m.DiagnosticReport, doc_id: str) -> Withdrawn | None:
    """A report that must leave (withdrawn, or not final yet), else ``None``."""
    if res.status in WITHDRAWN:
        return Withdrawn(doc_id, res.status or "")
    if res.status is None:
        raise _Reject("missing status")
    if res.status in REPORT_NOT_FINAL:
        return Withdrawn(doc_id, NOT_FINAL)
    if res.status not in REPORT_FINAL:
        raise _Reject(f"unknown status {res.status[:30]!r}")
    return None


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
    raise _Reject("missing date (issued, effectiveDateTime or effectivePeriod)")


# ---------------------------------------------------------------- the reader


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
        except _Reject as rej:
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
        emr_id = _rid(res.id)
        names = res.name or []
        if not names:
            raise _Reject("missing name")
        chosen = next((n for n in names if n.use == "official"), None)
        if chosen is None:
            chosen = next((n for n in names if n.use in (None, "usual")), names[0])
        family = _short(chosen.family, MAX_NAME_CHARS)
        if not family:
            raise _Reject("missing family name")
        given = [_short(g, MAX_NAME_CHARS) for g in chosen.given or ()]
        if not given or not given[0]:
            raise _Reject("missing given name")
        if res.birthDate is None:
            raise _Reject("missing birthDate")
        if not re.match(r"^\d{4}-\d{2}-\d{2}$", res.birthDate):
            raise _Reject("birthDate is not a full date")
        try:
            birth = date.fromisoformat(res.birthDate)
        except ValueError:
            raise _Reject("birthDate is not a valid date") from None
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
        if rid is None or not _ID.match(rid):
            raise _Reject("missing or invalid id")
        doc_id = "DocumentReference/" + rid
        if res.status != "current" or res.docStatus is not None:  # else neither applies
            gone = _docref_withdrawn(res, doc_id)
            if gone is not None:
                return [gone]
        kind = document_kind(res.type, res.category)
        emr_id = patient_id(res.subject)
        created, date_only = parse_date(res.date, "date")
        note = _plain_note(res.content)
        contained = _Contained(res.contained) if res.contained else _NO_CONTAINED
        organization = _parties((res.custodian,) if res.custodian else None, contained)[0]
        performer = _parties(res.author, contained)[1]
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
            doc = Document(doc_id, emr_id, kind, created, _LINES.get(title) or _line(title),
                           organization, performer, text, version_of(res.meta), False, "",
                           (), None, date_only)
        if res.status == "current" and res.relatesTo:
            return [doc, *_replaced(res.relatesTo, doc_id)]
        return doc

    def _docref_content(self, res: m.DocumentReference) -> tuple[_Content, str]:
        """A DocumentReference's attachments gathered, and the first one's title."""
        content = _Content()
        first_title = ""
        for i, item in enumerate(res.content or ()):
            _attachment(content, item.attachment, f"content[{i}].attachment", self.fetcher)
            if not first_title and item.attachment is not None and item.attachment.title:
                first_title = item.attachment.title
        if content.empty():
            raise _Reject("no readable content" + _skipped(content))
        return content, first_title

    # -- DiagnosticReport

    def diagnostic_report(self, res: m.DiagnosticReport,
                          observations: dict[str, m.Observation]) -> Document | Withdrawn:
        """``observations``: ``"Observation/<id>"`` and full URLs → the page's Observations.

        Written for the usual report (a conclusion and results), as
        ``document_reference`` is; presented forms and reports with nothing else to show
        go through ``_report_content``."""
        rid = res.id
        if rid is None or not _ID.match(rid):
            raise _Reject("missing or invalid id")
        doc_id = "DiagnosticReport/" + rid
        if res.status != "final":  # else it is shown
            gone = _report_withdrawn(res, doc_id)
            if gone is not None:
                return gone
        emr_id = patient_id(res.subject)
        created, date_only = _report_date(res)
        contained = _Contained(res.contained) if res.contained else _NO_CONTAINED
        results = _results(res.result, contained, observations) if res.result else []
        kind = report_kind(res, results)
        conclusion = _conclusion(res)
        rows = _rows(results, contained, observations) if results else None
        organization, doctor = _parties(res.performer, contained)
        if res.resultsInterpreter:
            doctor = _parties(res.resultsInterpreter, contained)[1] or doctor
        radiology = kind is DocKind.INSTRUMENTAL and self._eris(res)
        title = concept_text(res.code) or KIND_TITLES_RU[kind]
        if res.presentedForm or not (conclusion or rows):
            content = self._report_content(res, conclusion, rows)
            return self._document(
                doc_id, emr_id, kind, created, date_only, content, title=title,
                organization=organization, performer=doctor, meta=res.meta,
                radiology=radiology)
        text = _clean(f"Заключение: {conclusion}").strip() if conclusion else ""
        if len(text) > MAX_TEXT_CHARS:
            raise _Reject(f"text over {MAX_TEXT_CHARS} characters")
        return Document(
            doc_id, emr_id, kind, created, _LINES.get(title) or _line(title), organization,
            doctor, text, version_of(res.meta), radiology, "", tuple(rows) if rows else (),
            None, date_only)

    def _eris(self, res: m.DiagnosticReport) -> bool:
        """Whether an instrumental study is the radiology service's (R-SHOW-4)."""
        return self.radiology.owns(res.meta.source if res.meta is not None else None,
                                   [i.system for i in res.identifier or ()])

    def _report_content(self, res: m.DiagnosticReport, conclusion: str,
                        rows: list[LabRow] | None) -> _Content:
        """The conclusion, the rows, the presented forms; the narrative when there is
        nothing else."""
        content = _Content()
        if conclusion:
            content.texts.append(_clean(f"Заключение: {conclusion}"))
        if rows:
            content.add_rows(rows)
        for i, form in enumerate(res.presentedForm or ()):
            _attachment(content, form, f"presentedForm[{i}]", self.fetcher)
        if content.empty():
            markup, words = _narrative_of(res.text)
            if words:
                content.add_narrative(markup, words)
        if content.empty():
            raise _Reject("no readable content" + _skipped(content))
        return content

    # -- Composition (and FHIR document Bundles)

    def composition(self, res: m.Composition, parties: dict[str, str]) -> Document | Withdrawn:
        """A Composition as one document made of its sections' narratives; ``parties``:
        the display names of the document Bundle's Organizations and Practitioners."""
        doc_id = "Composition/" + _rid(res.id)
        if res.status in WITHDRAWN:
            return Withdrawn(doc_id, res.status or "")
        if res.status == "preliminary":
            return Withdrawn(doc_id, NOT_FINAL)
        if res.status not in COMPOSITION_FINAL:
            raise _Reject("missing status" if res.status is None
                          else f"unknown status {res.status[:30]!r}")
        kind = document_kind(res.type, res.category)
        emr_id = patient_id(res.subject)
        created, date_only = parse_date(res.date, "date")
        content = _Content()
        parts: list[str] = []
        words: list[str] = []
        _sections(res.section or (), parts, words, 0)
        if not words:
            markup, text = _narrative_of(res.text)
            parts, words = [markup], [text]
        if any(w.strip() for w in words):
            content.add_narrative("".join(parts), "\n\n".join(w for w in words if w.strip()))
        if content.empty():
            raise _Reject("no readable content (no section narrative)")
        contained = _Contained(res.contained) if res.contained else _NO_CONTAINED

        def party(refs: Sequence[m.Ref] | None, want: str) -> str:
            for ref in refs or ():
                name = parties.get(ref.reference or "")
                if name and (ref.reference or "").find(want) >= 0:
                    return _short(name, MAX_TITLE_CHARS)
            return _party(refs, contained, want)

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
                name = _human_name(res.name)
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
        except _Reject as rej:
            return Rejected(source_id("Composition", composition.id), rej.reason)

    # -- the document itself

    @staticmethod
    def _document(doc_id: str, emr_id: str, kind: DocKind, created: datetime, date_only: bool,
                  content: _Content, *, title: str, organization: str, performer: str,
                  meta: m.Meta | None, radiology: bool) -> Document:
        """``organization`` and ``performer`` already on one line (``_parties``)."""
        lines = content.texts  # each made clean as it was added
        if content.pdf is not None and not lines:
            lines = ["Документ в формате PDF."]
        text = (lines[0] if len(lines) == 1 else "\n\n".join(lines)).strip()
        if len(text) > MAX_TEXT_CHARS:
            raise _Reject(f"text over {MAX_TEXT_CHARS} characters")
        narrative = _clean("".join(content.narratives)) if content.narratives else ""
        if len(narrative) > MAX_TEXT_CHARS * 2:
            raise _Reject(f"narrative over {MAX_TEXT_CHARS * 2} characters")
        return Document(
            doc_id=doc_id, emr_id=emr_id, kind=kind, created_at=created,
            title=_short(title, MAX_TITLE_CHARS), organization=organization,
            performer=performer, text=text, version=version_of(meta), radiology=radiology,
            narrative=narrative, results=tuple(content.rows) if content.rows else (),
            pdf=content.pdf, date_only=date_only)

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
            except _Reject as rej:
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
                    if _ID.match(rid):
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


def _skipped(content: _Content) -> str:
    if not content.skipped:
        return ""
    return " (not shown: " + ", ".join(sorted(set(content.skipped)))[:120] + ")"


def _sections(sections: Sequence[m.Section], parts: list[str], words: list[str],
              depth: int) -> None:
    for section in sections:
        heading = section.title or concept_text(section.code)
        markup, text = _narrative_of(section.text)
        if heading and (text or section.section):
            tag = "h3" if depth == 0 else "h4"
            parts.append(f"<{tag}>{_escape(_short(heading, MAX_TITLE_CHARS))}</{tag}>")
            words.append(heading)
        if text:
            parts.append(markup)
            words.append(text)
        if section.section and depth < 4:
            _sections(section.section, parts, words, depth + 1)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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
