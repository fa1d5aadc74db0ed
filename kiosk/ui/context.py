"""What every screen shares: the services (once built), the task runner, the signed-in
session's state, the printer, and one place to report an error.

The session state lives here and only here, so that sign-out can wipe it in one call
(R-KSK-2): screens keep nothing of a patient that this object does not also own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar, TypeVarTuple

from PySide6.QtCore import QObject, Signal

from kiosk.ui.i18n import Languages

if TYPE_CHECKING:  # the real graph is imported by a worker, never at start-up
    from kiosk.app import Services
    from kiosk.config import Config
    from kiosk.services.printing import Printer
    from kiosk.services.session import Session
    from kiosk.services.signin import Attempt
    from kiosk.services.views import EmrCard
    from kiosk.ui.tasks import ErrorCallback, TaskRunner

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


class SessionState:
    """The patient's state in memory; ``wipe`` forgets all of it.

    A plain class (not a dataclass): it is made before Welcome's first paint, where
    nothing else needs the dataclasses machinery.
    """

    attempt: Attempt | None
    session: Session | None
    cards: list[EmrCard]
    emr_id: str | None
    refreshed: bool
    #: The EMR the picker's warm-up read (``KioskWindow._warm_own``): once a session.
    warmed: str | None

    def __init__(self) -> None:
        self.wipe()  # one list of what a patient leaves: nothing can be missed at sign-out

    def wipe(self) -> None:
        self.attempt = None
        self.session = None
        self.cards = []
        self.emr_id = None
        self.refreshed = False
        self.warmed = None

    def card(self, emr_id: str | None = None) -> EmrCard | None:
        emr_id = emr_id or self.emr_id
        return next((c for c in self.cards if c.emr_id == emr_id), None)


class UiContext(QObject):
    """Shared by the window and its screens.

    Signals:
        error(object): a task failed and its screen does not handle it itself.
        services_ready(): the service graph was built (the window may sign in now).
    """

    error = Signal(object)
    services_ready = Signal()

    def __init__(self, config: Config, runner: TaskRunner | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.config = config
        self._runner: TaskRunner | None = None
        if runner is not None:
            self._use_runner(runner)
        self.services: Services | None = None
        #: The kiosk could not build its services or open its store: Welcome says it
        #: cannot work and takes no sign-in (``KioskWindow.show_start_state``).
        self.cannot_start = False
        self.state = SessionState()
        self.languages = Languages()
        self.large_text = config.kiosk.large_text
        self.text_size = int(config.kiosk.large_text)  # 0 normal, 1 large, 2 largest
        self.high_contrast = config.kiosk.high_contrast
        self.printer: Printer | None = None

    @property
    def runner(self) -> TaskRunner:
        """The worker pool, made on first use: nothing runs in the background before
        Welcome's first paint, so the kiosk does not load or start it until then."""
        if self._runner is None:
            from kiosk.ui.tasks import TaskRunner

            self._use_runner(TaskRunner(self))
        assert self._runner is not None
        return self._runner

    def _use_runner(self, runner: TaskRunner) -> None:
        self._runner = runner
        runner.unhandled.connect(self.error)

    def set_services(self, services: Services) -> None:
        self.services = services
        self.services_ready.emit()

    def call(self, fn: Callable[[*Ts], T], *args: *Ts,
             on_done: Callable[[T], None] | None = None,
             on_error: ErrorCallback | None = None) -> int:
        """Run a service call in a worker (typed as :meth:`TaskRunner.submit`); errors
        default to the window's handler."""
        return self.runner.submit(fn, *args, on_done=on_done,
                                  on_error=on_error or self.error.emit)

    @property
    def svc(self) -> Services:
        assert self.services is not None, "services are not built yet"
        return self.services
