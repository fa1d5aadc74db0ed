"""One loopback HTTP server simulating all four upstreams, with fault switches.

Why one stdlib ``ThreadingHTTPServer`` and not four frameworks: the demo, the tests and
the benchmarks need the real clients to speak real HTTP (timeouts, resets, bodies),
and a single process with path prefixes (``/portal``, ``/registry``, ``/sms``,
``/fhir``) is trivial to start in a thread on port 0. Data can be changed at runtime
(revoke a grant, withdraw or change a document) and each upstream can be made slow,
broken or hung, in-process (``set_fault``) or over HTTP (``POST /sim/faults``).
"""

from __future__ import annotations

import base64
import bisect
import contextlib
import json
import secrets
import socket
import struct
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from kiosk.domain.moscow import moscow_date
from kiosk.sim.device import DEVICE_GRANT, SimDeviceGrant
from kiosk.sim.fhir_render import instant, render_document, render_patient
from kiosk.sim.population import Population, SimAccount, SimDocument, SimGrant

UPSTREAMS = ("portal", "registry", "sms", "fhir", "support")
CLIENT_ID = "kiosk"
CLIENT_SECRET = "kiosk-secret"  # the simulator's confidential client, documented
API_KEY = "sim-api-key"
OVERSIZED_BYTES = 3 * 1024 * 1024 // 2
#: How many pieces a trickled answer is sent in (``FaultSwitches.trickle``).
TRICKLE_PIECES = 40
ID_TOKEN_MODES = ("ok", "missing", "bad_signature", "expired", "wrong_audience")

Now = Callable[[], datetime]


@dataclass
class FaultSwitches:
    """What goes wrong on one upstream. ``times``: only the next N requests, then off."""

    latency: float = 0.0  # seconds added before answering
    error_5xx: bool = False  # 503 with a JSON body
    hang: bool = False  # no answer for hang_seconds (longer than any client timeout)
    reset: bool = False  # TCP reset instead of an answer
    truncated_json: bool = False  # 200, JSON content type, half a body
    html_200: bool = False  # 200 with an HTML error page
    oversized: bool = False  # 200 with a 1.5 MiB JSON body
    #: The answer's body sent in TRICKLE_PIECES pieces over hang_seconds: every piece in
    #: time for a socket's read timeout, the whole body later than any client's deadline.
    trickle: bool = False
    malformed_records: bool = False  # records that break the contract (see docs)
    times: int | None = None

    def any(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self) if f.name != "times")


