"""Simulated EMR data → FHIR R4 JSON, using exactly the codes the kiosk's parser reads.

Rendered once per version and kept as bytes: a search page is then a join of ready
bytes, which keeps the simulator from being the bottleneck of the sync benchmark.
"""

from __future__ import annotations

import base64
import functools
import json
import zlib
from datetime import UTC, datetime
from typing import Any

from kiosk.domain.documents import DocKind
from kiosk.sim.population import SimDocument, SimObservation, SimPatient

LOINC = "http://loinc.org"
V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"
ERIS = "https://eris.mos.ru"
ERIS_STUDY_SYSTEM = "https://eris.mos.ru/fhir/study-id"

DOC_TYPE = {
    DocKind.EXAM_PROTOCOL: ("11488-4", "Consult note"),
    DocKind.DISCHARGE_SUMMARY: ("18842-5", "Discharge summary"),
}


def instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def render_patient(p: SimPatient, last_updated: datetime, version: int) -> bytes:
    given = [p.given] + ([p.patronymic] if p.patronymic else [])
    return _dumps({
        "resourceType": "Patient",
        "id": p.emr_id,
        "meta": {"versionId": str(version), "lastUpdated": instant(last_updated)},
        "name": [{"use": "official", "family": p.family, "given": given}],
        "gender": p.sex.value,
        "birthDate": p.birth_date.isoformat(),
    })


def render_document(d: SimDocument, last_updated: datetime, version: int) -> bytes:
    meta: dict[str, Any] = {"versionId": str(version), "lastUpdated": instant(last_updated)}
    subject = {"reference": f"Patient/{d.emr_id}"}
    performer = {"reference": "Practitioner/" + str(zlib.crc32(d.performer.encode()) % 1000),
                 "display": d.performer}
    org = {"reference": "Organization/" + str(zlib.crc32(d.organization.encode()) % 1000),
           "display": d.organization}
    if d.resource_type == "DocumentReference":
        code, display = DOC_TYPE[d.kind]
        return _dumps({
            "resourceType": "DocumentReference",
            "id": d.fhir_id,
            "meta": meta,
            "status": "entered-in-error" if d.withdrawn else "current",
            "type": {"coding": [{"system": LOINC, "code": code, "display": display}]},
            "subject": subject,
            "date": instant(d.created_at),
            "author": [performer],
            "custodian": org,
            "description": d.title,
            "content": [{"attachment": {
                "contentType": "text/html; charset=utf-8",
                "data": base64.b64encode(d.html.encode()).decode("ascii"),
            }} if d.html else {"attachment": {
                "contentType": "text/plain; charset=utf-8",
                "data": base64.b64encode(d.text.encode()).decode("ascii"),
            }}],
        })
    section = "LAB" if d.kind is DocKind.LAB_RESULT else "RAD"
    res: dict[str, Any] = {
        "resourceType": "DiagnosticReport",
        "id": d.fhir_id,
        "meta": meta,
        "status": "entered-in-error" if d.withdrawn else "final",
        "category": [{"coding": [{"system": V2_0074, "code": section}]}],
        "code": {"text": d.title},
        "subject": subject,
        "issued": instant(d.created_at),
        "performer": [org, performer],
    }
    if d.radiology:
        meta["source"] = ERIS
        res["identifier"] = [{"system": ERIS_STUDY_SYSTEM, "value": d.fhir_id}]
        res["presentedForm"] = [{"contentType": "image/jpeg", "data": "/9j/4AAQSkZJRg=="}]
    if d.text:
        res["conclusion"] = d.text
    if d.pdf is not None:
        res["presentedForm"] = [{"contentType": "application/pdf", "title": d.title,
                                 "data": base64.b64encode(d.pdf).decode("ascii")}]
    body = _dumps(res)
    if d.observations:
        # Spliced in as ready JSON, the same bytes ``_dumps`` would write: a panel's
        # Observations through ``json.dumps`` made a lab result cost 285 µs to render,
        # five times any other document, and the benchmarks' simulator renders 200k.
        contained = ",".join(_observation(i, o) for i, o in enumerate(d.observations))
        result = ",".join(f'{{"reference":"#o{i}"}}' for i in range(len(d.observations)))
        body = body[:-1] + f',"contained":[{contained}],"result":[{result}]}}'.encode()
    return body


def _number(value: float | None) -> str:
    """As ``json.dumps`` writes a number (``repr``), or ``null``."""
    return "null" if value is None else repr(value)


@functools.lru_cache(maxsize=8192)
def _observation_parts(name: str, unit: str, low: float | None, high: float | None,
                       ) -> tuple[str, str]:
    """What an Observation of this analyte writes before and after its value."""
    u = json.dumps(unit, ensure_ascii=False)
    head = (f',"status":"final","code":{{"text":{json.dumps(name, ensure_ascii=False)}}},'
            '"valueQuantity":{"value":')
    tail = (f',"unit":{u}}},"referenceRange":[{{"low":{{"value":{_number(low)},"unit":{u}}},'
            f'"high":{{"value":{_number(high)},"unit":{u}}}}}]}}')
    return head, tail


def _observation(i: int, o: SimObservation) -> str:
    head, tail = _observation_parts(o.name, o.unit, o.low, o.high)
    return f'{{"resourceType":"Observation","id":"o{i}"{head}{_number(o.value)}{tail}'
