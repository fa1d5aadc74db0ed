"""Hypothesis fuzzers over the FHIR parsing path and the sign-in input checks.

``python -m bench.fuzz [--minutes 10] [--seed N]`` runs every fuzzer in turn, in rounds,
until the time is up (default 10 minutes), and exits non-zero on the first failure
with Hypothesis's shrunk example; put that example into a regression test
(tests/bench/test_fuzz.py has the ones found so far). The test suite runs the same
fuzzers briefly (``run_all(examples=...)``).

Properties:
- ``parse_patient`` / ``parse_document_reference`` / ``parse_diagnostic_report`` /
  ``parse_bundle``, fed valid resources mutated at any depth (values replaced by random
  JSON of any type, keys dropped), bundles of them and random JSON: never raise; a
  ``Document`` has an id, an EMR, an aware date and non-empty text; a ``Rejected`` has
  a reason.
- ``HttpClient.decode_json`` on random bytes: JSON or ``Malformed``, nothing else.
- ``validate_login`` / ``validate_password``: the value or ``InvalidInput``, nothing
  else, on any text (control characters, bidi marks, lone surrogates included);
  ``otp.is_well_formed``: a bool, true exactly for six ASCII digits.
"""

from __future__ import annotations

import argparse
import base64
import copy
import re
import sys
import time
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from kiosk.domain.credentials import MAX_LEN, InvalidInput, validate_login, validate_password
from kiosk.domain.documents import Document
from kiosk.domain.otp import is_well_formed
from kiosk.domain.people import Patient
from kiosk.services.ports import Malformed, Rejected
from kiosk.upstream.fhir_read import Ignored, ParsedPage, read_value
from kiosk.upstream.fhir_read import read_bundle_value as parse_bundle
from kiosk.upstream.fhir_status import Withdrawn
from kiosk.upstream.http import HttpClient, HttpResponse

V2 = "http://terminology.hl7.org/CodeSystem/v2-0074"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


BASES: dict[str, dict[str, Any]] = {
    "Patient": {
        "resourceType": "Patient", "id": "1001", "meta": {"versionId": "1"},
        "name": [{"use": "official", "family": "Смирнова", "given": ["Анна", "Сергеевна"]}],
        "birthDate": "1985-03-14", "gender": "female",
    },
    "DocumentReference": {
        "resourceType": "DocumentReference", "id": "d1", "status": "current",
        "meta": {"versionId": "1", "lastUpdated": "2024-01-01T00:00:00Z"},
        "type": {"coding": [{"system": "http://loinc.org", "code": "11488-4"}]},
        "subject": {"reference": "Patient/1001"}, "date": "2016-12-31T21:30:00Z",
        "author": [{"reference": "Practitioner/7", "display": "Орлова Н. В."}],
        "custodian": {"reference": "Organization/1", "display": "ГП № 2"},
        "contained": [{"resourceType": "Organization", "id": "o", "name": "ГП"}],
        "content": [{"attachment": {"contentType": "text/plain; charset=utf-8",
                                    "data": _b64("Жалоб нет."), "title": "Осмотр"}}],
    },
    "DiagnosticReport": {
        "resourceType": "DiagnosticReport", "id": "r1", "status": "final",
        "meta": {"source": "https://eris.mos.ru", "lastUpdated": "2024-01-01T00:00:00Z"},
        "identifier": [{"system": "https://eris.mos.ru/fhir/study-id", "value": "1"}],
        "category": [{"coding": [{"system": V2, "code": "LAB"}]}],
        "code": {"text": "Общий анализ крови"}, "subject": {"reference": "Patient/1001"},
        "issued": "2019-03-01T10:00:00+03:00", "conclusion": "Норма",
        "performer": [{"reference": "Organization/1", "display": "ГП № 2"}],
        "contained": [{"resourceType": "Observation", "id": "o1", "status": "final",
                       "code": {"text": "Гемоглобин"},
                       "valueQuantity": {"value": 140, "unit": "г/л", "comparator": "<"},
                       "referenceRange": [{"low": {"value": 120}, "high": {"value": 160}}],
                       "component": [{"code": {"text": "x"}, "valueString": "y"}]}],
        "result": [{"reference": "#o1"}, {"reference": "Observation/x9"},
                   {"reference": "http://h/fhir/Observation/x9", "display": "Глюкоза"}],
        "presentedForm": [{"contentType": "text/plain", "data": _b64("Текст")},
                          {"contentType": "image/jpeg", "data": "/9j/4AAQ"}],
    },
}
INCLUDED = {"resourceType": "Observation", "id": "x9", "code": {"text": "Глюкоза"},
            "valueString": "4,2", "dataAbsentReason": {"text": "нет"}}

