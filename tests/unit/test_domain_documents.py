"""Per-kind date cut-offs in Moscow time (R-SHOW-4)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.documents import DocKind, is_visible, visible_from
from kiosk.domain.moscow import MOSCOW, moscow_date


def test_r_show_4_moscow_midnight_case() -> None:
    """R-SHOW-4: 2016-12-31T21:30Z is 01.01.2017 00:30 in Moscow → the exam protocol shows."""
    assert is_visible(DocKind.EXAM_PROTOCOL, datetime(2016, 12, 31, 21, 30, tzinfo=UTC), False)
    assert not is_visible(DocKind.EXAM_PROTOCOL, datetime(2016, 12, 31, 20, 30, tzinfo=UTC), False)


@pytest.mark.parametrize(
    ("kind", "radiology", "first_day"),
    [
        (DocKind.EXAM_PROTOCOL, False, date(2017, 1, 1)),
        (DocKind.DISCHARGE_SUMMARY, False, date(2019, 1, 1)),
        (DocKind.LAB_RESULT, False, date(2019, 1, 1)),
        (DocKind.INSTRUMENTAL, False, date(2019, 1, 1)),
        (DocKind.INSTRUMENTAL, True, date(2016, 1, 1)),
    ],
)
def test_r_show_4_cutoff_per_kind(kind: DocKind, radiology: bool, first_day: date) -> None:
    """R-SHOW-4: shown from the kind's first day (00:00 Moscow), hidden a minute before."""
    start = datetime.combine(first_day, datetime.min.time(), MOSCOW)
    assert is_visible(kind, start, radiology)
    assert not is_visible(kind, start - timedelta(minutes=1), radiology)


def test_r_show_4_radiology_rule_only_for_instrumental() -> None:
    """R-SHOW-4: the 2016 exception is for the radiology service's instrumental studies only."""
    assert visible_from(DocKind.LAB_RESULT, True) == date(2019, 1, 1)


@given(st.datetimes(min_value=datetime(2010, 1, 1), max_value=datetime(2030, 1, 1),
                    timezones=st.just(UTC)),
       st.sampled_from(list(DocKind)), st.booleans())
def test_r_show_4_decided_by_moscow_date(moment: datetime, kind: DocKind, radiology: bool) -> None:
    """R-SHOW-4: the rule equals 'Moscow creation date ≥ cut-off', for any instant."""
    expected = moscow_date(moment) >= visible_from(kind, radiology)
    assert is_visible(kind, moment, radiology) == expected


def test_naive_datetime_refused() -> None:
    """A date without a time zone cannot be placed on a Moscow date: typed error."""
    with pytest.raises(ValueError, match="time zone"):
        is_visible(DocKind.LAB_RESULT, datetime(2020, 1, 1), False)
