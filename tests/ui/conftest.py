"""UI test fixtures: real services on port fakes, a kiosk window, and a leak check that
fails a test which leaves a thread, pool task or timer running (napari's habit).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QThreadPool, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from kiosk.app import Services, assemble
from kiosk.config import Config, KioskSection, PrintSection
from kiosk.domain.documents import DocKind
from kiosk.domain.grants import Relation
from kiosk.domain.people import Sex
from kiosk.services.ports import EmrSnapshot
from kiosk.services.staff import hash_pin
from kiosk.ui.context import UiContext
from kiosk.ui.printer import QtPrinter
from kiosk.ui.tasks import flush_events, live_runners, wait_for_tasks
from kiosk.ui.window import KioskWindow
from tests.fakes import (
    FakeAccount,
    FakeClock,
    FakePortal,
    FakeRegistry,
    FakeSms,
    FakeSource,
    FakeStore,
    document,
    grant,
    patient,
)

# Qt 6.12's offscreen plugin warns on every top-level widget with a layout; it is a
# property of the test platform, not of the kiosk, so only this one line is ignored.
OFFSCREEN_NOISE = r"This plugin does not support propagateSizeHints\(\)"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
LOGIN = "ivan@example.ru"
PASSWORD = "Пароль-1"  # Cyrillic on purpose: typed through QKeyEvents, not keyClicks
PIN = "2468"
CHILD_BIRTH = date(2011, 12, 10)  # turns 15 on 10.12.2026: within 30 days of T0
LAB_TEXT = "Гемоглобин 135 г/л\nЛейкоциты 6,1\n<b>html</b><script>alert(1)</script>"


@dataclass
class Env:
    config: Config
    store: FakeStore
    portal: FakePortal
    registry: FakeRegistry
    sms: FakeSms
    source: FakeSource
    clock: FakeClock
    services: Services
    print_dir: Path


def sample_data(store: FakeStore, source: FakeSource, registry: FakeRegistry,
                portal: FakePortal) -> None:
    """An adult (self) and a child about to turn 15, with a few documents each."""
    portal.accounts[LOGIN] = FakeAccount(PASSWORD, "subj-1")
    registry.grants["subj-1"] = [
        grant("emr-1"),
        grant("emr-2", Relation.CHILD, CHILD_BIRTH, approved=datetime(2025, 6, 1, tzinfo=UTC)),
    ]
    adult = patient("emr-1")
    child = patient("emr-2", CHILD_BIRTH, family="Смирнова", given="Анна",
                    patronymic="Ивановна", sex=Sex.FEMALE)
    docs = [
        document("d-1", "emr-1", DocKind.EXAM_PROTOCOL, datetime(2025, 3, 1, 7, 0, tzinfo=UTC),
                 title="Осмотр терапевта", text="Жалоб нет. Смирнов здоров."),
        document("d-2", "emr-1", DocKind.EXAM_PROTOCOL, datetime(2024, 1, 5, 7, 0, tzinfo=UTC),
                 title="Осмотр офтальмолога"),
        document("d-3", "emr-2", DocKind.LAB_RESULT, datetime(2026, 10, 1, 6, 30, tzinfo=UTC),
                 title="Общий анализ крови", text=LAB_TEXT),
        document("d-4", "emr-2", DocKind.EXAM_PROTOCOL, datetime(2026, 9, 1, 6, 30, tzinfo=UTC),
                 title="Осмотр педиатра", text="Здорова."),
    ]
    with store() as uow:
        uow.patients.upsert_many([adult, child])
        uow.documents.upsert_many(docs)
        uow.sync_state.mark_emr_synced(["emr-1", "emr-2"], datetime(2026, 11, 26, 18, 15,
                                                                    tzinfo=UTC))
        uow.commit()
    source.snapshots["emr-1"] = EmrSnapshot(adult, [d for d in docs if d.emr_id == "emr-1"])
    source.snapshots["emr-2"] = EmrSnapshot(child, [d for d in docs if d.emr_id == "emr-2"])


def make_env(tmp_path: Path, print_section: dict[str, str] | None = None,
             **kiosk: object) -> Env:
    print_dir = tmp_path / "print"
    print_dir.mkdir(exist_ok=True)
    config = Config(kiosk=KioskSection(**kiosk),  # type: ignore[arg-type]
                    print=PrintSection(printer=f"pdf:{print_dir}", **(print_section or {})))
    store, portal, registry = FakeStore(), FakePortal(), FakeRegistry()
    sms, source, clock = FakeSms(), FakeSource(), FakeClock(T0)
    sample_data(store, source, registry, portal)
    services = assemble(config, uow=store, portal=portal, registry=registry, sms=sms,
                        source=source, clock=clock, code_key=b"k" * 32,
                        pin_hash=hash_pin(PIN, salt=b"s" * 16),
                        probes={"portal": portal.ping, "sms": sms.ping,
                                "registry": registry.ping, "emr": source.ping})
    return Env(config, store, portal, registry, sms, source, clock, services, print_dir)


@pytest.fixture
def env(tmp_path: Path) -> Env:
    return make_env(tmp_path)


class Kiosk:
    """The window plus helpers that drive it the way a patient would."""

    def __init__(self, env: Env, qtbot: object) -> None:
        self.env = env
        self.qtbot = qtbot
        self.ctx = UiContext(env.config)
        self.ctx.printer = QtPrinter(env.config.print.printer, env.config.print.paper)
        self.window = KioskWindow(self.ctx, kiosk_mode=False)
        self.window.resize(1280, 1024)
        self.ctx.set_services(env.services)
        self.window.show()

    @property
    def s(self):
        return self.window.screens

    def settle(self) -> None:
        wait_for_tasks(self.ctx.runner)

    def name(self) -> str:
        return self.window.current_name()

    def sign_in_to_code(self, login: str = LOGIN, password: str = PASSWORD) -> None:
        self.window.start_sign_in()
        creds = self.s.credentials
        creds.login.setText(login)
        creds.password.setText(password)
        creds.submit()
        self.settle()

    def enter_code(self, code: str) -> None:
        self.s.code.code.setText(code)
        self.s.code.submit()
        self.settle()

    def sign_in(self) -> None:
        self.sign_in_to_code()
        assert self.name() == "code"
        self.enter_code(self.env.sms.last_code())
        assert self.name() == "picker"

    def open_emr(self, emr_id: str) -> None:
        self.window.open_emr(emr_id)
        self.settle()
        self.settle()


@pytest.fixture
def kiosk(env: Env, qtbot) -> Iterator[Kiosk]:
    k = Kiosk(env, qtbot)
    yield k
    # The translator is the application's: a test that chose English must not leave
    # the next test's screens in English.
    k.window.ctx.languages.set("ru")
    k.window.shutdown()
    k.window.hide()
    k.window.deleteLater()
    flush_events()


def _active_timers() -> list[str]:
    found = []
    for top in QApplication.topLevelWidgets():
        for timer in top.findChildren(QTimer):
            if timer.isActive():
                parent = timer.parent()
                found.append(f"{type(parent).__name__}.{timer.objectName() or 'timer'}")
    return found


@pytest.fixture(autouse=True)
def no_leftovers(qapp: QApplication) -> Iterator[None]:
    """Fail a test that leaves a Python thread, a pool task or a QTimer running."""
    threads_before = {t.ident for t in threading.enumerate()}
    yield
    flush_events()
    busy = [r for r in live_runners() if r.pending or r.active_threads]
    timers = _active_timers()
    extra = [t.name for t in threading.enumerate()
             if t.ident not in threads_before and t.is_alive()
             and not isinstance(t, threading._DummyThread)]  # type: ignore[attr-defined]
    pool = QThreadPool.globalInstance().activeThreadCount()
    for r in live_runners():  # do not let one test's leak cascade into the next
        r.shutdown()
    for top in QApplication.topLevelWidgets():
        top.hide()
        top.deleteLater()
    flush_events()
    assert not busy, f"task runner still busy: {busy}"
    assert not timers, f"timers still running: {timers}"
    assert not extra, f"threads still running: {extra}"
    assert pool == 0, "global thread pool still busy"


# ---------------------------------------------------------------- what is on screen


def visible_texts() -> list[str]:
    """Every text any widget holds: labels, fields, buttons, lists, tooltips, names."""
    out: list[str] = []
    for w in QApplication.allWidgets():
        out += [w.toolTip(), w.accessibleName(), w.windowTitle()]
        if isinstance(w, (QLabel, QLineEdit)):
            out.append(w.text())
        elif isinstance(w, (QPlainTextEdit, QTextEdit)):
            out.append(w.toPlainText())
        elif isinstance(w, QAbstractButton):
            out.append(w.text())
        if isinstance(w, QAbstractItemView) and w.model() is not None:
            model = w.model()
            for r in range(model.rowCount()):
                out.append(str(model.data(model.index(r, 0))))
    return [t for t in out if t]


def all_models() -> list[QObject]:
    from kiosk.ui.emr import DocumentListModel

    found: list[QObject] = []
    for top in QApplication.topLevelWidgets():
        found += top.findChildren(DocumentListModel)
    return found


def clipboard_text() -> str:
    return QGuiApplication.clipboard().text()


def find(root: QWidget, cls: type, name: str):
    w = root.findChild(cls, name)
    assert w is not None, f"no {cls.__name__} named {name}"
    return w
