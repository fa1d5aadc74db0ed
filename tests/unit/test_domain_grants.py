"""Grant validity, the child's 15th birthday and the SMS phone (R-ACC-1, R-ENT-3/4)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.grants import Relation, access_ends_at, is_grant_valid, sms_phone, valid_grants
from kiosk.domain.moscow import MOSCOW
from kiosk.domain.people import age_on
from tests.fakes import grant


def test_r_acc_1_child_access_ends_at_moscow_midnight() -> None:
    """R-ACC-1: a child grant ends at 00:00 Moscow on the 15th birthday."""
    g = grant("c", Relation.CHILD, birth=date(2011, 11, 28))
    end = datetime(2026, 11, 28, 0, 0, tzinfo=MOSCOW)
    assert access_ends_at(g) == end
    assert is_grant_valid(g, end - timedelta(seconds=1))
    assert not is_grant_valid(g, end)


def test_r_acc_1_born_29_february_ends_1_march() -> None:
    """R-ACC-1: born 29 February → access ends on 1 March of a non-leap year."""
    g = grant("c", Relation.CHILD, birth=date(2012, 2, 29))
    assert access_ends_at(g) == datetime(2027, 3, 1, tzinfo=MOSCOW)


def test_r_acc_1_self_grant_has_no_end() -> None:
    """R-ACC-1: a self grant never ends by age."""
    g = grant("me", Relation.SELF, birth=date(1930, 1, 1))
    assert access_ends_at(g) is None
    assert is_grant_valid(g, datetime(2090, 1, 1, tzinfo=UTC))


def test_r_acc_1_age_limit_is_a_parameter() -> None:
    """R-ACC-1: the age is a config key; 18 keeps a 16-year-old visible."""
    g = grant("c", Relation.CHILD, birth=date(2010, 1, 1))
    now = datetime(2026, 11, 27, tzinfo=UTC)
    assert not is_grant_valid(g, now)
    assert is_grant_valid(g, now, child_age_limit=18)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 1, 1)),
       st.datetimes(min_value=datetime(2010, 1, 1), max_value=datetime(2050, 1, 1),
                    timezones=st.just(UTC)))
def test_r_acc_1_never_shown_at_15_or_more(born: date, now: datetime) -> None:
    """R-ACC-1: a patient aged 15 or more (Moscow date) is never shown through a child grant."""
    g = grant("c", Relation.CHILD, birth=born, approved=datetime(2000, 1, 1, tzinfo=UTC))
    if age_on(born, now.astimezone(MOSCOW).date()) >= 15:
        assert not is_grant_valid(g, now)
    else:
        assert is_grant_valid(g, now)


def test_r_acc_2_revoked_grant_stops_at_once() -> None:
    """R-ACC-2: a grant revoked at T is invalid from T on."""
    t = datetime(2026, 11, 27, 10, tzinfo=UTC)
    g = grant(revoked=t)
    assert is_grant_valid(g, t - timedelta(microseconds=1))
    assert not is_grant_valid(g, t)


def test_r_ent_4_phone_of_latest_approved_grant() -> None:
    """R-ENT-4: the code goes to the phone of the most recently approved valid grant."""
    now = datetime(2026, 11, 27, tzinfo=UTC)
    old = grant("a", phone="+79160000001", approved=datetime(2024, 1, 1, tzinfo=UTC))
    new = grant("b", Relation.CHILD, birth=date(2020, 1, 1), phone="+79160000002",
                approved=datetime(2025, 6, 1, tzinfo=UTC))
    revoked = grant("c", phone="+79160000003", approved=datetime(2026, 1, 1, tzinfo=UTC),
                    revoked=datetime(2026, 2, 1, tzinfo=UTC))
    assert sms_phone(valid_grants([old, new, revoked], now)) == "+79160000002"


def test_r_ent_3_no_valid_grants() -> None:
    """R-ENT-3: revoked and aged-out grants leave nothing."""
    now = datetime(2026, 11, 27, tzinfo=UTC)
    gone = [grant(revoked=now - timedelta(days=1)),
            grant("c", Relation.CHILD, birth=date(2005, 1, 1))]
    assert valid_grants(gone, now) == []
