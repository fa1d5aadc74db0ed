"""What a signed-in session holds. It lives in memory only and dies at sign-out."""

from __future__ import annotations

import hashlib
import hmac
import threading
from dataclasses import dataclass, field
from datetime import datetime

from kiosk.domain.credentials import normalize_login
from kiosk.domain.grants import Grant


def login_digest(key: bytes, login: str) -> str:
    """A keyed digest of the login: lets staff look up a block without storing logins.
    Keyed on the login's one normal form, so every spelling of a phone number or an
    e-mail address in any case is one login for sign-in, lockout and the staff lookup."""
    return hmac.new(key, b"login\x1f" + normalize_login(login).encode(),
                    hashlib.sha256).hexdigest()


def actor_of(digest: str) -> str:
    """The masked identity written to the audit and logs."""
    return "u:" + digest[:12]


@dataclass(eq=False)
class Session:
    """A verified user. Mutable only through the records service (grant re-checks)."""

    session_id: str
    subject: str
    actor: str
    started_at: datetime
    grants: list[Grant]
    grants_checked_at: datetime
    stale_emrs: set[str] = field(default_factory=set)
    #: The clock's monotonic reading when the registry last answered (the re-read's age
    #: and the registry-down grace are measured on it, never on the wall clock).
    grants_checked_mono: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __repr__(self) -> str:
        return f"Session({self.session_id!r}, actor={self.actor!r})"
