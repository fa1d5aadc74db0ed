"""The FHIR parser on hand-made resources, the official R4 examples and fuzz (R-SYNC-4)."""

from __future__ import annotations

import base64
import copy
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.domain.documents import MAX_TEXT_CHARS, DocKind, Document, Flag
from kiosk.domain.moscow import moscow_date
from kiosk.domain.people import Patient, Sex
from kiosk.services.ports import Rejected
from kiosk.upstream.fhir_read import (
    Ignored,
    ParsedPage,
    Reader,
    parse_page,
    read_value,
)
from kiosk.upstream.fhir_status import Withdrawn

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "fhir-r4-examples"
READER = Reader()


def _to_json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def parse_bundle(bundle: object) -> ParsedPage:
    return parse_page(_to_json(bundle))


def parse_document_reference(res: object) -> Document | Withdrawn | Rejected:
    out = READER.resource(_to_json(res))
    return out[0] if isinstance(out, list) else out  # type: ignore[return-value]


def parse_patient(res: object) -> Patient | Rejected:
    return READER.resource(_to_json(res))  # type: ignore[return-value]


def parse_diagnostic_report(res: object, observations: dict[str, Any] | None = None,
                            ) -> object:
    """The report read on a page with ``observations`` as its included entries."""
    return read_value(res, observations)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def docref(**over: Any) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "id": "d1",
        "status": "current",
        "type": {"coding": [{"system": "http://loinc.org", "code": "11488-4"}]},
        "subject": {"reference": "Patient/1001"},
        "date": "2016-12-31T21:30:00Z",
        "author": [{"reference": "Practitioner/7", "display": "Орлова Н. В."}],
        "custodian": {"reference": "Organization/1", "display": "ГП № 2"},
        "content": [{"attachment": {"contentType": "text/plain", "data": b64("Жалоб нет.")}}],
    }
    res.update(over)
    return res


def report(**over: Any) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "DiagnosticReport",
        "id": "r1",
        "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074",
                                  "code": "LAB"}]}],
        "code": {"text": "Общий анализ крови"},
        "subject": {"reference": "Patient/1001"},
        "issued": "2019-03-01T10:00:00+03:00",
        "contained": [{"resourceType": "Observation", "id": "o1", "status": "final",
                       "code": {"text": "Гемоглобин"},
                       "valueQuantity": {"value": 140, "unit": "г/л"},
                       "referenceRange": [{"low": {"value": 120}, "high": {"value": 160}}]}],
        "result": [{"reference": "#o1"}],
        "conclusion": "Норма",
    }
    res.update(over)
    return res


def patient(**over: Any) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Patient", "id": "1001",
        "name": [{"use": "official", "family": "Римская-Корсакова",
                  "given": ["Елена", "Викторовна"]}],
        "birthDate": "1988-02-29", "gender": "female",
    }
    res.update(over)
    return res


# ---------------------------------------------------------------- accepted


def test_exam_protocol_at_the_2017_cutoff_R_SHOW_4():
    doc = parse_document_reference(docref())
    assert isinstance(doc, Document)
    assert doc.doc_id == "DocumentReference/d1" and doc.emr_id == "1001"
    assert doc.kind is DocKind.EXAM_PROTOCOL
    assert doc.visible  # 2016-12-31T21:30Z is 01.01.2017 00:30 in Moscow
    assert (doc.performer, doc.organization, doc.text) == ("Орлова Н. В.", "ГП № 2", "Жалоб нет.")
    hidden = parse_document_reference(docref(date="2016-12-31T20:30:00Z"))
    assert isinstance(hidden, Document) and not hidden.visible


@pytest.mark.parametrize(("meta", "updated"), [
    ({"versionId": "7", "lastUpdated": "2026-12-01T12:00:00.123+03:00"},
     datetime(2026, 12, 1, 9, 0, 0, 123000, tzinfo=UTC)),
    ({"versionId": "7"}, None),  # no instant: the cache replaces it as before
    ({"lastUpdated": "2026-12-01"}, None),  # not an instant: no zone
    (None, None),
])
def test_the_sources_last_updated_is_kept_to_order_versions_R_SYNC_1(meta, updated):
    """``Document.updated``: what the cache compares so that an older version never
    replaces a newer one (a refresh racing a full sync)."""
    res = docref() if meta is None else docref(meta=meta)
    doc = parse_document_reference(res)
    assert isinstance(doc, Document) and doc.updated == updated
    # On a search page a plain note takes the reader's short way (``plain_note``).
    page = parse_bundle({"resourceType": "Bundle", "type": "searchset",
                         "entry": [{"resource": res}]})
    assert [d.updated for d in page.documents] == [updated]
    rep = parse_diagnostic_report(report() if meta is None else report(meta=meta))
    assert isinstance(rep, Document) and rep.updated == updated


