"""Records: grant re-checks on every call, lists and cut-offs (R-ACC-2/3/5, R-SHOW, R-ACT)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import partial

import pytest

from kiosk.domain.documents import DocKind
from kiosk.domain.grants import Relation
from kiosk.domain.people import Sex
from kiosk.services.audit import AuditLog
from kiosk.services.errors import AccessEnded, NoAccessLeft, NotFound
from kiosk.services.ports import EmrSnapshot
from kiosk.services.records import RecordsService
from kiosk.services.session import Session
from kiosk.services.sync import SyncService
from tests.fakes import FakeClock, FakeRegistry, FakeSource, FakeStore, grant, patient
from tests.fakes import document as _document

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
KID_BIRTH = date(2011, 11, 28)  # turns 15 tomorrow (Moscow)
document = partial(_document, emr_id="emr-self")


class World:
    def __init__(self) -> None:
        self.clock = FakeClock(NOW)
        self.store = FakeStore()
        self.registry = FakeRegistry()
        self.grants = [grant("emr-self"), grant("emr-kid", Relation.CHILD, birth=KID_BIRTH)]
        self.registry.grants["sub"] = list(self.grants)
        self.audit = AuditLog(self.store, self.clock, "k1")
        self.svc = RecordsService(self.store, self.registry, self.clock, self.audit)
        with self.store() as uow:
            uow.patients.upsert_many([
                patient("emr-self"),
                patient("emr-kid", KID_BIRTH, given="Мария", patronymic="Ивановна",
                        family="Смирнова", sex=Sex.FEMALE),
            ])
            uow.documents.upsert_many([
                document("e1", created=datetime(2016, 12, 31, 21, 30, tzinfo=UTC)),
                document("e0", created=datetime(2016, 12, 31, 20, 30, tzinfo=UTC)),
                document("e2", created=datetime(2023, 5, 1, tzinfo=UTC), text="<b>x</b><script>"),
                document("l1", kind=DocKind.LAB_RESULT, created=datetime(2018, 12, 31, tzinfo=UTC)),
                document("r1", kind=DocKind.INSTRUMENTAL, created=datetime(2016, 6, 1, tzinfo=UTC),
                         radiology=True),
                document("i1", kind=DocKind.INSTRUMENTAL, created=datetime(2016, 6, 1, tzinfo=UTC)),
                document("k1", emr_id="emr-kid", created=datetime(2025, 1, 1, tzinfo=UTC)),
            ])
            uow.commit()
        self.session = Session("s", "sub", "u:abc", NOW, list(self.grants), NOW)


@pytest.fixture
def w() -> World:
    return World()


def test_r_ent_5_every_granted_emr_own_first(w: World) -> None:
    """R-ENT-5 / R-ACT-2: cards for every granted EMR, masked, with age and sex."""
    cards = w.svc.emrs(w.session)
    assert [c.emr_id for c in cards] == ["emr-self", "emr-kid"]
    assert cards[0].masked_name == "Иван Петрович С." and cards[0].age == 46
    assert cards[1].masked_name == "Мария Ивановна С." and cards[1].sex is Sex.FEMALE
    assert cards[1].access_ends_on == date(2026, 11, 28)
    assert "Смирнов" not in repr(cards)


def test_r_show_5_newest_first_with_cutoffs(w: World) -> None:
    """R-SHOW-4/5: each kind newest first; hidden documents never listed."""
    exams = w.svc.documents(w.session, "emr-self", DocKind.EXAM_PROTOCOL)
    assert [r.doc_id for r in exams.rows] == ["e2", "e1"]
    assert w.svc.counts(w.session, "emr-self")[DocKind.EXAM_PROTOCOL] == 2
    assert w.svc.documents(w.session, "emr-self", DocKind.LAB_RESULT).rows == []
    instr = w.svc.documents(w.session, "emr-self", DocKind.INSTRUMENTAL)
    assert [r.doc_id for r in instr.rows] == ["r1"]


def test_r_show_5_text_is_kept_verbatim(w: World) -> None:
    """R-SHOW-5: the text comes back as plain text, markup untouched for the UI to escape."""
    assert w.svc.document(w.session, "emr-self", "e2").text == "<b>x</b><script>"


def test_r_act_3_hidden_document_cannot_be_opened(w: World) -> None:
    """R-ACT-3 / R-SHOW-4: a hidden document is not found even by its id."""
    with pytest.raises(NotFound):
        w.svc.document(w.session, "emr-self", "e0")


def test_r_acc_5_ui_emr_id_checked(w: World) -> None:
    """R-ACC-5: an EMR id not granted, or a document of another EMR, is refused."""
    with pytest.raises(AccessEnded):
        w.svc.documents(w.session, "emr-stranger", DocKind.EXAM_PROTOCOL)
    with pytest.raises(NotFound):
        w.svc.document(w.session, "emr-self", "k1")


def test_r_acc_2_revoked_mid_session(w: World) -> None:
    """R-ACC-2: revoked in the registry → the next call after the re-check refuses it."""
    w.registry.grants["sub"] = [w.grants[0],
                                grant("emr-kid", Relation.CHILD, birth=KID_BIRTH, revoked=NOW)]
    w.clock.advance(seconds=5)
    with pytest.raises(AccessEnded) as err:
        w.svc.documents(w.session, "emr-kid", DocKind.EXAM_PROTOCOL)
    assert err.value.emr_id == "emr-kid"
    assert [c.emr_id for c in w.svc.emrs(w.session)] == ["emr-self"]


def test_r_acc_2_no_grant_left_signs_out(w: World) -> None:
    """R-ACC-2: with no grant left the service says so (the UI signs out)."""
    w.registry.grants["sub"] = []
    w.clock.advance(seconds=6)
    with pytest.raises(NoAccessLeft):
        w.svc.emrs(w.session)


def test_r_acc_3_fifteenth_birthday_mid_session(w: World) -> None:
    """R-ACC-3: at 00:00 Moscow on the 15th birthday the child's EMR closes, mid-session."""
    w.clock.set(datetime(2026, 11, 27, 20, 59, 59, tzinfo=UTC))
    w.svc.documents(w.session, "emr-kid", DocKind.EXAM_PROTOCOL)
    w.clock.set(datetime(2026, 11, 27, 21, 0, 0, tzinfo=UTC))
    w.registry.down = True  # even without a registry answer, the clock rule applies
    with pytest.raises(AccessEnded):
        w.svc.document(w.session, "emr-kid", "k1")