class _FhirStore:
    """Resources keyed by (lastUpdated µs, id), sorted, per type and per patient.

    Keyset paging (``_after=<µs>:<id>``) makes paging robust to changes made while a
    client pages: a changed record only ever moves later, so it is seen again rather
    than skipped.
    """

    def __init__(self, now: Now) -> None:
        self.now = now
        self.lock = threading.Lock()
        self.entries: dict[str, dict[str, list[Any]]] = {
            "Patient": {}, "DocumentReference": {}, "DiagnosticReport": {},
            "Composition": {},
        }
        self.order: dict[tuple[str, str | None], list[tuple[int, str]]] = {}
        self.last_us = 0

    def _stamp(self) -> int:
        now_us = int(self.now().timestamp() * 1_000_000)
        self.last_us = max(now_us, self.last_us + 1)
        return self.last_us

    def load(self, pop: Population) -> None:
        base = self.now() - timedelta(days=1)
        self.last_us = int(base.timestamp() * 1_000_000)
        for p in pop.patients:
            self._put("Patient", p.emr_id, p, p.emr_id, self.last_us + 1000, 1)
            self.last_us += 1000
        for d in pop.documents():
            self._put(d.resource_type, d.fhir_id, d, d.emr_id, self.last_us + 1000, 1)
            self.last_us += 1000

    def _put(self, rtype: str, fid: str, obj: Any, emr: str, key_us: int, version: int) -> None:
        # entry: [key, obj, version, blob or None, emr, (base, Bundle entry) or None]
        table = self.entries[rtype]
        old = table.get(fid)
        if old is not None:
            for scope in (None, old[4]):
                keys = self.order[(rtype, scope)]
                i = bisect.bisect_left(keys, old[0])
                if i < len(keys) and keys[i] == old[0]:
                    del keys[i]
        key = (key_us, fid)
        table[fid] = [key, obj, version, None, emr, None]
        for scope in (None, emr):
            keys = self.order.setdefault((rtype, scope), [])
            if not keys or keys[-1] < key:
                keys.append(key)
            else:
                bisect.insort(keys, key)

    def upsert(self, rtype: str, fid: str, obj: Any, emr: str) -> None:
        with self.lock:
            old = self.entries[rtype].get(fid)
            version = old[2] + 1 if old else 1
            self._put(rtype, fid, obj, emr, self._stamp(), version)

    def get(self, rtype: str, fid: str) -> Any | None:
        with self.lock:
            entry = self.entries.get(rtype, {}).get(fid)
            return entry[1] if entry else None

    def blob(self, entry: list[Any]) -> bytes:
        if entry[3] is None:
            moment = datetime.fromtimestamp(entry[0][0] / 1_000_000, UTC)
            if isinstance(entry[1], SimDocument):
                entry[3] = render_document(entry[1], moment, entry[2])
            else:
                entry[3] = render_patient(entry[1], moment, entry[2])
        return entry[3]

    def read(self, rtype: str, fid: str) -> bytes | None:
        with self.lock:
            entry = self.entries.get(rtype, {}).get(fid)
            return self.blob(entry) if entry else None

    def page(
        self, rtype: str, emr: str | None, start: tuple[int, str], count: int, base: str,
        malformed: bool = False,
    ) -> tuple[list[bytes], tuple[int, str] | None]:
        """Bundle entries of one search page, and the key to go on from (if any)."""
        with self.lock:
            keys = self.order.get((rtype, emr), [])
            i = bisect.bisect_left(keys, start)
            chosen = keys[i : i + count]
            table = self.entries[rtype]
            out = []
            for n, (_, fid) in enumerate(chosen):
                entry = table[fid]
                if malformed and n % 3 == 1:
                    out.append(_bundle_entry(base, fid, _corrupt(self.blob(entry))))
                else:
                    out.append(self._bundle_entry(entry, fid, base))
            more = i + count < len(keys)
            return out, (chosen[-1] if more and chosen else None)

    def _bundle_entry(self, entry: list[Any], fid: str, base: str) -> bytes:
        """Made once per record version: a big sync's pages then cost the simulator a join,
        not a copy of every resource (it shares the benchmark machine's two cores)."""
        cached = entry[5]
        if cached is None or cached[0] != base:
            cached = entry[5] = (base, _bundle_entry(base, fid, self.blob(entry)))
        return cached[1]

    def warm(self) -> None:
        with self.lock:
            for table in self.entries.values():
                for entry in table.values():
                    self.blob(entry)