def test_discharge_summary_code():
    doc = parse_document_reference(
        docref(type={"coding": [{"system": "http://loinc.org", "code": "18842-5"}]})
    )
    assert isinstance(doc, Document) and doc.kind is DocKind.DISCHARGE_SUMMARY


def test_html_is_reduced_to_the_safe_subset_R_SHOW_5():
    text = ('<script>alert(1)</script><h1 style="x">Жалобы</h1><p onclick="y">на кашель'
            ' &amp; <img src="http://evil.example/x.png">насморк</p><a href="http://x">ссылка</a>')
    doc = parse_document_reference(docref(content=[{"attachment": {
        "contentType": "text/html; charset=utf-8", "data": b64(text)}}]))
    assert isinstance(doc, Document)
    assert doc.narrative == "<h3>Жалобы</h3><p>на кашель &amp; насморк</p>ссылка"
    assert "alert" not in doc.text and "<" not in doc.text
    assert [line for line in doc.text.splitlines() if line][:2] == [
        "Жалобы", "на кашель & насморк"]


def test_text_charset_bom_and_base64_whitespace():
    raw = "\ufeffЖалоб нет.".encode("cp1251", "ignore")
    data = base64.b64encode("\ufeffЖалоб нет.".encode()).decode()
    doc = parse_document_reference(docref(content=[{"attachment": {
        "contentType": "text/plain", "data": data[:8] + "\n " + data[8:]}}]))
    assert isinstance(doc, Document) and doc.text == "Жалоб нет."
    doc = parse_document_reference(docref(content=[{"attachment": {
        "contentType": "text/plain; charset=windows-1251",
        "data": base64.b64encode(raw).decode()}}]))
    assert isinstance(doc, Document) and doc.text == "Жалоб нет."


def test_pdf_is_kept_as_bytes():
    pdf = b"%PDF-1.4\n%fake but headed\n"
    doc = parse_document_reference(docref(content=[{"attachment": {
        "contentType": "application/pdf", "data": base64.b64encode(pdf).decode()}}]))
    assert isinstance(doc, Document) and doc.pdf == pdf


def test_partial_and_date_only_dates_keep_their_precision_R_SHOW_4():
    doc = parse_diagnostic_report(report(issued=None, effectiveDateTime="2019-03"))
    assert isinstance(doc, Document) and doc.date_only and doc.visible
    assert moscow_date(doc.created_at) == date(2019, 3, 1)
    early = parse_diagnostic_report(report(issued="2018-12-31"))
    assert isinstance(early, Document) and early.date_only and not early.visible
    period = parse_diagnostic_report(report(issued=None, effectivePeriod={
        "start": "2019-03-15T09:00:00+03:00"}))
    assert isinstance(period, Document) and not period.date_only
    leap = parse_diagnostic_report(report(issued="2016-12-31T23:59:60Z"))
    assert isinstance(leap, Document) and leap.created_at.year == 2017


def test_superseded_stays_until_a_replacement_names_it_R_SYNC_3():
    old = parse_document_reference(docref(status="superseded"))
    assert isinstance(old, Document)
    page = parse_bundle({"resourceType": "Bundle", "entry": [{"resource": docref(
        id="d2", relatesTo=[{"code": "replaces",
                             "target": {"reference": "DocumentReference/d1"}}])}]})
    assert [d.doc_id for d in page.documents] == ["DocumentReference/d2"]
    assert page.withdrawn == ["DocumentReference/d1"]


def test_preliminary_document_is_hidden_until_final():
    out = parse_document_reference(docref(docStatus="preliminary"))
    assert isinstance(out, Withdrawn) and "preliminary" in out.reason


