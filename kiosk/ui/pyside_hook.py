"""PySide6's import hook, made cheaper.

Why: once PySide6 is imported it replaces ``builtins.__import__``, and for every module
imported after it, it asks whether the module's source mentions ``PySide6`` (to know
which modules its ``__feature__`` switches, snake_case and true_property, may apply to).
It asks through ``inspect.getsource``: every module's file read through ``linecache``
and ``tokenize``'s encoding detection, then joined again. Everything after Welcome's
first paint is imported under that hook — SQLAlchemy, requests, the services, some 340
modules — and the question cost 38–42 ms of the 200 ms the kiosk spends building its
services, a fifth of it (issue 18, ``ready_ms``; measured with ``time.process_time``
around the hook). Reading the file's bytes gives the same answer in ~10 ms.

The answer is the same: ``PySide6`` is ASCII, so it is in the decoded source exactly
when it is in the bytes of a UTF-8 or Latin-1 file; anything but a ``.py`` file, or a
file that cannot be read, is asked the original way. When a PySide6 release renames or
drops what is replaced here, nothing is replaced (``tests/ui/test_pyside_hook.py``
holds the replacement to the original's answers).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType

import PySide6.QtCore  # noqa: F401  (loads the hook's module, shibokensupport.feature)

_MODULE = "shibokensupport.feature"
_NAME = "_mod_uses_pyside"


def cheaper_feature_check() -> bool:
    """Put the byte-reading check in place of PySide6's; ``False`` when this PySide6
    has no such check (then nothing is changed). Safe to call again."""
    feature = sys.modules.get(_MODULE)
    original = getattr(feature, _NAME, None)
    if feature is None or not callable(original):
        return False
    if not isinstance(original, ByteCheck):
        setattr(feature, _NAME, ByteCheck(original))
    return True


class ByteCheck:
    """Does ``module``'s source mention PySide6: its file's bytes, else ``original``."""

    def __init__(self, original: Callable[[ModuleType], object]) -> None:
        self.original = original

    def __call__(self, module: ModuleType) -> bool:
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and path.endswith(".py"):
            try:
                with open(path, "rb") as source:
                    return b"PySide6" in source.read()
            except OSError:
                pass
        return bool(self.original(module))
