"""«Озвучить» (issue 16): the shown screen is read aloud — its titles, texts and the
names of its controls, the open document's text — and never what was typed: not the
login, the password or the SMS code."""

from __future__ import annotations

import shutil
import wave
from array import array
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from kiosk.ui.speech import speak_to_wav
from tests.ui.conftest import LAB_TEXT, LOGIN, Kiosk

pytestmark = pytest.mark.ui


class FakeSpeech:
    def __init__(self) -> None:
        self.said: list[tuple[str, str]] = []
        self.stopped = 0

    def say(self, text: str, language: str) -> None:
        self.said.append((text, language))

    def stop(self) -> None:
        self.stopped += 1


def press_speak(kiosk: Kiosk, qtbot) -> str:
    button = kiosk.window.current().findChild(QPushButton, "speak")
    assert button is not None and button.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    return kiosk.window.speech.said[-1][0]  # type: ignore[attr-defined]


def test_credentials_read_labels_never_login_or_password(kiosk: Kiosk, qtbot) -> None:
    """The credentials screen reads its title, its explanation and the fields' names;
    neither the login nor the password typed in them."""
    speech = FakeSpeech()
    kiosk.window.speech = speech
    kiosk.window.start_sign_in()
    creds = kiosk.s.credentials
    creds.login.setText(LOGIN)
    creds.password.setText("Секрет-42")
    spoken = press_speak(kiosk, qtbot)
    assert "Вход через mos.ru" in spoken and "Логин" in spoken and "Пароль" in spoken
    assert "Получить код по СМС" in spoken
    assert LOGIN not in spoken and "Секрет" not in spoken and "ivan" not in spoken
    assert speech.said[-1][1] == "ru"
    kiosk.sign_in_to_code()
    kiosk.s.code.code.setText("123456")
    spoken = press_speak(kiosk, qtbot)
    assert "Код из СМС" in spoken and "123456" not in spoken


def test_document_is_read_and_sign_out_stops_speech(kiosk: Kiosk, qtbot) -> None:
    """An open document's text is read; signing out stops whatever is being said."""
    speech = FakeSpeech()
    kiosk.window.speech = speech
    kiosk.sign_in()
    kiosk.open_emr("emr-2")
    kiosk.window.open_document("d-3")
    kiosk.settle()
    spoken = press_speak(kiosk, qtbot)
    assert "Гемоглобин 135 г/л" in spoken and LAB_TEXT.splitlines()[1] in spoken
    stopped = speech.stopped
    kiosk.window.sign_out()
    assert speech.stopped > stopped


@pytest.mark.slow
def test_espeak_ng_speaks_russian_to_a_wav_that_is_not_silent(tmp_path: Path) -> None:
    """The real engine: espeak-ng (Debian package) synthesises Russian into a WAV file
    with sound in it."""
    assert shutil.which("espeak-ng"), "espeak-ng is needed (./dev installs it)"
    out = tmp_path / "speech.wav"
    assert speak_to_wav("Вход через mos.ru. Логин. Пароль.", "ru", str(out))
    with wave.open(str(out)) as w:
        assert w.getsampwidth() == 2 and w.getnframes() > w.getframerate() // 2
        samples = array("h", w.readframes(w.getnframes()))
    assert max(abs(s) for s in samples) > 1000  # not silence


def test_issue_16_a_lab_result_is_read_row_by_row_in_words(kiosk: Kiosk, qtbot) -> None:
    """«Озвучить» on a lab result: the conclusion, then every row as a sentence — the
    unit and the flag in words, the range as «от … до …» — not «г/л» or an arrow."""
    from tests.ui.screens import _lab

    speech = FakeSpeech()
    kiosk.window.speech = speech
    _lab(kiosk)
    spoken = press_speak(kiosk, qtbot)
    assert "Заключение: лейкоцитоз, ускорение СОЭ." in spoken
    assert "Гемоглобин: 118 грамм на литр, ниже нормы, норма от 120 до 140." in spoken
    assert "Лейкоциты: 11.8 тысяч на микролитр, выше нормы, норма от 4.0 до 9.0." in spoken
    assert "С-реактивный белок: 12.4 миллиграмм на литр, выше нормы, норма до 5.0." in spoken
    assert "Глюкоза: 5.1 миллимоль на литр, норма от 3.9 до 6.1." in spoken
    table = spoken[spoken.index("Гемоглобин:"):spoken.index("норма от 3.9 до 6.1.")]
    assert "г/л" not in table and "↓" not in table and "↑" not in table


def test_issue_16_a_narrative_is_read_and_a_code_never(kiosk: Kiosk, qtbot) -> None:
    """A narrative report (sanitised XHTML) is read as its words; the SMS code typed
    earlier in the session is nowhere in what is said."""
    from tests.ui.screens import _narrative

    speech = FakeSpeech()
    kiosk.window.speech = speech
    _narrative(kiosk)
    spoken = press_speak(kiosk, qtbot)
    assert "Острый бронхит неуточнённый." in spoken and "Амброксол 30 мг" in spoken
    assert "<" not in spoken
    assert kiosk.env.sms.last_code() not in spoken


def test_issue_16_lab_rows_are_read_in_english_when_chosen(kiosk: Kiosk, qtbot) -> None:
    """In English the units and ranges are said in English words (the translator's)."""
    from tests.ui.screens import _lab

    kiosk.window.set_language("en")
    try:
        speech = FakeSpeech()
        kiosk.window.speech = speech
        _lab(kiosk)
        spoken = press_speak(kiosk, qtbot)
        assert "Гемоглобин: 118 grams per litre, below normal" in spoken
        assert "normal range 120 to 140." in spoken
        assert "normal up to 5.0." in spoken and speech.said[-1][1] == "en"
    finally:
        kiosk.ctx.languages.set("ru")  # the translator is the application's