def test_format_characters_are_stripped_from_names_R_SHOW_1():
    p = parse_patient(patient(name=[{"use": "official", "family": "\u200bРимская\u202e",
                                     "given": ["\u2066Елена"]}]))
    assert isinstance(p, Patient) and (p.family, p.given) == ("Римская", "Елена")


def test_lab_report_keeps_values_as_rows_and_its_words_as_text():
    """The rows are stored once, as rows: the text holds the report's own words."""
    doc = parse_diagnostic_report(report())
    assert isinstance(doc, Document)
    assert doc.kind is DocKind.LAB_RESULT and doc.doc_id == "DiagnosticReport/r1"
    assert doc.text == "Заключение: Норма"
    (row,) = doc.results
    assert row.line() == "Гемоглобин: 140 г/л (норма: 120–160)"
    assert (row.analyte, row.value, row.unit, row.reference, row.flag) == (
        "Гемоглобин", "140", "г/л", "120–160", Flag.NORMAL)


def test_lab_values_keep_their_written_precision_and_flags():
    obs = {"resourceType": "Observation", "id": "o1", "status": "final",
           "code": {"text": "Калий"}, "valueQuantity": {"value": 4.50, "unit": "ммоль/л"},
           "referenceRange": [{"low": {"value": 3.50}, "high": {"value": 4.00}}]}
    raw = json.dumps(report(contained=[obs])).replace("4.5,", "4.50,").replace(
        "3.5}", "3.50}").replace(": 4.0}", ": 4.00}")
    doc = READER.resource(raw.encode())
    assert isinstance(doc, Document)
    (row,) = doc.results
    assert (row.value, row.low, row.high, row.flag) == ("4.50", "3.50", "4.00", Flag.HIGH)
    big = json.dumps(report(contained=[dict(obs, referenceRange=[])])).replace(
        "4.5,", "12345678901234567890.1,")
    doc = READER.resource(big.encode())
    assert isinstance(doc, Document) and doc.results[0].value == "12345678901234567890.1"


def test_values_shown_whatever_else_a_report_contains():
    """A report's contained Observations are read with the page whether the report also
    contains a Specimen (decoded with the page) or a type read nowhere (the page is then
    read entry by entry): the patient sees the same values either way."""
    specimen = {"resourceType": "Specimen", "id": "s1", "type": {"text": "Кровь"}}
    other = {"resourceType": "Provenance", "id": "p1", "recorded": "2019-03-01T10:00:00Z"}
    for extra in (specimen, other):
        page = parse_bundle({"resourceType": "Bundle", "type": "searchset", "entry": [
            {"resource": report(id="r1", contained=[extra, *report()["contained"]])},
            {"resource": report(id="r2")}]})
        assert [d.doc_id for d in page.documents] == ["DiagnosticReport/r1",
                                                      "DiagnosticReport/r2"]
        assert [[r.line() for r in d.results] for d in page.documents] == [
            ["Гемоглобин: 140 г/л (норма: 120–160)"]] * 2


def test_included_observations_are_used():
    res = report(contained=None, result=[{"reference": "Observation/x9"}])
    obs = {"Observation/x9": {"resourceType": "Observation", "id": "x9",
                              "code": {"text": "Глюкоза"}, "valueString": "4,2"}}
    doc = parse_diagnostic_report(res, obs)
    assert isinstance(doc, Document) and "Глюкоза: 4,2" in doc.plain_text()


def test_radiology_service_by_source_or_identifier():
    cat = [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074",
                        "code": "CT"}]}]
    by_source = parse_diagnostic_report(report(category=cat, meta={"source": "https://eris.mos.ru"}))
    lookalike = parse_diagnostic_report(report(
        category=cat, meta={"source": "https://eris.mos.ru.evil.example/"}))
    assert isinstance(lookalike, Document) and not lookalike.radiology
    by_ident = parse_diagnostic_report(report(category=cat, identifier=[
        {"system": "https://eris.mos.ru", "value": "1"}]))
    other = parse_diagnostic_report(report(category=cat))
    lab = parse_diagnostic_report(report(meta={"source": "https://eris.mos.ru"}))
    assert isinstance(by_source, Document) and by_source.radiology
    assert by_source.kind is DocKind.INSTRUMENTAL
    assert isinstance(by_ident, Document) and by_ident.radiology
    assert isinstance(other, Document) and not other.radiology
    assert isinstance(lab, Document) and not lab.radiology  # only instrumental studies


