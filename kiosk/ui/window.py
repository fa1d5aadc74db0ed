"""The kiosk window: one ``QStackedWidget`` of screens and the patient's path through it.

Kiosk mode (R-KSK-4) is a frameless full-screen window that ignores close events and
has no escape shortcuts, dialogs or context menus; windowed mode is for development.

Sign-out (R-KSK-2) — by button, idle timeout or error — cancels pending work, deletes
every screen with its models and builds fresh ones, forgets the session state, removes
the session's print files and clears the clipboard. Rebuilding rather than clearing
field by field means a screen added later cannot forget to wipe itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar, cast

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from kiosk.ui.context import UiContext
from kiosk.ui.style import style_sheet
from kiosk.ui.welcome import WelcomeScreen
from kiosk.ui.widgets import LogoLabel, Overlay, focus_forward

# Qt classes that only sign-out or later screens use are imported where they are used:
# PySide builds a class's enum types when the class is first touched (~0.15 ms each;
# the item views alone have ten), and Welcome's first paint needs none of them.
if TYPE_CHECKING:
    from PySide6.QtGui import QCloseEvent

    from kiosk.services.printing import PrintJob
    from kiosk.services.records import RecordsService
    from kiosk.services.session import Session
    from kiosk.services.signin import Attempt
    from kiosk.services.sync import RefreshReport
    from kiosk.services.views import DocumentPage, DocumentView, EmrCard
    from kiosk.ui.booking import BookingScreen
    from kiosk.ui.code import BlockedScreen, CodeScreen
    from kiosk.ui.credentials import CredentialsScreen
    from kiosk.ui.device import DeviceScreen
    from kiosk.ui.document import DocumentScreen
    from kiosk.ui.emr import EmrScreen
    from kiosk.ui.idle import IdleWatcher
    from kiosk.ui.picker import PickerScreen
    from kiosk.ui.preview import PreviewScreen
    from kiosk.ui.speech import SpeechEngine
    from kiosk.ui.staff import StaffScreen
    from kiosk.ui.support import SupportScreen

log = logging.getLogger(__name__)

W = TypeVar("W", bound=QWidget)


def scrub(root: QWidget) -> None:
    """Empty every text-bearing widget under ``root`` before it is deleted.

    ``deleteLater`` runs when control returns to the event loop; until then the old
    screens must already hold nothing (defence in depth for R-KSK-2).
    """
    from PySide6.QtCore import QAbstractItemModel
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractItemView,
        QLabel,
        QLineEdit,
        QPlainTextEdit,
        QTableWidget,
        QTextEdit,
    )

    for lab in root.findChildren(QLabel):
        lab.clear()
    for edit in root.findChildren(QLineEdit):
        edit.clear()
    for text in root.findChildren(QPlainTextEdit):
        text.clear()
    for rich in root.findChildren(QTextEdit):
        rich.clear()
    for view in root.findChildren(QAbstractItemView):
        if isinstance(view, QTableWidget):  # its model is its own: empty it instead
            view.clear()
            view.setRowCount(0)
        else:
            view.setModel(None)
    for model in root.findChildren(QAbstractItemModel):
        wipe = getattr(model, "wipe", None)
        if wipe is not None:
            wipe()
    for btn in root.findChildren(QAbstractButton):
        btn.setText("")
        btn.setAccessibleName("")
    for w in [root, *root.findChildren(QWidget)]:
        w.setToolTip("")
        w.setAccessibleName("")


def _credentials(ctx: UiContext) -> CredentialsScreen:
    from kiosk.ui.credentials import CredentialsScreen

    return CredentialsScreen(ctx)


def _code(ctx: UiContext) -> CodeScreen:
    from kiosk.ui.code import CodeScreen

    return CodeScreen(ctx)


def _device(ctx: UiContext) -> DeviceScreen:
    from kiosk.ui.device import DeviceScreen

    return DeviceScreen(ctx)


def _blocked(ctx: UiContext) -> BlockedScreen:
    from kiosk.ui.code import BlockedScreen

    return BlockedScreen()


def _picker(ctx: UiContext) -> PickerScreen:
    from kiosk.ui.picker import PickerScreen

    return PickerScreen()


def _emr(ctx: UiContext) -> EmrScreen:
    from kiosk.ui.emr import EmrScreen

    return EmrScreen(ctx)


def _document(ctx: UiContext) -> DocumentScreen:
    from kiosk.ui.document import DocumentScreen

    return DocumentScreen(ctx)


def _preview(ctx: UiContext) -> PreviewScreen:
    from kiosk.ui.preview import PreviewScreen

    return PreviewScreen(ctx.config.print.paper)


def _booking(ctx: UiContext) -> BookingScreen:
    from kiosk.ui.booking import BookingScreen

    return BookingScreen(ctx, ctx.config.portal.booking_url)


def _support(ctx: UiContext) -> SupportScreen:
    from kiosk.ui.support import SupportScreen

    return SupportScreen(ctx, ctx.config.portal.support_url)


def _staff(ctx: UiContext) -> StaffScreen:
    from kiosk.ui.staff import StaffScreen

    return StaffScreen(ctx)


#: Every screen but Welcome, in the order the idle-time build makes them (the patient's
#: path first). Each module is imported only when its screen is first built.
FACTORIES: dict[str, Callable[[UiContext], QWidget]] = {
    "credentials": _credentials, "code": _code, "picker": _picker, "emr": _emr,
    "document": _document, "preview": _preview, "blocked": _blocked,
    "booking": _booking, "support": _support, "staff": _staff, "device": _device,
}
ORDER = ("welcome", "credentials", "code", "blocked", "picker", "emr", "document",
         "preview", "booking", "support", "staff", "device")


class Screens:
    """The set of screen widgets; rebuilt as a whole at sign-out and language change.

    Only Welcome is built up front (it is what a fresh kiosk paints first); every other
    screen is built the first time it is asked for (or in idle time, see
    :meth:`KioskWindow.build_rest_later`), and ``adopt(name, widget)`` wires it into the
    window. A fresh ``Screens`` after sign-out starts empty again, so a lazily built
    screen is wiped and rebuilt like every other one.
    """

    def __init__(self, ctx: UiContext, adopt: Callable[[str, QWidget], None]) -> None:
        self._ctx = ctx
        self._adopt = adopt
        self._built: dict[str, QWidget] = {}
        self.welcome = WelcomeScreen(ctx.languages.current, ctx.text_size, ctx.high_contrast)
        self._built["welcome"] = self.welcome
        adopt("welcome", self.welcome)

    def get(self, name: str) -> QWidget:
        """The screen called ``name``, built now if it does not exist yet."""
        return self._get(name, FACTORIES[name])

    def _get(self, name: str, make: Callable[[UiContext], W]) -> W:
        """The typed form of :meth:`get` behind the screen properties."""
        widget = self._built.get(name)
        if widget is None:
            made = make(self._ctx)
            self._built[name] = made
            self._adopt(name, made)
            return made
        # Only ``make`` (the factory registered under ``name``) ever stores ``name``.
        return cast(W, widget)

    def peek(self, name: str) -> QWidget | None:
        """The screen if it was built; never builds one."""
        return self._built.get(name)

    def missing(self) -> list[str]:
        return [n for n in ORDER if n not in self._built]

    def build_all(self) -> None:
        for name in self.missing():
            self.get(name)

    def all(self) -> list[QWidget]:
        """The screens built so far (the others hold nothing to wipe)."""
        return [self._built[n] for n in ORDER if n in self._built]

    @property
    def credentials(self) -> CredentialsScreen:
        return self._get("credentials", _credentials)

    @property
    def code(self) -> CodeScreen:
        return self._get("code", _code)

    @property
    def device(self) -> DeviceScreen:
        return self._get("device", _device)

    @property
    def blocked(self) -> BlockedScreen:
        return self._get("blocked", _blocked)

    @property
    def picker(self) -> PickerScreen:
        return self._get("picker", _picker)

    @property
    def emr(self) -> EmrScreen:
        return self._get("emr", _emr)

    @property
    def document(self) -> DocumentScreen:
        return self._get("document", _document)

    @property
    def preview(self) -> PreviewScreen:
        return self._get("preview", _preview)

    @property
    def booking(self) -> BookingScreen:
        return self._get("booking", _booking)

    @property
    def support(self) -> SupportScreen:
        return self._get("support", _support)

    @property
    def staff(self) -> StaffScreen:
        return self._get("staff", _staff)


def _card_and_first_page(records: RecordsService, session: Session,
                         emr_id: str) -> tuple[EmrCard, DocumentPage | None]:
    """Worker side of ``open_emr``. A failing page is left to the list, which asks again
    and reports its own error the usual way; a failing card fails the open."""
    from kiosk.domain.documents import KIND_ORDER
    from kiosk.ui.emr import PAGE

    card = records.card(session, emr_id)
    try:
        first = records.documents(session, emr_id, KIND_ORDER[0], limit=PAGE)
    except Exception as err:
        log.info("first page read with the card failed: %s", type(err).__name__)
        first = None
    return card, first


def _warm(records: RecordsService, session: Session, emr_id: str) -> int:
    """Worker side of ``KioskWindow._warm_own``."""
    from kiosk.ui.emr import PAGE

    return records.warm(session, emr_id, PAGE)


def _log_only(err: object) -> None:
    logging.getLogger(__name__).warning("sign-out audit failed: %s", type(err).__name__)


class KioskWindow(QWidget):
    """A plain top-level widget holding the stack, not a ``QMainWindow``: the kiosk has no
    menus, tool bars or docks, and ``QMainWindow``'s layout runs every relayout of its
    central widget through a (zero-length) geometry animation. At start-up that
    animation's internal timer object is the first receiver of an unexposed C++ class,
    and a Python ``QApplication.notify`` (the start-up benchmark's hook) then makes
    PySide create every remaining lazy type of QtCore/QtGui/QtWidgets (~25 ms) before
    Welcome's first paint.

    Signals:
        signed_out(): a sign-out finished; every patient trace is gone.
        screen_changed(str): the name of the screen now shown.
    """

    signed_out = Signal()
    screen_changed = Signal(str)

    def __init__(self, ctx: UiContext, kiosk_mode: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        # Window flags once, before any child exists: setting them later re-creates the
        # native window and re-polishes every widget.
        self.kiosk_mode = kiosk_mode
        #: The mode the kiosk is configured for; the staff panel may leave it only for
        #: as long as the panel is open (R-KSK-4).
        self.kiosk_mode_wanted = kiosk_mode
        self.setWindowFlags(self._flags(kiosk_mode))
        self._pending_sign_in = False
        self._qr_offered = False
        self._return_to: QWidget | None = None
        self._print_return: QWidget | None = None
        self._prebuild = False
        self._prebuild_timer = QTimer(self)
        self._prebuild_timer.setObjectName("prebuild")
        self._prebuild_timer.setSingleShot(True)
        self._prebuild_timer.setInterval(0)
        self._prebuild_timer.timeout.connect(self._build_next)
        self.setWindowTitle(self.tr("Личный кабинет пациента"))
        self.apply_style()
        self.stack = QStackedWidget()
        frame = QVBoxLayout(self)
        frame.setContentsMargins(0, 0, 0, 0)
        frame.addWidget(self.stack)
        self._overlay: Overlay | None = None
        self._speech: SpeechEngine | None = None
        self._idle: IdleWatcher | None = None
        self._idle_overlay = False
        staff_key = QShortcut(QKeySequence("Ctrl+Alt+S"), self)
        staff_key.setContext(Qt.ShortcutContext.ApplicationShortcut)
        staff_key.activated.connect(self.open_staff)
        ctx.error.connect(self.handle_error)
        ctx.services_ready.connect(self._services_ready)
        self.screens = Screens(ctx, self._adopt)
        self._show(self.screens.welcome)
        self.show_start_state()

    # ------------------------------------------------------------------ building

    def _adopt(self, name: str, w: QWidget) -> None:
        """Wire a newly built screen into the window (called once per screen and set)."""
        ignored = QSizePolicy.Policy.Ignored
        w.setSizePolicy(ignored, ignored)
        self.stack.addWidget(w)
        if name != "welcome":  # Welcome has no text fields (test_no_context_menus checks)
            from PySide6.QtWidgets import QLineEdit, QPlainTextEdit

            for field in w.findChildren(QLineEdit) + w.findChildren(QPlainTextEdit):
                # No copy/paste menu: nothing to carry away, nothing to escape to (R-KSK-4).
                field.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        for logo in w.findChildren(LogoLabel):
            logo.long_pressed.connect(self.open_staff)
        from PySide6.QtWidgets import QPushButton

        for speak in w.findChildren(QPushButton, "speak"):
            speak.clicked.connect(self.speak)
        wire = getattr(self, f"_wire_{name}", None)
        if wire is not None:
            wire(w)

    @property
    def overlay(self) -> Overlay:
        """The message layer, built the first time a message is shown (never before
        Welcome's first paint)."""
        if self._overlay is None:
            self._overlay = Overlay(self)
        return self._overlay

    @property
    def idle(self) -> IdleWatcher:
        """The idle timeout, made when the first screen past Welcome is shown (Welcome
        has nothing to time out, so the first paint does without it)."""
        if self._idle is None:
            from kiosk.ui.idle import IdleWatcher

            kiosk = self.ctx.config.kiosk
            self._idle = IdleWatcher(kiosk.idle_timeout_s, kiosk.idle_warning_s, self)
            self._idle.warning.connect(self._idle_warning)
            self._idle.extended.connect(self._idle_extended)
            self._idle.timed_out.connect(self._idle_timed_out)
        return self._idle

    @property
    def speech(self) -> SpeechEngine:
        """espeak-ng, made on the first «Озвучить» (tests put a fake here)."""
        if self._speech is None:
            from kiosk.ui.speech import EspeakEngine

            self._speech = EspeakEngine()
        return self._speech

    @speech.setter
    def speech(self, engine: SpeechEngine) -> None:
        self._speech = engine

    def speak(self) -> None:
        """Read the shown screen (and a message over it) aloud; never a typed text."""
        from kiosk.ui.speech import screen_text

        lines = screen_text(self.current())
        if self._overlay is not None and self._overlay.isVisible():
            lines = screen_text(self._overlay)
        self.speech.say("\n".join(lines), self.ctx.languages.current)

    def _stop_speech(self) -> None:
        if self._speech is not None:
            self._speech.stop()

    def _stop_idle(self) -> None:
        if self._idle is not None:
            self._idle.stop()

    def _dismiss_overlay(self) -> None:
        if self._overlay is not None:
            self._overlay.dismiss()

    def _wire_welcome(self, w: WelcomeScreen) -> None:
        w.sign_in.connect(self.start_sign_in)
        w.qr_sign_in.connect(self.start_qr_sign_in)
        w.set_qr_offered(self._qr_offered)
        w.booking.connect(lambda: self._open_aside(self.screens.booking))
        w.support.connect(lambda: self._open_aside(self.screens.support))
        w.language.connect(self.set_language)
        w.text_size.connect(self.set_text_size)
        w.high_contrast.connect(self.set_high_contrast)

    def _wire_credentials(self, w: CredentialsScreen) -> None:
        w.attempt_started.connect(self._attempt_started)
        w.back.connect(self.sign_out)

    def _wire_code(self, w: CodeScreen) -> None:
        w.signed_in.connect(self._signed_in)
        w.expired.connect(self._code_expired)
        w.cancel.connect(self.sign_out)

    def _wire_device(self, w: DeviceScreen) -> None:
        w.attempt_started.connect(self._attempt_started)
        w.cancel.connect(self.sign_out)

    def _wire_blocked(self, w: BlockedScreen) -> None:
        w.home.connect(self.sign_out)
        w.support.connect(self._support_from_blocked)

    def _support_from_blocked(self) -> None:
        from kiosk.services.ports import SupportTopic

        self._open_aside(self.screens.support)
        self.screens.support.choose(SupportTopic.ACCESS)

    def _wire_picker(self, w: PickerScreen) -> None:
        w.chosen.connect(self.open_emr)
        w.sign_out.connect(self.sign_out)

    def _wire_emr(self, w: EmrScreen) -> None:
        w.open_document.connect(self.open_document)
        w.print_documents.connect(self.prepare_print)
        w.switch_emr.connect(self.show_picker)
        w.sign_out.connect(self.sign_out)
        w.booking.connect(lambda: self._open_aside(self.screens.booking))
        w.support.connect(lambda: self._open_aside(self.screens.support))

    def _wire_document(self, w: DocumentScreen) -> None:
        w.back.connect(lambda: self._show(self.screens.emr))
        w.print_document.connect(lambda d: self.prepare_print([d]))

    def _wire_preview(self, w: PreviewScreen) -> None:
        w.print_now.connect(self.print_now)
        w.cancel.connect(self._leave_preview)

    def _wire_booking(self, w: BookingScreen) -> None:
        w.back.connect(self._back_aside)

    def _wire_support(self, w: SupportScreen) -> None:
        w.back.connect(self._back_aside)

    def _wire_staff(self, w: StaffScreen) -> None:
        w.closed.connect(self.sign_out)
        w.language.connect(lambda lang: self.set_language(lang, keep_staff=True))
        w.large_text.connect(self.set_large_text)
        w.leave_kiosk.connect(self.leave_kiosk_mode)

    def _stop_code(self) -> None:
        """Stop the code countdown and any QR sign-in wait (its worker ends at once)."""
        # Peeked first: a screen never built has nothing to stop (and is not built now).
        if self.screens.peek("code") is not None:
            self.screens.code.stop()
        if self.screens.peek("device") is not None:
            self.screens.device.stop()

    def _code_expired(self) -> None:
        from kiosk.services.errors import CodeExpired

        self.handle_error(CodeExpired())

    def build_rest_later(self) -> None:
        """Build the screens not built yet one per event-loop pass, in idle time after
        the first paint (and again after every sign-out), so that the first tap on a
        screen does not wait for it. Without this, screens are built on first use."""
        self._prebuild = True
        self._prebuild_timer.start()

    def _build_next(self) -> None:
        missing = self.screens.missing()
        if not missing:
            return
        self.screens.get(missing[0])
        if len(missing) > 1:
            self._prebuild_timer.start()

    def _rebuild(self) -> None:
        old = self.screens
        self.screens = Screens(self.ctx, self._adopt)
        for w in old.all():
            scrub(w)
            self.stack.removeWidget(w)
            w.hide()
            w.deleteLater()
        if self._prebuild:
            self._prebuild_timer.start()

    def apply_style(self) -> None:
        self.setStyleSheet(style_sheet(self.ctx.text_size, self.ctx.high_contrast))

    # ------------------------------------------------------------------ kiosk mode

    @staticmethod
    def _flags(kiosk_mode: bool) -> Qt.WindowType:
        flags = Qt.WindowType.Window
        if kiosk_mode:
            flags |= Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint
        return flags

    def set_kiosk_mode(self, on: bool) -> None:
        """Frameless full screen on top (R-KSK-4), or an ordinary window for development;
        the mode the kiosk returns to after the staff panel."""
        self.kiosk_mode_wanted = on
        self._apply_kiosk_mode(on)

    def leave_kiosk_mode(self) -> None:
        """The staff panel's «Выйти из режима киоска»: an ordinary window while the panel
        is open; any other screen brings kiosk mode back (R-KSK-4)."""
        self._apply_kiosk_mode(False)

    def _restore_kiosk_mode(self) -> None:
        if self.kiosk_mode_wanted and not self.kiosk_mode:
            log.info("kiosk mode restored after the staff panel")
            self._apply_kiosk_mode(True)

    def _apply_kiosk_mode(self, on: bool) -> None:
        was_visible = self.isVisible()
        self.kiosk_mode = on
        flags = self._flags(on)
        if self.windowFlags() != flags:
            self.setWindowFlags(flags)
        if was_visible:
            self.show_for_mode()

    def show_for_mode(self) -> None:
        if self.kiosk_mode:
            self.showFullScreen()
        else:
            self.showNormal()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.kiosk_mode:
            event.ignore()  # Alt+F4 and the like do nothing in kiosk mode
            return
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Application exit: stop timers and workers, wipe, and join the pool."""
        self._stop_speech()
        self._stop_idle()
        self._stop_code()
        self.ctx.runner.shutdown()
        self._wipe_state(audit=False)
        for w in self.screens.all():
            scrub(w)

    # ------------------------------------------------------------------ navigation

    def current(self) -> QWidget:
        return self.stack.currentWidget()

    def current_name(self) -> str:
        return str(self.current().property("screen"))

    def _show(self, screen: QWidget) -> None:
        # Only the shown page may set the window's minimum size: otherwise the tallest
        # page (a keyboard screen) would force every screen off a 1280×1024 panel.
        for page in self.screens.all():
            policy = QSizePolicy.Policy.Preferred if page is screen else \
                QSizePolicy.Policy.Ignored
            page.setSizePolicy(policy, policy)
        self.stack.setCurrentWidget(screen)
        if screen is not self.screens.peek("staff"):
            # Closing the panel, its idle timeout or a patient's screen (R-KSK-4).
            self._restore_kiosk_mode()
        focus_forward(screen)
        if screen in (self.screens.welcome,):
            self._stop_idle()
        else:
            self.idle.start()
        self.screen_changed.emit(str(screen.property("screen")))

    def _open_aside(self, screen: QWidget) -> None:
        self._return_to = self.current()
        if screen is self.screens.support:
            self.screens.support.reset()
        self._show(screen)

    def _back_aside(self) -> None:
        target = self._return_to or self.screens.welcome
        self._return_to = None
        if target is self.screens.welcome:
            self.sign_out()  # the support form may hold typed text: wipe it
        else:
            self.screens.support.reset()
            self._show(target)

    def _ask_qr_offered(self) -> None:
        """QR sign-in shows on Welcome only when the portal offers it (asked off-thread)."""
        if self.ctx.services is not None and not self._qr_offered:
            self.ctx.call(self.ctx.svc.signin.device_offered, on_done=self._set_qr_offered,
                          on_error=_log_only)

    def _set_qr_offered(self, offered: bool) -> None:
        self._qr_offered = offered
        self.screens.welcome.set_qr_offered(self._qr_offered)

    def start_qr_sign_in(self) -> None:
        if self.ctx.services is None or self.ctx.cannot_start or not self._qr_offered:
            return
        self._show(self.screens.device)
        self.screens.device.start()
        self._prepare_sign_in()

    def _services_ready(self) -> None:
        self._ask_qr_offered()
        self.show_start_state()
        if self._pending_sign_in:
            self._pending_sign_in = False
            self.start_sign_in()

    def show_start_state(self) -> None:
        """Welcome's line about the kiosk itself: that it cannot work (its services
        could not be built or its store opened), that it is starting, or nothing."""
        if self.ctx.cannot_start:
            text = self.tr(
                "Киоск сейчас не может начать работу. Обратитесь к администратору в регистратуре.")
        elif self.ctx.services is None:
            text = self.tr("Киоск запускается…")
        else:
            text = ""
        self.screens.welcome.set_busy(text)

    def start_sign_in(self) -> None:
        if self.ctx.cannot_start:
            self.show_start_state()
            return
        if self.ctx.services is None:
            self._pending_sign_in = True
            self.screens.welcome.set_busy(self.tr("Киоск запускается, подождите несколько секунд…"))
            return
        self._show(self.screens.credentials)
        self._prepare_sign_in()

    def _prepare_sign_in(self) -> None:
        """While the patient signs in, load what the next steps need and get the sign-in
        refresh's process ready (``Services.prepare_sign_in``; the process's first start
        is ~0.5 s of CPU)."""
        self.ctx.call(self.ctx.svc.prepare_sign_in,
                      on_error=lambda err: log.warning("sign-in not prepared: %s",
                                                       type(err).__name__))

    def _attempt_started(self, attempt: Attempt) -> None:
        self.ctx.state.attempt = attempt
        self.screens.credentials.wipe()
        self._show(self.screens.code)
        self.screens.code.start(attempt)

    def _signed_in(self, session: Session) -> None:
        state = self.ctx.state
        state.session = session
        state.attempt = None
        self.show_picker()
        # R-SYNC-2: cached data at once, the refresh from the source behind it.
        self.ctx.call(self.ctx.svc.sync.refresh_session, session, on_done=self._refreshed,
                      on_error=lambda err: log.warning("refresh failed: %s", type(err).__name__))

    def _refreshed(self, report: RefreshReport) -> None:
        session = self.ctx.state.session
        if session is None:
            return
        refreshed = set(report.refreshed)
        self.ctx.state.refreshed = True
        emr_id = self.ctx.state.emr_id

        def cards_done(cards: list[EmrCard]) -> None:
            self._set_cards(cards)
            card = self.ctx.state.card()
            if card is None or self.current_name() not in ("emr", "document"):
                return
            if emr_id in refreshed and not self.screens.emr.chosen_ids():
                self.screens.emr.load(session, card)
            else:
                self.screens.emr.show_card(card)

        self.ctx.call(self.ctx.svc.records.emrs, session, on_done=cards_done)

    def show_picker(self, message: str = "") -> None:
        session = self.ctx.state.session
        if session is None:
            self.sign_out()
            return
        self.ctx.state.emr_id = None
        if self.screens.peek("emr") is not None:
            self.screens.emr.wipe_models()
        if self.screens.peek("document") is not None:
            self.screens.document.wipe()
        self.screens.picker.show_message(message)
        self.screens.picker.set_loading()
        self._show(self.screens.picker)
        self.ctx.call(self.ctx.svc.records.emrs, session, on_done=self._set_cards)

    def _set_cards(self, cards: list[EmrCard]) -> None:
        from kiosk.domain.moscow import moscow_date

        self.ctx.state.cards = cards
        now = self.ctx.svc.clock.now()
        self.screens.picker.set_cards(cards, moscow_date(now),
                                      self.ctx.config.kiosk.child_age_limit)
        self._warm_own(cards)

    def _warm_own(self, cards: list[EmrCard]) -> None:
        """While the picker shows, have the store read what opening the user's own EMR
        (or the only one) reads first, so that the tap finds it in memory
        (``RecordsService.warm``; issue 18). Nothing is kept, shown or audited. Once a
        session: the picker's cards are read again when the refresh lands and when the
        patient comes back to it, and the pages are in memory by then."""
        from kiosk.domain.grants import Relation

        state = self.ctx.state
        session = state.session
        if session is None or self.current_name() != "picker":
            return
        own = next((c for c in cards if c.relation is Relation.SELF), None)
        if own is None and len(cards) == 1:
            own = cards[0]
        if own is None or state.warmed == own.emr_id:
            return
        state.warmed = own.emr_id
        self.ctx.call(_warm, self.ctx.svc.records, session, own.emr_id,
                      on_error=lambda err: log.info("warm-up failed: %s",
                                                    type(err).__name__))

    def open_emr(self, emr_id: str) -> None:
        """The card and the first kind's first page in one worker task: the EMR screen
        paints its first screenful without a second round trip (issue 5, open_ms)."""
        session = self.ctx.state.session
        if session is None:
            return

        def opened(result: tuple[EmrCard, DocumentPage | None]) -> None:
            c, first = result
            self.ctx.state.emr_id = c.emr_id
            self.ctx.state.cards = [c if x.emr_id == c.emr_id else x
                                    for x in self.ctx.state.cards]
            self.screens.picker.show_message("")
            self.screens.emr.load(session, c, first)
            self._show(self.screens.emr)

        self.ctx.call(_card_and_first_page, self.ctx.svc.records, session, emr_id,
                      on_done=opened)

    def open_document(self, doc_id: str) -> None:
        state = self.ctx.state
        if state.session is None or state.emr_id is None:
            return

        def opened(doc: DocumentView) -> None:
            self.screens.document.show_document(doc, self.ctx.state.card())
            self._show(self.screens.document)

        self.ctx.call(self.ctx.svc.records.document, state.session, state.emr_id, doc_id,
                      on_done=opened)

    # ------------------------------------------------------------------ printing

    def prepare_print(self, doc_ids: list[str]) -> None:
        state = self.ctx.state
        if state.session is None or state.emr_id is None or not doc_ids:
            return
        self._print_return = self.current()

        def prepared(job: PrintJob) -> None:
            self._show(self.screens.preview)
            self.screens.preview.show_job(job)

        self.ctx.call(self.ctx.svc.printing.prepare, state.session, state.emr_id, doc_ids,
                      on_done=prepared)

    def print_now(self) -> None:
        job = self.screens.preview.job
        printer = self.ctx.printer
        if job is None:
            return
        if printer is None:
            from kiosk.services.errors import PrinterError

            self.handle_error(PrinterError("no printer configured"))
            return
        self.screens.preview.set_busy(True)

        def printed(_result: object) -> None:
            self.screens.preview.set_busy(False)
            if self.screens.peek("emr") is not None:
                self.screens.emr.clear_checks()
            self._leave_preview()
            self.overlay.show_message(self.tr(
                "Готово. Заберите, пожалуйста, документы из принтера."))

        def failed(err: object) -> None:
            self.screens.preview.set_busy(False)
            self.handle_error(err)

        self.ctx.call(printer.print_job, job, on_done=printed, on_error=failed)

    def _leave_preview(self) -> None:
        target = self._print_return or self.screens.emr
        self._print_return = None
        self.screens.preview.wipe()
        self._show(target)

    # ------------------------------------------------------------------ errors

    def handle_error(self, err: object) -> None:
        """Every error that reaches the window becomes a plain message (R-KSK-5)."""
        from kiosk.services.errors import AccountBlocked
        from kiosk.ui.messages import Next, message_for

        if not isinstance(err, BaseException):
            err = RuntimeError(repr(type(err)))
        portal = self.ctx.config.portal
        msg = message_for(err, portal.level_help_url, portal.access_request_url)
        if msg.next is Next.BLOCKED and isinstance(err, AccountBlocked):
            self.ctx.state.attempt = None
            self._stop_code()
            self.screens.blocked.show_until(err.until)
            self._show(self.screens.blocked)
        elif msg.next is Next.CREDENTIALS:
            self.ctx.state.attempt = None
            self._stop_code()
            self._show(self.screens.credentials)
            self.screens.credentials.show_error(msg.text)
        elif msg.next is Next.PICKER:
            self.show_picker(msg.text)
        elif msg.next is Next.SIGN_OUT:
            self.sign_out(msg.text)
        else:
            self.overlay.show_message(msg.text, msg.qr_url)

    # ------------------------------------------------------------------ idle

    def _idle_warning(self, seconds: int) -> None:
        from kiosk.ui.texts import mmss

        self._idle_overlay = True
        self.overlay.show_message(
            self.tr("Вы ещё здесь? Через %1 сеанс завершится, а данные будут стёрты с экрана. "
                    "Коснитесь экрана, чтобы продолжить.").replace(
                        "%1", mmss(float(seconds))),
            button_text=self.tr("Продолжить"))

    def _idle_extended(self) -> None:
        if self._idle_overlay:
            self._idle_overlay = False
            self._dismiss_overlay()

    def _idle_timed_out(self) -> None:
        self._idle_overlay = False
        self._dismiss_overlay()
        self.sign_out()

    # ------------------------------------------------------------------ sign-out

    def _wipe_state(self, audit: bool = True) -> None:
        self.ctx.runner.cancel_all()
        session = self.ctx.state.session
        if audit and session is not None and self.ctx.services is not None:
            # Audited off the GUI thread; the session object dies with the state below.
            self.ctx.call(self.ctx.svc.signin.sign_out, session, on_error=_log_only)
        self.ctx.state.wipe()
        printer = self.ctx.printer
        remove = getattr(printer, "remove_files", None)
        if remove is not None:
            remove()
        from PySide6.QtGui import QGuiApplication

        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.clear()

    def sign_out(self, message: str = "") -> None:
        """R-KSK-2: wipe every screen, model, state, print file and the clipboard."""
        self._stop_speech()
        self._stop_idle()
        self._stop_code()
        self._idle_overlay = False
        self._dismiss_overlay()
        self._wipe_state()
        self._return_to = None
        self._print_return = None
        self._pending_sign_in = False
        self._rebuild()
        self._ask_qr_offered()
        self._show(self.screens.welcome)
        self.show_start_state()
        if message:
            self.overlay.show_message(message)
        self.signed_out.emit()

    # ------------------------------------------------------------------ settings

    def set_language(self, language: str, keep_staff: bool = False) -> None:
        staff_open = (keep_staff and self.screens.peek("staff") is not None
                      and self.screens.staff.unlocked)
        left_kiosk = staff_open and not self.kiosk_mode
        self.ctx.languages.set(language)
        self.setWindowTitle(self.tr("Личный кабинет пациента"))
        self.sign_out()
        if staff_open:
            self._show(self.screens.staff)
            self.screens.staff.show_panel()
            if left_kiosk:  # the panel stays open, so does the staff's choice
                self.leave_kiosk_mode()

    def set_large_text(self, on: bool) -> None:
        self.set_text_size(1 if on else 0)

    def set_text_size(self, size: int) -> None:
        """0 normal, 1 large (150 %), 2 largest (200 %)."""
        self.ctx.text_size = size
        self.ctx.large_text = size > 0
        self.apply_style()

    def set_high_contrast(self, on: bool) -> None:
        self.ctx.high_contrast = on
        self.apply_style()

    # ------------------------------------------------------------------ staff

    def open_staff(self) -> None:
        """The staff gesture or Ctrl+Alt+S: the patient is signed out first (no medical
        data ever sits behind the panel)."""
        if self.current_name() == "staff":
            return
        self.sign_out()
        self._show(self.screens.staff)
        self.screens.staff.show_pin()


def find_app() -> QApplication:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    return app
