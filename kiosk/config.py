"""Settings: one TOML file, ``KIOSK_<SECTION>_<KEY>`` environment overrides, secrets from
0600 files. :func:`load` reports every problem at once, each with its key.

Every key and its default is documented in docs/configuration.md.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit


class ConfigError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


_SECRET_FILES = {
    ("kiosk", "staff_pin_hash_file"),
    ("portal", "client_secret_file"),
    ("upstream", "registry_key_file"),
    ("upstream", "sms_key_file"),
    ("upstream", "support_key_file"),
    ("security", "code_key_file"),
}
#: The inline secrets' keys (each name is unique across the sections).
_SECRET_KEYS = frozenset(key.removesuffix("_file") for _, key in _SECRET_FILES)


def _section_repr(self: Any) -> str:
    """A section's repr without its inline secrets: configs end up in logs and tracebacks."""
    shown = ", ".join(f"{key}={value!r}" for key, value in zip(self._fields, self, strict=True)
                      if key not in _SECRET_KEYS)
    return f"{type(self).__name__}({shown})"


# The sections are NamedTuples rather than frozen dataclasses: just as immutable, typed
# and comparable, but a dataclass costs ~0.5 ms to define (six generated methods, each
# exec'd) and the kiosk reads its config before Welcome's first paint; the seven cost
# ~4 ms, plus ~2.5 ms for importing dataclasses itself.


class KioskSection(NamedTuple):
    __repr__ = _section_repr

    id: str = "kiosk-01"
    language: str = "ru"
    large_text: bool = False
    high_contrast: bool = False
    fullscreen: bool = True
    idle_timeout_s: int = 120
    idle_warning_s: int = 30
    child_age_limit: int = 15
    staff_pin_hash: str = ""
    staff_pin_hash_file: str = ""


class StoreSection(NamedTuple):
    __repr__ = _section_repr

    url: str = ""  # empty: a SQLite file in the user's data directory


class PortalSection(NamedTuple):
    __repr__ = _section_repr

    issuer: str = "http://127.0.0.1:8700/portal"
    client_id: str = "kiosk"
    client_secret: str = ""
    client_secret_file: str = ""
    booking_url: str = "https://www.mos.ru/services/zapis-k-vrachu/"
    support_url: str = "https://www.mos.ru/support/"
    access_request_url: str = "https://www.mos.ru/services/emias-access/"
    level_help_url: str = "https://www.mos.ru/otvet-tehnologii/kak-podtverdit-uchetnuyu-zapis/"
    #: Offer QR sign-in (RFC 8628) when the portal's discovery document announces it.
    device_grant: bool = True


class UpstreamSection(NamedTuple):
    __repr__ = _section_repr

    registry_url: str = "http://127.0.0.1:8700/registry"
    registry_key: str = ""
    registry_key_file: str = ""
    sms_url: str = "http://127.0.0.1:8700/sms"
    sms_key: str = ""
    sms_key_file: str = ""
    fhir_url: str = "http://127.0.0.1:8700/fhir"
    support_url: str = "http://127.0.0.1:8700/support"
    support_key: str = ""
    support_key_file: str = ""
    connect_timeout_s: float = 3.0
    read_timeout_s: float = 10.0
    #: Mid-session, how long the registry may be unreachable before access closes.
    registry_grace_s: int = 60
    fhir_page_size: int = 500
    fhir_max_page_mib: int = 1
    #: The city's unified radiology service (ЕРИС, R-SHOW-4): exact hosts of a study's
    #: ``meta.source`` and exact ``identifier.system`` values, comma-separated.
    fhir_radiology_hosts: str = "eris.mos.ru"
    fhir_radiology_systems: str = "https://eris.mos.ru"
    #: ``kiosk sync`` reads the FHIR searches in worker processes, and the kiosk runs
    #: each sign-in refresh in a process of its own: off only where a process cannot fork.
    fhir_sync_processes: bool = True


class SecuritySection(NamedTuple):
    __repr__ = _section_repr

    code_key: str = ""  # hex; HMAC key for codes, login digests
    code_key_file: str = ""


class PrintSection(NamedTuple):
    __repr__ = _section_repr

    printer: str = ""  # empty: the system default; "pdf:<dir>" writes PDFs (demo, tests)
    paper: str = "A4"  # A4 or roll80
    #: The clinic the kiosk stands in, at the top of every printed extract.
    clinic_name: str = ""
    clinic_address: str = ""


class Config(NamedTuple):
    kiosk: KioskSection = KioskSection()
    store: StoreSection = StoreSection()
    portal: PortalSection = PortalSection()
    upstream: UpstreamSection = UpstreamSection()
    security: SecuritySection = SecuritySection()
    print: PrintSection = PrintSection()

    def secret(self, section: str, key: str) -> str:
        """The inline value, or the content of ``<key>_file`` (already checked by load)."""
        sec = getattr(self, section)
        inline = getattr(sec, key)
        path = getattr(sec, key + "_file", "")
        if path:
            return Path(path).read_text(encoding="utf-8").strip()
        return str(inline)

    @property
    def code_key_bytes(self) -> bytes:
        return bytes.fromhex(self.secret("security", "code_key"))