def test_organisation_and_performer_named_by_reference_or_contained_R_SHOW_5():
    """The reader remembers what a list of references names (issue 19: an
    ``lru_cache``), but a name a contained resource gave belongs to that resource: the
    same ``#id`` in another report names whatever that report contains."""
    displayed = [{"reference": "Organization/7", "display": "ГП № 7"},
                 {"reference": "Practitioner/3", "display": "Иванова А. Б."}]
    by_ref = [parse_diagnostic_report(report(id=f"d{i}", performer=displayed))
              for i in range(2)]
    assert all(isinstance(d, Document) and (d.organization, d.performer) ==
               ("ГП № 7", "Иванова А. Б.") for d in by_ref)
    contained_refs = [{"reference": "#org"}, {"reference": "#doc"}]
    outs = []
    for org, family in (("ГП № 1", "Петров"), ("ГКБ № 2", "Сидорова")):
        outs.append(parse_diagnostic_report(report(
            id=f"c{len(outs)}", performer=contained_refs, contained=[
                *report()["contained"],
                {"resourceType": "Organization", "id": "org", "name": org},
                {"resourceType": "Practitioner", "id": "doc",
                 "name": [{"family": family, "given": ["Анна"]}]}])))
    assert [(d.organization, d.performer) for d in outs if isinstance(d, Document)] == [
        ("ГП № 1", "Анна Петров"), ("ГКБ № 2", "Анна Сидорова")]


def test_images_are_never_text():
    res = report(presentedForm=[{"contentType": "image/png", "data": "iVBORw0KGgo="}])
    doc = parse_diagnostic_report(res)
    assert isinstance(doc, Document) and "iVBOR" not in doc.text


def test_effective_date_when_no_issued():
    doc = parse_diagnostic_report(report(issued=None, effectiveDateTime="2020-01-01T00:00:00Z"))
    assert isinstance(doc, Document) and doc.created_at.year == 2020


def test_patient_russian_convention():
    p = parse_patient(patient())
    assert isinstance(p, Patient)
    assert (p.family, p.given, p.patronymic, p.sex) == (
        "Римская-Корсакова", "Елена", "Викторовна", Sex.FEMALE)
    p2 = parse_patient(patient(name=[{"family": "Ким", "given": ["Виктор"]}], gender=None))
    assert isinstance(p2, Patient) and p2.patronymic is None and p2.sex is Sex.UNKNOWN


@pytest.mark.parametrize("status", ["entered-in-error"])
def test_entered_in_error_is_withdrawn_R_SYNC_3(status):
    assert parse_document_reference(docref(status=status)) == Withdrawn(
        "DocumentReference/d1", status)
    out = parse_diagnostic_report(report(status=status))
    assert isinstance(out, Withdrawn) and out.doc_id == "DiagnosticReport/r1"


# ---------------------------------------------------------------- rejected, with reasons


REJECTS_DOCREF = [
    ({"date": None}, "missing date"),
    ({"date": "2019-01-01T10:00:00"}, "no time zone"),
    ({"date": "yesterday"}, "malformed"),
    ({"date": 20190101}, "Expected str"),
    ({"type": None}, "missing document type"),
    ({"type": {"coding": [{"system": "http://loinc.org", "code": "99999-9"}]}},
     "unknown document type"),
    ({"subject": None}, "missing subject"),
    ({"subject": {"reference": "Group/1"}}, "not a Patient reference"),
    ({"subject": "Patient/1"}, "Expected object"),
    ({"id": None}, "invalid id"),
    ({"id": "a b"}, "invalid id"),
    ({"status": None}, "missing status"),
    ({"status": "weird"}, "unknown status"),
    ({"content": [{"attachment": {"contentType": "image/png", "data": "JVBE"}}]},
     "no readable content (not shown: image/png)"),
    ({"content": [{"attachment": {"contentType": "text/plain", "data": "%%%"}}]},
     "not base64"),
    ({"content": [{"attachment": {"contentType": "text/plain", "data": b64("   ")}}]},
     "no readable content"),
    ({"content": [{"attachment": {"contentType": "text/plain",
                                  "data": b64("x" * (MAX_TEXT_CHARS + 1))}}]}, "text over"),
    ({"content": "text"}, "Expected array"),
]


