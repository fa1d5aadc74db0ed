"""Render the printed support receipt and booking slip to PNG, on A4 and on an 80 mm
roll: ``python -m tests.ui.print_screens [dir]`` (default docs/screens).

The slips are printed by pressing the kiosk's buttons, as in tests/ui/test_slips.py,
into PDFs, which ``pdftoppm`` turns into greyscale PNGs — the paper as it comes out of
the printer (A4 at 70 dpi like the extract pictures, the roll at 150 dpi so its small
type stays legible), in 16 greys.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LANG", "C.UTF-8")

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, qRgb
from PySide6.QtWidgets import QApplication

from kiosk.ui.tasks import flush_events
from tests.ui.conftest import Kiosk, make_env

DPI = {"A4": 70, "roll80": 150}


def _support(k: Kiosk) -> None:
    k.s.welcome.help.click()
    k.s.support.text.setPlainText("Не вижу анализ от 1 октября.")
    k.s.support.contact.setText("+7 916 123-45-67")
    k.s.support.send.click()
    k.settle()
    k.s.support.receipt.button.click()


def _booking(k: Kiosk) -> None:
    k.s.welcome.book.click()
    k.s.booking.slip.button.click()


SLIPS: dict[str, Callable[[Kiosk], None]] = {"print-receipt": _support,
                                            "print-booking": _booking}


def _sixteen_greys(png: Path) -> None:
    """16 grey levels keep the type's edges and halve the file (docs stay small)."""
    greys = [qRgb(v, v, v) for v in range(0, 256, 17)]
    image = QImage(str(png)).convertToFormat(QImage.Format.Format_Indexed8, greys,
                                             Qt.ImageConversionFlag.ThresholdDither)
    image.save(str(png))


def render(out: Path) -> list[Path]:
    app = QApplication.instance() or QApplication(sys.argv[:1])  # noqa: F841 - kept alive
    written = []
    for paper, dpi in DPI.items():
        for name, press in SLIPS.items():
            with tempfile.TemporaryDirectory() as tmp:
                k = Kiosk(make_env(Path(tmp), print_section={"paper": paper}), None)
                press(k)
                k.settle()
                pdf = k.ctx.printer.last_file()
                assert pdf is not None, f"{name} on {paper} printed nothing"
                target = out / f"{name}-{paper.lower()}"
                subprocess.run(["pdftoppm", "-png", "-gray", "-r", str(dpi), "-singlefile",
                                str(pdf), str(target)], check=True)
                k.window.shutdown()
                k.window.hide()
                k.window.deleteLater()
                flush_events()
            png = target.with_suffix(".png")
            _sixteen_greys(png)
            written.append(png)
    return written


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    folder = Path(args[0]) if args else Path("docs/screens")
    folder.mkdir(parents=True, exist_ok=True)
    for p in render(folder):
        print(p, f"{p.stat().st_size // 1024} KB")
