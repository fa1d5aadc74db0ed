"""The patient's whole path on the real services with port fakes (issue 3, Tests)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from kiosk.domain.documents import DocKind
from tests.ui.conftest import (
    LAB_TEXT,
    LOGIN,
    PASSWORD,
    Kiosk,
    all_models,
    clipboard_text,
    find,
    visible_texts,
)

pytestmark = pytest.mark.ui

PATIENT_STRINGS = ("Смирнов", "Смирнова", "Анна", "Иван Петрович", "Общий анализ крови",
                   "Гемоглобин", "Осмотр терапевта")


def type_physical(widget: QWidget, text: str) -> None:
    """A physical keyboard: key events with text (keyClicks aborts on Cyrillic)."""
    widget.setFocus()
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key.Key_unknown,
                                                     Qt.KeyboardModifier.NoModifier, ch))


def type_on_screen(kiosk: Kiosk, target: QWidget, text: str) -> None:
    """Press the on-screen keys, switching layout and shift as a patient would."""
    kb = kiosk.s.credentials.keyboard
    target.setFocus()
    for ch in text:
        if ch.isalpha():
            want = "ru" if "а" <= ch.lower() <= "я" or ch.lower() == "ё" else "en"
            kb.set_layout(want)
            if ch.isupper():
                kb.shift_key.click()
        kb.key(ch).click()


def pdf_text(path) -> str:
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is needed"
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_whole_path_sign_in_emr_document_print_sign_out(kiosk: Kiosk, qtbot) -> None:
    """R-ENT-4/5, R-ACT-1..3, R-SHOW-1/5, R-KSK-3, R-KSK-2, R-KSK-8: welcome → credentials
    (on-screen keyboard for the login, physical keys for the Cyrillic password) → code from
    the SMS → picker → child's EMR → lab result → print to PDF → sign out, nothing left."""
    w = kiosk.window
    assert kiosk.name() == "welcome"
    qtbot.mouseClick(w.screens.welcome.enter, Qt.MouseButton.LeftButton)
    assert kiosk.name() == "credentials"
    creds = w.screens.credentials
    type_on_screen(kiosk, creds.login, LOGIN)
    assert creds.login.text() == LOGIN
    type_physical(creds.password, PASSWORD)
    assert creds.password.text() == PASSWORD
    creds.keyboard.set_layout("en")
    creds.keyboard.enter_key.click()  # Enter in the password field submits
    kiosk.settle()
    assert kiosk.name() == "code"
    assert creds.password.text() == ""  # R-ENT-1: the field does not keep it
    assert "+7 *** ***-**-67" in w.screens.code.sent_to.text()
    assert "15:00" in w.screens.code.countdown.text()
    for digit in kiosk.env.sms.last_code():
        w.screens.code.findChild(QWidget, f"pad_{digit}").click()
    w.screens.code.confirm.click()
    kiosk.settle()
    kiosk.settle()
    assert kiosk.name() == "picker"
    names = [c.findChild(QLabel, "cardName").text()
             for c in w.screens.picker.findChildren(QWidget, "emrCard")]
    assert names == ["Иван Петрович С.", "Анна Ивановна С."]  # R-SHOW-1
    kiosk.open_emr("emr-2")
    assert kiosk.name() == "emr"
    assert w.screens.emr.title.text() == "Анна Ивановна С."
    assert "Возраст: 14 лет" in w.screens.emr.details.text()  # R-SHOW-2
    assert "Женский" in w.screens.emr.details.text()  # R-SHOW-3
    find(w.screens.emr, QWidget, "kind_lab").click()  # the «Лабораторные» tab
    kiosk.settle()
    lab = w.screens.emr.models[DocKind.LAB_RESULT]
    assert lab.rowCount() == 1
    assert "01.10.2026 09:30" in lab.data(lab.index(0))  # Moscow time, R-SHOW-5
    w.screens.emr.open_document.emit(lab.row(0).doc_id)
    kiosk.settle()
    assert kiosk.name() == "document"
    assert w.screens.document.text.toPlainText() == LAB_TEXT
    w.screens.document.print_button.click()
    kiosk.settle()
    assert kiosk.name() == "preview"
    assert w.screens.preview.job is not None
    w.screens.preview.print_button.click()
    kiosk.settle()
    pdf = kiosk.ctx.printer.last_file()
    assert pdf is not None and pdf.exists()
    text = pdf_text(pdf)
    assert "Анна Ивановна С." in text  # R-KSK-3: masked header
    assert "Смирнова" not in text and "Смирнов" not in text  # R-SHOW-1
    assert "Гемоглобин 135" in text
    assert "стр. 1 из 1" in text and "kiosk-01" in text  # footer on every page
    assert "<b>html</b>" in text  # printed as text
    assert w.overlay.isVisible()  # «Готово. Заберите…»
    w.overlay.ok.click()
    QApplication.clipboard().setText("Смирнова Анна")  # something a patient copied
    find(w.screens.document, QWidget, "backToList").click()
    w.screens.emr.exit.click()
    qtbot.waitUntil(lambda: not [t for t in visible_texts()
                                 if any(p in t for p in PATIENT_STRINGS)], timeout=3000)
    assert kiosk.name() == "welcome"
    assert not pdf.exists()  # R-KSK-2: the session's print file is gone
    assert clipboard_text() == ""
    assert kiosk.ctx.state.session is None and kiosk.ctx.state.cards == []
    assert all(m.rowCount() == 0 for m in all_models())


def test_print_several_documents_together(kiosk: Kiosk) -> None:
    """R-ACT-3: tick two documents of different kinds, one print job with both."""
    kiosk.sign_in()
    kiosk.open_emr("emr-2")
    emr = kiosk.s.emr
    for model in emr.models.values():
        if model.rowCount() == 0 and model.canFetchMore():
            model.fetchMore()
    kiosk.settle()
    for model in emr.models.values():
        for i in range(model.rowCount()):
            model.toggle(i)
    assert emr.print_button.isEnabled()
    assert "(2)" in emr.print_button.text()
    emr.print_button.click()
    kiosk.settle()
    assert kiosk.s.preview.job.doc_count == 2
    kiosk.s.preview.print_button.click()
    kiosk.settle()
    text = pdf_text(kiosk.ctx.printer.last_file())
    assert "Осмотр педиатра" in text and "Общий анализ крови" in text


def test_document_text_is_plain_not_html(kiosk: Kiosk) -> None:
    """R-SHOW-5: markup in a document shows literally, nothing is interpreted."""
    kiosk.sign_in()
    kiosk.open_emr("emr-2")
    kiosk.window.open_document("d-3")
    kiosk.settle()
    shown = kiosk.s.document.text.toPlainText()
    assert "<b>html</b><script>alert(1)</script>" in shown
    for lab in kiosk.window.findChildren(QLabel):
        assert lab.textFormat() == Qt.TextFormat.PlainText or not lab.text()