@pytest.mark.parametrize(("over", "reason"), REJECTS_DOCREF)
def test_document_reference_rejections_R_SYNC_4(over, reason):
    res = docref(**over)
    for key, value in over.items():
        if value is None:
            del res[key]
    out = parse_document_reference(res)
    assert isinstance(out, Rejected), out
    assert reason in out.reason
    assert out.source_id.startswith("DocumentReference/")


REJECTS_REPORT = [
    ({"category": None, "code": {"text": "Что-то"}, "result": None},
     "unknown report kind (category: none"),
    ({"category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074",
                                "code": "PHR"}]}], "code": {"text": "?"}, "result": None},
     "unknown report kind (category: PHR"),
    ({"issued": None}, "missing date"),
    ({"issued": "2019-03-01T10:00:00"}, "no time zone"),
    ({"conclusion": None, "result": None}, "no readable content"),
    ({"result": "#o1"}, "Expected array"),
    ({"conclusion": 5}, "Expected str"),
]


@pytest.mark.parametrize(("over", "reason"), REJECTS_REPORT)
def test_diagnostic_report_rejections_R_SYNC_4(over, reason):
    res = report(**over)
    for key, value in over.items():
        if value is None:
            del res[key]
    out = parse_diagnostic_report(res)
    assert isinstance(out, Rejected), out
    assert reason in out.reason


REJECTS_PATIENT = [
    ({"birthDate": None}, "missing birthDate"),
    ({"birthDate": "1988"}, "not a full date"),
    ({"birthDate": "1988-02-30"}, "not a valid date"),
    ({"name": None}, "missing name"),
    ({"name": [{"family": "Ким"}]}, "missing given name"),
    ({"name": [{"given": ["Виктор"]}]}, "missing family name"),
    ({"gender": 1}, "Expected str"),
]


@pytest.mark.parametrize(("over", "reason"), REJECTS_PATIENT)
def test_patient_rejections_R_SYNC_4(over, reason):
    res = patient(**over)
    for key, value in over.items():
        if value is None:
            del res[key]
    out = parse_patient(res)
    assert isinstance(out, Rejected), out
    assert reason in out.reason


def test_reasons_hold_no_personal_data():
    out = parse_patient(patient(birthDate="1988-02-30"))
    assert isinstance(out, Rejected)
    assert "1988" not in out.reason and "Римская" not in out.reason


def test_one_bad_record_does_not_stop_the_page_R_SYNC_4():
    bundle = {"resourceType": "Bundle", "type": "searchset", "entry": [
        {"resource": docref(id="ok1")},
        {"resource": docref(id="bad", date="2020-01-01T10:00:00")},
        {"resource": "garbage"},
        {"resource": docref(id="gone", status="entered-in-error")},
        {"resource": report()},
        {"resource": patient()},
    ]}
    page = parse_bundle(bundle)
    assert [d.doc_id for d in page.documents] == ["DocumentReference/ok1", "DiagnosticReport/r1"]
    assert page.withdrawn == ["DocumentReference/gone"]
    assert len(page.patients) == 1
    assert {r.source_id for r in page.rejected} == {"DocumentReference/bad", "?/?"}


def test_one_record_not_utf8_is_rejected_alone_R_SYNC_4():
    good = _to_json(docref(id="ok1"))
    bad = _to_json(docref(id="bad")).replace("Орлова".encode(), b"\xff\xfe")
    body = (b'{"resourceType":"Bundle","entry":[{"resource":' + good + b'},{"resource":'
            + bad + b"}]}")
    page = parse_page(body)
    assert [d.doc_id for d in page.documents] == ["DocumentReference/ok1"]
    assert [(r.source_id, r.reason) for r in page.rejected] == [
        ("DocumentReference/bad", "not valid UTF-8")]