def test_r_act_1_switch_between_emrs(w: World) -> None:
    """R-ACT-1: the same session reads either EMR in any order."""
    assert w.svc.card(w.session, "emr-kid").emr_id == "emr-kid"
    assert w.svc.card(w.session, "emr-self").emr_id == "emr-self"
    assert w.svc.card(w.session, "emr-kid").emr_id == "emr-kid"


def test_r_show_6_stale_after_failed_refresh(w: World) -> None:
    """R-SHOW-6: source down at sign-in → the card is stale with its last good sync time."""
    src = FakeSource()
    sync = SyncService(src, w.store, w.clock)
    src.snapshots["emr-self"] = EmrSnapshot(patient("emr-self"), [document("e9")])
    assert sync.refresh(["emr-self"]).refreshed == ["emr-self"]
    good = w.clock.now()
    w.clock.advance(hours=3)
    src.down = True
    assert sync.refresh_session(w.session).failed == ["emr-self", "emr-kid"]
    card = w.svc.card(w.session, "emr-self")
    assert card.stale and card.data_as_of == good


def test_r_show_6_data_as_of_is_the_later_of_refresh_and_complete_sync(w: World) -> None:
    """R-SHOW-6: «Данные на …» is the last good sync of that EMR: its own sign-in refresh
    or the last sync that read every change, whichever came later. An EMR with nothing
    in the cache is never dated by a sync that did not bring it."""
    refreshed = NOW - timedelta(days=200)
    nightly = NOW - timedelta(hours=6)
    with w.store(write=True) as uow:
        uow.sync_state.mark_emr_synced(["emr-self"], refreshed)
        uow.commit()
    assert w.svc.card(w.session, "emr-self").data_as_of == refreshed
    with w.store(write=True) as uow:
        uow.sync_state.set_last_complete_sync(nightly)
        uow.commit()
    assert w.svc.card(w.session, "emr-self").data_as_of == nightly  # unchanged since
    assert w.svc.card(w.session, "emr-kid").data_as_of == nightly
    with w.store(write=True) as uow:
        uow.sync_state.mark_emr_synced(["emr-self"], NOW)
        uow.patients.delete_many(["emr-kid"])
        uow.commit()
    assert w.svc.card(w.session, "emr-self").data_as_of == NOW
    kid = w.svc.card(w.session, "emr-kid")
    assert not kid.in_cache and kid.data_as_of is None


