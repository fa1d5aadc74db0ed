"""Issue 15 item 6: print files are owner-only, and a sign-out during layout leaves no
print file behind (R-KSK-2, R-KSK-3)."""

from __future__ import annotations

import stat
import threading

import pytest

import kiosk.ui.printer as printer_module
from tests.ui.conftest import Kiosk

pytestmark = pytest.mark.ui


def to_preview(kiosk: Kiosk) -> None:
    kiosk.sign_in()
    kiosk.open_emr("emr-2")
    kiosk.window.prepare_print(["d-3", "d-4"])
    kiosk.settle()
    assert kiosk.name() == "preview"


def test_r_ksk_3_print_files_are_owner_only(kiosk: Kiosk) -> None:
    """R-KSK-3: a print file is 0600, as the database is: no other local user reads it."""
    to_preview(kiosk)
    kiosk.window.print_now()
    kiosk.settle()
    pdfs = list(kiosk.env.print_dir.glob("*.pdf"))
    assert len(pdfs) == 1 and pdfs[0].stat().st_size > 0
    assert stat.S_IMODE(pdfs[0].stat().st_mode) == 0o600
    kiosk.window.sign_out()


def test_r_ksk_2_sign_out_during_print_layout_leaves_no_file(
        kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch) -> None:
    """R-KSK-2: the patient is signed out (idle timeout, button) while the job is being
    laid out; when layout finishes, no PDF of theirs is left in the print folder."""
    to_preview(kiosk)
    started, go_on = threading.Event(), threading.Event()
    real_render = printer_module.render

    def held_render(*args: object, **kw: object) -> int:
        started.set()  # the worker is about to lay out: the sign-out comes now
        assert go_on.wait(10)
        return real_render(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(printer_module, "render", held_render)
    kiosk.window.print_now()
    assert started.wait(10)
    kiosk.window.sign_out()
    go_on.set()
    assert kiosk.ctx.runner.wait(10_000)
    kiosk.settle()
    assert list(kiosk.env.print_dir.iterdir()) == []
