"""Words the screens share: sex, relation, document kinds, ages and Moscow times.

The domain keeps Russian labels for print and logs; the screens need them in the
chosen language, so they are spelled here once, through ``translate`` for lupdate.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication

from kiosk.domain.documents import DocKind
from kiosk.domain.grants import Relation
from kiosk.domain.moscow import format_moscow
from kiosk.domain.people import Sex


def sex_label(sex: Sex) -> str:
    labels = {
        Sex.MALE: QCoreApplication.translate("Texts", "Мужской"),
        Sex.FEMALE: QCoreApplication.translate("Texts", "Женский"),
        Sex.UNKNOWN: QCoreApplication.translate("Texts", "не указан"),
    }
    return labels[sex]


def relation_label(relation: Relation) -> str:
    if relation is Relation.SELF:
        return QCoreApplication.translate("Texts", "Ваша карта")
    return QCoreApplication.translate("Texts", "Карта ребёнка")


def kind_title(kind: DocKind) -> str:
    titles = {
        DocKind.EXAM_PROTOCOL: QCoreApplication.translate("Texts", "Протоколы осмотров"),
        DocKind.DISCHARGE_SUMMARY: QCoreApplication.translate("Texts", "Выписные эпикризы"),
        DocKind.LAB_RESULT: QCoreApplication.translate("Texts", "Лабораторные исследования"),
        DocKind.INSTRUMENTAL: QCoreApplication.translate("Texts", "Инструментальные исследования"),
    }
    return titles[kind]


def kind_name(kind: DocKind) -> str:
    """One document's kind, for its own header (the tabs use the plural titles)."""
    names = {
        DocKind.EXAM_PROTOCOL: QCoreApplication.translate("Texts", "Протокол осмотра"),
        DocKind.DISCHARGE_SUMMARY: QCoreApplication.translate("Texts", "Выписной эпикриз"),
        DocKind.LAB_RESULT: QCoreApplication.translate("Texts", "Лабораторное исследование"),
        DocKind.INSTRUMENTAL: QCoreApplication.translate(
            "Texts", "Инструментальное исследование"),
    }
    return names[kind]


def _ru_plural(n: int, one: str, few: str, many: str) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def age_label(years: int) -> str:
    """«Возраст: 8 лет» — Russian plural rules in code, English through the translator."""
    unit = _ru_plural(years, "год", "года", "лет")
    template = QCoreApplication.translate("Texts", "Возраст: %1 %2")
    if template.startswith("Age"):
        return f"Age: {years} " + ("year" if years == 1 else "years")
    return template.replace("%1", str(years)).replace("%2", unit)


def moscow(moment: datetime, with_time: bool = True) -> str:
    """Every date on screen is Moscow time (R-SHOW-4/5)."""
    return format_moscow(moment, with_time)


def mmss(seconds: float) -> str:
    seconds = max(0, int(seconds + 0.999))
    return f"{seconds // 60}:{seconds % 60:02d}"
