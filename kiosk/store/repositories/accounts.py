"""Lockout state of portal accounts, shared by every kiosk of the store (R-OTP-3)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from kiosk.domain.otp import AccountState
from kiosk.store.models import ACCOUNTS
from kiosk.store.repositories.base import Repository, Upsert, utc_text

_FIELDS = (
    "subject",
    "failures",
    "blocked_since",
    "code_hash",
    "code_nonce",
    "code_sent_at",
    "attempt_id",
    "attempt_sends",
    "sends",
)
_SELECT = select(*(ACCOUNTS.c[name] for name in _FIELDS))
_SAVE = Upsert(ACCOUNTS, _FIELDS, ["subject"])
_SAVE_WITH_LOGIN = Upsert(ACCOUNTS, (*_FIELDS, "login_digest"), ["subject"])


def _account_from_row(row: Any) -> AccountState:
    return AccountState(
        subject=row.subject,
        failures=int(row.failures),
        blocked_since=row.blocked_since,
        code_hash=row.code_hash,
        code_nonce=row.code_nonce,
        code_sent_at=row.code_sent_at,
        attempt_id=row.attempt_id,
        attempt_sends=int(row.attempt_sends),
        sends=tuple(datetime.fromisoformat(s).astimezone(UTC) for s in (row.sends or ())),
    )


class SqlAccountRepository(Repository):
    """Exactness comes from the lock taken in ``load_for_update`` (``Dialect.lock_row``):
    on SQLite the write unit's ``BEGIN IMMEDIATE`` already excludes every other writer;
    on PostgreSQL the row is created if missing and then locked with
    ``SELECT … FOR UPDATE``."""

    def load_for_update(self, subject: str) -> AccountState:
        row = self._dialect.lock_row(
            self._conn, ACCOUNTS,
            {"subject": subject, "failures": 0, "attempt_sends": 0, "sends": []},
            _SELECT.where(ACCOUNTS.c.subject == subject),
        )
        return AccountState(subject=subject) if row is None else _account_from_row(row)

    def save(self, state: AccountState, login_digest: str | None = None) -> None:
        """``login_digest=None`` keeps the stored digest: callers without the login can save."""
        row: dict[str, Any] = {
            "subject": state.subject,
            "failures": state.failures,
            "blocked_since": state.blocked_since,
            "code_hash": state.code_hash,
            "code_nonce": state.code_nonce,
            "code_sent_at": state.code_sent_at,
            "attempt_id": state.attempt_id,
            "attempt_sends": state.attempt_sends,
            "sends": [utc_text(t) for t in state.sends],
        }
        if login_digest is None:
            self._save(_SAVE, row)
        else:
            self._save(_SAVE_WITH_LOGIN, {**row, "login_digest": login_digest})

    def find_by_login_digest(self, login_digest: str) -> AccountState | None:
        row = self._conn.execute(
            _SELECT.where(ACCOUNTS.c.login_digest == login_digest)
            .order_by(ACCOUNTS.c.subject)
            .limit(1)
        ).first()
        return None if row is None else _account_from_row(row)
