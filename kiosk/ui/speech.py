"""«Озвучить» (issue 16): the shown screen's text read aloud through espeak-ng.

What is read is what a sighted patient sees, in screen order: titles, texts, the names
of buttons and fields, and the open document's text. What is typed is never read: a
field contributes its accessible name («Пароль», «Код из СМС»), never its content, so a
password, a login or a code cannot reach the loudspeaker (or the headphones of the next
person). The on-screen keyboard's and keypad's keys are left out: forty key names are
noise, and the field's name already says what to type.

espeak-ng (Debian ``espeak-ng``) is a real offline engine: no network, Russian and
English voices in the package, plays to the default audio output (the kiosk's
headphone jack, see docs/deploy.md). The text goes to its standard input, not its
command line, so it does not show in the process list.
"""

from __future__ import annotations

import shutil
from typing import Protocol

from PySide6.QtCore import QProcess
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

VOICES = {"ru": "ru", "en": "en-gb"}
#: Keys of the on-screen keyboard and keypads: not read one by one.
_KEY_PREFIXES = ("key_", "pad_", "pin_")


class SpeechEngine(Protocol):
    def say(self, text: str, language: str) -> None: ...
    def stop(self) -> None: ...


def screen_text(root: QWidget) -> list[str]:
    """The lines to read for ``root`` and its visible children, in building order."""
    lines: list[str] = []
    for w in [root, *root.findChildren(QWidget)]:
        if not w.isVisible() or w.objectName().startswith(_KEY_PREFIXES):
            continue
        if w.objectName() == "speak":
            continue
        if isinstance(w, QLineEdit) or (isinstance(w, QPlainTextEdit) and not w.isReadOnly()):
            text = w.accessibleName()  # the field's name, never what is typed in it
        elif isinstance(w, QPlainTextEdit):
            text = w.toPlainText()  # an open document: read-only text on screen
        elif isinstance(w, QLabel):
            text = w.text()
        elif isinstance(w, QAbstractButton):
            text = w.accessibleName() or w.text()
        elif isinstance(w, QAbstractItemView) and w.model() is not None:
            model = w.model()
            text = "\n".join(str(model.data(model.index(r, 0)) or "")
                             for r in range(min(model.rowCount(), 20)))
        else:
            continue
        text = text.strip()
        if text and (not lines or lines[-1] != text):
            lines.append(text)
    return lines


class EspeakEngine:
    """espeak-ng in a ``QProcess``: one utterance at a time, a new one stops the last."""

    def __init__(self, program: str | None = None) -> None:
        self._program = program or shutil.which("espeak-ng") or ""
        self._process: QProcess | None = None

    @property
    def available(self) -> bool:
        return bool(self._program)

    def say(self, text: str, language: str) -> None:
        self.stop()
        if not self._program or not text:
            return
        process = QProcess()
        process.setProgram(self._program)
        process.setArguments(["-v", VOICES.get(language, "ru"), "-s", "150", "--stdin"])
        process.start()
        process.write(text.encode("utf-8"))
        process.closeWriteChannel()
        self._process = process

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.state() != QProcess.ProcessState.NotRunning:
            process.kill()
            process.waitForFinished(1000)


def speak_to_wav(text: str, language: str, path: str, program: str | None = None) -> bool:
    """Synthesise ``text`` into a WAV file (the slow test and the deploy check)."""
    exe = program or shutil.which("espeak-ng")
    if not exe:
        return False
    process = QProcess()
    process.start(exe, ["-v", VOICES.get(language, "ru"), "-w", path, "--stdin"])
    process.write(text.encode("utf-8"))
    process.closeWriteChannel()
    return process.waitForFinished(30000) and process.exitCode() == 0
