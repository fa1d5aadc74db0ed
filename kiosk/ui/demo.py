"""The demo (the kiosk beside a "phone" showing the simulator's SMS) and the offscreen
self-test. Kept apart from :mod:`kiosk.ui.main` so the kiosk's start-up does not load them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.config import Config
from kiosk.ui.context import UiContext
from kiosk.ui.main import (
    ServicesFactory,
    _finish,
    _make_context,
    application,
    install_error_handlers,
)
from kiosk.ui.printer import QtPrinter
from kiosk.ui.tasks import TaskRunner, pump_until
from kiosk.ui.widgets import label
from kiosk.ui.window import KioskWindow

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- the demo


CODE = re.compile(r"\b(\d{6})\b")


class _AccountCard(QFrame):
    """A test account the demo visitor taps to fill in the credentials.

    Signals:
        clicked(): the card was tapped.

    A frame rather than a push button: its height follows the wrapped description.
    """

    clicked = Signal()

    def __init__(self, text: str, login: str) -> None:
        super().__init__()
        self.setObjectName("demoAccount")
        self.setAccessibleName(login)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setStyleSheet(
            "#demoAccount { border: 1px solid #6b7a8a; border-radius: 6px; background: white; }"
        )
        inner = QVBoxLayout(self)
        inner.setContentsMargins(10, 6, 10, 6)
        label_ = QLabel(text)
        label_.setWordWrap(True)
        label_.setTextFormat(Qt.TextFormat.PlainText)
        label_.setStyleSheet("font-size: 15px; border: none;")
        inner.addWidget(label_)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self.rect().contains(event.position().toPoint()):
            self.clicked.emit()
        super().mouseReleaseEvent(event)


class DemoPhone(QWidget):
    """The demo's "phone": test accounts to copy and the SMS codes the simulator received.

    Polling the outbox runs in its own task runner, so a kiosk sign-out (which cancels
    the kiosk's tasks) does not stop the phone.

    Signals: none.
    """

    def __init__(self, window: KioskWindow, accounts: Sequence[tuple[str, str, str]],
                 outbox: Callable[[], list[tuple[str, str]]],
                 parent: QWidget | None = None,
                 approve: Callable[[str], bool] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("screen")
        self.setMinimumWidth(380)
        self.setMaximumWidth(460)
        self._window = window
        self._outbox = outbox
        self._runner = TaskRunner(self, max_threads=1)
        box = QVBoxLayout(self)
        box.setContentsMargins(16, 16, 16, 16)
        box.addWidget(label(self.tr("Демо-телефон"), "title"))
        box.addWidget(label(self.tr("Тестовые учётные записи (нажмите, чтобы подставить):"),
                            "muted"))
        for login, password, description in accounts:
            card = _AccountCard(f"{login} / {password}\n{description}", login)
            card.clicked.connect(lambda lo=login, pw=password: self._fill(lo, pw))
            box.addWidget(card)
        self._approve = approve
        # QR sign-in: the phone approves as the account tapped last (else the first one
        # that may sign in), as if the patient were signed in to the portal's app.
        self._approver = next((lo for lo, _, what in accounts
                               if not what.startswith("simplified")), None)
        if approve is not None and self._approver is not None:
            self.approve_button = QPushButton(self.tr("Одобрить вход"))
            self.approve_button.setObjectName("demoApprove")
            self.approve_button.clicked.connect(self.approve_sign_in)
            box.addWidget(self.approve_button)
            self.approve_note = label("", "muted")
            box.addWidget(self.approve_note)
        box.addWidget(label(self.tr("СМС:"), "subtitle"))
        self.sms = QLabel()
        self.sms.setObjectName("demoSms")
        self.sms.setTextFormat(Qt.TextFormat.PlainText)
        self.sms.setWordWrap(True)
        self.sms.setAlignment(Qt.AlignmentFlag.AlignTop)
        box.addWidget(self.sms, 1)
        self._timer = QTimer(self)
        self._timer.setInterval(700)
        self._timer.timeout.connect(self.poll)
        self._timer.start()

    def _fill(self, login: str, password: str) -> None:
        self._approver = login
        screen = self._window.screens.credentials
        if self._window.current() is not screen:
            self._window.start_sign_in()
        screen.login.setText(login)
        screen.password.setText(password)

    def approve_sign_in(self) -> None:
        """«Одобрить вход»: what the patient does on the page the kiosk's QR opens."""
        if self._approve is None or self._approver is None:
            return
        done = self._approve(self._approver)
        self.approve_note.setText(
            self.tr("Вход одобрен как {login}.").format(login=self._approver) if done
            else self.tr("Нет входа, ждущего одобрения: откройте на киоске вход по QR-коду."))

    def poll(self) -> None:
        if self._runner.pending:
            return
        self._runner.submit(self._outbox, on_done=self._show,
                            on_error=lambda err: log.warning("outbox poll failed: %s", err))

    def _show(self, messages: object) -> None:
        assert isinstance(messages, list)
        lines = [f"{phone}: {text}" for phone, text in reversed(messages[-6:])]
        self.sms.setText("\n\n".join(lines) or self.tr("Пока ничего не пришло."))

    def stop(self) -> None:
        self._timer.stop()
        self._runner.shutdown()


def run_demo(services_factory: ServicesFactory,
             demo_accounts: list[tuple[str, str, str]],
             sms_outbox: Callable[[], list[tuple[str, str]]],
             config: Config | None = None,
             approve: Callable[[str], bool] | None = None) -> int:
    """The kiosk in a window with the demo phone beside it (README's `kiosk demo`)."""
    app = application()
    cfg = config or Config()
    if config is None or not cfg.print.printer:
        folder = Path(tempfile.mkdtemp(prefix="kiosk-demo-print-"))
        ctx = _make_context(cfg, f"pdf:{folder}")
    else:
        ctx = _make_context(cfg)
    frame = QWidget()
    frame.setWindowTitle("ЛКП — демо")
    row = QHBoxLayout(frame)
    row.setContentsMargins(0, 0, 0, 0)
    window = KioskWindow(ctx, kiosk_mode=False)
    window.setWindowFlags(Qt.WindowType.Widget)
    phone = DemoPhone(window, demo_accounts, sms_outbox, approve=approve)
    phone.setStyleSheet(window.styleSheet())
    row.addWidget(window, 1)
    row.addWidget(phone)
    install_error_handlers(window)
    frame.resize(1280 + 420, 1000)
    frame.show()
    app.processEvents()
    window.build_rest_later()

    # The kiosk's own task: a language tapped while the demo's cache syncs must not
    # drop the services (TaskRunner.submit).
    ctx.runner.submit(services_factory, on_done=ctx.set_services,
                      on_error=lambda err: window.screens.welcome.set_busy(str(type(err).__name__)),
                      kiosk=True)

    def finish() -> None:
        phone.stop()
        _finish(window, ctx)

    app.aboutToQuit.connect(finish)
    return int(app.exec())


# ---------------------------------------------------------------- the self-test


class SelfTestFailed(Exception):
    pass


class _SelfTest:
    """The self-test's steps on one window; ``step`` names the one running, for the line
    that says where it failed."""

    def __init__(self, window: KioskWindow, ctx: UiContext,
                 sms_outbox: Callable[[], list[tuple[str, str]]]) -> None:
        self.window = window
        self.ctx = ctx
        self.sms_outbox = sms_outbox
        self.step = "start"

    def wait(self, predicate: Callable[[], bool], what: str, timeout_s: float = 20.0) -> None:
        if not pump_until(predicate, int(timeout_s * 1000), interval_ms=10):
            raise SelfTestFailed(f"timed out waiting for {what}")

    def services(self, factory: ServicesFactory) -> None:
        self.step = "building the services"
        self.ctx.runner.submit(factory, on_done=self.ctx.set_services,
                               on_error=lambda err: log.error("services failed: %r", err))
        self.wait(lambda: self.ctx.services is not None, self.step, 60)

    def sign_in(self, login: str, password: str) -> None:
        self.step = "credentials"
        window = self.window
        window.start_sign_in()
        creds = window.screens.credentials
        creds.login.setText(login)
        creds.password.setText(password)
        before = len(self.sms_outbox())
        creds.submit()
        self.wait(lambda: window.current() is not window.screens.credentials
                  or bool(creds.error.text()), "the code screen")
        if window.current() is not window.screens.code:
            raise SelfTestFailed(creds.error.text() or window.overlay.text.text())
        self.step = "the SMS code"
        self.wait(lambda: len(self.sms_outbox()) > before, "the SMS")
        match = CODE.search(self.sms_outbox()[-1][1])
        if match is None:
            raise SelfTestFailed("no code in the SMS")
        window.screens.code.code.setText(match.group(1))
        window.screens.code.submit()

    def first_document(self) -> str:
        """Open the first EMR; the id of the first document any of its lists shows."""
        from kiosk.ui.picker import EmrCardWidget

        picker = self.window.screens.picker
        self.wait(lambda: bool(picker.findChildren(EmrCardWidget, "emrCard")), "the EMR picker")
        self.step = "the EMR"
        self.window.open_emr(picker.findChildren(EmrCardWidget, "emrCard")[0].emr_id)
        self.wait(lambda: self.window.current() is self.window.screens.emr, "the EMR view")
        emr = self.window.screens.emr
        self.wait(lambda: any(m.rowCount() for m in emr.models.values())
                  or all(m.total == 0 for m in emr.models.values()), "the document list")
        model = next((m for m in emr.models.values() if m.rowCount()), None)
        if model is None:
            for i in range(len(emr.models)):
                emr.show_kind(i)
                self.wait(lambda: self.ctx.runner.pending == 0, "a list")
            model = next((m for m in emr.models.values() if m.rowCount()), None)
        if model is None:
            raise SelfTestFailed("the EMR has no documents")
        return model.row(0).doc_id  # the list may reload when the sign-in refresh lands

    def document(self, doc_id: str) -> None:
        self.step = "the document"
        window = self.window
        window.open_document(doc_id)
        self.wait(lambda: window.current() is window.screens.document, "the document")
        if not window.screens.document.has_content():
            raise SelfTestFailed("the document shows nothing")

    def print_and_sign_out(self, doc_id: str) -> None:
        self.step = "printing"
        window = self.window
        window.prepare_print([doc_id])
        self.wait(lambda: window.screens.preview.job is not None, "the preview")
        window.print_now()
        printer = self.ctx.printer
        assert isinstance(printer, QtPrinter)
        self.wait(lambda: window.current() is not window.screens.preview, "printing")
        pdf = printer.last_file()
        if pdf is None or not pdf.exists() or pdf.stat().st_size < 1000:
            raise SelfTestFailed("no PDF was written")
        self.step = "sign-out"
        window.sign_out()
        if pdf.exists():
            raise SelfTestFailed("the print file outlived the session")


def self_test(services_factory: ServicesFactory,
              demo_accounts: Sequence[tuple[str, str, str]] = (),
              sms_outbox: Callable[[], list[tuple[str, str]]] | None = None) -> int:
    """Offscreen: sign-in → EMR → document → print-to-PDF → sign-out; 0 only if all worked.

    Needs a test account and the simulator's SMS outbox to read the code from.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    logging.basicConfig(level=logging.WARNING)
    if not demo_accounts or sms_outbox is None:
        print("self-test: needs a demo account and the SMS outbox", file=sys.stderr)
        return 2
    application()
    folder = Path(tempfile.mkdtemp(prefix="kiosk-selftest-"))
    ctx = _make_context(Config(), f"pdf:{folder}")
    window = KioskWindow(ctx, kiosk_mode=False)
    window.resize(1280, 1024)
    window.show()
    login, password, _ = demo_accounts[0]
    run = _SelfTest(window, ctx, sms_outbox)
    try:
        run.services(services_factory)
        run.sign_in(login, password)
        doc_id = run.first_document()
        run.document(doc_id)
        run.print_and_sign_out(doc_id)
        print("self-test: sign-in, EMR, document and print-to-PDF all worked")
        return 0
    except SelfTestFailed as err:
        print(f"self-test failed at {run.step}: {err}", file=sys.stderr)
        return 1
    except Exception as err:
        log.error("self-test crashed at %s", run.step, exc_info=err)
        print(f"self-test failed at {run.step}: {type(err).__name__}", file=sys.stderr)
        return 1
    finally:
        _finish(window, ctx)
        window.hide()
        window.deleteLater()
        with contextlib.suppress(OSError):
            folder.rmdir()
