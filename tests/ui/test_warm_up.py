"""Issue 18: the user's own EMR is read ahead while the picker shows
(``KioskWindow._warm_own`` → ``RecordsService.warm``), and nothing of it is audited or
shown before the tap."""

from __future__ import annotations

import pytest

from kiosk.domain.documents import DocKind
from kiosk.domain.grants import Relation
from tests.fakes import grant
from tests.ui.conftest import CHILD_BIRTH, Kiosk

pytestmark = pytest.mark.ui


def _watch_warm_ups(kiosk: Kiosk) -> list[str]:
    """The EMR ids the window asked the records service to warm (the service itself is
    the real one; only the calls are noted)."""
    records = kiosk.env.services.records
    warmed: list[str] = []
    warm = records.warm

    def noted(session, emr_id, limit=50):  # type: ignore[no-untyped-def]
        warmed.append(emr_id)
        return warm(session, emr_id, limit)

    records.warm = noted  # type: ignore[method-assign]
    return warmed


def _opened(kiosk: Kiosk) -> list[str]:
    return [r.event for r in kiosk.env.store.data.audit if r.event == "emr.opened"]


def test_issue_18_picker_warms_the_own_emr_and_the_tap_audits_and_shows_it(
        kiosk: Kiosk) -> None:
    warmed = _watch_warm_ups(kiosk)
    kiosk.sign_in()
    kiosk.settle()  # the sign-in refresh lands and the picker's cards are read again
    # The adult's own, not the child's; once, though the cards were read twice.
    assert warmed == ["emr-1"]
    assert _opened(kiosk) == []  # R-KSK-7: nothing opened, nothing audited
    kiosk.open_emr("emr-1")
    assert kiosk.name() == "emr"
    model = kiosk.s.emr.models[DocKind.EXAM_PROTOCOL]
    assert [model.row(i).doc_id for i in range(model.rowCount())] == ["d-1", "d-2"]
    assert _opened(kiosk) == ["emr.opened"]
    kiosk.window.show_picker()  # back to the picker: nothing is read ahead again
    kiosk.settle()
    assert warmed == ["emr-1"]
    kiosk.window.sign_out()  # the next patient's sign-in warms again
    kiosk.settle()
    kiosk.sign_in()
    kiosk.settle()
    assert warmed == ["emr-1", "emr-1"]


def test_issue_18_no_warm_up_when_the_patient_must_choose(kiosk: Kiosk) -> None:
    """A parent without an EMR of their own and with two children: which one is tapped
    is the patient's choice, so neither is read ahead."""
    kiosk.env.registry.grants["subj-1"] = [
        grant("emr-2", Relation.CHILD, CHILD_BIRTH),
        grant("emr-3", Relation.CHILD, CHILD_BIRTH),
    ]
    warmed = _watch_warm_ups(kiosk)
    kiosk.sign_in()
    kiosk.settle()
    assert kiosk.name() == "picker" and len(kiosk.window.ctx.state.cards) == 2
    assert warmed == []


def test_issue_18_the_only_emr_is_warmed_when_it_is_a_childs(kiosk: Kiosk) -> None:
    kiosk.env.registry.grants["subj-1"] = [grant("emr-2", Relation.CHILD, CHILD_BIRTH)]
    warmed = _watch_warm_ups(kiosk)
    kiosk.sign_in()
    kiosk.settle()
    assert warmed == ["emr-2"]
    assert _opened(kiosk) == []
