"""The ``kiosk`` command. Heavy imports happen inside the subcommands that need them,
so ``kiosk --version`` and the Welcome screen do not pay for SQLAlchemy or requests.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk import __version__

if TYPE_CHECKING:
    from kiosk.config import Config

DEFAULT_CONFIG = "/etc/kiosk/kiosk.toml"


def _config_path(arg: str | None) -> str | None:
    """``--config``, else ``KIOSK_CONFIG`` (empty: no file), else /etc/kiosk/kiosk.toml."""
    if arg:
        return arg
    env = os.environ.get("KIOSK_CONFIG")
    if env is not None:
        return env or None
    return DEFAULT_CONFIG if Path(DEFAULT_CONFIG).exists() else None


def _load_config(arg: str | None) -> Config:
    from kiosk.config import ConfigError, load

    try:
        return load(_config_path(arg))
    except ConfigError as err:
        print("Configuration problems:", file=sys.stderr)
        for problem in err.problems:
            print(f"  - {problem}", file=sys.stderr)
        raise SystemExit(2) from None


def cmd_check_config(args: argparse.Namespace) -> int:
    """Every problem at once, each with its key; secrets are checked, never printed."""
    from kiosk.config import check

    problems = check(args.file, production=not args.demo)
    if problems:
        print(f"{args.file}: {len(problems)} problem(s)", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    print(f"{args.file}: OK")
    return 0


def cmd_sim(args: argparse.Namespace) -> int:
    from kiosk.sim.server import serve_forever

    serve_forever(args.port, args.size, args.seed)
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    import time

    from kiosk.app import build_services
    from kiosk.sync_progress import SyncProgress

    services = build_services(_load_config(args.config), sync_worker=True)
    try:
        while True:
            with SyncProgress(services.sync.cached_documents, services.sync.pending()):
                report = services.sync.run()
            delivered = services.deliver_outbox()
            print(
                f"sync: {report.batches} batches, {report.documents} documents, "
                f"{report.withdrawn} withdrawn, {report.rejected} rejected"
                + (" (another worker holds the lock)" if report.skipped else "")
                + (f"; stopped: {report.error}" if report.error else "")
                + (f"; {delivered} support request(s) delivered" if delivered else ""),
                flush=True,
            )
            if not args.follow:
                return 1 if report.error else 0
            time.sleep(args.interval)
    except KeyboardInterrupt:
        return 0
    finally:
        services.close()


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from kiosk.app import default_store_url
    from kiosk.store.migrate import current, upgrade

    config = _load_config(args.config)
    url = config.store.url or default_store_url()
    upgrade(url)
    print(f"database at revision {current(url)}")
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from kiosk.app import default_store_url
    from kiosk.services.audit import verify_chain
    from kiosk.store.database import open_store

    config = _load_config(args.config)
    key_hex = config.secret("security", "code_key")
    store = open_store(config.store.url or default_store_url())
    try:
        # With the kiosk's key the chains' anchors are checked as well (truncation).
        result = verify_chain(store.uow_factory, bytes.fromhex(key_hex) if key_hex else None)
    finally:
        store.dispose()
    if result.ok:
        print(f"audit OK: {result.checked} entries")
        return 0
    print(f"audit BROKEN at kiosk {result.kiosk_id} entry {result.bad_seq}: {result.reason}")
    return 1


def cmd_hash_pin(args: argparse.Namespace) -> int:
    import getpass

    from kiosk.services.staff import hash_pin

    pin = getpass.getpass("Staff PIN: ")
    if not pin.isdigit() or not 4 <= len(pin) <= 12:
        print("A PIN is 4 to 12 digits.", file=sys.stderr)
        return 2
    print(hash_pin(pin))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """The kiosk's health for a fleet monitor (R-KSK-6's checks, no personal data).

    Always one JSON object with ``--json``, even when the configuration or the store is
    broken: exit 0 when every check passed, 1 when one failed, 2 for a bad config.
    """
    from datetime import UTC, datetime

    from kiosk.config import ConfigError, load

    now = datetime.now(UTC)
    data: dict[str, Any] = {
        "kiosk_id": None,
        "version": __version__,
        "ok": False,
        "checked_at": now.isoformat(timespec="seconds"),
        "checks": {},
        "last_sync": None,
        "last_sync_age_s": None,
        "last_complete_sync": None,
        "last_complete_sync_age_s": None,
        "outbox_pending": None,
        "problems": [],
    }
    code = 1
    try:
        config = load(_config_path(args.config))
    except ConfigError as err:
        data["problems"] = [f"config: {p}" for p in err.problems]
        config = None
        code = 2
    if config is not None:
        data["kiosk_id"] = config.kiosk.id
        code = _collect_health(config, data, now)
    if args.json:
        import json

        print(json.dumps(data, ensure_ascii=False))
    else:
        for key, value in data.items():
            print(f"{key}: {value}")
    return code


def _collect_health(config: Config, data: dict[str, Any], now: Any) -> int:
    from kiosk.app import build_services

    try:
        services = build_services(config)
    except Exception as err:  # the monitor must get an answer, not a traceback
        data["checks"] = {"store": False}
        data["problems"].append(f"store: {type(err).__name__}: {str(err)[:200]}")
        return 1
    try:
        services.open_store()  # a store that does not answer: said at once, as before
        health = services.staff.health()
    except Exception as err:
        data["checks"] = {"store": False}
        data["problems"].append(f"store: {type(err).__name__}: {str(err)[:200]}")
        return 1
    finally:
        services.close()
    data["checks"] = health.checks
    data["problems"] += [f"{name}: not answering" for name, ok in health.checks.items() if not ok]
    for key, at in (("last_sync", health.last_sync),
                    ("last_complete_sync", health.last_complete_sync)):
        if at is not None:
            data[key] = at.isoformat(timespec="seconds")
            data[f"{key}_age_s"] = max(0, int((now - at).total_seconds()))
    data["outbox_pending"] = health.outbox_pending
    data["ok"] = all(health.checks.values())
    return 0 if data["ok"] else 1


class Demo:
    """The simulator in-process, a config pointing at it, and a services factory.

    A plain class, not a dataclass: this module is on the way to the kiosk's first paint,
    and nothing else there needs the dataclasses machinery.
    """

    def __init__(self, factory: Callable[[], object], accounts: list[tuple[str, str, str]],
                 server: Any, config: Config) -> None:
        self.factory = factory
        self.accounts = accounts
        self.server = server
        self.config = config

    def outbox(self) -> list[tuple[str, str]]:
        return [(m["to"], m["text"]) for m in self.server.sms_outbox()]

    def approve(self, login: str) -> bool:
        """The demo phone's «Одобрить вход»: approve the newest QR sign-in as ``login``."""
        return bool(self.server.device.approve_newest(login))