class SimServer:
    """The simulator. ``start()`` serves in a background thread; ``stop()`` ends it.

    ``now`` is the simulator's clock (ID token times, lastUpdated of changes, SMS
    times); tests pass their own to move time without sleeping.
    """

    def __init__(
        self,
        population: Population,
        host: str = "127.0.0.1",
        port: int = 0,
        now: Now | None = None,
        hang_seconds: float = 5.0,
    ) -> None:
        self.population = population
        self.now: Now = now or (lambda: datetime.now(UTC))
        self.hang_seconds = hang_seconds
        self.client_id, self.client_secret, self.api_key = CLIENT_ID, CLIENT_SECRET, API_KEY
        self.id_token_mode = "ok"
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._faults: dict[str, FaultSwitches] = {u: FaultSwitches() for u in UPSTREAMS}
        self._accounts = {a.login: a for a in population.accounts}
        self._grants: list[SimGrant] = list(population.grants)
        self._tokens: dict[str, tuple[str, datetime]] = {}
        self.device = SimDeviceGrant(self)  # RFC 8628: QR sign-in (kiosk/sim/device.py)
        self._outbox: list[dict[str, str]] = []
        self._support: list[dict[str, str]] = []
        self._keys: tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey] | None = None
        self._kid = secrets.token_hex(8)
        self.fhir = _FhirStore(self.now)
        self.fhir.load(population)
        self._sockets: set[socket.socket] = set()
        self._httpd = _HttpServer((host, port), _Handler, self)
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def portal_url(self) -> str:
        return self.base_url + "/portal"

    @property
    def registry_url(self) -> str:
        return self.base_url + "/registry"

    @property
    def sms_url(self) -> str:
        return self.base_url + "/sms"

    @property
    def fhir_url(self) -> str:
        return self.base_url + "/fhir"

    @property
    def support_url(self) -> str:
        return self.base_url + "/support"

    def kiosk_env(self) -> dict[str, str]:
        """``KIOSK_*`` settings that point a kiosk at this simulator (demo, tests, bench)."""
        return {
            "KIOSK_PORTAL_ISSUER": self.portal_url,
            "KIOSK_PORTAL_CLIENT_ID": CLIENT_ID,
            "KIOSK_PORTAL_CLIENT_SECRET": CLIENT_SECRET,
            "KIOSK_UPSTREAM_REGISTRY_URL": self.registry_url,
            "KIOSK_UPSTREAM_REGISTRY_KEY": API_KEY,
            "KIOSK_UPSTREAM_SMS_URL": self.sms_url,
            "KIOSK_UPSTREAM_SMS_KEY": API_KEY,
            "KIOSK_UPSTREAM_FHIR_URL": self.fhir_url,
            "KIOSK_UPSTREAM_SUPPORT_URL": self.support_url,
            "KIOSK_UPSTREAM_SUPPORT_KEY": API_KEY,
        }

    def start(self) -> SimServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
            name="kiosk-sim", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, release hung handlers and close every connection."""
        self._stop.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(5)
            self._thread = None
        with self._lock:
            socks = list(self._sockets)
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def warm(self) -> None:
        """Render every FHIR resource now, so a benchmark times the client, not us."""
        self.fhir.warm()

    # ------------------------------------------------------------------ faults

    def set_fault(self, upstream: str, **switches: Any) -> None:
        """E.g. ``set_fault("fhir", hang=True)``; unknown names raise ``ValueError``."""
        if upstream not in self._faults:
            raise ValueError(f"unknown upstream {upstream!r}")
        names = {f.name for f in fields(FaultSwitches)}
        bad = set(switches) - names
        if bad:
            raise ValueError(f"unknown fault switches {sorted(bad)}")
        with self._lock:
            self._faults[upstream] = replace(self._faults[upstream], **switches)

    def clear_faults(self, upstream: str | None = None) -> None:
        with self._lock:
            for name in [upstream] if upstream else UPSTREAMS:
                self._faults[name] = FaultSwitches()

    def faults(self, upstream: str) -> FaultSwitches:
        with self._lock:
            return replace(self._faults[upstream])

    def _take_faults(self, upstream: str) -> FaultSwitches:
        with self._lock:
            current = self._faults[upstream]
            taken = replace(current)
            if current.times is not None and current.any():
                current.times -= 1
                if current.times <= 0:
                    self._faults[upstream] = FaultSwitches()
            return taken

    # ------------------------------------------------------------------ runtime data

    def revoke_grant(self, subject: str, emr_id: str, at: datetime | None = None) -> None:
        when = at or self.now()
        with self._lock:
            self._grants = [
                replace(g, revoked_at=when)
                if g.subject == subject and g.emr_id == emr_id and g.revoked_at is None
                else g
                for g in self._grants
            ]

    def add_grant(self, grant: SimGrant) -> None:
        with self._lock:
            self._grants.append(grant)

    def grants_of(self, subject: str) -> list[SimGrant]:
        with self._lock:
            return [g for g in self._grants if g.subject == subject]

    def set_account_level(self, login: str, level: str) -> None:
        with self._lock:
            self._accounts[login] = replace(self._accounts[login], level=level)

    def document(self, doc_id: str) -> SimDocument | None:
        rtype, _, fid = doc_id.partition("/")
        return self.fhir.get(rtype, fid)

    def upsert_document(self, doc: SimDocument) -> None:
        """Add or change a document; its lastUpdated moves to now (or just after the last)."""
        self.fhir.upsert(doc.resource_type, doc.fhir_id, doc, doc.emr_id)

    def withdraw_document(self, doc_id: str) -> None:
        """Mark a document entered-in-error (R-SYNC-3)."""
        doc = self.document(doc_id)
        if doc is None:
            raise KeyError(doc_id)
        self.upsert_document(replace(doc, withdrawn=True))

    def support_requests(self) -> list[dict[str, str]]:
        """Support requests the departments' desk received (ДЗМ / ДИТ)."""
        with self._lock:
            return [dict(m) for m in self._support]

    def receive_support(self, body: Any) -> tuple[int, Any]:
        fields_ = ("id", "department", "topic", "kiosk_id", "requester", "contact", "text")
        if not isinstance(body, dict) or not all(isinstance(body.get(f), str) for f in fields_):
            return 400, {"error": "bad_request"}
        if body["department"] not in ("dzm", "dit"):
            return 422, {"error": "unknown department"}
        with self._lock:
            if not any(m["id"] == body["id"] for m in self._support):  # idempotent by id
                self._support.append({f: body[f] for f in fields_})
        return 201, {"id": body["id"], "status": "accepted"}

    def sms_outbox(self) -> list[dict[str, str]]:
        with self._lock:
            return [dict(m) for m in self._outbox]

    # ------------------------------------------------------------------ portal

    def _signing_keys(self) -> tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey]:
        """(the real key, a stranger's key), made on first use: RSA generation is slow."""
        with self._lock:
            if self._keys is None:
                self._keys = (
                    rsa.generate_private_key(public_exponent=65537, key_size=2048),
                    rsa.generate_private_key(public_exponent=65537, key_size=2048),
                )
            return self._keys

    def discovery(self) -> dict[str, Any]:
        base = self.portal_url
        return {
            "issuer": base,
            "token_endpoint": base + "/token",
            "userinfo_endpoint": base + "/userinfo",
            "jwks_uri": base + "/jwks",
            "device_authorization_endpoint": base + "/device_authorization",
            "grant_types_supported": ["password", DEVICE_GRANT],
            "response_types_supported": ["token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }

    def jwks(self) -> dict[str, Any]:
        jwk = RSAAlgorithm.to_jwk(self._signing_keys()[0].public_key(), as_dict=True)
        assert isinstance(jwk, dict)
        jwk.update({"kid": self._kid, "use": "sig", "alg": "RS256"})
        return {"keys": [jwk]}

    def token(self, form: Mapping[str, str], basic: tuple[str, str] | None) -> tuple[int, Any]:
        if basic != (self.client_id, self.client_secret):
            return 401, {"error": "invalid_client"}
        if form.get("grant_type") == DEVICE_GRANT:
            status, answer = self.device.poll(form.get("device_code", ""))
            if status != 200:
                return status, answer
            account = answer
        elif form.get("grant_type") != "password":
            return 400, {"error": "unsupported_grant_type"}
        else:
            login, password = form.get("username", ""), form.get("password", "")
            if not login or not password:
                return 400, {"error": "invalid_request"}
            account = self.account_by_password(login, password)
            if account is None:
                return 400, {"error": "invalid_grant", "error_description": "bad credentials"}
        now = self.now()
        access = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[access] = (account.subject, now + timedelta(minutes=5))
        body: dict[str, Any] = {"access_token": access, "token_type": "Bearer",
                                "expires_in": 300, "scope": "openid"}
        mode = self.id_token_mode
        if mode != "missing":
            iat = int(now.timestamp())
            claims = {
                "iss": self.portal_url, "sub": account.subject,
                "aud": "someone-else" if mode == "wrong_audience" else self.client_id,
                "iat": iat - (3600 if mode == "expired" else 0),
                "exp": iat + (-1800 if mode == "expired" else 300),
            }
            real, stranger = self._signing_keys()
            key = stranger if mode == "bad_signature" else real
            body["id_token"] = jwt.encode(claims, key, algorithm="RS256",
                                          headers={"kid": self._kid})
        return 200, body

    def account_by_password(self, login: str, password: str) -> SimAccount | None:
        with self._lock:
            account = self._accounts.get(login)
        if account is None or not secrets.compare_digest(
            account.password.encode(), password.encode()
        ):
            return None
        return account

    def userinfo(self, bearer: str | None, malformed: bool) -> tuple[int, Any]:
        with self._lock:
            found = self._tokens.get(bearer or "")
        if found is None or found[1] <= self.now():
            return 401, {"error": "invalid_token"}
        subject = found[0]
        account = next((a for a in self._accounts.values() if a.subject == subject), None)
        if account is None:
            return 401, {"error": "invalid_token"}
        if malformed:
            return 200, {"sub": subject}
        return 200, {"sub": subject, "account_level": account.level}

    # ------------------------------------------------------------------ registry

    def grants_json(self, subject: str, malformed: bool) -> dict[str, Any]:
        def one(g: SimGrant) -> dict[str, Any]:
            return {
                "emr_id": g.emr_id,
                "relation": g.relation.value,
                "patient_birth_date": g.patient_birth_date.isoformat(),
                "phone": g.phone,
                "approved_at": instant(g.approved_at),
                "revoked_at": instant(g.revoked_at) if g.revoked_at else None,
            }

        items = [one(g) for g in self.grants_of(subject)]
        if malformed and items:
            items[0]["approved_at"] = items[0]["approved_at"].rstrip("Z")  # no time zone
        return {"subject": subject, "grants": items}

    # ------------------------------------------------------------------ sms

    def send_sms(self, body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("to"), str) or not isinstance(
            body.get("text"), str
        ):
            return 400, {"error": "bad_request"}
        if not body["to"].startswith("+7") or len(body["text"]) > 1000:
            return 422, {"error": "rejected"}
        with self._lock:
            mid = f"m-{len(self._outbox) + 1}"
            self._outbox.append({"id": mid, "to": body["to"], "text": body["text"],
                                 "at": instant(self.now())})
        return 202, {"id": mid, "status": "queued"}

    # ------------------------------------------------------------------ fhir

    def fhir_search(
        self, rtype: str, query: Mapping[str, list[str]], malformed: bool
    ) -> tuple[int, bytes]:
        def first(name: str) -> str | None:
            values = query.get(name)
            return values[0] if values else None

        emr = first("patient") or first("subject")
        if emr and emr.startswith("Patient/"):
            emr = emr[len("Patient/"):]
        try:
            count = max(1, min(int(first("_count") or 100), 5000))
        except ValueError:
            return 400, _outcome("bad _count")
        start: tuple[int, str] = (0, "")
        after = first("_after")
        last = first("_lastUpdated")
        try:
            if after:
                us, _, fid = after.partition(":")
                start = (int(us), fid + "\x00")
            elif last:
                prefix, value = (last[:2], last[2:]) if last[:2].isalpha() else ("eq", last)
                moment = datetime.fromisoformat(value)
                if moment.tzinfo is None:
                    return 400, _outcome("_lastUpdated needs a time zone")
                us = int(moment.timestamp() * 1_000_000)
                if prefix == "ge":
                    start = (us, "")
                elif prefix == "gt":
                    start = (us + 1, "")
                else:
                    return 400, _outcome("only ge and gt are supported for _lastUpdated")
        except ValueError:
            return 400, _outcome("bad paging parameter")
        base = f"{self.fhir_url}/{rtype}"
        parts, more = self.fhir.page(rtype, emr, start, count, base, malformed)
        keep = {k: v[0] for k, v in query.items() if k != "_after" and v}
        links = [{"relation": "self", "url": base + "?" + urlencode(keep)}]
        if more is not None:
            nxt = dict(keep, _after=f"{more[0]}:{more[1]}")
            links.append({"relation": "next", "url": base + "?" + urlencode(nxt)})
        head = json.dumps({"resourceType": "Bundle", "type": "searchset", "link": links},
                          separators=(",", ":")).encode()[:-1] + b',"entry":['
        if not parts:
            return 200, head + b"]}"
        # One copy of a 10 MB page, not three: the simulator shares the benchmark's cores.
        edges = [head + parts[0], *parts[1:]]
        edges[-1] += b"]}"
        return 200, b",".join(edges)

    def capability(self) -> dict[str, Any]:
        return {
            "resourceType": "CapabilityStatement", "status": "active", "kind": "instance",
            "fhirVersion": "4.0.1", "format": ["json"],
            "date": instant(self.now()),
        }


def _bundle_entry(base: str, fid: str, blob: bytes) -> bytes:
    return (b'{"fullUrl":"' + f"{base}/{quote(fid)}".encode() + b'","resource":' + blob
            + b',"search":{"mode":"match"}}')


def _corrupt(blob: bytes) -> bytes:
    """A record that breaks the contract in a way the parser must reject on its own."""
    if b'"birthDate":"' in blob:
        return blob.replace(b'"birthDate":"', b'"birthDate":"x', 1)
    return blob.replace(b'"subject":', b'"subject":7,"was_subject":', 1)


def _outcome(text: str) -> bytes:
    return json.dumps({
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "invalid", "diagnostics": text}],
    }).encode()


