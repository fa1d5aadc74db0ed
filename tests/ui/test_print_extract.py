"""A print-out is an extract from the EMR (R-ACT-3, R-KSK-3, R-SHOW-1/2/6): each document
on its own pages under the extract's header, every page saying whose and which page it is,
lab rows as a table with flags in words, a PDF's pages printed as they are."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.domain.documents import DocKind, Document
from kiosk.services.ports import EmrSnapshot
from tests.pdfs import corrupt_pdf, make_pdf
from tests.ui.conftest import Env, Kiosk, make_env
from tests.ui.test_documents import lab_rows

WHEN = datetime(2026, 10, 1, 6, 30, tzinfo=UTC)


def pages_text(path: Path) -> list[str]:
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is needed"
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                         text=True, check=True).stdout
    return out.split("\f")[:-1]  # one form feed after each page


def extract_docs(pdf: bytes) -> list[Document]:
    rows = lab_rows(20)
    return [
        Document("p-text", "emr-1", DocKind.EXAM_PROTOCOL, WHEN, "Осмотр терапевта",
                 "ГП № 1", "Иванова А. А.", "Жалоб нет.\nРекомендации: наблюдение."),
        Document("p-lab", "emr-1", DocKind.LAB_RESULT, datetime(2026, 9, 30, 21, 0, tzinfo=UTC),
                 "Биохимия крови", "КДЛ № 3", "Петров П. П.",
                 "Заключение: отклонения.\n" + "\n".join(r.line() for r in rows),
                 results=rows, date_only=True),
        Document("p-pdf", "emr-1", DocKind.INSTRUMENTAL, WHEN, "УЗИ брюшной полости",
                 "ГП № 1", "Сидоров С. С.", "Заключение в отчёте.", pdf=pdf),
    ]


@pytest.fixture
def env(tmp_path: Path) -> Env:
    return make_env(tmp_path, print_section={
        "clinic_name": "ГБУЗ «Городская поликлиника № 1»",
        "clinic_address": "Москва, ул. Примерная, д. 1"})


def add_docs(env: Env, docs: list[Document]) -> None:
    with env.store() as uow:
        uow.documents.upsert_many(docs)
        uow.commit()
    snap = env.source.snapshots["emr-1"]
    env.source.snapshots["emr-1"] = EmrSnapshot(snap.patient, [*snap.documents, *docs])


def print_ids(kiosk: Kiosk, ids: list[str]) -> list[str]:
    kiosk.sign_in()
    kiosk.open_emr("emr-1")
    kiosk.window.prepare_print(ids)
    kiosk.settle()
    assert kiosk.name() == "preview"
    kiosk.s.preview.print_button.click()
    kiosk.settle()
    path = kiosk.ctx.printer.last_file()
    assert path is not None
    return pages_text(path)


def test_r_ksk_3_extract_of_three_documents_pages_say_whose_and_which(kiosk: Kiosk) -> None:
    add_docs(kiosk.env, extract_docs(make_pdf(3, "Отчёт УЗИ")))
    pages = print_ids(kiosk, ["p-text", "p-lab", "p-pdf"])
    total = len(pages)
    assert total == 1 + 1 + 1 + 3  # text, lab table, the PDF's header page, its 3 pages
    for n, page in enumerate(pages, 1):
        assert "Иван Петрович С." in page
        assert f"стр. {n} из {total}" in page and "kiosk-01" in page
    everything = "\n".join(pages)
    assert "Смирнов" not in everything  # R-SHOW-1: never the full surname
    # Every document starts a page, under the extract's header.
    starts = [i for i, p in enumerate(pages) if "Выписка из электронной медицинской карты" in p]
    assert starts == [0, 1, 2]
    assert "Осмотр терапевта" in pages[0] and "Биохимия крови" in pages[1]
    assert "УЗИ брюшной полости" in pages[2]
    head = pages[0]
    assert "Пол: Мужской" in head and "Возраст: 46 лет" in head
    assert "Протокол осмотра" in head and "Иванова А. А." in head and "ГП № 1" in head
    assert "Городская поликлиника № 1" in head and "ул. Примерная" in head
    assert "личного кабинета пациента" in head and "сверены с источником: " in head  # R-SHOW-6
    # The lab table: rows with their range and the flag in words; a date without time.
    lab = pages[1]
    assert "01.10.2026" in lab and "01.10.2026 " + "00:00" not in lab
    assert lab.count("выше нормы") == 5 and lab.count("ниже нормы") == 5
    assert "3.5–5.0" in lab and "Показатель 20" in lab
    # The PDF's pages, printed as images of themselves, follow its header.
    assert "Заключение в отчёте." in pages[2]


def test_r_act_3_corrupt_pdf_prints_a_sentence_not_a_failure(kiosk: Kiosk) -> None:
    docs = extract_docs(corrupt_pdf())
    add_docs(kiosk.env, docs[2:])
    pages = print_ids(kiosk, ["p-pdf"])
    assert len(pages) == 1
    assert "PDF-файл повреждён" in pages[0] and "стр. 1 из 1" in pages[0]


def test_r_act_3_pdf_of_30_pages_prints_all_30(kiosk: Kiosk) -> None:
    docs = extract_docs(make_pdf(30))
    add_docs(kiosk.env, docs[2:])
    pages = print_ids(kiosk, ["p-pdf"])
    assert len(pages) == 31 and "стр. 31 из 31" in pages[-1]


def test_r_act_3_preview_says_page_n_of_m_and_zooms_by_buttons(kiosk: Kiosk) -> None:
    add_docs(kiosk.env, extract_docs(make_pdf(3, "Отчёт УЗИ")))
    kiosk.sign_in()
    kiosk.open_emr("emr-1")
    kiosk.window.prepare_print(["p-text", "p-lab", "p-pdf"])
    kiosk.settle()
    preview = kiosk.s.preview
    assert preview.page_label.text() == "Страница 1 из 6"
    assert not preview.prev_page.isEnabled() and preview.next_page.isEnabled()
    preview.next_page.click()
    assert preview.page_label.text() == "Страница 2 из 6"
    fit = preview.preview.zoomFactor()
    preview.zoom_in.click()
    assert preview.preview.zoomFactor() > fit
    preview.fit.click()
    assert abs(preview.preview.zoomFactor() - fit) < 0.01
