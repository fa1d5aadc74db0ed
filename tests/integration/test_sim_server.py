"""The simulator's own surface: URLs, runtime changes, outbox, lifecycle."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import requests

from kiosk.sim.server import SimServer


def test_urls(sim: SimServer):
    assert sim.base_url.startswith("http://127.0.0.1:")
    for name in ("portal", "registry", "sms", "fhir"):
        assert getattr(sim, f"{name}_url") == f"{sim.base_url}/{name}"


def test_changes_move_last_updated(sim: SimServer, sim_clock):
    doc_id = "DocumentReference/x-1001-exam-recent"
    with requests.Session() as http:
        def last_updated() -> str:
            url = f"{sim.fhir_url}/{doc_id}"
            return http.get(url, timeout=2).json()["meta"]["lastUpdated"]

        before = last_updated()
        sim_clock.advance(timedelta(hours=1))
        doc = sim.document(doc_id)
        assert doc is not None
        sim.upsert_document(replace(doc, title="Новый заголовок"))
        after = last_updated()
        assert after > before
        sim.withdraw_document(doc_id)
        body = http.get(f"{sim.fhir_url}/{doc_id}", timeout=2).json()
        assert body["status"] == "entered-in-error"
        assert body["meta"]["versionId"] == "3"


def test_unknown_fault_switch_is_refused(sim: SimServer):
    with pytest.raises(ValueError, match="unknown"):
        sim.set_fault("fhir", explode=True)
    with pytest.raises(ValueError, match="unknown upstream"):
        sim.set_fault("mail", hang=True)


def test_fault_times_limits_the_fault(sim: SimServer):
    sim.set_fault("fhir", error_5xx=True, times=2)
    with requests.Session() as http:
        codes = [http.get(sim.fhir_url + "/metadata", timeout=2).status_code for _ in range(3)]
    assert codes == [503, 503, 200]


def test_routing_guards_and_not_found_answers_r_ksk_5(sim: SimServer):
    """R-KSK-5: the clients' typed errors depend on these answers, so the routing table
    keeps them: a missing API key is 401 before any 404 (health and the demo phone's
    outbox need none), FHIR is read-only (405) and speaks OperationOutcome, the others
    a JSON error."""
    key = {"X-Api-Key": sim.api_key}
    with requests.Session() as http:
        def get(path: str, **kw: object) -> requests.Response:
            return http.get(sim.base_url + path, timeout=2, **kw)

        for up in ("registry", "sms", "support"):
            assert get(f"/{up}/health").json() == {"status": "ok"}
            assert get(f"/{up}/nothing-here").status_code == 401
            missing = get(f"/{up}/nothing-here", headers=key)
            assert (missing.status_code, missing.json()) == (404, {"error": "not_found"})
        assert get("/sms/outbox").status_code == 200
        assert get("/registry/outbox").status_code == 404
        assert get("/registry/subjects/nobody/grants").status_code == 401
        assert get("/registry/subjects/nobody/grants", headers=key).status_code == 200
        assert get("/portal/nothing-here").json() == {"error": "not_found"}
        post = http.post(sim.fhir_url + "/Patient", json={}, timeout=2)
        assert post.status_code == 405
        assert post.json()["resourceType"] == "OperationOutcome"
        unknown = get("/fhir/Nothing/1")
        assert (unknown.status_code, unknown.json()["resourceType"]) == (404, "OperationOutcome")
        assert get("/fhir/Patient/no-such-id").status_code == 404


def test_unknown_paths_are_404(sim: SimServer):
    with requests.Session() as http:
        assert http.get(sim.base_url + "/nope", timeout=2).status_code == 404
        assert http.get(sim.fhir_url + "/Observation", timeout=2).status_code == 404
        assert http.get(sim.fhir_url + "/Patient?_lastUpdated=ge2020-01-01T00:00:00",
                        timeout=2).status_code == 400
