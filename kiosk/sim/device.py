"""The simulator's RFC 8628 Device Authorization Grant: QR sign-in from a phone.

Kept apart from :mod:`kiosk.sim.server` so that the server keeps one routing hook.
The endpoint hands out a device code and a user code; the approval page (what the
phone opens from the QR) takes the portal login and password and approves or denies;
the token endpoint answers polls with the RFC's errors. ``slow_down`` is answered when
a client polls faster than the interval (measured on the simulator's clock), and tests
can force it with ``force_slow_down``.
"""

from __future__ import annotations

import html
import json
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote

if TYPE_CHECKING:
    from kiosk.sim.server import SimServer

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
_USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # RFC 8628 §6.1: no vowels, no look-alikes


@dataclass
class _Request:
    device_code: str
    user_code: str
    expires_at: datetime
    interval: int
    subject: str | None = None
    denied: bool = False
    last_poll: datetime | None = None
    done: bool = False


class SimDeviceGrant:
    """State and endpoints of the device grant. ``polls`` records (time, answer)."""

    def __init__(self, sim: SimServer) -> None:
        self._sim = sim
        self._lock = threading.Lock()
        self._requests: dict[str, _Request] = {}
        self.interval = 5
        self.expires_in = 600
        self.force_slow_down = 0  # the next N polls answer slow_down
        self.polls: list[tuple[datetime, str]] = []

    # ------------------------------------------------------------------ test/demo API

    def pending_user_codes(self) -> list[str]:
        now = self._sim.now()
        with self._lock:
            return [r.user_code for r in self._requests.values()
                    if not r.done and r.subject is None and not r.denied and r.expires_at > now]

    def approve(self, user_code: str, login: str) -> bool:
        """Approve as the account ``login`` (the phone where the patient is signed in)."""
        account = self._sim._accounts.get(login)
        req = self._find(user_code)
        if account is None or req is None:
            return False
        with self._lock:
            req.subject = account.subject
        return True

    def approve_newest(self, login: str) -> bool:
        """The demo phone's «Одобрить вход»: the newest waiting request."""
        codes = self.pending_user_codes()
        return bool(codes) and self.approve(codes[-1], login)

    def expire(self, user_code: str) -> None:
        """Let the device code lapse now, whatever ``expires_in`` told the client."""
        req = self._find(user_code)
        if req is not None:
            with self._lock:
                req.expires_at = self._sim.now()

    def deny(self, user_code: str) -> bool:
        req = self._find(user_code)
        if req is None:
            return False
        with self._lock:
            req.denied = True
        return True

    # ------------------------------------------------------------------ endpoints

    def authorize(self, basic: tuple[str, str] | None) -> tuple[int, Any]:
        """RFC 8628 §3.1-3.2."""
        sim = self._sim
        if basic != (sim.client_id, sim.client_secret):
            return 401, {"error": "invalid_client"}
        letters = "".join(secrets.choice(_USER_CODE_ALPHABET) for _ in range(8))
        user_code = f"{letters[:4]}-{letters[4:]}"
        req = _Request(
            device_code=secrets.token_urlsafe(32), user_code=user_code,
            expires_at=sim.now() + timedelta(seconds=self.expires_in), interval=self.interval,
        )
        with self._lock:
            self._requests[req.device_code] = req
        uri = sim.portal_url + "/device"
        return 200, {
            "device_code": req.device_code,
            "user_code": user_code,
            "verification_uri": uri,
            "verification_uri_complete": f"{uri}?user_code={quote(user_code)}",
            "expires_in": self.expires_in,
            "interval": self.interval,
        }

    def poll(self, device_code: str) -> tuple[int, Any]:
        """RFC 8628 §3.5: the token endpoint's answer for the device grant.

        Returns (200, account) when approved; the server mints the tokens.
        """
        now = self._sim.now()
        with self._lock:
            req = self._requests.get(device_code)
            answer = self._answer(req, now)
            self.polls.append((now, answer))
            if req is not None:
                req.last_poll = now
        if answer != "approved":
            return 400, {"error": answer}
        assert req is not None and req.subject is not None
        account = next(a for a in self._sim._accounts.values() if a.subject == req.subject)
        return 200, account

    def _answer(self, req: _Request | None, now: datetime) -> str:
        if req is None or req.done:
            return "invalid_grant"
        if req.expires_at <= now:
            return "expired_token"
        too_fast = req.last_poll is not None and (now - req.last_poll).total_seconds() < (
            req.interval)
        if self.force_slow_down or too_fast:
            self.force_slow_down = max(0, self.force_slow_down - 1)
            req.interval += 5
            return "slow_down"
        if req.denied:
            req.done = True
            return "access_denied"
        if req.subject is None:
            return "authorization_pending"
        req.done = True  # a device code is good for one token response
        return "approved"

    def route(self, method: str, name: str, query: str, body: bytes,
              basic: tuple[str, str] | None) -> tuple[int, bytes, str]:
        """``POST device_authorization``; ``GET|POST device`` (the approval page)."""
        if name == "device_authorization" and method == "POST":
            status, obj = self.authorize(basic)
            return status, json.dumps(obj).encode(), "application/json"
        if name != "device":
            return 404, b'{"error":"not_found"}', "application/json"
        page = "text/html; charset=utf-8"
        if method == "GET":
            code = parse_qs(query).get("user_code", [""])[0]
            return 200, _page(code, ""), page
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        code = form.get("user_code", "").strip().upper()
        if self._find(code) is None:
            return 400, _page(code, "Код не найден или истёк."), page
        if form.get("action") == "deny":
            self.deny(code)
            return 200, _page(code, "Вход отклонён. Киоск не получит доступа."), page
        account = self._sim.account_by_password(form.get("login", ""), form.get("password", ""))
        if account is None:
            return 400, _page(code, "Неверный логин или пароль."), page
        self.approve(code, account.login)
        return 200, _page(code, "Вход одобрен. Продолжайте на киоске: придёт СМС с кодом."), page

    def _find(self, user_code: str) -> _Request | None:
        now = self._sim.now()
        with self._lock:
            return next((r for r in self._requests.values() if r.user_code == user_code
                         and not r.done and r.expires_at > now), None)


def _page(user_code: str, message: str) -> bytes:
    """The approval page the QR opens on the phone: plain HTML, no script."""
    code = html.escape(user_code)
    note = f"<p><b>{html.escape(message)}</b></p>" if message else ""
    return f"""<!doctype html><html lang="ru"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width"><title>Вход на киоске</title></head>
<body><h1>Вход на киоске поликлиники</h1>{note}
<p>Проверьте, что на экране киоска тот же код: <b>{code}</b></p>
<form method="post"><input type="hidden" name="user_code" value="{code}">
<p><label>Логин <input name="login" autocomplete="username"></label></p>
<p><label>Пароль <input name="password" type="password"></label></p>
<p><button name="action" value="approve">Одобрить вход</button>
<button name="action" value="deny">Это не я</button></p></form></body></html>""".encode()