def test_bad_utf8_where_the_kiosk_reads_rejects_where_it_skips_does_not_R_SYNC_4():
    """The page is not checked as a whole: msgspec checks every string it reads. Bytes
    that are not UTF-8 in base64 data reject their record with a reason, in a contained
    result they lose that result only; in a field the kiosk never reads they cost the
    patient nothing."""
    def page_of(*records: bytes) -> Any:
        return parse_page(b'{"resourceType":"Bundle","entry":['
                          + b",".join(b'{"resource":' + r + b"}" for r in records) + b"]}")

    in_data = _to_json(docref(id="d1")).replace(b'"data": "', b'"data": "\xff', 1)
    skipped = _to_json(docref(id="d2", extension=[{"url": "x", "valueString": "@@"}]))
    skipped = skipped.replace(b"@@", b"\xfe\xff")
    contained = _to_json(report(id="r1")).replace("Гемоглобин".encode(), b"\xff", 1)
    assert b"\xff" in in_data and b"\xff" in skipped and b"\xff" in contained
    page = page_of(_to_json(docref(id="ok")), in_data, skipped, contained)
    docs = {d.doc_id: d for d in page.documents}
    assert list(docs) == ["DocumentReference/ok", "DocumentReference/d2",
                          "DiagnosticReport/r1"]
    assert [r.value for r in docs["DiagnosticReport/r1"].results] == ["результат не передан"]
    assert [(r.source_id, r.reason) for r in page.rejected] == [
        ("DocumentReference/d1", "content[0].attachment.data is not base64")]


# ---------------------------------------------------------------- official examples


def _examples() -> list[Path]:
    return sorted(p for p in EXAMPLES.glob("*.json")
                  if json.loads(p.read_text())["resourceType"]
                  in {"Patient", "DocumentReference", "DiagnosticReport", "Bundle"})


@pytest.mark.parametrize("path", _examples(), ids=lambda p: p.name)
def test_official_r4_examples_parse_or_reject_with_reason(path: Path):
    res = json.loads(path.read_text())
    rtype = res["resourceType"]
    if rtype == "Bundle":
        page = parse_bundle(res)
        assert page.error is None
        assert all(r.reason for r in page.rejected)
        return
    out = {"Patient": parse_patient, "DocumentReference": parse_document_reference,
           "DiagnosticReport": parse_diagnostic_report}[rtype](res)
    assert isinstance(out, Patient | Document | Rejected | Withdrawn)
    if isinstance(out, Rejected | Withdrawn):
        assert out.reason


def test_official_examples_known_outcomes():
    def load(name: str) -> Any:
        return json.loads((EXAMPLES / name).read_text())

    hidden = parse_document_reference(load("documentreference-example.json"))
    assert isinstance(hidden, Withdrawn) and "preliminary" in hidden.reason  # a draft
    ct = parse_diagnostic_report(load("diagnosticreport-example-f201-brainct.json"))
    assert isinstance(ct, Document) and ct.kind is DocKind.INSTRUMENTAL
    lipids = parse_bundle(load("diagnosticreport-example-lipids.json"))
    (doc,) = lipids.documents
    assert doc.kind is DocKind.LAB_RESULT and "Cholesterol: 6.3 mmol/L" in doc.plain_text()
    assert [r.flag for r in doc.results if r.analyte == "Cholesterol"] == [Flag.HIGH]
    p = parse_patient(load("patient-example.json"))
    assert isinstance(p, Patient) and (p.given, p.patronymic, p.family) == (
        "Peter", "James", "Chalmers")
    assert parse_bundle(load("bundle-example.json")).next_url


# ---------------------------------------------------------------- fuzz

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                max_size=5),
    max_leaves=25,
)
_keys = st.sampled_from(["id", "status", "type", "subject", "date", "content", "category",
                         "issued", "result", "contained", "name", "birthDate", "gender",
                         "meta", "identifier", "conclusion", "presentedForm", "entry"])


def _mutate(base: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    res = copy.deepcopy(base)
    for key in data.draw(st.lists(_keys, max_size=4)):
        res[key] = data.draw(_json)
    return res


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(data=st.data())
def test_parser_never_raises(data):
    for base, fn in ((docref(), parse_document_reference), (report(), parse_diagnostic_report),
                     (patient(), parse_patient)):
        out = fn(_mutate(base, data))
        assert isinstance(out, Document | Patient | Withdrawn | Rejected | Ignored)
    page = parse_bundle(data.draw(_json))
    assert isinstance(page, ParsedPage)
    page = parse_bundle({"resourceType": "Bundle",
                         "entry": [{"resource": _mutate(docref(), data)}, data.draw(_json)]})
    assert isinstance(page, ParsedPage)