_SECTIONS: dict[str, Any] = {
    "kiosk": KioskSection,
    "store": StoreSection,
    "portal": PortalSection,
    "upstream": UpstreamSection,
    "security": SecuritySection,
    "print": PrintSection,
}


#: Inline secrets: a problem with one names the key but never shows the value.
_SECRETS = {(section, key.removesuffix("_file")) for section, key in _SECRET_FILES}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _coerce(value: Any, default: Any, key: str, problems: list[str]) -> Any:
    kind = type(default)
    if tuple(key.split(".", 1)) in _SECRETS and not isinstance(value, str):
        problems.append(f"{key}: expected text (the value is a secret and is not shown)")
        return default
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
            return value.lower() in _TRUE
        problems.append(f"{key}: expected true or false, got {value!r}")
        return default
    if kind in (int, float):
        try:
            if isinstance(value, bool):
                raise ValueError
            return kind(value)
        except (TypeError, ValueError):
            problems.append(f"{key}: expected a number, got {value!r}")
            return default
    if not isinstance(value, str):
        problems.append(f"{key}: expected text, got {value!r}")
        return default
    return value


def load(path: str | Path | None = None, env: dict[str, str] | None = None) -> Config:
    """Read the file (optional), apply the environment, validate; raise ConfigError."""
    config, problems = _build(path, env)
    if problems:
        raise ConfigError(problems)
    return config


def check(
    path: str | Path | None, env: dict[str, str] | None = None, *, production: bool = True
) -> list[str]:
    """Every problem of the file at once (``kiosk check-config``): what :func:`load` would
    refuse and, for a production kiosk, the secrets it lacks and upstreams without TLS."""
    return check_config(path, env, production=production)[1]


def check_config(
    path: str | Path | None, env: dict[str, str] | None = None, *, production: bool = True
) -> tuple[Config, list[str]]:
    """The one validation behind both ``kiosk check-config`` and ``kiosk run``'s start-up
    (issue 15 item 4): the config and every problem with it.

    ``production``: the secrets a kiosk cannot do without (a code key generated per
    start would forget every block at a restart and key the audit anchors with a
    throwaway key; no PIN hash locks staff out) and TLS to every upstream, since the
    portal carries the password and the others carry patient data. The demo
    (``production=False``) may use plain HTTP to this machine's loopback only.
    """
    config, problems = _build(path, env)
    reported = {p.split(":", 1)[0] for p in problems}
    extra = plaintext_upstreams(config, allow_loopback=not production)
    if production:
        extra = missing_secrets(config) + extra
    for problem in extra:
        key = problem.split(":", 1)[0]
        if key not in reported and f"{key}_file" not in reported:
            problems.append(problem)
    return config, problems


def _build(path: str | Path | None, env: dict[str, str] | None) -> tuple[Config, list[str]]:
    env = dict(os.environ if env is None else env)
    problems: list[str] = []
    raw: dict[str, Any] = {}
    if path is not None:
        # Here, not at the top: the kiosk reads its config before Welcome's first paint,
        # and tomllib (with datetime and its regexes) is ~4 ms that a file-less start
        # (environment only) never needs.
        import tomllib

        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            problems.append(f"{path}: file not found")
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            problems.append(f"{path}: not valid TOML ({err})")
    for name in raw:
        if name not in _SECTIONS:
            problems.append(f"[{name}]: unknown section")
    built: dict[str, Any] = {}
    for name, cls in _SECTIONS.items():
        section_raw = raw.get(name, {})
        if not isinstance(section_raw, dict):
            problems.append(f"[{name}]: must be a table")
            section_raw = {}
        defaults: dict[str, Any] = cls._field_defaults
        values: dict[str, Any] = {}
        for key in section_raw:
            if key not in defaults:
                problems.append(f"{name}.{key}: unknown key")
        for key, default in defaults.items():
            full = f"{name}.{key}"
            value = section_raw.get(key, default)
            env_key = f"KIOSK_{name}_{key}".upper()
            if env_key in env:
                value = env[env_key]
            values[key] = _coerce(value, default, full, problems)
        built[name] = cls(**values)
    config = Config(**built)
    problems.extend(validate(config))
    return config, problems


def _check_url(value: str, key: str, problems: list[str], https: bool = False,
               bare: bool = False) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ({"https"} if https else {"http", "https"}) or not parts.hostname:
        want = "an https URL" if https else "an http(s) URL"
        problems.append(f"{key}: expected {want}, got {value!r}")
    elif bare and (parts.query or parts.fragment or parts.username or parts.password):
        # Shown as a QR code: the same rule as kiosk.services.booking.qr_payload, so
        # check-config refuses what start-up would refuse.
        problems.append(f"{key}: must not carry a query, fragment or credentials "
                        f"(it is shown as a QR code), got {value!r}")


