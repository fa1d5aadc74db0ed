"""Every file of the official HL7 R4 examples, through the sync's parsing path (R-SYNC-4).

The table below names each file of ``../shared/fhir-r4-examples`` and what the kiosk
makes of it; a file added there without a row fails ``test_every_example_has_a_row``.
Each one becomes the kiosk's types (shown with a masked name, Moscow dates, its kind and
its text) or is refused with a specific reason — never an exception, never a silently
empty document. Resources the kiosk does not use (Observation outside a report,
AuditEvent, MedicationRequest) pass through a Bundle without effect.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kiosk.domain.documents import DocKind, Document
from kiosk.domain.moscow import format_moscow
from kiosk.domain.people import Patient, mask_name
from kiosk.services.ports import Rejected
from kiosk.upstream.fhir_parse import (
    parse_bundle,
    parse_diagnostic_report,
    parse_document_reference,
    parse_patient,
    render_observation,
)

EXAMPLES = Path("/work/shared/fhir-r4-examples")

pytestmark = pytest.mark.skipif(not EXAMPLES.is_dir(), reason=f"{EXAMPLES} is missing")

#: file → (what the kiosk does with it, detail checked below)
OUTCOMES: dict[str, tuple[str, Any]] = {
    "patient-example.json": ("patient", ("example", "Peter James C.")),
    "patient-example-d.json": ("patient", ("pat4", "Sandy N.")),
    "patient-example-f001-pieter.json": ("patient", ("f001", "Pieter V.")),
    "documentreference-example.json": ("rejected", "no text/plain content"),  # URL only
    "diagnosticreport-example-f201-brainct.json": (
        "document", (DocKind.INSTRUMENTAL, "01.12.2012 14:00", "Заключение: CT brains")),
    "diagnosticreport-example-ultrasound.json": (
        "document", (DocKind.INSTRUMENTAL, "01.12.2012 14:00", "Заключение: Unremarkable")),
    # The three below are Bundles (a report with its Observations, or with a request).
    "diagnosticreport-example.json": (
        "bundle", [(DocKind.LAB_RESULT, "Haemoglobin: 176 g/L (норма: 135 g/L – 180 g/L)")]),
    "diagnosticreport-example-lipids.json": (
        "bundle", [(DocKind.LAB_RESULT, "Cholesterol: 6.3 mmol/L")]),
    "diagnosticreport-example-f001-bloodexam.json": (
        "bundle", [(DocKind.LAB_RESULT, "Показатель: результат не передан")]),
    "bundle-example.json": ("bundle", []),  # MedicationRequests, with a next link
    "bundle-example-page2.json": ("bundle", []),
    "observation-example.json": ("observation", "Body Weight: 185 lbs"),
    "observation-example-f001-glucose.json": (
        "observation", "Glucose [Moles/volume] in Blood: 6.3 mmol/l (норма: 3.1 mmol/l – "),
    "observation-example-f005-hemoglobin.json": (
        "observation", "Hemoglobin [Mass/volume] in Blood: 7.2 g/dl"),
    "auditevent-example.json": ("ignored", None),
    "audit-event-example-login.json": ("ignored", None),
}


def _load(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / name).read_text())


def test_every_example_has_a_row():
    assert {p.name for p in EXAMPLES.glob("*.json")} == set(OUTCOMES)


def _check_document(doc: object) -> Document:
    assert isinstance(doc, Document), doc
    assert doc.text.strip() and doc.title.strip() and doc.emr_id
    assert doc.created_at.tzinfo is not None
    return doc


@pytest.mark.parametrize("name", sorted(OUTCOMES))
def test_official_example(name: str):
    res = _load(name)
    what, detail = OUTCOMES[name]
    # Whatever the file, a search Bundle holding it never fails the page.
    page = parse_bundle({"resourceType": "Bundle", "type": "searchset",
                         "entry": [{"resource": res}]})
    assert page.error is None
    if what == "patient":
        p = parse_patient(res)
        assert isinstance(p, Patient)
        assert (p.emr_id, mask_name(p.given, p.patronymic, p.family)) == detail
        assert page.patients == [p]
    elif what == "rejected":
        out = parse_document_reference(res)
        assert isinstance(out, Rejected) and detail in out.reason
        assert page.rejected == [out] and not page.documents
    elif what == "document":
        kind, moscow, text = detail
        doc = _check_document(parse_diagnostic_report(res))
        assert doc.kind is kind
        assert format_moscow(doc.created_at) == moscow  # 2012-12-01T12:00+01:00 → MSK
        assert doc.text.startswith(text)
        assert not doc.visible  # instrumental, not ЕРИС, before 2019 (R-SHOW-4)
        assert page.documents == [doc]
    elif what == "bundle":
        full = parse_bundle(res)
        assert full.error is None and not full.rejected and not full.patients
        assert [(d.kind, d.doc_id) for d in full.documents] == [
            (k, d.doc_id) for (k, _), d in zip(detail, full.documents, strict=True)]
        for (_, text), doc in zip(detail, full.documents, strict=True):
            assert text in _check_document(doc).text
    elif what == "observation":
        (line,) = render_observation(res)
        assert line.startswith(detail)
        assert page == type(page)()  # not a kiosk record on its own: no effect
    else:
        assert page == type(page)()
        out = parse_document_reference(res)
        assert isinstance(out, Rejected) and out.reason == "not a DocumentReference"


def test_bundle_paging_links_are_read():
    first = parse_bundle(_load("bundle-example.json"))
    assert first.next_url and "page=2" in first.next_url
    assert parse_bundle(_load("bundle-example-page2.json")).next_url is None


def test_included_observation_feeds_its_report():
    """The lipids example: results are Observation entries next to the report."""
    bundle = _load("diagnosticreport-example-lipids.json")
    (doc,) = parse_bundle(bundle).documents
    lines = doc.text.splitlines()
    assert len([ln for ln in lines if "(норма" in ln or ":" in ln]) >= 4
    report = next(e["resource"] for e in bundle["entry"]
                  if e["resource"]["resourceType"] == "DiagnosticReport")
    alone = parse_diagnostic_report(report)  # without the bundle's Observations
    assert isinstance(alone, Document) and "результат не передан" in alone.text
