"""Masking, age and sex labels (R-SHOW-1..3) and the masked phone (R-ENT-4)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.people import SEX_LABELS_RU, Sex, age_on, anniversary, mask_name
from kiosk.domain.phone import InvalidPhone, mask_phone, normalize_ru_phone


@pytest.mark.parametrize(
    ("given_", "patronymic", "family", "shown"),
    [
        ("Иван", "Петрович", "Смирнов", "Иван Петрович С."),
        ("Анна", None, "Кузнецова", "Анна К."),
        ("Анна", "", "Кузнецова", "Анна К."),
        ("Мария", "Ивановна", "Римская-Корсакова", "Мария Ивановна Р."),
        ("Олег", "Олегович", "ёлкин", "Олег Олегович Ё."),
    ],
)
def test_r_show_1_masked_name(given_: str, patronymic: str | None, family: str, shown: str) -> None:
    """R-SHOW-1: first name, patronymic, surname's first letter; double surname one letter."""
    assert mask_name(given_, patronymic, family) == shown


@given(st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВЕЁКМРСЯ-", min_size=2, max_size=30))
def test_r_show_1_full_surname_never_in_mask(family: str) -> None:
    """R-SHOW-1: whatever the surname, the mask holds at most its first letter.

    Only the part after the first name and patronymic is the surname's: a surname such
    as «ов» is also inside «Петрович», which says nothing about the mask."""
    masked = mask_name("Иван", "Петрович", family)
    assert masked.startswith("Иван Петрович ")
    tail = masked.removeprefix("Иван Петрович ")
    assert len(tail) == 2 and tail.endswith(".")  # one letter and its dot
    stripped = family.strip()
    if len(stripped) > 1:
        assert stripped not in tail


def test_r_show_2_age_in_full_years() -> None:
    """R-SHOW-2: the day before the birthday the age is still one less."""
    assert age_on(date(1980, 5, 17), date(2026, 5, 16)) == 45
    assert age_on(date(1980, 5, 17), date(2026, 5, 17)) == 46


def test_r_show_2_born_29_february() -> None:
    """R-SHOW-2: born 29 February → a year older on 1 March in a non-leap year."""
    born = date(2012, 2, 29)
    assert age_on(born, date(2027, 2, 28)) == 14
    assert age_on(born, date(2027, 3, 1)) == 15
    assert age_on(born, date(2028, 2, 29)) == 16
    assert anniversary(born, 15) == date(2027, 3, 1)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)),
       st.integers(min_value=0, max_value=40000))
def test_r_show_2_age_properties(born: date, days: int) -> None:
    """R-SHOW-2: age never decreases, grows by exactly one on each anniversary."""
    today = born + timedelta(days=days)
    age = age_on(born, today)
    assert anniversary(born, age) <= today < anniversary(born, age + 1)
    assert age_on(born, today + timedelta(days=1)) in (age, age + 1)


def test_r_show_3_sex_labels() -> None:
    """R-SHOW-3: Мужской / Женский; unknown shows as «не указан»."""
    assert SEX_LABELS_RU[Sex.MALE] == "Мужской"
    assert SEX_LABELS_RU[Sex.FEMALE] == "Женский"
    assert SEX_LABELS_RU[Sex.UNKNOWN] == "не указан"


def test_r_ent_4_phone_masked() -> None:
    """R-ENT-4: the screen shows +7 *** ***-**-67."""
    assert mask_phone(normalize_ru_phone("8 (916) 123-45-67")) == "+7 *** ***-**-67"


@pytest.mark.parametrize("bad", ["", "12345", "+7 700 123 45 67", "+1 916 123 45 67", "abc"])
def test_phone_refuses_non_russian_mobile(bad: str) -> None:
    """A Kazakh +7 7xx number or garbage never gets a code."""
    with pytest.raises(InvalidPhone):
        normalize_ru_phone(bad)


def test_r_show_2_age_in_words_follows_russian_plural() -> None:
    """The print-out states the age with its unit: «41 год», «42 года», «45 лет»."""
    from kiosk.domain.people import age_words

    cases = {0: "0 лет", 1: "1 год", 2: "2 года", 4: "4 года", 5: "5 лет", 11: "11 лет",
             12: "12 лет", 14: "14 лет", 21: "21 год", 41: "41 год", 42: "42 года",
             45: "45 лет", 101: "101 год", 111: "111 лет", 112: "112 лет", 122: "122 года"}
    assert {n: age_words(n) for n in cases} == cases
