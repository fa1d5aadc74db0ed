"""Control and format characters in a clinic's text reach neither screen nor paper.

Qt draws a control character (``\\x01``, ``ESC``, ``DEL``, the C1 ones) as a box, on
screen and in the printed PDF; a format character (zero-width space, bidi override)
changes what a name or line says (R-SHOW-1). Found on a rendered document: a protocol
with ``\\x01`` and an ANSI colour escape showed boxes between its words. Each record
below is read twice, as sent and with such characters put into every text it carries
(names, titles, notes, narratives, conclusions, lab values and units); both must give
the same patient and the same documents (R-SHOW-5, R-SYNC-4: nothing lost for them).
"""

from __future__ import annotations

import base64
import gzip
import itertools
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.domain.narrative import sanitise, strip_invisible
from kiosk.sim.fhir_render import render_document, render_patient
from kiosk.sim.population import Population
from kiosk.upstream.fhir_read import Reader

DATA = Path(__file__).resolve().parents[1] / "data"
#: What must never be left in a text: C0 controls but tab, line feed and carriage
#: return, DEL, C1 controls, and the format characters put in below.
LEFT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u202e\u2066\ufeff]")
#: Put into texts in turn (a vertical tab is a line break, and a C1 control with a
#: Windows-1252 character becomes it: tested on their own; these C1 ones have none).
INVISIBLE = ["\x01", "\x1b", "\x7f", "\x81", "\x9d", "\x07", "\u200b", "\u202e", "\x1f",
             "\ufeff", "\x90"]
#: Keys whose string values are text a patient reads.
TEXT_KEYS = frozenset({"div", "display", "text", "title", "conclusion", "description",
                       "valueString", "family", "given", "unit", "name"})


def _inject(value: Any, chars: Iterator[str], key: str = "") -> Any:
    """``value`` with an invisible character in the middle of each text it holds."""
    if isinstance(value, dict):
        out = {k: _inject(v, chars, k) for k, v in value.items()}
        media = str(value.get("contentType", ""))
        if isinstance(value.get("data"), str) and media.startswith(("text/", "application/xhtml")):
            text = base64.b64decode(value["data"]).decode()
            out["data"] = base64.b64encode(_into(text, next(chars)).encode()).decode()
        return out
    if isinstance(value, list):
        return [_inject(v, chars, key) for v in value]
    if isinstance(value, str) and key in TEXT_KEYS and value:
        return _into(value, next(chars))
    return value


def _into(text: str, char: str) -> str:
    """``char`` in the middle of ``text``'s first run of words (past a leading tag)."""
    start = text.find(">") + 1 if text.startswith("<") else 0
    end = text.find("<", start)
    end = len(text) if end < 0 else end
    middle = start + (end - start) // 2
    return text[:middle] + char + text[middle:]


def _records() -> Iterator[tuple[str, bytes]]:
    """Simulator patients and documents of every kind, the official examples with a
    document, and Synthea's notes, patients and lab reports (with their results)."""
    pop = Population(size=30, seed=7, today=date(2025, 6, 10), docs_per_patient=6)
    moment = datetime(2025, 6, 10, tzinfo=UTC)
    for p in pop.patients[:6]:
        yield f"sim Patient/{p.emr_id}", render_patient(p, moment, 1)
    for i, d in enumerate(itertools.islice(pop.documents(), 150)):
        yield f"sim document {i}", render_document(d, moment, 1)
    for path in sorted((DATA / "fhir-r4-examples").glob("*.json")):
        if any(hasattr(out, "narrative") for out in _read(path.read_bytes())):
            yield path.name, path.read_bytes()
    for name in ("DocumentReference", "Patient", "lab_dr"):
        with gzip.open(DATA / "fhir-synthea" / f"{name}.ndjson.gz") as lines:
            for i, line in enumerate(itertools.islice(lines, 25)):
                yield f"synthea {name}:{i + 1}", line


def _read(raw: bytes) -> list[object]:
    """What the reader makes of one record or page, as comparable values."""
    reader = Reader()
    body = json.loads(raw)
    if body.get("resourceType") == "Bundle":
        page = reader.page(raw)
        return [*page.patients, *page.documents, *page.withdrawn,
                *((r.source_id, r.reason) for r in page.rejected)]
    out = reader.resource(raw)
    return list(out) if isinstance(out, list) else [out]


def _texts(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, tuple | list):
        for v in value:
            yield from _texts(v)
    else:  # a Document, LabRow or Patient (msgspec structs), a Withdrawn (dataclass)
        names = getattr(value, "__struct_fields__", None) or getattr(
            value, "__dataclass_fields__", ())
        for name in names:
            yield from _texts(getattr(value, name))


