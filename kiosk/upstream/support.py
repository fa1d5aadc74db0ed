"""The departments' service desk: ``POST {base}/requests`` with one support request.

The request carries its outbox id, and the desk treats a repeated id as the same
request; that is what makes the outbox's retries safe (a POST that timed out but was
received is not filed twice).
"""

from __future__ import annotations

from kiosk.services.ports import Malformed, OutboxMessage
from kiosk.upstream.http import HttpClient, TimeoutSpec, join_url, require_str

SERVICE = "support"


class SupportDeskClient:
    """``SupportChannel`` over the desk's JSON API with an API key header."""

    def __init__(self, base_url: str, api_key: str, timeout: TimeoutSpec) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = HttpClient(SERVICE, timeout, headers={"X-Api-Key": api_key})

    def close(self) -> None:
        self.http.close()

    def deliver(self, message: OutboxMessage) -> None:
        resp = self.http.request(
            "POST",
            join_url(self.base_url, "requests"),
            "deliver",
            json_body={
                "id": message.id,
                "department": message.department.value,
                "topic": message.topic.value,
                "kiosk_id": message.kiosk_id,
                "requester": message.requester,
                "contact": message.contact,
                "text": message.text,
            },
        )
        body = self.http.decode_json(resp, "deliver")
        if not isinstance(body, dict):
            raise Malformed(SERVICE, "deliver: not an object")
        if require_str(body.get("id"), SERVICE, "deliver.id") != message.id:
            raise Malformed(SERVICE, "deliver: the desk answered for another request")

    def ping(self) -> None:
        self.http.get_json(join_url(self.base_url, "health"), "health")