@contextlib.contextmanager
def _demo(size: int) -> Iterator[Demo]:
    """A fresh simulator and a fresh cache in a temporary folder for each run: the demo
    population is new every time, so yesterday's cache (and its code counters) is not."""
    import secrets
    import tempfile
    from datetime import UTC, datetime

    from kiosk.config import load
    from kiosk.domain.moscow import moscow_date
    from kiosk.sim.population import Population
    from kiosk.sim.server import SimServer

    server = SimServer(Population(size=size, seed=7, today=moscow_date(datetime.now(UTC))))
    server.start()
    folder = tempfile.TemporaryDirectory(prefix="kiosk-demo-")
    env = {
        **os.environ,
        "KIOSK_STORE_URL": f"sqlite:///{Path(folder.name) / 'cache.sqlite3'}",
        **server.kiosk_env(),
        "KIOSK_SECURITY_CODE_KEY": secrets.token_hex(32),
        "KIOSK_KIOSK_FULLSCREEN": "false",
        "KIOSK_KIOSK_ID": "demo-01",
    }
    config = load(None, env=env)

    def factory() -> object:
        from kiosk.app import build_services

        services = build_services(config)
        services.sync.run()
        return services

    accounts = [
        (a.login, a.password, f"{a.level}: {a.note}") for a in server.population.demo_accounts()
    ]
    try:
        yield Demo(factory, accounts, server, config)
    finally:
        server.stop()
        folder.cleanup()


def cmd_demo(args: argparse.Namespace) -> int:
    with _demo(args.size) as demo:
        print(f"Simulator on {demo.server.base_url}")
        for login, password, what in demo.accounts:
            print(f"  {login} / {password}  — {what}")
        from kiosk.ui.main import run_demo

        return run_demo(demo.factory, demo.accounts, demo.outbox, demo.config,
                        approve=demo.approve)


