"""Nothing of the patient is left after sign-out, counted with 1,000 markers (R-KSK-2).

Issue 8, figure 4, Qt side: every document of one EMR carries a unique marker in its
title and text (a third also in a narrative, a third in a lab row); the patient signs
in, scrolls the whole list, opens documents, prints
all of them to PDF and signs out (by button, or by the idle timeout). Then every live
widget, every item model, the clipboard and the print folder are scanned.
"""

from __future__ import annotations

import gc
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from msgspec import structs
from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtWidgets import QApplication

from kiosk.domain.documents import DocKind, Flag, LabRow
from kiosk.ui.tasks import wait_for_tasks
from tests.fakes import document
from tests.ui.conftest import Kiosk, clipboard_text, make_env, visible_texts

pytestmark = [pytest.mark.ui, pytest.mark.faults]

N = 1000


def marker(i: int) -> str:
    return f"MRK{i:04d}Q"


def seed_markers(kiosk: Kiosk) -> list[str]:
    base = datetime(2024, 1, 1, 8, 0, tzinfo=UTC)
    docs = [
        document(f"m-{i}", "emr-1", DocKind.EXAM_PROTOCOL, base + timedelta(hours=i),
                 title=f"Осмотр {marker(i)}", text=f"Заключение {marker(i)}: здоров.")
        for i in range(N)
    ]
    # A third of them narrative, a third lab rows: the new content types are scanned too.
    new = structs.replace
    docs = [new(d, narrative=f"<h3>Статус</h3><p>Осмотрен {marker(i)}.</p>") if i % 3 == 1
            else new(d, results=(LabRow(f"Показатель {marker(i)}", "9.9", "г/л", "1", "5",
                                        flag=Flag.HIGH),)) if i % 3 == 2
            else d for i, d in enumerate(docs)]
    with kiosk.env.store() as uow:
        uow.documents.upsert_many(docs)
        uow.commit()
    snap = kiosk.env.source.snapshots["emr-1"]
    snap.documents.extend(docs)  # the sign-in refresh keeps them
    return [d.doc_id for d in docs]


def _columns(model: QAbstractItemModel) -> int:
    try:
        return max(1, model.columnCount(QModelIndex()))
    except TypeError:  # list models keep columnCount private
        return 1


def model_texts() -> list[str]:
    out: list[str] = []
    for top in QApplication.topLevelWidgets():
        for model in top.findChildren(QAbstractItemModel):
            for r in range(model.rowCount(QModelIndex())):
                for c in range(_columns(model)):
                    for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                                 Qt.ItemDataRole.UserRole):
                        out.append(str(model.data(model.index(r, c), role)))
    return out


def leftover_markers(print_dir: Path) -> dict[str, int]:
    gc.collect()
    QApplication.processEvents()
    texts = visible_texts() + model_texts() + [clipboard_text()]
    found = {"widgets+models": sum(1 for t in texts if "MRK" in t)}
    files = [p for p in print_dir.rglob("*") if p.is_file()]
    found["print files"] = sum(1 for p in files if b"MRK" in p.read_bytes()) + len(files)
    return found


def walk(kiosk: Kiosk, ids: list[str]) -> None:
    kiosk.sign_in()
    kiosk.open_emr("emr-1")
    model = kiosk.window.screens.emr.models[DocKind.EXAM_PROTOCOL]
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
        kiosk.settle()
    assert model.rowCount() >= N
    for doc_id in ids[:: N // 20]:
        kiosk.window.open_document(doc_id)
        kiosk.settle()
    QApplication.clipboard().setText(marker(7))
    # 1,000 documents print as 1,000+ pages (each document starts one): more than the
    # usual 10 s wait on a loaded machine.
    kiosk.window.prepare_print(ids)
    wait_for_tasks(kiosk.ctx.runner, msecs=120_000)
    kiosk.window.print_now()
    wait_for_tasks(kiosk.ctx.runner, msecs=120_000)
    pdfs = list(kiosk.env.print_dir.glob("*.pdf"))
    assert pdfs, "the print job wrote no PDF"
    text = subprocess.run(["pdftotext", str(pdfs[0]), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert len(set(re.findall(r"MRK\d{4}Q", text))) == N  # every chosen document printed
    assert sum(1 for t in visible_texts() + model_texts() if "MRK" in t) > 0  # scan can see


def test_no_marker_left_after_sign_out_button_R_KSK_2(kiosk: Kiosk) -> None:
    """R-KSK-2: sign-out by button leaves 0 of 1,000 markers on screen, in models,
    the clipboard or print files."""
    ids = seed_markers(kiosk)
    walk(kiosk, ids)
    kiosk.window.sign_out()
    kiosk.settle()
    found = leftover_markers(kiosk.env.print_dir)
    print(f"\nmarkers left after sign-out by button: {found}")
    assert found == {"widgets+models": 0, "print files": 0}


def test_no_marker_left_after_idle_timeout_R_KSK_1_R_KSK_2(tmp_path: Path, qtbot) -> None:
    """R-KSK-1/2: the same after the idle timeout signs the patient out."""
    # The test expires the session itself; the real timer must not beat it: printing
    # 1,000 documents (a page each) takes longer than 10 s on a loaded test machine.
    env = make_env(tmp_path, idle_timeout_s=300, idle_warning_s=5)
    k = Kiosk(env, qtbot)
    try:
        ids = seed_markers(k)
        walk(k, ids)
        k.window.idle.trigger_warning()
        with qtbot.waitSignal(k.window.signed_out, timeout=3000):
            k.window.idle.expire()
        k.settle()
        found = leftover_markers(env.print_dir)
        print(f"\nmarkers left after idle sign-out: {found}")
        assert found == {"widgets+models": 0, "print files": 0}
    finally:
        k.window.shutdown()
