"""Start-up by design (issue 5, start_ratio): before Welcome's first paint the kiosk loads
only what Welcome needs; the overlay, the idle timeout, the task runner and the printer
come on first use or right after the paint. ``kiosk run`` builds only its own parser."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kiosk.cli import COMMANDS, _command, build_parser

pytestmark = pytest.mark.ui


def test_first_paint_loads_only_what_welcome_needs() -> None:
    """A fresh process up to the painted Welcome screen (in kiosk mode, as production
    starts): none of the deferred modules or objects exist yet, and they all work once
    asked for."""
    code = (
        "import os, sys; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from kiosk.config import load\n"
        "from kiosk.ui.main import _attach_printer, _context_for_welcome\n"
        "from kiosk.ui.window import KioskWindow\n"
        "ctx = _context_for_welcome(load(None, env={}))\n"
        "w = KioskWindow(ctx, kiosk_mode=True); w.show_for_mode()\n"
        "app.processEvents()\n"
        "bad = [m for m in ('dataclasses', 'json', 'tomllib', 'kiosk.ui.tasks',"
        " 'kiosk.ui.idle', 'kiosk.ui.printer', 'kiosk.ui.credentials') if m in sys.modules]\n"
        "built = [n for n, o in (('overlay', w._overlay), ('idle', w._idle),"
        " ('runner', ctx._runner), ('printer', ctx.printer)) if o is not None]\n"
        "_attach_printer(ctx)\n"
        "later = [ctx.printer is not None, w.idle.active is False, ctx.runner.pending == 0,"
        " w.overlay.isVisible() is False]\n"
        # Even with the printer attached: no print support, QR codes, other screens or
        # the service graph's libraries until they are used.
        "unused = [m for m in ('PySide6.QtPrintSupport', 'qrcode', 'kiosk.ui.emr',"
        " 'kiosk.ui.demo', 'sqlalchemy', 'requests', 'kiosk.app') if m in sys.modules]\n"
        "print(bad, built, later, unused); w.shutdown()\n"
        "os._exit(0 if not bad and not built and all(later) and not unused else 1)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize("argv", [
    ["run"], ["run", "--windowed", "--config", "/x.toml"], ["-v", "run"],
    ["status", "--json"], ["check-config", "a.toml", "--demo"], ["db", "upgrade"],
    ["audit", "verify", "--config", "c"], ["sim", "--port", "1"], ["hash-pin"], [],
])
def test_a_single_subcommand_parser_parses_like_the_whole_one(argv: list[str]) -> None:
    only = _command(argv)
    assert only == (next((a for a in argv if not a.startswith("-")), None))
    assert vars(build_parser(only).parse_args(argv)) == vars(build_parser().parse_args(argv))


def test_help_and_unknown_words_get_the_whole_parser() -> None:
    assert _command(["--help", "run"]) is None
    assert _command(["-h"]) is None
    assert _command(["bogus"]) is None
    assert set(COMMANDS) == set(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
