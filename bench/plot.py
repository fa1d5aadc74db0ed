"""Open time and peak memory against the number of documents, drawn with QPainter
(matplotlib is not a dependency): one PNG, two panels, log-scaled x axis."""

from __future__ import annotations

import itertools
import math
import os
from pathlib import Path


def draw(sweep: list[dict], path: Path, width: int = 900, height: int = 420) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPen

    _app = QGuiApplication.instance() or QGuiApplication([])
    img = QImage(width, height, QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setFont(QFont("DejaVu Sans", 9))
    xs = [float(r["documents"]) for r in sweep]
    x0, x1 = math.log10(min(xs)), math.log10(max(xs))
    # English: the plot lives in docs/performance.md, which is written for IT staff.
    panels = [("Opening an EMR, ms (target ≤ 50)", "open_ms", 50.0, QColor("#1f5fbf")),
              ("Peak memory of the kiosk, MB (target ≤ 250)", "rss_mb", 250.0,
               QColor("#c0392b"))]
    pw = width / 2
    for i, (title, key, target, color) in enumerate(panels):
        left, top = i * pw + 60, 40.0
        box = QRectF(left, top, pw - 90, height - 100)
        ys = [float(r[key]) for r in sweep]
        ymax = max(max(ys), target) * 1.15

        def pt(x: float, y: float, box: QRectF = box, ymax: float = ymax) -> QPointF:
            fx = (math.log10(x) - x0) / ((x1 - x0) or 1)
            return QPointF(box.left() + fx * box.width(), box.bottom() - y / ymax * box.height())

        p.setPen(QPen(QColor("black"), 1))
        p.drawRect(box)
        p.drawText(QRectF(i * pw, 8, pw, 24), Qt.AlignmentFlag.AlignCenter, title)
        for k in range(5):
            y = ymax * k / 4
            yy = box.bottom() - k / 4 * box.height()
            p.setPen(QPen(QColor("#dddddd"), 1))
            p.drawLine(QPointF(box.left(), yy), QPointF(box.right(), yy))
            p.setPen(QColor("black"))
            p.drawText(QRectF(box.left() - 58, yy - 8, 52, 16),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{y:.0f}")
        for x in xs:
            q = pt(x, 0)
            p.drawText(QRectF(q.x() - 30, box.bottom() + 4, 60, 16),
                       Qt.AlignmentFlag.AlignCenter,
                       f"{x / 1000:g}k" if x >= 1000 else f"{x:g}")
        p.drawText(QRectF(box.left(), box.bottom() + 22, box.width(), 16),
                   Qt.AlignmentFlag.AlignCenter, "documents in the EMR (log scale)")
        pen = QPen(QColor("#888888"), 1, Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.drawLine(pt(xs[0], target), pt(xs[-1], target))
        p.setPen(QPen(color, 2.5))
        pts = [pt(x, y) for x, y in zip(xs, ys, strict=True)]
        for a, b in itertools.pairwise(pts):
            p.drawLine(a, b)
        p.setBrush(color)
        for q in pts:
            p.drawEllipse(q, 3.5, 3.5)
        p.setBrush(Qt.BrushStyle.NoBrush)
    p.end()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not img.save(str(path)):
        raise RuntimeError(f"could not write {path}")
