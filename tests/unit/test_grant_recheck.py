"""Issue 15 item 5: grant re-reads aged on a monotonic clock; a registry outage
mid-session keeps the last answer for the configured grace time only (R-ACC-2)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from kiosk.app import assemble
from kiosk.config import Config, UpstreamSection
from kiosk.services.errors import AccessEnded, NoAccessLeft
from kiosk.services.session import Session
from tests.fakes import FakeClock, FakePortal, FakeRegistry, FakeSms, FakeSource, FakeStore, grant


class World:
    def __init__(self, grace_s: int = 60) -> None:
        self.clock = FakeClock()
        self.registry = FakeRegistry()
        self.registry.grants["sub"] = [grant("emr-self"), grant("emr-2")]
        config = Config(upstream=UpstreamSection(registry_grace_s=grace_s))
        self.svc = assemble(config, uow=FakeStore(), portal=FakePortal(), registry=self.registry,
                            sms=FakeSms(), source=FakeSource(), clock=self.clock,
                            code_key=b"k" * 32)
        now = self.clock.now()
        self.session = Session("s", "sub", "u:abc", now, list(self.registry.grants["sub"]), now,
                               grants_checked_mono=self.clock.monotonic())

    def emr_ids(self) -> list[str]:
        return [c.emr_id for c in self.svc.records.emrs(self.session)]


def test_r_acc_2_wall_clock_stepped_back_does_not_keep_a_revoked_grant_open() -> None:
    """R-ACC-2: the wall clock steps back two hours mid-session (NTP, a wrong RTC); the
    registry then withdraws a grant; 5 s later by the monotonic clock the grant is gone."""
    w = World()
    assert w.emr_ids() == ["emr-self", "emr-2"]
    w.clock.set(w.clock.now() - timedelta(hours=2))
    w.registry.grants["sub"] = [grant("emr-self")]
    w.clock.advance(seconds=5)
    assert w.emr_ids() == ["emr-self"]
    with pytest.raises(AccessEnded):
        w.svc.records.card(w.session, "emr-2")


def test_r_acc_2_registry_down_keeps_the_last_answer_for_the_grace_time_only() -> None:
    """R-ACC-2 (trade-off in docs/design.md): with the registry down mid-session, the last
    answer stands for ``upstream.registry_grace_s`` (here 20 s), then access closes."""
    w = World(grace_s=20)
    w.emr_ids()
    w.registry.down = True
    w.clock.advance(seconds=6)
    assert w.emr_ids() == ["emr-self", "emr-2"]  # within the grace time
    w.clock.advance(seconds=13)
    assert w.emr_ids() == ["emr-self", "emr-2"]  # 19 s since the registry last answered
    w.clock.advance(seconds=1)
    with pytest.raises(NoAccessLeft):
        w.emr_ids()
    with pytest.raises(NoAccessLeft):
        w.svc.records.card(w.session, "emr-self")
    w.registry.down = False  # back: the re-read succeeds and access continues
    assert w.emr_ids() == ["emr-self", "emr-2"]


def test_registry_grace_is_validated() -> None:
    from kiosk.config import validate

    assert validate(Config()) == []
    bad = Config(upstream=UpstreamSection(registry_grace_s=601))
    assert any(p.startswith("upstream.registry_grace_s") for p in validate(bad))


class _SeenDict(dict):
    """The fake store's patients: says when the card's store read happened."""

    def __init__(self, seen: threading.Event, *args: object) -> None:
        super().__init__(*args)
        self.seen = seen

    def get(self, key, default=None):  # type: ignore[no-untyped-def, override]
        self.seen.set()
        return super().get(key, default)


def _slow_registry(w: World, store_read: threading.Event, answered: list[bool]) -> None:
    """The registry answers only once the card's store read has happened: a re-read
    done before the store read (as before issue 18) would wait out its 5 s and say so."""
    real = w.registry.grants_for

    def grants_for(subject: str) -> list:
        answered.append(store_read.wait(5))
        return real(subject)

    w.registry.grants_for = grants_for  # type: ignore[method-assign]
    data = w.svc.uow.data  # type: ignore[attr-defined]
    data.patients = _SeenDict(store_read, data.patients)


def test_issue_18_stale_grants_are_asked_again_while_the_card_is_read() -> None:
    """Issue 18 (open_field_ms): opening an EMR with stale grants asks the registry and
    reads the card from the store at the same time; the answer still decides."""
    w = World()
    w.emr_ids()
    w.clock.advance(seconds=6)  # the patient looked at the picker: the grants are stale
    store_read, answered = threading.Event(), []
    _slow_registry(w, store_read, answered)
    card = w.svc.records.card(w.session, "emr-2")
    assert card.emr_id == "emr-2"
    assert answered == [True]  # the registry answered after the store read began
    w.clock.advance(seconds=1)
    w.svc.records.card(w.session, "emr-2")
    assert answered == [True]  # fresh again: not asked


def test_issue_18_a_grant_revoked_meanwhile_still_closes_the_open_r_acc_2() -> None:
    """R-ACC-2: the card read while the registry is asked is not shown when the answer
    withdraws the grant; nothing is audited as opened."""
    w = World()
    w.emr_ids()
    w.registry.grants["sub"] = [grant("emr-self")]
    w.clock.advance(seconds=6)
    store_read, answered = threading.Event(), []
    _slow_registry(w, store_read, answered)
    audit = w.svc.uow.data.audit  # type: ignore[attr-defined]
    before = len(audit)
    with pytest.raises(AccessEnded):
        w.svc.records.card(w.session, "emr-2")
    assert answered == [True]
    assert len(audit) == before
