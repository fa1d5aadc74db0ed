"""Who an EMR belongs to, and how they may be shown (R-SHOW-1..3)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date


class Sex(enum.StrEnum):
    MALE = "male"
    FEMALE = "female"
    UNKNOWN = "unknown"


SEX_LABELS_RU = {Sex.MALE: "Мужской", Sex.FEMALE: "Женский", Sex.UNKNOWN: "не указан"}


@dataclass(frozen=True, slots=True)
class Patient:
    """A patient as the cache holds it. ``family`` never leaves the service layer."""

    emr_id: str
    family: str
    given: str
    patronymic: str | None
    birth_date: date
    sex: Sex

    def __repr__(self) -> str:  # keep the surname out of logs and tracebacks
        masked = mask_name(self.given, self.patronymic, self.family)
        return f"Patient(emr_id={self.emr_id!r}, name={masked!r})"


def mask_name(given: str, patronymic: str | None, family: str) -> str:
    """``Иван Петрович С.`` — first name, patronymic, first letter of the surname.

    A double surname (``Римская-Корсакова``) still gives one letter; a missing
    patronymic is left out.
    """
    parts = [p for p in (given.strip(), (patronymic or "").strip()) if p]
    family = family.strip()
    if family:
        parts.append(family[0].upper() + ".")
    return " ".join(parts) if parts else "—"


def anniversary(birth: date, years: int) -> date:
    """The date someone born on ``birth`` turns ``years``; 29 February → 1 March."""
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:  # 29 February in a non-leap year
        return date(birth.year + years, 3, 1)


def age_on(birth: date, today: date) -> int:
    """Age in full years on ``today`` (R-SHOW-2)."""
    if today < birth:
        return 0
    years = today.year - birth.year
    if anniversary(birth, years) > today:
        years -= 1
    return years


def ru_plural(n: int, one: str, few: str, many: str) -> str:
    """The Russian noun form for ``n``: 1 год, 2 года, 5 лет, 11 лет, 21 год, 112 лет."""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def age_words(years: int) -> str:
    """``41 год``, ``42 года``, ``45 лет``: the age as a print-out states it (R-SHOW-2)."""
    return f"{years} {ru_plural(years, 'год', 'года', 'лет')}"
