"""The small readers every FHIR resource's mapping uses: ids and references (which
Patient a record is about, what a rejection names), dates, versions, text on one line,
and the parties (organisation, doctor) that references name.

Each raises ``Reject`` with a reason naming the field, never a person's data
(``fhir_read`` turns it into one rejected record, R-SYNC-4).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import msgspec

from kiosk.domain.moscow import moscow_midnight
from kiosk.domain.narrative import strip_invisible
from kiosk.upstream import fhir_model as m

MAX_TITLE_CHARS = 500
MAX_NAME_CHARS = 200
#: How many entries the reader's ``lru_cache``s of references and codes hold at most
#: (``one_line``'s holds 8,192 texts: organisations, doctors, titles and analytes).
CACHE_SIZE = 4096
#: Texts longer than this are read but not remembered (a cache keeps its keys alive).
CACHED_TEXT = 1000

#: A usable resource id (FHIR's ``id`` type).
ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
_FHIR_DATE = re.compile(
    r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?"
    r"(Z|[+-]\d{2}:\d{2})?)?)?)?$")


class Reject(Exception):
    """Why one record is refused: raised by the readers of its fields, caught once per
    record by ``fhir_read.Reader`` (which rejects that record alone)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def clean(text: str) -> str:
    """Text safe for any store: no NUL (PostgreSQL refuses it). Lone surrogates cannot
    occur: msgspec refuses their escapes (``fhir_read._tolerant`` replaces them first)
    and text decoded from bytes never holds one."""
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


@functools.lru_cache(maxsize=8192)
def _one_line(text: str, limit: int) -> str:
    out = clean(" ".join(strip_invisible(text).split()))
    return out if len(out) <= limit else out[: limit - 1] + "…"


def one_line(text: str | None, limit: int) -> str:
    """Titles, names and labels on one line, cut to ``limit``; the same few hundred
    organisations and doctors repeat over a whole sync, hence the cache."""
    if not text:
        return ""
    if len(text) > CACHED_TEXT:
        return _one_line.__wrapped__(text, limit)
    return _one_line(text, limit)


def title_line(text: str) -> str:
    """A document's title, a lab row's analyte: ``one_line(text, MAX_TITLE_CHARS)``."""
    return one_line(text, MAX_TITLE_CHARS)


def source_id(rtype: str, rid: object) -> str:
    """What a rejection names: the record's type and id, ``?`` for an unusable id."""
    if isinstance(rid, str) and ID.match(rid):
        return f"{rtype}/{rid}"
    return f"{rtype}/?"


def checked_id(rid: str | None) -> str:
    """A resource's own id, refused when missing or not FHIR's ``id`` type."""
    if rid is None or not ID.match(rid):
        raise Reject("missing or invalid id")
    return rid


@functools.lru_cache(maxsize=CACHE_SIZE)
def patient_id(ref: m.Ref | None) -> str:
    """The Patient id of a subject reference (plain, absolute or versioned); a
    patient's documents come together in a page, hence the cache (a refusal raises,
    and is not remembered)."""
    if ref is None:
        raise Reject("missing subject")
    if not ref.reference:
        raise Reject("subject has no reference")
    return _patient_of(ref.reference)


def _patient_of(reference: str) -> str:
    parts = reference.rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2] == "Patient" and ID.match(parts[-1]):
        return parts[-1]
    history = len(parts) >= 4 and parts[-4] == "Patient" and parts[-2] == "_history"
    if history and ID.match(parts[-3]):
        return parts[-3]
    if reference.startswith("urn:uuid:") and ID.match(reference[9:]):
        return reference[9:]  # inside a document Bundle
    raise Reject("subject is not a Patient reference")


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
        raise Reject(f"missing {what}")
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
        raise Reject(f"{what} is malformed")
    year, month, day, hour, minute, second, fraction, zone = found.groups()
    try:
        first = date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise Reject(f"{what} is not a valid date") from None
    if hour is None:
        return moscow_midnight(first), True
    if zone is None:
        raise Reject(f"{what} has a time but no time zone")
    leap = second == "60"
    text = (f"{first.isoformat()}T{hour}:{minute}:{'59' if leap else (second or '00')}"
            f"{fraction or ''}{'+00:00' if zone == 'Z' else zone}")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Reject(f"{what} is malformed") from None
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


def updated_of(meta: m.Meta | None) -> datetime | None:
    """``meta.lastUpdated`` as ``Document.updated``: what orders two versions."""
    return aware_instant(meta.lastUpdated) if meta is not None else None


def version_of(meta: m.Meta | None) -> str:
    """The version the store compares: ``meta.versionId``, else ``meta.lastUpdated``."""
    if meta is None:
        return "1"
    return (meta.versionId or meta.lastUpdated or "1")[:64]


def human_name(names: Sequence[m.HumanName] | None) -> str:
    """A Practitioner's name as shown: the first name's text, else its parts."""
    for name in names or ():
        if name.text and name.text.strip():
            return name.text
        parts = [*(name.given or ()), *([name.family] if name.family else [])]
        if parts:
            return " ".join(parts)
    return ""


class Contained:
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


NO_CONTAINED = Contained(None)


def party_of(refs: Sequence[m.Ref] | None, contained: Contained, want: str) -> str:
    """The name of the first reference of type ``want`` (Organization/Practitioner)."""
    return parties_of(refs, contained)[0 if want == "Organization" else 1]


def parties_of(refs: Sequence[m.Ref] | None, contained: Contained) -> tuple[str, str]:
    """``(organization, practitioner)`` named by a list of references, each on one line
    (``one_line``): a report's performers hold both. A sync sees the same few hundred
    organisations and doctors thousands of times, hence ``_named_by``'s cache."""
    if not refs:
        return _NO_PARTIES
    return _named_by(tuple(refs)) or _read_parties(refs, contained)


_NO_PARTIES = ("", "")


@functools.lru_cache(maxsize=CACHE_SIZE)
def _named_by(refs: tuple[m.Ref, ...]) -> tuple[str, str] | None:
    """``parties_of`` for references alone; ``None`` when one names a contained
    resource (``#id``): what it names is in the resource, not in the reference, so only
    that ``None`` is remembered for such a list, never the names."""
    if any((ref.reference or "").startswith("#") for ref in refs):
        return None
    return _read_parties(refs, NO_CONTAINED)


def _read_parties(refs: Sequence[m.Ref], contained: Contained) -> tuple[str, str]:
    org = doctor = ""
    for ref in refs:
        target = ref.reference or ""
        if target.startswith("#"):
            res = contained.get(target)
            if not org and isinstance(res, m.Organization) and res.name:
                org = res.name
            elif not doctor and isinstance(res, m.Practitioner):
                doctor = human_name(res.name)
        elif ref.display and ref.display.strip():
            kind = _ref_type(target)
            if not org and kind in ("Organization", "*"):
                org = ref.display
            if not doctor and kind in ("Practitioner", "*"):
                doctor = ref.display
        if org and doctor:
            break
    return one_line(org, MAX_TITLE_CHARS), one_line(doctor, MAX_TITLE_CHARS)


def _ref_type(target: str) -> str:
    """The resource type a reference names; ``*`` for none (a display alone)."""
    head, slash, _ = target.rpartition("/")
    return head.rpartition("/")[2] if slash else ("" if target else "*")
