"""Languages (R-KSK-8): Russian is the source language of every ``tr()`` string, so it
needs no translator; English comes from ``kiosk/ui/resources/translations/kiosk_en.qm``
(shipped inside the package, so wheels, the bundle and the .deb carry it).

The ``.ts`` file is the source of the translation and the ``.qm`` is compiled from it
with ``pyside6-lrelease`` (see docs/ui.md); both are committed because the ``.qm`` is
small and the kiosk must start without build tools.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTranslator

LANGUAGES = ("ru", "en")


def translations_dir() -> Path:
    """The package's own copy: the same path in a checkout, a wheel and the bundle."""
    return Path(__file__).resolve().parent / "resources" / "translations"


#: The translator installed in the application (one per process, like the application).
_installed: list[QTranslator] = []


class Languages:
    """Switches the application's translator so that switching replaces, not stacks, it."""

    def __init__(self) -> None:
        self.current = "ru"

    def set(self, language: str) -> bool:
        """Install ``language``; False (and Russian stays) when its file is missing."""
        app = QCoreApplication.instance()
        if app is None:
            return False
        while _installed:
            app.removeTranslator(_installed.pop())
        self.current = "ru"
        if language == "ru":
            return True
        translator = QTranslator(app)
        if not translator.load(f"kiosk_{language}", str(translations_dir())):
            return False
        app.installTranslator(translator)
        _installed.append(translator)
        self.current = language
        return True



def translate(context: str, text: str) -> str:
    """Shorthand used by :mod:`kiosk.ui.texts`; lupdate sees the literal calls there."""
    return QCoreApplication.translate(context, text)
