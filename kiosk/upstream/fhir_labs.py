"""Lab values as the kiosk's rows (``LabRow``): an Observation's value, components or
panel members, each with its unit, reference range (as written) and flag; and a
DiagnosticReport's results found on its page, contained, or not sent at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation

from kiosk.domain.documents import Flag, LabRow
from kiosk.upstream import fhir_model as m
from kiosk.upstream.fhir_fields import (
    MAX_TITLE_CHARS,
    Contained,
    concept_text,
    one_line,
    title_line,
)
from kiosk.upstream.fhir_status import REPORT_NOT_FINAL, WITHDRAWN

#: Results of one report read at most (a report is a page, not a data dump).
MAX_ROWS = 500


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
            value = one_line(value, MAX_TITLE_CHARS)
        unit = q.unit if q.unit is not None else (q.code or "")
    else:
        number = None
        value, unit = _value(holder)
        value = one_line(value, MAX_TITLE_CHARS)
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
    return LabRow(title_line(name) or "Показатель", value,
                  one_line(unit, 60) if unit else "", low_text, high_text, range_text,
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
        range_text = one_line(rng.text, MAX_TITLE_CHARS)
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


def _find(ref: str, contained: Contained, observations: dict[str, m.Observation],
          ) -> m.Observation | None:
    """The Observation a report's result names: contained (``#id``), else on the page
    (by reference or full URL)."""
    obs = contained.get(ref) if ref.startswith("#") else observations.get(ref)
    if obs is None and "/Observation/" in ref:
        obs = observations.get("Observation/" + ref.rsplit("/", 1)[-1])
    return obs if type(obs) is m.Observation else None


def report_results(refs: Sequence[m.Ref], contained: Contained,
                   observations: dict[str, m.Observation],
                   ) -> list[tuple[m.Ref, m.Observation | None]]:
    """A report's results (at most ``MAX_ROWS``) with the Observation each names."""
    return [(ref, _find(ref.reference or "", contained, observations))
            for ref in refs[:MAX_ROWS]]


def report_rows(results: Sequence[tuple[m.Ref, m.Observation | None]],
                contained: Contained, observations: dict[str, m.Observation],
                ) -> list[LabRow]:
    """A row per value of each result; ``результат не передан`` for one not sent."""
    rows: list[LabRow] = []

    def members(target: str) -> m.Observation | None:
        return _find(target, contained, observations)

    for ref, obs in results:
        if obs is not None:
            rows.extend(observation_rows(obs, members))
        else:
            rows.append(LabRow(one_line(ref.display, MAX_TITLE_CHARS) or "Показатель",
                               "результат не передан"))
    return rows
