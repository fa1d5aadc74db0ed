"""Issue 18 (``ready_ms``): PySide6's import hook asks of every module imported after
it whether its source mentions PySide6; the kiosk asks the same question by reading
bytes. The answers must stay PySide6's own, or its ``__feature__`` switches would
apply to the wrong modules."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

import kiosk.ui  # noqa: F401  (puts the cheaper check in place)
from kiosk.ui.pyside_hook import ByteCheck, cheaper_feature_check


def _installed() -> ByteCheck:
    check = sys.modules["shibokensupport.feature"]._mod_uses_pyside
    assert isinstance(check, ByteCheck)
    return check


def test_importing_the_ui_puts_the_cheaper_check_in_place_once() -> None:
    check = _installed()
    assert cheaper_feature_check() is True
    assert _installed() is check  # called again: not wrapped twice


@pytest.mark.parametrize("name", [
    "kiosk.ui.window",  # imports PySide6
    "kiosk.ui.style",  # a UI module without Qt
    "kiosk.domain.otp",  # plain Python
    "json",  # the standard library
    "sys",  # built in: no file
    "_sqlite3",  # an extension module: a file, not source
    "PySide6.QtCore",  # PySide6 itself (an extension)
])
def test_the_cheaper_check_answers_as_pyside6_does(name: str) -> None:
    module = importlib.import_module(name)
    check = _installed()
    assert check(module) is bool(check.original(module))


def test_a_module_whose_file_is_gone_is_asked_the_original_way(tmp_path: Path) -> None:
    gone = ModuleType("gone")
    gone.__file__ = str(tmp_path / "gone.py")
    check = _installed()
    assert check(gone) is False and check.original(gone) is False
    written = tmp_path / "written.py"
    written.write_text("# Жалоб нет.\nimport PySide6\n", encoding="utf-8")
    here = ModuleType("written")
    here.__file__ = str(written)
    assert check(here) is True and check.original(here) is True