RECORDS = list(_records())


@pytest.mark.parametrize(("name", "raw"), RECORDS, ids=[n for n, _ in RECORDS])
def test_invisible_characters_leave_every_text_and_lose_nothing_r_show_1_r_show_5(
        name: str, raw: bytes) -> None:
    body = json.loads(raw)
    # Both re-encoded the same way (``json`` writes ``0.40`` as ``0.4``).
    as_sent = _read(json.dumps(body, ensure_ascii=False).encode())
    injected = _inject(body, itertools.cycle(INVISIBLE))
    assert injected != body
    with_them = _read(json.dumps(injected, ensure_ascii=False).encode())
    assert with_them == as_sent
    texts = list(_texts(with_them))
    assert texts
    assert not [t for t in texts if LEFT.search(t)]


def test_the_records_hold_every_kind_of_text() -> None:
    """The records above are not vacuous: they carry notes, narratives, conclusions and
    lab rows, which the comparison covers."""
    docs = [d for _, raw in RECORDS for d in _read(raw) if hasattr(d, "narrative")]
    assert sum(1 for d in docs if d.narrative) >= 30  # type: ignore[attr-defined]
    assert sum(1 for d in docs if d.results) >= 30  # type: ignore[attr-defined]
    assert sum(1 for d in docs if "Заключение" in d.text) >= 20  # type: ignore[attr-defined]


def test_a_vertical_tab_is_a_line_break_and_controls_go_r_show_5() -> None:
    """Word writes a line break as a vertical tab; an export may leave a colour escape."""
    assert strip_invisible("Диагноз:\x0bJ06.9\x01") == "Диагноз:\nJ06.9"
    markup, words = sanitise("<p>Жалобы\x01 на боль\x0bв горле\x1b[31m.</p><p>x\x7fy\x81z</p>")
    assert markup == "<p>Жалобы на боль в горле[31m.</p><p>xyz</p>"
    assert words == "Жалобы на боль в горле[31m.\n\nxyz"


def test_a_windows_1252_character_read_as_latin_1_is_shown_as_meant_r_show_5() -> None:
    """Seen in an official HL7 example: «CARDIOsphere\x99 ultrasonic contrast agent»,
    a «™» of Windows-1252 read as Latin-1. Qt drew a box; it is the «™» again, as HTML
    reads ``&#x99;``. The five codes Windows-1252 leaves unassigned go."""
    assert strip_invisible("CARDIOsphere\x99 \x96 \x93Тест\x94\x85") == "CARDIOsphere™ – “Тест”…"
    assert sanitise("<td>CARDIOsphere\x99 agent</td>") == (
        "<td>CARDIOsphere™ agent</td>", "CARDIOsphere™ agent")
    assert sanitise("<p>a&#x99;b</p>") == sanitise("<p>a\x99b</p>")
    assert strip_invisible("a\x81\x8d\x8f\x90\x9db") == "ab"


def test_a_utf_8_character_read_as_latin_1_is_shown_as_meant_r_show_5() -> None:
    """The same examples list reasons with «â\x80¢ Data Entry error»: the UTF-8 of «•»
    read as Latin-1, its middle byte a C1 control. Made UTF-8 again; such a sequence
    with no C1 control in it («Â\xa0», «Ã©») is left as it came: text may mean it."""
    note = "<p>due to:\r\n\u00e2\x80\u00a2 Data Entry error</p>"
    assert sanitise(note)[1] == "due to:\n• Data Entry error"
    assert strip_invisible("x\u00e2\x80\u00a2y\x0b") == "x•y\n"
    assert strip_invisible("CHEST\u00c2\xa0 \u00c3\u00a9\x01") == "CHEST\u00c2\xa0 \u00c3\u00a9"
    assert strip_invisible("\u00e2\x80") == "\u00e2€"  # cut short: each one on its own
    # What was meant is invisible itself: a zero-width space, a C1 control.
    assert strip_invisible("a\u00e2\x80\x8bb\u00c2\x81c\u00c2\x99") == "abc™"


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from("<p>ab Жж\n&;#\x00\x01\x08\x0b\x0c\x1b\x1f\x7f\x80\x85\x9f"
                               "\u200b"), max_size=40))
def test_no_control_character_comes_out_of_the_sanitiser_r_show_5(markup: str) -> None:
    out, words = sanitise(markup)
    assert not LEFT.search(out) and not LEFT.search(words)