def test_registry_flap_mid_session_keeps_last_answer(w: World) -> None:
    """Registry down mid-session: the last answer stands; time rules still apply."""
    w.registry.down = True
    w.clock.advance(seconds=30)
    assert len(w.svc.emrs(w.session)) == 2


def test_audit_records_opened_documents_masked(w: World) -> None:
    """R-KSK-7: EMR and document opens are audited with the masked actor only."""
    w.svc.card(w.session, "emr-self")
    w.svc.document(w.session, "emr-self", "e2")
    events = [(r.event, r.actor) for r in w.store.data.audit]
    assert events == [("emr.opened", "u:abc"), ("document.opened", "u:abc")]
    assert "Смирнов" not in repr(w.store.data.audit)


def test_paging(w: World) -> None:
    with w.store() as uow:
        uow.documents.upsert_many([
            document(f"p{i:03d}", created=datetime(2020, 1, 1, tzinfo=UTC) + timedelta(days=i))
            for i in range(120)
        ])
        uow.commit()
    first = w.svc.documents(w.session, "emr-self", DocKind.EXAM_PROTOCOL, None, 50)
    second = w.svc.documents(w.session, "emr-self", DocKind.EXAM_PROTOCOL, first.rows[-1], 50)
    assert second.after is first.rows[-1]
    assert w.svc.counts(w.session, "emr-self")[DocKind.EXAM_PROTOCOL] == 122
    assert first.rows[0].doc_id == "e2" and first.rows[1].doc_id == "p119"
    assert second.rows[0].doc_id == "p070"


def test_r_ksk_3_print_only_chosen_documents_audited_once(w: World) -> None:
    """R-KSK-3 / R-KSK-7: a print job holds only the chosen documents, is audited as one
    print (not as opens), and a hidden or foreign document id is refused (R-ACC-5)."""
    from kiosk.services.printing import PrintService

    printing = PrintService(w.svc, w.audit, "k1", w.clock)
    job = printing.prepare(w.session, "emr-self", ["e2", "e1", "e2"])
    assert job.doc_count == 2
    assert "Документ e2" in job.html
    assert "Документ e1" in job.html
    assert "Документ r1" not in job.html
    assert [(r.event, r.details) for r in w.store.data.audit] == [
        ("document.printed", {"emr": "emr-self", "count": 2})
    ]
    for bad in (["e0"], ["k1"]):
        with pytest.raises(NotFound):
            printing.prepare(w.session, "emr-self", bad)


def test_issue_18_warm_up_reads_under_the_grant_and_keeps_and_audits_nothing(w: World) -> None:
    """Issue 18: while the picker shows, the own EMR is read ahead so the tap finds it in
    memory; nothing is audited (R-KSK-7: the patient opened nothing), nothing of it stays
    in the session, and the tap still reads the cache as it is at the tap."""
    before = repr(vars(w.session))
    assert w.svc.warm(w.session, "emr-self", limit=50) == 3  # e2, e1 and r1 are shown
    assert w.store.data.audit == []
    assert repr(vars(w.session)) == before
    with w.store() as uow:  # a sync writes while the picker shows
        uow.documents.upsert_many([document("e3", created=datetime(2026, 1, 1, tzinfo=UTC))])
        uow.commit()
    w.svc.card(w.session, "emr-self")
    rows = w.svc.documents(w.session, "emr-self", DocKind.EXAM_PROTOCOL).rows
    assert [r.doc_id for r in rows] == ["e3", "e2", "e1"]
    assert [r.event for r in w.store.data.audit] == ["emr.opened"]


def test_issue_18_warm_up_is_refused_once_access_ends(w: World) -> None:
    """R-ACC-2/5: the warm-up is a read like any other: a revoked grant refuses it."""
    w.registry.grants["sub"] = [w.grants[0],
                                grant("emr-kid", Relation.CHILD, birth=KID_BIRTH, revoked=NOW)]
    w.clock.advance(seconds=5)
    with pytest.raises(AccessEnded):
        w.svc.warm(w.session, "emr-kid")