PARSERS: dict[str, Callable[[Any], Any]] = {
    "Patient": read_value,
    "DocumentReference": read_value,
    "DiagnosticReport": read_value,
}

# JSON of every type, with FHIR-looking strings among the random ones.
_strings = st.one_of(
    st.text(max_size=24),
    st.sampled_from(["", " ", "Patient/1001", "#o1", "current", "final", "entered-in-error",
                     "2019-01-01", "2019-01-01T00:00:00", "2019-01-01T00:00:00Z",
                     "9999-99-99T99:99:99+99:99", "text/plain; charset=koi8-r",
                     "text/html; charset=\"nope\"", "http://loinc.org", V2, "LAB", "CT",
                     "18842-5", "Observation/x9", "!!!", "0JA=", "\x00", "\ud800"]),
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | _strings,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_strings, inner, max_size=5),
    max_leaves=20,
)


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out.extend(_paths(v, (*prefix, i)))
    return out


def mutate(base: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    """``base`` with up to 5 values anywhere in it replaced by random JSON or removed."""
    res = copy.deepcopy(base)
    for _ in range(data.draw(st.integers(0, 5), label="mutations")):
        paths = _paths(res)
        if not paths:
            break
        path = data.draw(st.sampled_from(paths), label="path")
        parent: Any = res
        for step in path[:-1]:
            parent = parent[step]
        if data.draw(st.booleans(), label="drop") and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = data.draw(JSON, label="value")
    return res


def check_outcome(out: object) -> None:
    assert isinstance(out, Document | Patient | Withdrawn | Rejected | Ignored), type(out)
    if isinstance(out, Rejected):
        assert isinstance(out.reason, str) and out.reason
        assert isinstance(out.source_id, str) and out.source_id
    if isinstance(out, Document):
        assert out.doc_id and out.emr_id
        # Something for the patient to read: words, or a lab report's rows alone (a
        # report without a conclusion has no words: its values are its content).
        assert out.text.strip() or out.results or out.narrative or out.pdf is not None
        assert out.created_at.tzinfo is not None
        out.visible  # noqa: B018 — computing it must not raise


def check_page(page: object) -> None:
    assert isinstance(page, ParsedPage)
    assert page.error is None or (isinstance(page.error, str) and page.error)
    for item in (*page.patients, *page.documents, *page.rejected):
        check_outcome(item)
    assert page.next_url is None or isinstance(page.next_url, str)


# ---------------------------------------------------------------- the fuzzers


def fuzz_resource(data: st.DataObject, rtype: str) -> None:
    res = mutate(BASES[rtype], data)
    if rtype == "DiagnosticReport":
        obs = {"Observation/x9": mutate(INCLUDED, data)}
        check_outcome(read_value(res, obs))
    else:
        check_outcome(PARSERS[rtype](res))


def fuzz_bundle(data: st.DataObject) -> None:
    entries: list[Any] = []
    for _ in range(data.draw(st.integers(0, 4), label="entries")):
        choice = data.draw(st.sampled_from([*sorted(BASES), "Observation", "junk"]))
        if choice == "junk":
            entries.append(data.draw(JSON))
        else:
            res = mutate(BASES.get(choice, INCLUDED), data)
            entries.append({"fullUrl": data.draw(_strings), "resource": res})
    bundle = mutate({"resourceType": "Bundle", "type": "searchset",
                     "link": [{"relation": "next", "url": "http://h/fhir/Patient?p=2"}],
                     "entry": entries}, data)
    check_page(parse_bundle(bundle))
    check_page(parse_bundle(data.draw(JSON)))


_HTTP = HttpClient("fuzz", 1.0)


def fuzz_json_body(body: bytes, ctype: str) -> None:
    resp = HttpResponse(status=200, content_type=ctype, body=body, url="")
    try:
        value = _HTTP.decode_json(resp, "fuzz")
    except Malformed:
        return
    check_page(parse_bundle(value))


_ANY_TEXT = st.text(alphabet=st.characters(codec=None, categories=None), max_size=300) | \
    st.text(max_size=300) | st.from_regex(r"[A-Za-z0-9._@+\-]{0,270}", fullmatch=True)
_LOGIN_OK = re.compile(r"^[A-Za-z0-9._@+\-]+$")


def fuzz_credentials(raw: str) -> None:
    for check in (validate_login, validate_password):
        try:
            value, reason = check(raw), ""
        except InvalidInput as err:  # the only exception allowed, with a message
            value, reason = None, str(err)
        if value is None:
            assert reason
        elif check is validate_login:
            assert _LOGIN_OK.match(value) and len(value) <= MAX_LEN and value == raw.strip()
        else:
            assert value == raw and 0 < len(value) <= MAX_LEN


def fuzz_otp(raw: str) -> None:
    ok = is_well_formed(raw)
    assert ok is (len(raw) == 6 and all("0" <= ch <= "9" for ch in raw))


GIVENS: dict[str, dict[str, Any]] = {
    "fuzz_resource": dict(data=st.data(), rtype=st.sampled_from(sorted(BASES))),
    "fuzz_bundle": dict(data=st.data()),
    "fuzz_json_body": dict(body=st.binary(max_size=200) | JSON.map(lambda v: repr(v).encode()),
       ctype=st.sampled_from(["application/fhir+json", "application/json", "text/html", ""])),
    "fuzz_credentials": dict(raw=_ANY_TEXT),
    "fuzz_otp": dict(raw=_ANY_TEXT | st.from_regex(r"\d{5,7}", fullmatch=True)),
}


FUZZERS: dict[str, Callable[..., None]] = {
    "resource": fuzz_resource,
    "bundle": fuzz_bundle,
    "json_body": fuzz_json_body,
    "credentials": fuzz_credentials,
    "otp": fuzz_otp,
}


def run(name: str, examples: int, *, derandomize: bool = False) -> None:
    """One fuzzer for ``examples`` examples; raises the shrunk failure, if any."""
    fn = FUZZERS[name]
    test = given(**GIVENS[fn.__name__])(fn)  # a fresh wrapper: settings apply once each
    settings(
        max_examples=examples, deadline=None, derandomize=derandomize, database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    )(test)()


def run_all(examples: int, *, derandomize: bool = False) -> None:
    for name in FUZZERS:
        run(name, examples, derandomize=derandomize)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--round", type=int, default=2000, help="examples per fuzzer turn")
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.minutes * 60
    counts = dict.fromkeys(FUZZERS, 0)
    started = time.monotonic()
    while time.monotonic() < deadline:
        for name in FUZZERS:
            if time.monotonic() >= deadline:
                break
            try:
                run(name, args.round)
            except Exception as err:
                print(f"FAIL {name} after {counts[name]} examples: {err!r}", file=sys.stderr)
                raise
            counts[name] += args.round
        total = sum(counts.values())
        print(f"{time.monotonic() - started:7.0f} s  {total} examples  {counts}", flush=True)
    print("no failure:", ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