Reply = tuple[int, bytes, str]
JSON = "application/json"
FHIR_JSON = "application/fhir+json; charset=utf-8"


def _out(status: int, obj: Any) -> Reply:
    return status, json.dumps(obj, ensure_ascii=False).encode(), JSON


@dataclass(frozen=True)
class _Call:
    """One request as a route's handler sees it (after the fault switches)."""

    method: str
    rest: list[str]
    query: str
    body: bytes
    malformed: bool


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, addr: tuple[str, int], handler: type, sim: SimServer) -> None:
        self.sim = sim
        super().__init__(addr, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up mid-answer is normal under faults; anything else is printed."""
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10  # idle keep-alive connections go away on their own
    server: _HttpServer

    # ------------------------------------------------------------------ plumbing

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without NODELAY, Nagle plus delayed
        # ACK add ~40 ms to every keep-alive request.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.sim._lock:
            self.server.sim._sockets.add(self.request)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        with self.server.sim._lock:
            self.server.sim._sockets.discard(self.request)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the simulator must not spam test output."""

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(length, 2 * 1024 * 1024)) if length > 0 else b""

    def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, obj: Any, ctype: str = "application/json") -> None:
        self._send(status, json.dumps(obj, ensure_ascii=False).encode(), ctype)

    # ------------------------------------------------------------------ routing

    def _dispatch(self, method: str) -> None:
        sim = self.server.sim
        url = urlsplit(self.path)
        parts = [unquote(p) for p in url.path.split("/") if p]
        body = self._body()
        if not parts:
            self._json(404, {"error": "not_found"})
            return
        upstream, rest = parts[0], parts[1:]
        if upstream == "sim":
            self._sim_control(method, rest, body)
            return
        if upstream not in UPSTREAMS:
            self._json(404, {"error": "not_found"})
            return
        faults = sim._take_faults(upstream)
        if faults.latency and sim._stop.wait(faults.latency):
            self.close_connection = True
            return
        if faults.hang:
            sim._stop.wait(sim.hang_seconds)
            self.close_connection = True
            return
        if faults.reset:
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.request.close()
            self.close_connection = True
            return
        if faults.error_5xx:
            self._json(503, {"error": "temporarily_unavailable"})
            return
        if faults.html_200:
            self._send(200, b"<html><body><h1>Service temporarily unavailable</h1>"
                            b"</body></html>", "text/html; charset=utf-8")
            return
        if faults.oversized:
            self._send(200, b'{"padding":"' + b"x" * OVERSIZED_BYTES + b'"}')
            return
        status, payload, ctype = self._route(upstream, method, rest, url.query, body,
                                             faults.malformed_records)
        if faults.truncated_json and 200 <= status < 300:
            payload = payload[: max(1, len(payload) // 2)]
        if faults.trickle:
            self._trickle(status, payload, ctype)
            return
        self._send(status, payload, ctype)

    def _trickle(self, status: int, payload: bytes, ctype: str) -> None:
        """The answer a piece at a time (see ``FaultSwitches.trickle``). A short body is
        padded with leading spaces, which JSON allows, so that it has enough pieces."""
        sim = self.server.sim
        body = b" " * max(0, TRICKLE_PIECES - len(payload)) + payload
        step = -(-len(body) // TRICKLE_PIECES)
        self.close_connection = True
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for start in range(0, len(body), step):
                if sim._stop.wait(sim.hang_seconds / TRICKLE_PIECES):
                    return
                self.wfile.write(body[start : start + step])
        except OSError:  # the client gave up (its deadline): nothing more to send
            return

    def _route(
        self, upstream: str, method: str, rest: list[str], query: str, body: bytes,
        malformed: bool,
    ) -> Reply:
        """The upstream's guard answers first (API key, read-only FHIR); then the first
        row of ``_ROUTES`` that matches; then the upstream's own "not found"."""
        call = _Call(method, rest, query, body, malformed)
        guard = _GUARDS.get(upstream)
        refused = guard(self, call) if guard is not None else None
        if refused is not None:
            return refused
        for route in _ROUTES:
            if route.matches(upstream, method, rest):
                return route.handler(self, call)
        return _NOT_FOUND[upstream]

    # -------------------------------------------------- guards (see _GUARDS)

    def _api_key(self, call: _Call) -> Reply | None:
        """Registry, SMS gateway and support desk want ``X-Api-Key``, except for their
        health check and the SMS outbox the demo phone reads."""
        if (call.method, "/".join(call.rest)) in (("GET", "health"), ("GET", "outbox")):
            return None
        if self.headers.get("X-Api-Key") != self.server.sim.api_key:
            return _out(401, {"error": "unauthorized"})
        return None

    def _fhir_read_only(self, call: _Call) -> Reply | None:
        if call.method != "GET":
            return 405, _outcome("read-only"), FHIR_JSON
        return None

    # -------------------------------------------------- handlers (see _ROUTES)

    def _portal_discovery(self, call: _Call) -> Reply:
        return _out(200, self.server.sim.discovery())

    def _portal_jwks(self, call: _Call) -> Reply:
        return _out(200, self.server.sim.jwks())

    def _portal_token(self, call: _Call) -> Reply:
        form = {k: v[0] for k, v in parse_qs(call.body.decode("utf-8", "replace")).items()}
        return _out(*self.server.sim.token(form, self._basic()))

    def _portal_device(self, call: _Call) -> Reply:
        """RFC 8628: the device authorization endpoint and the approval page."""
        return self.server.sim.device.route(call.method, call.rest[0], call.query, call.body,
                                            self._basic())

    def _portal_userinfo(self, call: _Call) -> Reply:
        auth = self.headers.get("Authorization", "")
        bearer = auth[7:] if auth.startswith("Bearer ") else None
        return _out(*self.server.sim.userinfo(bearer, call.malformed))

    def _health(self, call: _Call) -> Reply:
        return _out(200, {"status": "ok"})

    def _registry_grants(self, call: _Call) -> Reply:
        return _out(200, self.server.sim.grants_json(call.rest[1], call.malformed))

    def _sms_outbox(self, call: _Call) -> Reply:
        return _out(200, {"messages": self.server.sim.sms_outbox()})

    def _sms_send(self, call: _Call) -> Reply:
        try:
            payload = json.loads(call.body or b"null")
        except ValueError:
            return _out(400, {"error": "bad_json"})
        status, answer = self.server.sim.send_sms(payload)
        if call.malformed and status < 300:
            answer = {"status": answer["status"]}
        return _out(status, answer)

    def _support_receive(self, call: _Call) -> Reply:
        try:
            payload = json.loads(call.body or b"null")
        except ValueError:
            return _out(400, {"error": "bad_json"})
        return _out(*self.server.sim.receive_support(payload))

    def _support_list(self, call: _Call) -> Reply:
        return _out(200, {"requests": self.server.sim.support_requests()})

    def _fhir_metadata(self, call: _Call) -> Reply:
        return 200, json.dumps(self.server.sim.capability()).encode(), FHIR_JSON

    def _fhir_read(self, call: _Call) -> Reply:
        sim = self.server.sim
        rtype, fid = call.rest
        if rtype not in sim.fhir.entries:
            return _NOT_FOUND["fhir"]
        blob = sim.fhir.read(rtype, fid)
        if blob is None:
            return 404, _outcome("not found"), FHIR_JSON
        return 200, (_corrupt(blob) if call.malformed else blob), FHIR_JSON

    def _fhir_search(self, call: _Call) -> Reply:
        sim = self.server.sim
        if call.rest[0] not in sim.fhir.entries:
            return _NOT_FOUND["fhir"]
        status, payload = sim.fhir_search(call.rest[0], parse_qs(call.query), call.malformed)
        return status, payload, FHIR_JSON

    def _basic(self) -> tuple[str, str] | None:
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Basic "):
            return None
        try:
            user, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        return unquote(user), unquote(pw)

    def _sim_control(self, method: str, rest: list[str], body: bytes) -> None:
        """``GET /sim/faults``; ``POST /sim/faults`` {"upstream", "faults": {...}} or {"clear"}."""
        sim = self.server.sim
        if rest != ["faults"]:
            self._json(404, {"error": "not_found"})
            return
        if method == "GET":
            self._json(200, {u: asdict(sim.faults(u)) for u in UPSTREAMS})
            return
        try:
            req = json.loads(body or b"{}")
            if req.get("clear"):
                sim.clear_faults(req.get("upstream"))
            else:
                sim.set_fault(req["upstream"], **req.get("faults", {}))
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            self._json(400, {"error": str(err)[:200]})
            return
        self._json(200, {u: asdict(sim.faults(u)) for u in UPSTREAMS})


@dataclass(frozen=True)
class _Route:
    """One row of the routing table; ``*`` in ``path`` stands for any one segment."""

    upstream: str
    method: str
    path: str
    handler: Callable[[_Handler, _Call], Reply]
    segments: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", tuple(self.path.split("/")))

    def matches(self, upstream: str, method: str, rest: list[str]) -> bool:
        return (
            upstream == self.upstream
            and method == self.method
            and len(rest) == len(self.segments)
            and all(s in ("*", r) for s, r in zip(self.segments, rest, strict=True))
        )


#: Every endpoint of the simulated upstreams, first match wins (``metadata`` before the
#: FHIR resource types). A new endpoint is a row here and a handler on ``_Handler``.
_ROUTES: tuple[_Route, ...] = (
    _Route("portal", "GET", ".well-known/openid-configuration", _Handler._portal_discovery),
    _Route("portal", "GET", "jwks", _Handler._portal_jwks),
    _Route("portal", "POST", "token", _Handler._portal_token),
    _Route("portal", "GET", "userinfo", _Handler._portal_userinfo),
    _Route("portal", "POST", "device_authorization", _Handler._portal_device),
    _Route("portal", "GET", "device", _Handler._portal_device),
    _Route("portal", "POST", "device", _Handler._portal_device),
    _Route("registry", "GET", "health", _Handler._health),
    _Route("registry", "GET", "subjects/*/grants", _Handler._registry_grants),
    _Route("sms", "GET", "health", _Handler._health),
    _Route("sms", "GET", "outbox", _Handler._sms_outbox),
    _Route("sms", "POST", "messages", _Handler._sms_send),
    _Route("support", "GET", "health", _Handler._health),
    _Route("support", "POST", "requests", _Handler._support_receive),
    _Route("support", "GET", "requests", _Handler._support_list),
    _Route("fhir", "GET", "metadata", _Handler._fhir_metadata),
    _Route("fhir", "GET", "*", _Handler._fhir_search),
    _Route("fhir", "GET", "*/*", _Handler._fhir_read),
)

#: What an upstream checks before routing: a reply refuses the request.
_GUARDS: dict[str, Callable[[_Handler, _Call], Reply | None]] = {
    "registry": _Handler._api_key,
    "sms": _Handler._api_key,
    "support": _Handler._api_key,
    "fhir": _Handler._fhir_read_only,
}

#: An upstream's answer to a path it does not serve.
_NOT_FOUND: dict[str, Reply] = {
    "portal": _out(404, {"error": "not_found"}),
    "registry": _out(404, {"error": "not_found"}),
    "sms": _out(404, {"error": "not_found"}),
    "support": _out(404, {"error": "not_found"}),
    "fhir": (404, _outcome("unknown resource type"), FHIR_JSON),
}


def serve_forever(port: int, size: int, seed: int) -> None:
    """``kiosk sim --port N``: serve a population until interrupted, printing the URLs."""
    today = moscow_date(datetime.now(UTC))
    population = Population(size=size, seed=seed, today=today)
    server = SimServer(population, port=port)
    server.start()
    print(f"kiosk simulator on {server.base_url} (population {size}, seed {seed}, {today})")
    for name in UPSTREAMS:
        print(f"  {name:9} {server.base_url}/{name}")
    print(f"  faults    {server.base_url}/sim/faults")
    print(f"  portal client: {CLIENT_ID} / {CLIENT_SECRET}; registry, SMS, support key: {API_KEY}")
    print("  demo accounts:")
    for acc in population.demo_accounts():
        print(f"    {acc.login:8} {acc.password:10} {acc.level:10} {acc.note}")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
