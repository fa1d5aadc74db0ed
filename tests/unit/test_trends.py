"""Trend series of lab values (issue 17 item 1, R-SHOW-5): the same analyte across the
EMR's lab results, numbers read from values as written, non-numbers left out."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from kiosk.domain.documents import DocKind, Document, Flag, LabRow
from kiosk.services.errors import AccessEnded
from kiosk.services.trends import band_ru, describe_ru, for_document, number, trends_for
from tests.unit.test_records import World


def lab(doc_id: str, year: int, *rows: LabRow, emr_id: str = "emr-self") -> Document:
    return Document(doc_id, emr_id, DocKind.LAB_RESULT, datetime(year, 5, 10, 6, tzinfo=UTC),
                    "Общий анализ крови", "КДЛ", "Петрова П. П.", "", results=rows)


def hb(value: str, flag: Flag = Flag.NORMAL, unit: str = "г/л") -> LabRow:
    return LabRow("Гемоглобин", value, unit, "120", "160", flag=flag)


@pytest.mark.parametrize(("written", "expected"), [
    ("135", Decimal(135)), ("4.50", Decimal("4.50")), ("4,50", Decimal("4.50")),
    (" 7 ", Decimal(7)), ("-1.2", Decimal("-1.2")), ("−1.2", Decimal("-1.2")),
    ("<0.5", None), (">100", None), ("положительно", None), ("5-10", None), ("1e3", None),
    ("NaN", None), ("Infinity", None), ("", None), ("1.2.3", None), ("+", None),
])
def test_issue_17_values_as_written_are_numbers_only_when_plainly_numbers(
        written: str, expected: Decimal | None) -> None:
    assert number(written) == expected


def test_issue_17_three_results_make_a_series_oldest_first_with_the_band() -> None:
    docs = [lab("a", 2024, hb("135")), lab("b", 2025, hb("118", Flag.LOW)),
            lab("c", 2026, hb("171", Flag.HIGH))]
    [trend] = trends_for(docs[2], docs)
    assert [p.written for p in trend.points] == ["135", "118", "171"]
    assert [p.flag for p in trend.points] == [Flag.NORMAL, Flag.LOW, Flag.HIGH]
    assert (trend.low, trend.high, trend.unit, trend.doc_id) == (
        Decimal(120), Decimal(160), "г/л", "c")
    assert describe_ru(trend) == ("Гемоглобин: 3 значения с 2024 по 2026, последнее 171 г/л, "
                                  "выше нормы")
    assert band_ru(trend) == "норма 120–160 г/л"


def test_issue_17_non_numeric_values_are_left_out_and_never_raise() -> None:
    crp = LabRow("С-реактивный белок", "<0.5", "мг/л", "", "5.0")
    culture = LabRow("Посев", "положительно")
    docs = [lab("a", 2024, hb("135"), crp, culture),
            lab("b", 2025, hb("не выполнено"), LabRow("С-реактивный белок", "3.2", "мг/л"),
                culture),
            lab("c", 2026, hb("140"), LabRow("С-реактивный белок", "12.4", "мг/л", "", "5.0"),
                LabRow("Посев", "NaN"))]
    trends = {t.analyte: t for t in trends_for(docs[2], docs)}
    assert set(trends) == {"Гемоглобин", "С-реактивный белок"}  # no trend of a culture
    assert [p.written for p in trends["Гемоглобин"].points] == ["135", "140"]
    assert trends["Гемоглобин"].skipped == 1
    crp_trend = trends["С-реактивный белок"]
    assert [p.written for p in crp_trend.points] == ["3.2", "12.4"]
    assert crp_trend.low is None and crp_trend.high == Decimal("5.0")
    # The lab gave no flag: above its own upper bound still reads «выше нормы».
    assert crp_trend.latest.flag is Flag.HIGH
    assert band_ru(crp_trend) == "норма до 5.0 мг/л"


def test_issue_17_same_name_other_unit_or_one_value_makes_no_trend() -> None:
    docs = [lab("a", 2024, hb("13.5", unit="г/дл")), lab("b", 2026, hb("140"))]
    assert trends_for(docs[1], docs) == []


def test_issue_17_names_match_without_case_and_extra_spaces_and_one_year_says_so() -> None:
    docs = [lab("a", 2026, LabRow("гемоглобин ", "130", "Г/Л")), lab("b", 2026, hb("140"))]
    [trend] = trends_for(docs[1], docs)
    assert len(trend.points) == 2
    assert describe_ru(trend).startswith("Гемоглобин: 2 значения за 2026 год")


def test_issue_17_history_is_grant_checked_and_read_from_the_emr(w: World) -> None:
    docs = [lab("t1", 2024, hb("135")), lab("t2", 2025, hb("150")), lab("t3", 2026, hb("171"))]
    with w.store() as uow:
        uow.documents.upsert_many(docs)
        uow.commit()
    [trend] = for_document(w.svc, w.session, "emr-self", docs[0])
    assert [p.doc_id for p in trend.points] == ["t1", "t2", "t3"]
    assert trend.doc_id == "t1"
    with pytest.raises(AccessEnded):
        for_document(w.svc, w.session, "emr-other", docs[0])


@pytest.fixture
def w() -> World:
    return World()