def cmd_run(args: argparse.Namespace) -> int:
    """The production kiosk. Its configuration passes the same validation as
    ``kiosk check-config`` (secrets, TLS to every upstream) or the kiosk shows a plain
    refusal instead of Welcome and logs every problem (issue 15 item 4).

    The cycle collector is off until the services are built (``run_kiosk`` turns it
    back on): start-up makes some 90,000 objects that all stay (modules, classes, Qt
    wrappers), and collecting among them while they are made cost ~13 % of the
    imports' CPU (issue 18, ``ready_ms``)."""
    import gc

    gc.disable()
    from kiosk.config import check_config

    config, problems = check_config(_config_path(args.config), production=True)
    if problems:
        gc.enable()
        from kiosk.ui.main import refuse_to_start

        return refuse_to_start(problems, kiosk_mode=config.kiosk.fullscreen and not args.windowed)
    from kiosk.ui.main import run_kiosk

    return run_kiosk(config, windowed=args.windowed)


def cmd_self_test(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with _demo(60) as demo:
        from kiosk.ui.main import self_test

        return self_test(demo.factory, demo.accounts, demo.outbox)


#: The subcommands, in the order ``kiosk --help`` lists them.
COMMANDS = ("run", "demo", "sim", "sync", "check-config", "db", "audit", "hash-pin", "status")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or with ``only`` just that subcommand (same options, same
    errors for it). Each ``ArgumentParser`` costs ~0.3 ms, and ``kiosk run`` is on the
    way to the Welcome screen's first paint: it should not build the other eleven."""
    parser = argparse.ArgumentParser(prog="kiosk", description="Clinic kiosk for the ЛКП")
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    parser.add_argument("--self-test", action="store_true",
                        help="walk the patient's path offscreen against the simulator")
    parser.add_argument("-v", "--verbose", action="store_true")
    # One name for the commands in the usage line (argparse would print every choice
    # there and again above their list); the same whether one subparser is built or all.
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def wanted(name: str) -> bool:
        return only is None or only == name

    def add(name: str, func: Callable[[argparse.Namespace], int], help_: str,
            config: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_)
        if config:
            p.add_argument("--config", help=f"TOML file (default {DEFAULT_CONFIG} if present)")
        p.set_defaults(func=func)
        return p

    if wanted("run"):
        p = add("run", cmd_run, "start the kiosk")
        p.add_argument("--windowed", action="store_true", help="a normal window (development)")
    if wanted("demo"):
        p = add("demo", cmd_demo, "simulator + kiosk window + a demo phone", config=False)
        p.add_argument("--size", type=int, default=200, help="patients in the simulator")
    if wanted("sim"):
        p = add("sim", cmd_sim, "serve the simulated upstreams on loopback", config=False)
        p.add_argument("--port", type=int, default=8700)
        p.add_argument("--size", type=int, default=200)
        p.add_argument("--seed", type=int, default=7)
    if wanted("sync"):
        p = add("sync", cmd_sync, "bring the cache up to date from the EMR source")
        p.add_argument("--follow", action="store_true", help="keep syncing")
        p.add_argument("--interval", type=float, default=60.0)
    if wanted("check-config"):
        p = add("check-config", cmd_check_config, "report every configuration problem", False)
        p.add_argument("file")
        p.add_argument("--demo", action="store_true", help="do not require production secrets")
    if wanted("db"):
        db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command")
        p = db.add_parser("upgrade", help="apply migrations")
        p.add_argument("--config")
        p.set_defaults(func=cmd_db_upgrade)
    if wanted("audit"):
        audit = sub.add_parser("audit", help="audit log").add_subparsers(dest="audit_command")
        p = audit.add_parser("verify", help="check the hash chain")
        p.add_argument("--config")
        p.set_defaults(func=cmd_audit_verify)
    if wanted("hash-pin"):
        add("hash-pin", cmd_hash_pin, "print the hash of a staff PIN for the config",
            config=False)
    if wanted("status"):
        p = add("status", cmd_status, "kiosk health")
        p.add_argument("--json", action="store_true")
    return parser


def _command(argv: list[str]) -> str | None:
    """The subcommand ``argv`` names, if a parser with only that one parses it exactly as
    the full parser would: the top-level options take no values, so the first word that
    is not an option is the command; a top-level ``--help`` must list every command."""
    for arg in argv:
        if arg in ("-h", "--help"):
            return None
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    parser = build_parser(_command(words))
    args = parser.parse_args(words)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    if args.self_test:
        return cmd_self_test(args)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    return int(func(args))


if __name__ == "__main__":
    sys.exit(main())
