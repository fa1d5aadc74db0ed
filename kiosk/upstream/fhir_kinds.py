"""A document's kind (``DocKind``) from its codes: a DocumentReference's or
Composition's LOINC type or category, a DiagnosticReport's category, own code or
results. The tables are ``fhir_codes``; a code that names no kind of the order is
refused with the reason the tables give.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

from kiosk.domain.documents import DocKind
from kiosk.upstream import fhir_codes as codes
from kiosk.upstream import fhir_model as m
from kiosk.upstream.fhir_fields import CACHE_SIZE, Reject, concept_text


def _codings(concepts: Iterable[m.Concept | None]) -> list[m.Coding]:
    return [c for concept in concepts if concept is not None for c in concept.coding or ()]


def document_kind(type_: m.Concept | None, category: Sequence[m.Concept] | None) -> DocKind:
    """A DocumentReference's or Composition's kind: LOINC ``type``, else ``category``."""
    if type_ is not None:
        codings = type_.coding
        if codings is not None and len(codings) == 1:
            kind = _type_kind(codings[0])  # the usual: one LOINC code
            if kind is not None:
                return kind
    return _document_kind(type_, category)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _type_kind(coding: m.Coding) -> DocKind | None:
    """The kind a single ``type`` coding tells, ``None`` when it tells none."""
    if not coding.code:
        return None
    return _loinc_document(coding.system, coding.code)


def _document_kind(type_: m.Concept | None, category: Sequence[m.Concept] | None) -> DocKind:
    """``document_kind`` by every coding of ``type``, then of ``category``, or why none
    tells a kind."""
    seen: list[str] = []
    for concepts in ([type_], category or ()):
        for coding in _codings(concepts):
            if coding.code:
                seen.append(f"{coding.code}")
                kind = _loinc_document(coding.system, coding.code)
                if kind is not None:
                    return kind
    if not seen:
        raise Reject("missing document type")
    for code in seen:
        if code in codes.NOT_A_KIND_CODES:
            raise Reject(codes.NOT_A_KIND_CODES[code])
    raise Reject("unknown document type " + ", ".join(c[:20] for c in seen[:4]))


def _loinc_document(system: str | None, code: str) -> DocKind | None:
    if system in codes.LOINC_SYSTEMS or system is None:
        return codes.DOCUMENT_TYPES.get(code)
    return None


@functools.lru_cache(maxsize=CACHE_SIZE)
def _section_kind(coding: m.Coding) -> DocKind | None:
    """The kind a report's category coding tells (a sync sees a handful of them)."""
    system, code = coding.system, coding.code or ""
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
    seen: list[str] = []
    for concept in res.category or ():
        for coding in concept.coding or ():
            seen.append(coding.code or "")
            kind = _section_kind(coding)
            if kind is not None:
                return kind  # a v2-0074, LOINC, observation or SNOMED category
        words = concept_text(concept)
        kind = codes.kind_of_words(words) if words else None
        if kind is not None:
            return kind
    kind = _code_kind(res.code)
    if kind is not None:
        return kind
    return _results_kind(res, [obs for _, obs in results if obs is not None], seen)


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
            raise Reject(reason)
    for coding in _codings([res.code]):
        if coding.code in codes.NOT_A_KIND_CODES:
            raise Reject(codes.NOT_A_KIND_CODES[coding.code])
    if results:
        # Observations with values and no category at all, reported together: a lab
        # panel (an imaging report comes with its section, RAD and the like).
        return DocKind.LAB_RESULT
    codes_seen = ", ".join(c[:20] for c in seen[:4] if c)
    own = ", ".join((c.code or "")[:20] for c in _codings([res.code]))[:60]
    raise Reject(f"unknown report kind (category: {codes_seen or 'none'}; code: {own or 'none'})")
