"""The FHIR parser on hand-made resources, the official R4 examples and fuzz (R-SYNC-4)."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.domain.documents import MAX_TEXT_CHARS, DocKind, Document
from kiosk.domain.people import Patient, Sex
from kiosk.services.ports import Rejected
from kiosk.upstream.fhir_parse import (
    ParsedPage,
    Withdrawn,
    parse_bundle,
    parse_diagnostic_report,
    parse_document_reference,
    parse_patient,
)

EXAMPLES = Path("/work/shared/fhir-r4-examples")


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


def test_discharge_summary_code():
    doc = parse_document_reference(
        docref(type={"coding": [{"system": "http://loinc.org", "code": "18842-5"}]})
    )
    assert isinstance(doc, Document) and doc.kind is DocKind.DISCHARGE_SUMMARY


def test_html_and_script_are_kept_as_text_R_SHOW_5():
    text = "<script>alert(1)</script><b>Жалобы</b> & <i>прочее</i>"
    doc = parse_document_reference(docref(content=[{"attachment": {
        "contentType": "text/html", "data": b64(text)}}]))
    assert isinstance(doc, Document) and doc.text == text


def test_lab_report_renders_observations_as_lines():
    doc = parse_diagnostic_report(report())
    assert isinstance(doc, Document)
    assert doc.kind is DocKind.LAB_RESULT and doc.doc_id == "DiagnosticReport/r1"
    assert doc.text.splitlines() == ["Заключение: Норма", "",
                                     "Гемоглобин: 140 г/л (норма: 120 – 160)"]


def test_included_observations_are_used():
    res = report(contained=None, result=[{"reference": "Observation/x9"}])
    obs = {"Observation/x9": {"resourceType": "Observation", "id": "x9",
                              "code": {"text": "Глюкоза"}, "valueString": "4,2"}}
    doc = parse_diagnostic_report(res, obs)
    assert isinstance(doc, Document) and "Глюкоза: 4,2" in doc.text


def test_radiology_service_by_source_or_identifier():
    cat = [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074",
                        "code": "CT"}]}]
    by_source = parse_diagnostic_report(report(category=cat, meta={"source": "https://eris.mos.ru"}))
    by_ident = parse_diagnostic_report(report(category=cat, identifier=[
        {"system": "https://eris.mos.ru/fhir/study-id", "value": "1"}]))
    other = parse_diagnostic_report(report(category=cat))
    lab = parse_diagnostic_report(report(meta={"source": "https://eris.mos.ru"}))
    assert isinstance(by_source, Document) and by_source.radiology
    assert by_source.kind is DocKind.INSTRUMENTAL
    assert isinstance(by_ident, Document) and by_ident.radiology
    assert isinstance(other, Document) and not other.radiology
    assert isinstance(lab, Document) and not lab.radiology  # only instrumental studies


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
    assert parse_document_reference(docref(status=status)) == Withdrawn("DocumentReference/d1")
    assert parse_diagnostic_report(report(status=status)) == Withdrawn("DiagnosticReport/r1")


# ---------------------------------------------------------------- rejected, with reasons


REJECTS_DOCREF = [
    ({"date": None}, "missing date"),
    ({"date": "2019-01-01"}, "no time and no time zone"),
    ({"date": "2019-01-01T10:00:00"}, "no time zone"),
    ({"date": "yesterday"}, "malformed"),
    ({"date": 20190101}, "not a string"),
    ({"type": None}, "missing document type"),
    ({"type": {"coding": [{"system": "http://loinc.org", "code": "99999-9"}]}},
     "unknown document type"),
    ({"subject": None}, "missing subject"),
    ({"subject": {"reference": "Group/1"}}, "not a Patient reference"),
    ({"subject": "Patient/1"}, "subject is not an object"),
    ({"id": None}, "invalid id"),
    ({"id": "a b"}, "invalid id"),
    ({"status": None}, "missing status"),
    ({"status": "weird"}, "unknown status"),
    ({"content": [{"attachment": {"contentType": "application/pdf", "data": "JVBE"}}]},
     "no text/plain content"),
    ({"content": [{"attachment": {"contentType": "text/plain", "data": "%%%"}}]},
     "not base64"),
    ({"content": [{"attachment": {"contentType": "text/plain", "data": b64("   ")}}]},
     "no text content"),
    ({"content": [{"attachment": {"contentType": "text/plain",
                                  "data": b64("x" * (MAX_TEXT_CHARS + 1))}}]}, "text over"),
    ({"content": "text"}, "not a list"),
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
    ({"category": None}, "missing category"),
    ({"category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074",
                                "code": "PHR"}]}]}, "unknown category"),
    ({"issued": None}, "missing date"),
    ({"issued": "2019-03-01T10:00:00"}, "no time zone"),
    ({"status": "preliminary"}, "not final"),
    ({"conclusion": None, "result": None}, "no text content"),
    ({"result": "#o1"}, "not a list"),
    ({"conclusion": 5}, "not a string"),
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
    ({"gender": 1}, "gender is not a string"),
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
        {"resource": docref(id="bad", date="2020-01-01")},
        {"resource": "garbage"},
        {"resource": docref(id="gone", status="entered-in-error")},
        {"resource": report()},
        {"resource": patient()},
    ]}
    page = parse_bundle(bundle)
    assert [d.doc_id for d in page.documents] == ["DocumentReference/ok1", "DiagnosticReport/r1"]
    assert page.withdrawn == ["DocumentReference/gone"]
    assert len(page.patients) == 1
    assert {r.source_id for r in page.rejected} == {"DocumentReference/bad", "entry[2]"}


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
    assert isinstance(out, Patient | Document | Rejected)
    if isinstance(out, Rejected):
        assert out.reason


def test_official_examples_known_outcomes():
    def load(name: str) -> Any:
        return json.loads((EXAMPLES / name).read_text())

    rejected = parse_document_reference(load("documentreference-example.json"))
    assert isinstance(rejected, Rejected) and "text" in rejected.reason  # only a URL
    ct = parse_diagnostic_report(load("diagnosticreport-example-f201-brainct.json"))
    assert isinstance(ct, Document) and ct.kind is DocKind.INSTRUMENTAL
    lipids = parse_bundle(load("diagnosticreport-example-lipids.json"))
    (doc,) = lipids.documents
    assert doc.kind is DocKind.LAB_RESULT and "Cholesterol: 6.3 mmol/L" in doc.text
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
        assert isinstance(out, Document | Patient | Withdrawn | Rejected)
    page = parse_bundle(data.draw(_json))
    assert isinstance(page, ParsedPage)
    page = parse_bundle({"resourceType": "Bundle",
                         "entry": [{"resource": _mutate(docref(), data)}, data.draw(_json)]})
    assert isinstance(page, ParsedPage)
