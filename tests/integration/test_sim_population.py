"""The synthetic population: deterministic, every edge case present, big ones cheap."""

from __future__ import annotations

import time
from datetime import date, timedelta

from kiosk.domain.documents import DocKind
from kiosk.domain.grants import Relation, access_ends_at
from kiosk.domain.moscow import moscow_midnight
from kiosk.domain.people import age_on, mask_name
from kiosk.sim.population import DEMO_PASSWORD, SHOWN_EXAM, Population

TODAY = date(2025, 6, 10)


def test_deterministic():
    a = Population(size=60, seed=3, today=TODAY)
    b = Population(size=60, seed=3, today=TODAY)
    assert a.patients == b.patients and a.grants == b.grants and a.accounts == b.accounts
    assert list(a.documents()) == list(b.documents())
    c = Population(size=60, seed=4, today=TODAY)
    assert a.patients != c.patients


def test_demo_accounts_are_exposed_as_data():
    pop = Population(size=10, seed=1, today=TODAY)
    demo = {a.login: a for a in pop.demo_accounts()}
    assert set(demo) == {"anna", "elena", "viktor", "olga", "sergey", "boris"}
    assert all(a.password == DEMO_PASSWORD and a.note for a in demo.values())
    assert demo["olga"].level == "simplified"


def test_edge_cases_present_R_ACC_1_R_SHOW_1():
    pop = Population(size=10, seed=1, today=TODAY)
    p = {x.emr_id: x for x in pop.patients}
    elena = p["1005"]
    assert mask_name(elena.given, elena.patronymic, elena.family) == "Елена Викторовна Р."
    assert p["1007"].patronymic is None and p["1007"].birth_date == date(1988, 2, 29)
    grants = {(g.subject, g.emr_id): g for g in pop.grants}
    tomorrow = grants[("u-anna", "1002")]
    assert age_on(tomorrow.patient_birth_date, TODAY) == 14
    assert access_ends_at(tomorrow) == moscow_midnight(TODAY + timedelta(days=1))
    today15 = grants[("u-elena", "1006")]
    assert access_ends_at(today15) == moscow_midnight(TODAY)
    assert grants[("u-anna", "1004")].revoked_at is not None
    assert not [g for g in pop.grants if g.subject == "u-sergey"]
    assert {g.relation for g in pop.grants if g.subject == "u-anna"} == {Relation.SELF,
                                                                         Relation.CHILD}


def test_every_kind_on_both_sides_of_its_cutoff_R_SHOW_4():
    pop = Population(size=10, seed=1, today=TODAY)
    docs = [d for d in pop.documents() if d.emr_id == "1001" and not d.withdrawn]
    for kind in DocKind:
        assert any(d.kind is kind and d.created_at.year >= 2017 for d in docs)
    ids = {d.fhir_id: d for d in docs}
    assert ids["x-1001-exam-shown"].created_at == SHOWN_EXAM
    assert any(d.radiology and d.created_at.year == 2016 for d in docs)
    assert any("<script>" in d.text for d in docs)


def test_large_population_is_cheap():
    started = time.monotonic()
    pop = Population(size=2000, seed=1, today=TODAY, docs_per_patient=20, big_emr_docs=50_000)
    count = sum(1 for _ in pop.documents())
    assert count == pop.expected_document_count >= 2000 * 20 + 50_000 - 20 * 10
    assert sum(1 for d in pop.documents() if d.emr_id == "1009") == 50_000
    assert time.monotonic() - started < 20


def _as_document(d):  # a SimDocument as the kiosk stores it (its lab rows)
    from kiosk.domain.documents import Document, LabRow

    def text(v):
        return "" if v is None else str(v)

    rows = tuple(LabRow(o.name, text(o.value), o.unit, text(o.low), text(o.high))
                 for o in d.observations)
    return Document(d.fhir_id, d.emr_id, d.kind, d.created_at, d.title, d.organization,
                    d.performer, d.text, results=rows)


def test_issue_16_demo_accounts_have_a_lab_history_with_trends():
    """Each fixed demo EMR holds earlier results of its full blood count and biochemistry
    (2023–2026, some out of range), so the demo's lab result shows trend pictures; the
    generated (bench) patients are untouched."""
    from kiosk.services.trends import trends_for

    pop = Population(size=30, seed=1, today=TODAY, docs_per_patient=8)
    docs = list(pop.documents())
    for emr in ("1001", "1005", "1008"):
        labs = [_as_document(d) for d in docs if d.emr_id == emr and d.observations]
        latest = next(d for d in labs if d.doc_id == f"x-{emr}-cbc-full")
        trends = {t.analyte: t for t in trends_for(latest, labs)}
        hb = trends["Гемоглобин (HGB)"]
        assert len(hb.points) >= 5
        years = {p.at.year for p in hb.points}
        assert min(years) <= 2023 and max(years) >= 2026
        assert len(trends) == len(latest.results)  # every analyte of the count has a trend
        bio = next(d for d in labs if d.doc_id == f"x-{emr}-bio-full")
        assert len({t.analyte for t in trends_for(bio, labs)}) == len(bio.results)
    history = [d for d in docs if d.fhir_id.startswith("x-1001-cbc-20")]
    assert len(history) == 4
    out_of_range = [o for d in history for o in d.observations
                    if o.low is not None and o.high is not None and not o.low <= o.value <= o.high]
    assert out_of_range  # the history has its own flags, not only the latest result
    generated = [d for d in docs if d.emr_id.startswith("p")]
    assert len(generated) == pop.docs_per_patient * len({d.emr_id for d in generated})
