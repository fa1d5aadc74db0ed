"""The SMS gateway: ``POST {base}/messages`` {"to", "text"} → {"id", "status"}.

Sending is never retried here: a POST that timed out may still have been delivered,
and a second code in the patient's phone is worse than an error the sign-in service
can explain (and the resend rules, R-OTP-5, count). The text holds the one-time code,
so no error message mentions it or the number.
"""

from __future__ import annotations

from kiosk.services.ports import Malformed, Refused
from kiosk.upstream.http import HttpClient, TimeoutSpec, join_url, require_str

SERVICE = "sms"
ACCEPTED_STATUSES = frozenset({"queued", "accepted", "sent", "delivered"})


class SmsClient:
    """``SmsGateway`` over the gateway's JSON API with an API key header."""

    def __init__(self, base_url: str, api_key: str, timeout: TimeoutSpec) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = HttpClient(SERVICE, timeout, headers={"X-Api-Key": api_key})

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> SmsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, phone: str, text: str) -> str:
        resp = self.http.request(
            "POST",
            join_url(self.base_url, "messages"),
            "send",
            json_body={"to": phone, "text": text},
        )
        body = self.http.decode_json(resp, "send")
        if not isinstance(body, dict):
            raise Malformed(SERVICE, "send: not an object")
        message_id = require_str(body.get("id"), SERVICE, "send.id")
        status = body.get("status")
        if not isinstance(status, str):
            raise Malformed(SERVICE, "send: status is not a string")
        if status not in ACCEPTED_STATUSES:
            raise Refused(SERVICE, "send: message not accepted")
        return message_id[:128]

    def ping(self) -> None:
        body = self.http.get_json(join_url(self.base_url, "health"), "health")
        if not isinstance(body, dict):
            raise Malformed(SERVICE, "health: not an object")
