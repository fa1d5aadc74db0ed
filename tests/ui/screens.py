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

SIZES = {"portrait": (1080, 1920), "landscape": (1280, 1024)}


def _to_welcome(k: Kiosk) -> None:
    k.window.sign_out()


def _credentials(k: Kiosk) -> None:
    k.window.start_sign_in()
    k.s.credentials.login.setText(LOGIN)
    k.s.credentials.password.setText("secret")


def _code(k: Kiosk) -> None:
    k.sign_in_to_code()
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


def _preview(k: Kiosk) -> None:
    _emr(k)
    k.window.prepare_print(["d-3", "d-4"])
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


SCREENS: dict[str, Callable[[Kiosk], None]] = {
    "welcome": _to_welcome, "credentials": _credentials, "code": _code, "blocked": _blocked,
    "picker": _picker, "emr": _emr, "emr-stale": lambda k: _emr(k, True),
    "document": _document, "preview": _preview, "booking": _booking, "support": _support,
    "support-done": _support_done, "staff": _staff, "idle": _idle,
    "simplified-account": _simplified,
}
VARIANTS: list[tuple[str, str, str, tuple[str, ...]]] = [
    # (language, look, orientation, screens)
    ("ru", "normal", "portrait", tuple(SCREENS)),
    ("ru", "normal", "landscape", tuple(SCREENS)),
    ("en", "normal", "landscape", ("welcome", "picker", "emr", "code")),
    ("ru", "large", "portrait", ("welcome", "credentials", "emr", "document")),
    ("ru", "contrast", "landscape", ("welcome", "emr")),
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
                k.window.set_large_text(look == "large")
                k.window.set_high_contrast(look == "contrast")
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
