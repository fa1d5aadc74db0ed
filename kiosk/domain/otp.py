"""The one-time code and the lockout policy (R-OTP-1..6).

All state transitions are pure: they take the account's state and ``now`` and return
the next state. The store persists the state under a row lock, which is what makes
the count exact across kiosks sharing one database.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

CODE_LENGTH = 6
_ASCII_DIGITS = frozenset("0123456789")


@dataclass(frozen=True, slots=True)
class CodePolicy:
    ttl: timedelta = timedelta(minutes=15)
    max_wrong: int = 5
    block_for: timedelta = timedelta(hours=24)
    resend_cooldown: timedelta = timedelta(seconds=60)
    max_resends_per_attempt: int = 3
    max_codes_per_window: int = 10
    codes_window: timedelta = timedelta(hours=24)


def generate_code() -> str:
    """Six digits from the OS CSPRNG (R-OTP-1)."""
    return f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"


def is_well_formed(entered: str) -> bool:
    """Exactly six ASCII digits; anything else is a typo, not a wrong code (R-OTP-6)."""
    return len(entered) == CODE_LENGTH and all(ch in _ASCII_DIGITS for ch in entered)


def hash_code(key: bytes, subject: str, nonce: str, code: str) -> str:
    """Keyed hash bound to the account and this sending; the code itself is never stored."""
    msg = f"{subject}\x1f{nonce}\x1f{code}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


def code_matches(key: bytes, subject: str, nonce: str, code: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_code(key, subject, nonce, code), stored_hash)


@dataclass(frozen=True, slots=True)
class AccountState:
    """Sign-in state of one portal account, shared by every kiosk on the store."""

    subject: str
    failures: int = 0
    blocked_since: datetime | None = None
    code_hash: str | None = None
    code_nonce: str | None = None
    code_sent_at: datetime | None = None
    attempt_id: str | None = None
    attempt_sends: int = 0
    sends: tuple[datetime, ...] = field(default_factory=tuple)

    def blocked_until(self, policy: CodePolicy) -> datetime | None:
        return None if self.blocked_since is None else self.blocked_since + policy.block_for


def lift_expired_block(state: AccountState, now: datetime, policy: CodePolicy) -> AccountState:
    """A block ends by itself after 24 h, and the count starts from zero (R-OTP-4)."""
    until = state.blocked_until(policy)
    if until is not None and now >= until:
        return replace(state, blocked_since=None, failures=0)
    return state


def is_blocked(state: AccountState, now: datetime, policy: CodePolicy) -> bool:
    until = state.blocked_until(policy)
    return until is not None and now < until


class SendRefusal(enum.StrEnum):
    BLOCKED = "blocked"
    COOLDOWN = "cooldown"
    ATTEMPT_CAP = "attempt_cap"
    DAILY_CAP = "daily_cap"
    NO_ATTEMPT = "no_attempt"


@dataclass(frozen=True, slots=True)
class SendDecision:
    refusal: SendRefusal | None
    retry_at: datetime | None = None

    @property
    def allowed(self) -> bool:
        return self.refusal is None


def may_send(
    state: AccountState, now: datetime, policy: CodePolicy, attempt_id: str, resend: bool
) -> SendDecision:
    """Whether a (re)sent code is allowed now (R-OTP-3, R-OTP-5)."""
    if is_blocked(state, now, policy):
        return SendDecision(SendRefusal.BLOCKED, state.blocked_until(policy))
    recent = [t for t in state.sends if now - t < policy.codes_window]
    if len(recent) >= policy.max_codes_per_window:
        return SendDecision(SendRefusal.DAILY_CAP, min(recent) + policy.codes_window)
    if resend:
        if state.attempt_id != attempt_id:
            return SendDecision(SendRefusal.NO_ATTEMPT)
        if state.attempt_sends - 1 >= policy.max_resends_per_attempt:
            return SendDecision(SendRefusal.ATTEMPT_CAP)
        if state.code_sent_at is not None and now - state.code_sent_at < policy.resend_cooldown:
            return SendDecision(SendRefusal.COOLDOWN, state.code_sent_at + policy.resend_cooldown)
    return SendDecision(None)


def record_send(
    state: AccountState,
    now: datetime,
    policy: CodePolicy,
    attempt_id: str,
    code_hash: str,
    nonce: str,
) -> AccountState:
    """A new code voids the previous one; the wrong-code count is kept (R-OTP-3, R-OTP-5)."""
    same_attempt = state.attempt_id == attempt_id
    recent = tuple(t for t in state.sends if now - t < policy.codes_window)
    return replace(
        state,
        code_hash=code_hash,
        code_nonce=nonce,
        code_sent_at=now,
        attempt_id=attempt_id,
        attempt_sends=(state.attempt_sends + 1) if same_attempt else 1,
        sends=(*recent, now),
    )


class CheckOutcome(enum.StrEnum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    BLOCKED = "blocked"
    EXPIRED = "expired"
    NO_CODE = "no_code"


@dataclass(frozen=True, slots=True)
class CheckResult:
    outcome: CheckOutcome
    state: AccountState
    attempts_left: int = 0
    blocked_until: datetime | None = None


def check_code(
    state: AccountState,
    entered: str,
    now: datetime,
    policy: CodePolicy,
    key: bytes,
    attempt_id: str,
) -> CheckResult:
    """Judge a well-formed code. A blocked account answers the same for right and wrong."""
    state = lift_expired_block(state, now, policy)
    if is_blocked(state, now, policy):
        return CheckResult(CheckOutcome.BLOCKED, state, 0, state.blocked_until(policy))
    if state.code_hash is None or state.code_nonce is None or state.attempt_id != attempt_id:
        return CheckResult(CheckOutcome.NO_CODE, state)
    assert state.code_sent_at is not None
    if now - state.code_sent_at >= policy.ttl:
        cleared = replace(state, code_hash=None, code_nonce=None)
        return CheckResult(CheckOutcome.EXPIRED, cleared)
    if code_matches(key, state.subject, state.code_nonce, entered, state.code_hash):
        done = replace(state, failures=0, code_hash=None, code_nonce=None, attempt_id=None)
        return CheckResult(CheckOutcome.ACCEPTED, done, policy.max_wrong)
    failures = state.failures + 1
    if failures >= policy.max_wrong:
        blocked = replace(
            state, failures=failures, blocked_since=now, code_hash=None, code_nonce=None
        )
        return CheckResult(CheckOutcome.BLOCKED, blocked, 0, blocked.blocked_until(policy))
    wrong = replace(state, failures=failures)
    return CheckResult(CheckOutcome.WRONG, wrong, policy.max_wrong - failures)
