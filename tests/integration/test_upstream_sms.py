"""SmsClient against the simulated gateway (R-ENT-4, R-OTP-7)."""

from __future__ import annotations

import pytest
import requests

from kiosk.services.ports import Malformed, Refused, Unavailable
from kiosk.sim.server import API_KEY, SimServer
from kiosk.upstream.sms import SmsClient

TIMEOUT = (0.5, 2.0)


@pytest.fixture
def sms(sim: SimServer):
    with SmsClient(sim.sms_url, API_KEY, TIMEOUT) as client:
        yield client


def test_send_lands_in_the_outbox_R_ENT_4(sim: SimServer, sms: SmsClient):
    message_id = sms.send("+79161234567", "Код входа: 123456")
    (msg,) = sim.sms_outbox()
    assert msg["id"] == message_id
    assert (msg["to"], msg["text"]) == ("+79161234567", "Код входа: 123456")
    with requests.Session() as http:
        listed = http.get(sim.sms_url + "/outbox", timeout=2).json()["messages"]
    assert [m["id"] for m in listed] == [message_id]


def test_post_is_not_retried(sim: SimServer, sms: SmsClient):
    sim.set_fault("sms", error_5xx=True, times=1)
    with pytest.raises(Unavailable) as err:
        sms.send("+79161234567", "Код входа: 654321")
    assert "654321" not in str(err.value)
    assert sim.sms_outbox() == []
    assert sim.faults("sms").error_5xx is False  # exactly one request was made


def test_missing_id_is_malformed(sim: SimServer, sms: SmsClient):
    sim.set_fault("sms", malformed_records=True)
    with pytest.raises(Malformed):
        sms.send("+79161234567", "Код входа: 111111")


def test_rejected_number_is_refused(sms: SmsClient):
    with pytest.raises(Refused):
        sms.send("12345", "Код входа: 111111")


def test_ping(sms: SmsClient):
    sms.ping()