#: Every upstream the kiosk talks to: the portal gets the password, the others patient data.
UPSTREAM_URLS = (("portal", "issuer"), ("upstream", "registry_url"), ("upstream", "sms_url"),
                 ("upstream", "fhir_url"), ("upstream", "support_url"))


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plaintext_upstreams(c: Config, allow_loopback: bool = False) -> list[str]:
    """Upstreams without TLS (issue 15 item 4): refused in production; the demo may talk
    plain HTTP to its simulator on this machine's loopback, and nowhere else."""
    p = []
    for section, key in UPSTREAM_URLS:
        value = getattr(getattr(c, section), key)
        parts = urlsplit(value)
        if parts.scheme != "http" or not parts.hostname:
            continue  # https, or already reported as not a URL
        if allow_loopback and _is_loopback(parts.hostname):
            continue
        where = "except to this machine (loopback) in the demo" if allow_loopback else \
            "in production"
        p.append(f"{section}.{key}: must be https {where} (plain HTTP would carry "
                 f"{'the password' if section == 'portal' else 'patient data'} in clear), "
                 f"got {value!r}")
    return p


#: Numbers with a range: (section, key, low, high, what); ``low_open``: low itself is out.
_RANGES: tuple[tuple[str, str, float, float, bool, str], ...] = (
    ("kiosk", "idle_timeout_s", 10, 3600, False, "between 10 and 3600 seconds"),
    ("kiosk", "idle_warning_s", 5, 300, False, "between 5 and 300 seconds"),
    ("kiosk", "child_age_limit", 1, 18, False, "between 1 and 18"),
    ("upstream", "connect_timeout_s", 0, 60, True, "between 0 and 60 seconds"),
    ("upstream", "read_timeout_s", 0, 300, True, "between 0 and 300 seconds"),
    ("upstream", "registry_grace_s", 0, 600, False, "between 0 and 600 seconds"),
    ("upstream", "fhir_page_size", 1, 5000, False, "between 1 and 5000"),
    ("upstream", "fhir_max_page_mib", 1, 64, False, "between 1 and 64"),
)


def validate(c: Config) -> list[str]:
    """Every problem of ``c``, one line each (``kiosk config check``); empty when fine."""
    p = _check_choices(c)
    for section, key, low, high, low_open, what in _RANGES:
        value = getattr(getattr(c, section), key)
        if not (low < value if low_open else low <= value) or value > high:
            p.append(f"{section}.{key}: {what}")
    p += _check_urls(c)
    p += _check_secret_files(c)
    p += _check_code_key(c, file_ok=not any(x.startswith("security.code_key_file:") for x in p))
    return p


def _check_choices(c: Config) -> list[str]:
    p: list[str] = []
    k = c.kiosk
    if not k.id or len(k.id) > 64 or not k.id.replace("-", "").replace("_", "").isalnum():
        p.append("kiosk.id: letters, digits, - and _ only, up to 64")
    if k.language not in {"ru", "en"}:
        p.append(f"kiosk.language: ru or en, got {k.language!r}")
    if c.print.paper not in {"A4", "roll80"}:
        p.append(f"print.paper: A4 or roll80, got {c.print.paper!r}")
    return p


def _check_urls(c: Config) -> list[str]:
    p: list[str] = []
    if c.store.url and "://" not in c.store.url:
        p.append("store.url: a SQLAlchemy URL such as sqlite:////var/lib/kiosk/cache.sqlite3")
    _check_url(c.portal.issuer, "portal.issuer", p)
    for key in ("booking_url", "support_url", "access_request_url", "level_help_url"):
        _check_url(getattr(c.portal, key), f"portal.{key}", p, https=True,
                   bare=key in ("booking_url", "support_url"))
    for key in ("registry_url", "sms_url", "fhir_url", "support_url"):
        _check_url(getattr(c.upstream, key), f"upstream.{key}", p)
    return p


def _check_secret_files(c: Config) -> list[str]:
    """A secret file must be readable, and by its owner only."""
    p: list[str] = []
    for section, key in sorted(_SECRET_FILES):
        path = getattr(getattr(c, section), key)
        if not path:
            continue
        try:
            st = os.stat(path)
            with open(path, "rb"):
                pass
        except OSError as err:
            why = (err.strerror or type(err).__name__).lower()
            p.append(f"{section}.{key}: cannot read {path} ({why})")
            continue
        if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            p.append(f"{section}.{key}: {path} must be readable by its owner only (chmod 600)")
    return p


def _check_code_key(c: Config, file_ok: bool) -> list[str]:
    """The code key, from its file when that file is readable, else as written inline."""
    try:
        key_hex = c.secret("security", "code_key") if file_ok else c.security.code_key
        if key_hex and len(bytes.fromhex(key_hex)) < 16:
            return ["security.code_key: at least 16 bytes of hex"]
    except ValueError:
        return ["security.code_key: must be hex"]
    except OSError:
        pass
    return []


def missing_secrets(c: Config) -> list[str]:
    """Secrets a production kiosk must have (the demo generates its own)."""
    p = []
    for section, key in (("security", "code_key"), ("kiosk", "staff_pin_hash"),
                         ("portal", "client_secret")):
        try:
            value = c.secret(section, key)
        except OSError:
            value = ""
        if not value:
            p.append(f"{section}.{key}: required (inline or in {key}_file)")
    return p
