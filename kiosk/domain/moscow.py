"""Moscow time: every date rule of the order is stated in it (UTC+3, no DST)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

# A fixed offset rather than zoneinfo: Moscow has had no DST since 2014, and a fixed
# offset needs no tzdata on a minimal clinic box.
MOSCOW = timezone(timedelta(hours=3), "MSK")


def require_aware(moment: datetime) -> datetime:
    """Reject naive datetimes: a time without a zone cannot be placed on a Moscow date."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetime without a time zone")
    return moment


def to_moscow(moment: datetime) -> datetime:
    return require_aware(moment).astimezone(MOSCOW)


def moscow_date(moment: datetime) -> date:
    return to_moscow(moment).date()


def moscow_midnight(day: date) -> datetime:
    """00:00 Moscow time of ``day`` as an aware datetime (in UTC)."""
    return datetime.combine(day, time(0, 0), MOSCOW).astimezone(UTC)


def format_moscow(moment: datetime, with_time: bool = True) -> str:
    local = to_moscow(moment)
    return local.strftime("%d.%m.%Y %H:%M" if with_time else "%d.%m.%Y")
