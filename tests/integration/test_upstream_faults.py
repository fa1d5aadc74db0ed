"""Every fault switch of every upstream → the right typed error, within the timeout (R-KSK-5).

Short timeouts (0.3 s) keep this fast; the simulator's hang lasts 3 s and is released
when the server stops, so nothing here sleeps through a rule.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import requests

from kiosk.services.ports import Malformed, Timeout, Unavailable, UpstreamError
from kiosk.sim.population import DEMO_PASSWORD
from kiosk.sim.server import API_KEY, CLIENT_ID, CLIENT_SECRET, SimServer
from kiosk.upstream.fhir import FhirSource
from kiosk.upstream.portal import OidcPortal
from kiosk.upstream.registry import RegistryClient
from kiosk.upstream.sms import SmsClient

SHORT = 0.3

FAULTS: list[tuple[str, dict[str, object], type[UpstreamError]]] = [
    ("error_5xx", {"error_5xx": True}, Unavailable),
    ("hang", {"hang": True}, Timeout),
    ("latency", {"latency": 1.0}, Timeout),
    ("reset", {"reset": True}, Unavailable),
    ("truncated_json", {"truncated_json": True}, Malformed),
    ("html_200", {"html_200": True}, Malformed),
    ("oversized", {"oversized": True}, Malformed),
    # Every piece within the read timeout, the body never within the deadline.
    ("trickle", {"trickle": True}, Timeout),
]


def _call(upstream: str, sim: SimServer) -> tuple[Callable[[], object], Callable[[], None]]:
    if upstream == "portal":
        client: object = OidcPortal(sim.portal_url, CLIENT_ID, CLIENT_SECRET, SHORT)
        return (lambda: client.authenticate("anna", DEMO_PASSWORD)), client.close
    if upstream == "registry":
        client = RegistryClient(sim.registry_url, API_KEY, SHORT)
        return (lambda: client.grants_for("u-anna")), client.close
    if upstream == "sms":
        client = SmsClient(sim.sms_url, API_KEY, SHORT)
        return (lambda: client.send("+79161234567", "Код: 123456")), client.close
    client = FhirSource(sim.fhir_url, SHORT, page_size=50)
    return (lambda: list(client.changes(None))), client.close


@pytest.mark.faults
@pytest.mark.parametrize("upstream", ["portal", "registry", "sms", "fhir"])
@pytest.mark.parametrize(("name", "switches", "expected"), FAULTS, ids=[f[0] for f in FAULTS])
def test_fault_gives_typed_error_in_time_R_KSK_5(
    sim: SimServer, upstream: str, name: str, switches: dict, expected: type
):
    call, close = _call(upstream, sim)
    try:
        sim.set_fault(upstream, **switches)
        started = time.monotonic()
        with pytest.raises(expected) as err:
            call()
        elapsed = time.monotonic() - started
    finally:
        close()
    # Retries of GETs (after 5xx and resets) add at most ~0.15 s of backoff.
    assert elapsed < 3 * SHORT + 0.5, f"{name} took {elapsed:.2f}s"
    assert err.value.service == upstream
    assert "123456" not in str(err.value) and DEMO_PASSWORD not in str(err.value)


def test_connection_refused_is_unavailable(sim: SimServer):
    url = sim.fhir_url
    sim.stop()
    with FhirSource(url, SHORT) as src, pytest.raises(Unavailable):
        src.ping()


def test_faults_settable_over_http(sim: SimServer):
    with requests.Session() as http:
        answer = http.post(sim.base_url + "/sim/faults",
                           json={"upstream": "registry", "faults": {"error_5xx": True}}, timeout=2)
        assert answer.status_code == 200
        assert answer.json()["registry"]["error_5xx"] is True
        assert sim.faults("registry").error_5xx
        bad = http.post(sim.base_url + "/sim/faults",
                        json={"upstream": "registry", "faults": {"nope": True}}, timeout=2)
        assert bad.status_code == 400
        http.post(sim.base_url + "/sim/faults", json={"clear": True}, timeout=2)
        assert not sim.faults("registry").any()


# ---------------------------------------------------------------- what is retried


@pytest.mark.parametrize("fault", ["error_5xx", "reset"])
def test_get_is_retried_twice_after_5xx_or_reset_R_KSK_5(sim: SimServer, fault: str):
    """A GET (harmless to repeat) is sent again after a 5xx or a reset, at most twice."""
    with RegistryClient(sim.registry_url, API_KEY, SHORT) as client:
        sim.set_fault("registry", **{fault: True}, times=2)
        assert client.grants_for("u-anna")  # the third try answered
        sim.set_fault("registry", **{fault: True}, times=3)
        with pytest.raises(Unavailable):
            client.grants_for("u-anna")
        assert not sim.faults("registry").any()  # all three tries were made, no fourth


@pytest.mark.parametrize("fault", ["error_5xx", "reset"])
def test_post_is_never_retried_R_KSK_5(sim: SimServer, fault: str):
    """A POST is sent once: the SMS gateway may have queued the text before failing."""
    with SmsClient(sim.sms_url, API_KEY, SHORT) as client:
        sim.set_fault("sms", **{fault: True}, times=1)
        with pytest.raises(Unavailable):
            client.send("+79161234567", "Код: 123456")
        assert client.send("+79161234567", "Код: 123456")  # the fault was used up by one try


@pytest.mark.parametrize("fault", [{"hang": True}, {"latency": 1.0}])
def test_timed_out_get_is_not_retried_R_KSK_5(sim: SimServer, fault: dict):
    """A hung upstream would hang again, and the patient is waiting: one try only."""
    with RegistryClient(sim.registry_url, API_KEY, SHORT) as client:
        sim.set_fault("registry", **fault, times=2)
        started = time.monotonic()
        with pytest.raises(Timeout):
            client.grants_for("u-anna")
        assert time.monotonic() - started < 2 * SHORT
        assert sim.faults("registry").any()  # one of the two faulty answers is left
