"""Start-up and open speed by design (issue 5; what start-up imports is in
test_startup_path): only Welcome is built before the first paint, other screens on first
use or in idle time, and they are wiped like the rest; an EMR's first screenful comes
with its card in one worker task."""

from __future__ import annotations

import pytest

from kiosk.domain.documents import DocKind
from tests.ui.conftest import Kiosk

pytestmark = pytest.mark.ui


def test_only_welcome_is_built_up_front(kiosk: Kiosk) -> None:
    screens = kiosk.window.screens
    assert [w.property("screen") for w in screens.all()] == ["welcome"]
    assert screens.peek("emr") is None
    kiosk.window.start_sign_in()
    assert kiosk.name() == "credentials"
    assert screens.peek("credentials") is not None and screens.peek("emr") is None


def test_lazily_built_screens_are_wiped_and_rebuilt_at_sign_out_R_KSK_2(kiosk: Kiosk) -> None:
    kiosk.sign_in()
    kiosk.open_emr("emr-1")
    old_emr = kiosk.s.emr
    assert old_emr.title.text() == "Иван Петрович С."
    kiosk.window.sign_out()
    assert kiosk.window.screens.peek("emr") is None  # a fresh, empty set
    assert old_emr.title.text() == ""  # scrubbed before deletion
    assert kiosk.s.emr is not old_emr and kiosk.s.emr.title.text() == ""


def test_lazily_built_screens_are_translated_R_KSK_8(kiosk: Kiosk) -> None:
    assert kiosk.window.screens.peek("staff") is None
    kiosk.s.welcome.en.click()
    assert kiosk.ctx.languages.current == "en"
    assert kiosk.s.staff.close_button.text() == "Close"  # built after the switch
    kiosk.window.set_language("ru")


def test_build_rest_later_builds_every_screen_in_idle_time(kiosk: Kiosk, qtbot) -> None:
    window = kiosk.window
    window.build_rest_later()
    qtbot.waitUntil(lambda: not window.screens.missing(), timeout=10_000)
    assert len(window.screens.all()) == 12  # ORDER, the QR sign-in screen last
    assert not window._prebuild_timer.isActive()
    window.sign_out()  # the next patient's screens are built again, in idle time
    assert window.screens.missing()
    qtbot.waitUntil(lambda: not window.screens.missing(), timeout=10_000)
    assert not window._prebuild_timer.isActive()


def test_first_page_comes_with_the_card_in_one_task(kiosk: Kiosk) -> None:
    """open_ms: choosing an EMR is one worker round trip to its first screenful, and the
    first page is not read twice."""
    records = kiosk.env.services.records
    calls: list[tuple[DocKind, object]] = []
    original = records.documents

    def counting(session, emr_id, kind, after=None, limit=50):  # type: ignore[no-untyped-def]
        calls.append((kind, after))
        return original(session, emr_id, kind, after, limit)

    records.documents = counting  # type: ignore[method-assign]
    try:
        kiosk.sign_in()
        kiosk.settle()
        calls.clear()  # the picker's warm-up read it ahead (issue 18); the open reads once
        submitted: list[object] = []
        runner = kiosk.ctx.runner
        real_submit = runner.submit

        def spy(fn, *args, **kw):  # type: ignore[no-untyped-def]
            submitted.append(fn)
            return real_submit(fn, *args, **kw)

        runner.submit = spy  # type: ignore[method-assign]
        kiosk.window.open_emr("emr-1")
        assert len(submitted) == 1  # card + first page together
        kiosk.settle()
        exam = kiosk.s.emr.models[DocKind.EXAM_PROTOCOL]
        assert exam.rowCount() == 2
        assert calls.count((DocKind.EXAM_PROTOCOL, None)) == 1
    finally:
        del records.documents


def test_the_other_screens_are_built_once_the_services_are_there(env, qtbot) -> None:
    """Issue 18 (ready_ms): at start-up the service graph is built first and the other
    screens after it, so that building them does not hold up the moment a sign-in can
    start; a failed build leaves them for later. ``kiosk run`` starts with the cycle
    collector off (its start-up objects all stay); it is on again once the build is
    over, whether it worked or not: a kiosk that never collected would grow all day."""
    import gc

    from kiosk.ui.context import UiContext
    from kiosk.ui.main import _start_services
    from kiosk.ui.tasks import wait_for_tasks
    from kiosk.ui.window import KioskWindow

    ctx = UiContext(env.config)
    window = KioskWindow(ctx, kiosk_mode=False)
    seen: list[bool] = []
    gc.disable()
    try:
        _start_services(ctx, window, lambda: env.services,
                        then=lambda: seen.append(ctx.services is env.services))
        assert seen == []
        wait_for_tasks(ctx.runner)
        assert seen == [True] and gc.isenabled()
        gc.disable()

        def broken():  # type: ignore[no-untyped-def]
            raise RuntimeError("no store")

        other = UiContext(env.config)
        failed_window = KioskWindow(other, kiosk_mode=False)
        _start_services(other, failed_window, broken, then=lambda: seen.append(False))
        wait_for_tasks(other.runner)
        assert seen == [True] and other.services is None and gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()  # what the test process made so far may be collected again
    for w in (window, failed_window):
        w.shutdown()
        w.deleteLater()
