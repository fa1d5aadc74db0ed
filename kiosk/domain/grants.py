"""EMR-access grants and when they end (R-ACC-1..3, R-ENT-3..4)."""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from kiosk.domain.moscow import moscow_midnight, require_aware
from kiosk.domain.people import anniversary

#: The order's age at which a parent's access to a child's EMR ends. A config key.
DEFAULT_CHILD_AGE_LIMIT = 15


class Relation(enum.StrEnum):
    SELF = "self"
    CHILD = "child"


@dataclass(frozen=True, slots=True)
class Grant:
    """An approved request: this portal user may open this EMR."""

    emr_id: str
    relation: Relation
    patient_birth_date: date
    phone: str
    approved_at: datetime
    revoked_at: datetime | None = None


def access_ends_at(grant: Grant, child_age_limit: int = DEFAULT_CHILD_AGE_LIMIT) -> datetime | None:
    """00:00 Moscow on the child's birthday of ``child_age_limit``; ``None`` for ``self``."""
    if grant.relation is Relation.SELF:
        return None
    return _child_access_ends(grant.patient_birth_date, child_age_limit)


@functools.lru_cache(maxsize=1024)
def _child_access_ends(birth_date: date, child_age_limit: int) -> datetime:
    """A pure function of its arguments, asked on every grant check: worth remembering.

    Only the end instant is remembered; comparing it with the clock is done per call.
    """
    return moscow_midnight(anniversary(birth_date, child_age_limit))


def is_grant_valid(
    grant: Grant, now: datetime, child_age_limit: int = DEFAULT_CHILD_AGE_LIMIT
) -> bool:
    now = require_aware(now)
    if require_aware(grant.approved_at) > now:
        return False
    if grant.revoked_at is not None and require_aware(grant.revoked_at) <= now:
        return False
    ends = access_ends_at(grant, child_age_limit)
    return ends is None or now < ends


def valid_grants(
    grants: Iterable[Grant], now: datetime, child_age_limit: int = DEFAULT_CHILD_AGE_LIMIT
) -> list[Grant]:
    """Valid grants, one per EMR (the most recently approved wins)."""
    best: dict[str, Grant] = {}
    for g in grants:
        if is_grant_valid(g, now, child_age_limit):
            cur = best.get(g.emr_id)
            if cur is None or g.approved_at > cur.approved_at:
                best[g.emr_id] = g
    # Own EMR first, then children by approval, so the picker has a stable order.
    return sorted(best.values(), key=lambda g: (g.relation is not Relation.SELF, g.approved_at))


def sms_phone(grants: Iterable[Grant]) -> str | None:
    """The phone of the most recently approved valid grant (R-ENT-4)."""
    latest = max(grants, key=lambda g: g.approved_at, default=None)
    return latest.phone if latest else None
