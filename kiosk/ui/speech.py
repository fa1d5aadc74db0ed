"""«Озвучить» (issue 16): the shown screen's text read aloud through espeak-ng.

What is read is what a sighted patient sees, in screen order: titles, texts, the names
of buttons and fields, and the open document: its text, a narrative's words, and a lab
table row by row in words («Гемоглобин: 118 грамм на литр, ниже нормы, норма от 120 до
140»), not the cells' symbols (an arrow, «г/л»). What is typed is never read: a
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

import re
import shutil
from typing import Protocol

from PySide6.QtCore import QCoreApplication, QProcess, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableWidget,
    QTextEdit,
    QWidget,
)

VOICES = {"ru": "ru", "en": "en-gb"}
# Keys of the on-screen keyboard and keypads: not read one by one.
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
        text = _spoken(w)
        if text is None:
            continue
        text = text.strip()
        if text and (not lines or lines[-1] != text):
            lines.append(text)
    return lines


def _spoken(w: QWidget) -> str | None:
    """What one widget says; ``None`` for a widget that says nothing. A field says its
    name, never what is typed in it."""
    editable = isinstance(w, QPlainTextEdit | QTextEdit) and not w.isReadOnly()
    if isinstance(w, QLineEdit) or editable:
        return w.accessibleName()
    if isinstance(w, QPlainTextEdit | QTextEdit):
        return w.toPlainText()  # an open document: a note or a narrative's words
    if isinstance(w, QTableWidget) and w.objectName() == "labTable":
        return "\n".join(lab_rows_spoken(w))
    if isinstance(w, QLabel):
        return w.text()
    if isinstance(w, QAbstractButton):
        return w.accessibleName() or w.text()
    if isinstance(w, QAbstractItemView) and w.model() is not None:
        model = w.model()
        return "\n".join(str(model.data(model.index(r, 0)) or "")
                         for r in range(min(model.rowCount(), 20)))
    return None


def lab_rows_spoken(table: QTableWidget) -> list[str]:
    """The rows of a lab table (``content.LabTable``: analyte, value, unit, reference,
    flag) as sentences: the unit and the flag in words, the range as «от … до …»."""
    def cell(r: int, c: int, role: Qt.ItemDataRole = Qt.ItemDataRole.DisplayRole) -> str:
        item = table.item(r, c)
        value = item.data(role) if item is not None else None
        return str(value or "").strip()

    lines = []
    for r in range(table.rowCount()):
        value = cell(r, 1, Qt.ItemDataRole.UserRole) or cell(r, 1)  # as written (stacked)
        analyte = cell(r, 0, Qt.ItemDataRole.UserRole) or cell(r, 0)
        parts = [f"{analyte}: {' '.join(p for p in (value, unit_words(cell(r, 2))) if p)}"]
        flag = cell(r, 4).lstrip("↑↓! ").strip()
        if flag:
            parts.append(_flags().get(flag, flag))
        reference = range_words(cell(r, 3))
        if reference:
            parts.append(reference)
        lines.append(", ".join(parts) + ".")
    return lines


def unit_words(unit: str) -> str:
    """A laboratory unit as it is said: «г/л» is «грамм на литр». A unit not listed is
    said as written."""
    words = _units().get(unit.replace(" ", ""))
    return words if words is not None else unit


def range_words(reference: str) -> str:
    """«120–140» as «норма от 120 до 140»; «< 5» as «норма до 5»."""
    if not reference:
        return ""
    between = re.fullmatch(r"\s*([\d.,]+)\s*[–—-]\s*([\d.,]+)\s*", reference)
    if between:
        return _tr("норма от %1 до %2").replace("%1", between[1]).replace("%2", between[2])
    below = re.fullmatch(r"\s*(?:[<≤]|до)\s*([\d.,]+)\s*", reference)
    if below:
        return _tr("норма до %1").replace("%1", below[1])
    above = re.fullmatch(r"\s*(?:[>≥]|от)\s*([\d.,]+)\s*", reference)
    if above:
        return _tr("норма от %1").replace("%1", above[1])
    return _tr("норма %1").replace("%1", reference)


def _units() -> dict[str, str]:
    """Units of the city labs' reports (the simulator's and the FHIR corpus's)."""
    thousands = _tr("тысяч на микролитр")  # 10⁹/л is 10³/мкл
    millions = _tr("миллионов на микролитр")  # 10¹²/л is 10⁶/мкл
    return {
        "г/л": _tr("грамм на литр"), "мг/л": _tr("миллиграмм на литр"),
        "ммоль/л": _tr("миллимоль на литр"), "мкмоль/л": _tr("микромоль на литр"),
        "нг/мл": _tr("нанограмм на миллилитр"), "Ед/л": _tr("единиц на литр"),
        "%": _tr("процентов"), "фл": _tr("фемтолитров"), "пг": _tr("пикограммов"),
        "мм/ч": _tr("миллиметров в час"), "10*9/л": thousands, "×10⁹/л": thousands,
        "10*12/л": millions, "×10¹²/л": millions,
    }


def _flags() -> dict[str, str]:
    """The table's flag words (``FLAG_WORDS_RU`` without their symbols), as said."""
    return {"выше нормы": _tr("выше нормы"), "ниже нормы": _tr("ниже нормы"),
            "вне нормы": _tr("вне нормы")}


def _tr(text: str) -> str:
    return QCoreApplication.translate("Speech", text)


def _for_lupdate() -> None:  # pragma: no cover - never called; lupdate reads the literals
    """Every text :func:`_tr` is given."""
    QCoreApplication.translate("Speech", "норма от %1 до %2")
    QCoreApplication.translate("Speech", "норма до %1")
    QCoreApplication.translate("Speech", "норма от %1")
    QCoreApplication.translate("Speech", "норма %1")
    QCoreApplication.translate("Speech", "тысяч на микролитр")
    QCoreApplication.translate("Speech", "миллионов на микролитр")
    QCoreApplication.translate("Speech", "грамм на литр")
    QCoreApplication.translate("Speech", "миллиграмм на литр")
    QCoreApplication.translate("Speech", "миллимоль на литр")
    QCoreApplication.translate("Speech", "микромоль на литр")
    QCoreApplication.translate("Speech", "нанограмм на миллилитр")
    QCoreApplication.translate("Speech", "единиц на литр")
    QCoreApplication.translate("Speech", "процентов")
    QCoreApplication.translate("Speech", "фемтолитров")
    QCoreApplication.translate("Speech", "пикограммов")
    QCoreApplication.translate("Speech", "миллиметров в час")
    QCoreApplication.translate("Speech", "выше нормы")
    QCoreApplication.translate("Speech", "ниже нормы")
    QCoreApplication.translate("Speech", "вне нормы")


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
