"""Issue 15 item 2: after sign-out no object of the session is reachable (R-KSK-2)."""

from __future__ import annotations

import gc

import pytest

from kiosk.services.session import Session
from kiosk.services.signin import Attempt
from kiosk.ui.tasks import flush_events
from tests.ui.conftest import Kiosk

pytestmark = pytest.mark.ui


def live(cls: type, before: frozenset[int] = frozenset()) -> list[object]:
    """Objects of ``cls`` alive now, other than those alive ``before`` (an earlier test in
    the same process may keep its own)."""
    gc.collect()
    return [o for o in gc.get_objects() if type(o) is cls and id(o) not in before]


def test_r_ksk_2_no_session_alive_after_five_sign_outs(kiosk: Kiosk) -> None:
    """R-KSK-2: five sign-ins, each opening an EMR, each ended by sign-out: afterwards no
    ``Session`` (subject, grants with phone numbers and birth dates, EMR ids) and no
    ``Attempt`` is alive anywhere in the process."""
    before = frozenset(id(o) for o in live(Session) + live(Attempt))
    for _ in range(5):
        kiosk.sign_in()
        kiosk.settle()
        kiosk.open_emr("emr-1")
        assert live(Session)
        kiosk.window.sign_out()
        kiosk.settle()
        flush_events()
    assert live(Session, before) == []
    assert live(Attempt, before) == []
