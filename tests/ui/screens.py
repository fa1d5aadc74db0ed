"""Render every screen to PNG at both kiosk sizes: ``python -m tests.ui.screens [dir]``.

Uses the same fakes and services as the UI tests, so the pictures show exactly what the
tests drive. Pictures in docs/screens are stored at half size in 8-bit colour to keep
the repository small; pass ``--full`` for full-size pictures to inspect.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LANG", "C.UTF-8")

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QWidget

from kiosk.domain.documents import DocKind
from kiosk.services.ports import AccountLevel
from kiosk.ui.tasks import flush_events
from tests.fakes import FakeAccount
from tests.ui.conftest import LOGIN, PIN, Kiosk, make_env

_WHEN = datetime(2026, 10, 20, 7, 40, tzinfo=UTC)
SIZES = {"portrait": (1080, 1920), "landscape": (1920, 1080),
         # the smallest supported screen (docs/deploy.md)
         "small-landscape": (1280, 720), "small-portrait": (720, 1280)}


def _to_welcome(k: Kiosk) -> None:
    k.window.sign_out()


def _credentials(k: Kiosk) -> None:
    k.window.start_sign_in()
    k.s.credentials.login.setText(LOGIN)
    k.s.credentials.password.setText("secret")


def _code(k: Kiosk) -> None:
    k.sign_in_to_code()
    k.enter_code("000000" if k.env.sms.last_code() != "000000" else "111111")


def _credentials_symbols(k: Kiosk) -> None:
    _credentials(k)
    k.s.credentials.keyboard.page_key.click()


def _last_attempt(k: Kiosk) -> None:
    k.sign_in_to_code()
    for _ in range(4):
        k.enter_code("000000" if k.env.sms.last_code() != "000000" else "111111")


def _blocked(k: Kiosk) -> None:
    k.sign_in_to_code()
    for _ in range(5):
        k.enter_code("000000" if k.env.sms.last_code() != "000000" else "111111")


def _picker(k: Kiosk) -> None:
    k.sign_in()
    k.settle()


def _emr(k: Kiosk, stale: bool = False) -> None:
    k.env.source.down = stale
    k.sign_in()
    k.settle()
    k.open_emr("emr-2")
    k.s.emr.models[DocKind.EXAM_PROTOCOL].toggle(0)


def _document(k: Kiosk) -> None:
    _emr(k)
    k.window.open_document("d-3")
    k.settle()


NARRATIVE = (
    "<h2>Жалобы</h2><p>На кашель со скудной мокротой, слабость, температуру до 37,8 °C в "
    "течение 4 дней.</p><h2>Анамнез заболевания</h2><p>Заболела остро после "
    "переохлаждения. Принимала парацетамол.</p><h2>Объективный статус</h2><ul>"
    "<li>Состояние удовлетворительное.</li><li>ЧДД 18 в минуту, SpO<sub>2</sub> 98 %.</li>"
    "<li>Дыхание жёсткое, хрипов нет.</li></ul><h2>Диагноз</h2><p><b>J20.9</b> Острый "
    "бронхит неуточнённый.</p><h2>Рекомендации</h2><ol><li>Обильное питьё.</li>"
    "<li>Амброксол 30 мг 3 раза в день 5 дней.</li><li>Повторный осмотр через 5 дней."
    "</li></ol><img src='http://example.invalid/x.png'>")


def _with_document(k: Kiosk, document: object, *earlier: object) -> None:
    from kiosk.services.ports import EmrSnapshot

    with k.env.store() as uow:
        uow.documents.upsert_many([document, *earlier])
        uow.commit()
    snap = k.env.source.snapshots["emr-2"]
    k.env.source.snapshots["emr-2"] = EmrSnapshot(snap.patient,
                                                  [*snap.documents, document, *earlier])
    _emr(k)
    k.window.open_document(document.doc_id)  # type: ignore[attr-defined]
    k.settle()
    k.settle()  # a lab result's trends come in a second worker task


def _lab(k: Kiosk) -> None:
    from kiosk.domain.documents import Document, Flag, LabRow

    panel = [("Гемоглобин", "118", "г/л", "120", "140", Flag.LOW),
             ("Эритроциты", "4.20", "×10¹²/л", "3.8", "5.1", Flag.NORMAL),
             ("Гематокрит", "36.5", "%", "35", "45", Flag.NORMAL),
             ("Лейкоциты", "11.8", "×10⁹/л", "4.0", "9.0", Flag.HIGH),
             ("Нейтрофилы", "72", "%", "47", "72", Flag.NORMAL),
             ("Лимфоциты", "18", "%", "19", "37", Flag.LOW),
             ("Моноциты", "7", "%", "3", "11", Flag.NORMAL),
             ("Эозинофилы", "2", "%", "1", "5", Flag.NORMAL),
             ("Тромбоциты", "265", "×10⁹/л", "150", "400", Flag.NORMAL),
             ("СОЭ", "24", "мм/ч", "2", "20", Flag.HIGH),
             ("С-реактивный белок", "12.4", "мг/л", "", "5.0", Flag.HIGH),
             ("Глюкоза", "5.1", "ммоль/л", "3.9", "6.1", Flag.NORMAL)]
    rows = tuple(LabRow(a, v, u, lo, hi, flag=f) for a, v, u, lo, hi, f in panel)
    text = "Заключение: лейкоцитоз, ускорение СОЭ.\n" + "\n".join(r.line() for r in rows)
    # Two earlier blood counts: Гемоглобин, Лейкоциты, СОЭ and СРБ get a trend.
    earlier = []
    for year, values in ((2024, ("131", "6.2", "8", "<1.0")), (2025, ("126", "7.4", "15",
                                                                      "3.1"))):
        old = tuple(LabRow(a, v, u, lo, hi) for (a, _v, u, lo, hi, _f), v in zip(
            (panel[0], panel[3], panel[9], panel[10]), values, strict=True))
        earlier.append(Document(f"d-lab-{year}", "emr-2", DocKind.LAB_RESULT,
                                _WHEN.replace(year=year, month=4), "Общий анализ крови",
                                "КДЛ ГП № 1", "Петрова О. В.", "", results=old))
    _with_document(k, Document("d-lab", "emr-2", DocKind.LAB_RESULT, _WHEN,
                               "Общий анализ крови с лейкоформулой", "КДЛ ГП № 1",
                               "Петрова О. В.", text, results=rows), *earlier)


def _narrative(k: Kiosk) -> None:
    from kiosk.domain.documents import Document
    from kiosk.domain.narrative import sanitise

    safe, words = sanitise(NARRATIVE)
    _with_document(k, Document("d-nar", "emr-2", DocKind.EXAM_PROTOCOL, _WHEN,
                               "Осмотр педиатра", "ДГП № 2", "Орлова Е. Н.", words,
                               narrative=safe))


def _pdf(k: Kiosk) -> None:
    from bench.print_worker import report_pdf
    from kiosk.domain.documents import Document
    from kiosk.ui.tasks import flush_events as flush

    _with_document(k, Document("d-pdf", "emr-2", DocKind.INSTRUMENTAL, _WHEN,
                               "Электрокардиография", "ДГП № 2", "Сидоров С. С.",
                               "Заключение: ритм синусовый.", pdf=report_pdf(3)))
    view = k.s.document.pdf
    while view.busy() or view.pages_drawn() < view.page_count():
        flush()


def _preview(k: Kiosk) -> None:
    _emr(k)
    k.window.prepare_print(["d-3", "d-4"])
    k.settle()


def _preview_lab(k: Kiosk) -> None:
    """The print preview of the lab result with its trends (issue 17 items 1, 5)."""
    _lab(k)
    k.window.prepare_print(["d-lab"])
    k.settle()


def _booking(k: Kiosk) -> None:
    k.s.welcome.book.click()


def _support(k: Kiosk) -> None:
    k.s.welcome.help.click()
    k.s.support.text.setPlainText("Не вижу анализ от 1 октября.")


def _support_done(k: Kiosk) -> None:
    _support(k)
    k.s.support.send.click()
    k.settle()


def _staff(k: Kiosk) -> None:
    k.env.sms.down = True
    k.window.open_staff()
    k.s.staff.pin.setText(PIN)
    k.s.staff.submit_pin()
    k.settle()
    k.settle()


def _idle(k: Kiosk) -> None:
    _emr(k)
    k.window.idle.trigger_warning()


def _simplified(k: Kiosk) -> None:
    k.env.portal.accounts["simple@example.ru"] = FakeAccount("pw", "s-9", AccountLevel.SIMPLIFIED)
    k.sign_in_to_code("simple@example.ru", "pw")


def _device(k: Kiosk) -> None:
    """QR sign-in waiting for the phone. The picture's wait ends at once (a sleeper that
    reports a cancel), so the screen stays as the patient sees it while polling."""

    class Stopped:
        def sleep(self, seconds: float, cancel: object) -> bool:
            return True

    k.env.services.sleeper = Stopped()
    k.settle()
    k.s.welcome.enter_qr.click()
    k.settle()


SCREENS: dict[str, Callable[[Kiosk], None]] = {
    "welcome": _to_welcome, "credentials": _credentials,
    "credentials-symbols": _credentials_symbols, "code": _code,
    "code-last-attempt": _last_attempt, "blocked": _blocked,
    "picker": _picker, "emr": _emr, "emr-stale": lambda k: _emr(k, True),
    "document": _document, "preview": _preview, "booking": _booking, "support": _support,
    "support-done": _support_done, "staff": _staff, "idle": _idle,
    "simplified-account": _simplified, "document-lab": _lab,
    "document-narrative": _narrative, "document-pdf": _pdf, "device": _device,
    "preview-lab": _preview_lab,
}
VARIANTS: list[tuple[str, str, str, tuple[str, ...]]] = [
    # (language, look, orientation, screens)
    ("ru", "normal", "portrait", tuple(SCREENS)),
    ("ru", "normal", "landscape", tuple(SCREENS)),
    ("en", "normal", "landscape", ("welcome", "picker", "emr", "code", "credentials-symbols")),
    ("ru", "large", "portrait", ("welcome", "credentials", "emr", "document", "document-lab",
                                 "document-narrative")),
    ("ru", "largest", "portrait", ("welcome", "credentials", "emr", "support", "blocked")),
    ("ru", "largest", "landscape", ("welcome", "emr", "code-last-attempt")),
    ("ru", "contrast", "landscape", ("welcome", "emr", "support", "document-lab")),
    ("ru", "large", "landscape", ("document-lab", "document-narrative", "document-pdf",
                                  "preview-lab")),
    ("ru", "large", "portrait", ("document-pdf", "preview-lab")),
    ("ru", "largest-contrast", "portrait", ("credentials", "emr")),
    ("ru", "normal", "small-landscape", ("emr", "staff", "document-lab")),
    ("ru", "normal", "small-portrait", ("emr", "staff")),
    ("ru", "largest", "small-portrait", ("staff", "welcome", "code-last-attempt", "picker",
                                         "emr", "preview", "support", "support-done",
                                         "document-lab")),
    ("ru", "large", "small-portrait", ("welcome", "emr", "preview", "support")),
    ("en", "largest", "small-portrait", ("welcome", "emr")),
    ("ru", "largest", "portrait", ("staff",)),
]


def render(out: Path, full: bool = False, only: set[str] | None = None) -> list[Path]:
    app = QApplication.instance() or QApplication(sys.argv[:1])  # noqa: F841 - kept alive
    written = []
    for language, look, orientation, names in VARIANTS:
        for name in names:
            if only and name not in only:
                continue
            with tempfile.TemporaryDirectory() as tmp:
                k = Kiosk(make_env(Path(tmp)), None)
                k.ctx.languages.set(language)
                k.window.set_text_size(2 if "largest" in look else 1 if "large" in look else 0)
                k.window.set_high_contrast(look.endswith("contrast"))
                k.window.sign_out()
                k.window.resize(*SIZES[orientation])
                flush_events()
                SCREENS[name](k)
                k.settle()
                flush_events()
                image = k.window.grab().toImage()
                k.window.shutdown()
                k.window.hide()
                k.window.deleteLater()
                flush_events()
            if not full:
                image = image.scaled(image.width() // 2, image.height() // 2,
                                     Qt.AspectRatioMode.KeepAspectRatio,
                                     Qt.TransformationMode.SmoothTransformation)
                image = image.convertToFormat(
                    QImage.Format.Format_Indexed8,
                    Qt.ImageConversionFlag.ThresholdDither | Qt.ImageConversionFlag.AvoidDither)
            path = out / f"{name}-{orientation}-{language}-{look}.png"
            image.save(str(path))
            written.append(path)
    QWidget()  # keep the import used for type checkers that look at the module
    return written


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    target = Path(args[0]) if args else Path("docs/screens")
    target.mkdir(parents=True, exist_ok=True)
    pick = {a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--only=")}
    for p in render(target, "--full" in sys.argv, pick or None):
        print(p)
