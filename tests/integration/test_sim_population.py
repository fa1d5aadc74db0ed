"""The synthetic population: deterministic, every edge case present, big ones cheap."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from datetime import date, timedelta

from kiosk.domain.documents import DocKind
from kiosk.domain.grants import Relation, access_ends_at
from kiosk.domain.moscow import moscow_midnight
from kiosk.domain.people import age_on, mask_name
from kiosk.sim import clinic
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


def test_large_population_is_lazy_and_sized_as_asked():
    """The benchmarks size their runs by ``expected_document_count``; documents are made
    only when iterated (their cost is the benchmark's: bench.simproc, bench.cache)."""
    pop = Population(size=500, seed=1, today=TODAY, docs_per_patient=20, big_emr_docs=20_000)
    first = list(itertools.islice(pop.documents(), 10))
    assert len(first) == 10
    count = big = 0
    for d in pop.documents():
        count += 1
        big += d.emr_id == "1009"
    assert count == pop.expected_document_count >= 500 * 20 + 20_000 - 20 * 10
    assert big == 20_000


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
    (2023–2026, some out of range), so the demo's lab result shows trend pictures; each
    generated patient keeps its number of documents."""
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


def _shape(d) -> str:  # which of clinic.SHAPES a generated document is
    if d.kind is DocKind.LAB_RESULT:
        return "lab"
    if d.kind is DocKind.INSTRUMENTAL:
        return "study_pdf" if d.pdf is not None else "study"
    if d.kind is DocKind.DISCHARGE_SUMMARY:
        return "discharge_html" if d.html else "discharge_text"
    return "exam_html" if d.html else "exam_text"


ICD10 = re.compile(r"<b>(?:Основной:</b> )?[A-Z]\d{2}(?:\.\d)?")


def test_issue_17_generated_documents_read_like_a_clinics():
    """The generated (bench) population has the demo's shapes in the shares chosen in
    kiosk/sim/clinic.py: narrative protocols and discharge summaries with their sections
    and an ICD-10 code, lab panels of 10–30 analytes with ranges and some values out of
    range, instrumental conclusions, a few PDF reports of one or two pages, some plain
    text — and no two results alike."""
    from kiosk.ui.pdfpages import page_sizes

    pop = Population(size=400, seed=1, today=TODAY, docs_per_patient=8)
    docs = [d for d in pop.documents() if d.fhir_id.startswith("g")]
    assert len(docs) > 3000
    shares = Counter(_shape(d) for d in docs)
    for shape, share in clinic.SHAPES:
        assert abs(shares[shape] / len(docs) - share) < 0.025, (shape, shares)
    for d in docs:
        if d.html:
            for section in ("Жалобы", "Диагноз", "Рекомендации"):
                assert f"{section}" in d.html, d.fhir_id
            assert ICD10.search(d.html), d.fhir_id
            assert not d.text  # sent as HTML only, as the demo's
    labs = [d for d in docs if d.kind is DocKind.LAB_RESULT]
    assert all(10 <= len(d.observations) <= 30 for d in labs)
    assert all(o.low is not None and o.high is not None for d in labs for o in d.observations)
    outside = [o for d in labs for o in d.observations if not o.low <= o.value <= o.high]
    assert 0.03 < len(outside) / sum(len(d.observations) for d in labs) < 0.15
    assert len({tuple(o.value for o in d.observations) for d in labs}) == len(labs)
    assert len({d.html for d in docs if d.html}) == sum(1 for d in docs if d.html)
    studies = [d for d in docs if d.kind is DocKind.INSTRUMENTAL]
    assert all("Заключение:" in d.text for d in studies if d.pdf is None)
    assert any(d.radiology for d in studies) and not all(d.radiology for d in studies)
    pdfs = [d for d in docs if d.pdf is not None]
    assert {len(page_sizes(d.pdf)) for d in pdfs} == {1, 2}
    assert all(d.text for d in pdfs)  # a conclusion in words beside the report
    assert all(len(d.text) > 300 for d in docs if _shape(d) == "exam_text")


def test_issue_17_generated_documents_as_the_kiosk_reads_them():
    """Through the simulator's FHIR and the kiosk's reader: the narrative keeps its
    sections, the code is in the words, the lab rows carry their ranges and flags."""
    from datetime import UTC, datetime

    from kiosk.domain.documents import Document, Flag
    from kiosk.sim.fhir_render import render_document
    from kiosk.upstream.fhir_read import Reader

    pop = Population(size=40, seed=2, today=TODAY, docs_per_patient=8)
    reader = Reader()
    read = []
    for d in pop.documents():
        if d.fhir_id.startswith("g"):
            out = reader.resource(render_document(d, datetime(2025, 6, 1, tzinfo=UTC), 1))
            read.append(out[0] if isinstance(out, list) else out)
    assert all(isinstance(d, Document) for d in read)
    narratives = [d for d in read if d.narrative]
    assert narratives and all("<h4>Диагноз</h4>" in d.narrative for d in narratives)
    assert all(re.search(r"\b[A-Z]\d{2}(\.\d)?\b", d.text) for d in narratives)
    flags = Counter(r.flag for d in read for r in d.results)
    assert flags[Flag.HIGH] and flags[Flag.LOW] and flags[Flag.NORMAL] > 10 * flags[Flag.HIGH]
    assert all(r.reference for d in read for r in d.results)
