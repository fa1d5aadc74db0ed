"""The EMR-access registry: every grant of a portal user, read at each sign-in.

Parsing is strict and all-or-nothing: a grant decides who sees whose medical record,
so a response with one doubtful grant is ``Malformed`` as a whole and sign-in fails
closed (R-ACC-4) rather than admitting on a guess.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from kiosk.domain.grants import Grant, Relation
from kiosk.domain.phone import InvalidPhone, normalize_ru_phone
from kiosk.services.ports import Malformed
from kiosk.upstream.http import HttpClient, TimeoutSpec, join_url

SERVICE = "registry"
_EMR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")


def _instant(value: object, what: str, index: int) -> datetime:
    if not isinstance(value, str) or not _INSTANT.match(value):
        raise Malformed(SERVICE, f"grant {index}: {what} is not a date-time with a time zone")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise Malformed(SERVICE, f"grant {index}: {what} is not a valid date-time") from None


def parse_grant(item: Any, index: int) -> Grant:
    if not isinstance(item, dict):
        raise Malformed(SERVICE, f"grant {index}: not an object")
    emr_id = item.get("emr_id")
    if not isinstance(emr_id, str) or not _EMR_ID.match(emr_id):
        raise Malformed(SERVICE, f"grant {index}: invalid emr_id")
    try:
        relation = Relation(item.get("relation"))
    except ValueError:
        raise Malformed(SERVICE, f"grant {index}: relation is not self or child") from None
    birth = item.get("patient_birth_date")
    if not isinstance(birth, str) or not _DATE.match(birth):
        raise Malformed(SERVICE, f"grant {index}: patient_birth_date is not a date")
    try:
        birth_date = date.fromisoformat(birth)
    except ValueError:
        raise Malformed(SERVICE, f"grant {index}: patient_birth_date is invalid") from None
    phone = item.get("phone")
    if not isinstance(phone, str):
        raise Malformed(SERVICE, f"grant {index}: phone is not a string")
    try:
        phone = normalize_ru_phone(phone)
    except InvalidPhone:
        raise Malformed(SERVICE, f"grant {index}: phone is not a Russian mobile") from None
    approved = _instant(item.get("approved_at"), "approved_at", index)
    revoked_raw = item.get("revoked_at")
    revoked = None if revoked_raw is None else _instant(revoked_raw, "revoked_at", index)
    return Grant(
        emr_id=emr_id,
        relation=relation,
        patient_birth_date=birth_date,
        phone=phone,
        approved_at=approved,
        revoked_at=revoked,
    )


class RegistryClient:
    """``GrantRegistry``: ``GET {base}/subjects/{subject}/grants`` with an API key."""

    def __init__(self, base_url: str, api_key: str, timeout: TimeoutSpec) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = HttpClient(SERVICE, timeout, headers={"X-Api-Key": api_key})

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def grants_for(self, subject: str) -> list[Grant]:
        url = join_url(self.base_url, f"subjects/{quote(subject, safe='')}/grants")
        body = self.http.get_json(url, "grants")
        if not isinstance(body, dict):
            raise Malformed(SERVICE, "grants: not an object")
        if body.get("subject", subject) != subject:
            raise Malformed(SERVICE, "grants: answer is for another subject")
        items = body.get("grants")
        if not isinstance(items, list):
            raise Malformed(SERVICE, "grants: no grant list")
        return [parse_grant(item, i) for i, item in enumerate(items)]

    def ping(self) -> None:
        body = self.http.get_json(join_url(self.base_url, "health"), "health")
        if not isinstance(body, dict):
            raise Malformed(SERVICE, "health: not an object")
