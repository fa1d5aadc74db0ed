"""Sign-in (R-ENT-1..4, R-OTP-1..6, R-ACC-4).

credentials → portal (level) → registry (grants) → code sent → code checked → Session.
Each step is a method whose result is the next state (an ``Attempt`` waiting for its
code, a ``Session``) and whose every failure is a typed error from
:mod:`kiosk.services.errors`; the screen each error leads to is decided in one place,
``kiosk.ui.messages`` (docs/design.md). The password is handed to the portal and
dropped; the login is kept only as a keyed digest.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from kiosk.domain import otp
from kiosk.domain.credentials import validate_login, validate_password
from kiosk.domain.grants import DEFAULT_CHILD_AGE_LIMIT, Grant, sms_phone, valid_grants
from kiosk.domain.phone import InvalidPhone, mask_phone, normalize_ru_phone
from kiosk.services.audit import AuditLog
from kiosk.services.errors import (
    AccountBlocked,
    BadCredentials,
    CodeExpired,
    CodeTypo,
    DeviceCancelled,
    DeviceDenied,
    DeviceExpired,
    NoGrants,
    ResendRefused,
    ServiceUnavailable,
    SimplifiedAccount,
    WrongCode,
)
from kiosk.services.ports import (
    AccessDenied,
    AccountLevel,
    AuthorizationPending,
    Clock,
    DeviceAuthorization,
    ExpiredToken,
    GrantRegistry,
    Portal,
    PortalIdentity,
    Sleeper,
    SlowDown,
    SmsGateway,
    UnitOfWorkFactory,
    UpstreamError,
    WrongCredentials,
)
from kiosk.services.session import Session, actor_of, login_digest

log = logging.getLogger(__name__)

#: RFC 8628 §3.5: each ``slow_down`` adds five seconds to the polling interval.
SLOW_DOWN_STEP = 5
#: The audit actor of a QR sign-in nobody has approved yet.
DEVICE_ACTOR = "device"


@dataclass(frozen=True)
class SignInSettings:
    code_key: bytes
    kiosk_id: str
    policy: otp.CodePolicy = field(default_factory=otp.CodePolicy)
    child_age_limit: int = DEFAULT_CHILD_AGE_LIMIT
    #: ``portal.device_grant``: offer QR sign-in when the portal supports it.
    device_grant: bool = True
    sms_text: str = "Код для входа в личный кабинет пациента: {code}. Никому его не сообщайте."


@dataclass(frozen=True)
class Attempt:
    """An attempt waiting for its code. Held by the UI; holds no secret."""

    attempt_id: str
    subject: str
    actor: str
    digest: str | None  # None on the QR path: no login to digest, the stored one stays
    grants: tuple[Grant, ...]
    masked_phone: str
    code_sent_at: datetime
    expires_at: datetime
    resend_at: datetime
    resends_left: int
    attempts_left: int

    def __repr__(self) -> str:
        return f"Attempt({self.attempt_id!r}, actor={self.actor!r})"


@dataclass(frozen=True)
class DeviceSignIn:
    """A QR sign-in waiting for the phone. Held by the UI in memory only."""

    auth: DeviceAuthorization = field(repr=False)
    user_code: str
    verification_uri: str
    qr_uri: str  # verification_uri_complete when given: the phone needs no typing
    expires_at: datetime
    interval: int

    def __repr__(self) -> str:
        return f"DeviceSignIn(expires_at={self.expires_at.isoformat()})"


def subject_digest(key: bytes, subject: str) -> str:
    """The QR path's stand-in for the login digest: the actor of audit and logs."""
    return hmac.new(key, b"subject\x1f" + subject.encode(), hashlib.sha256).hexdigest()


class SignInService:
    def __init__(
        self,
        portal: Portal,
        registry: GrantRegistry,
        sms: SmsGateway,
        uow: UnitOfWorkFactory,
        clock: Clock,
        audit: AuditLog,
        settings: SignInSettings,
    ) -> None:
        self._portal = portal
        self._registry = registry
        self._sms = sms
        self._uow = uow
        self._clock = clock
        self._audit = audit
        self._s = settings

    @property
    def block_hours(self) -> int:
        """How long the last wrong code blocks sign-in: the code screen says it before
        the last try (issue 16)."""
        return int(self._s.policy.block_for.total_seconds() // 3600)

    # ------------------------------------------------------------------ steps

    def start(self, login: str, password: str) -> Attempt:
        """Credentials → portal → level → grants → code by SMS."""
        login = validate_login(login)
        validate_password(password)
        digest = login_digest(self._s.code_key, login)
        actor = actor_of(digest)
        try:
            identity = self._portal.authenticate(login, password)
        except WrongCredentials:
            self._audit.record("signin.bad_credentials", actor)
            raise BadCredentials() from None
        except UpstreamError as err:
            log.warning("portal unavailable: %s", type(err).__name__)
            raise ServiceUnavailable("portal") from None
        finally:
            del password  # R-ENT-1: nothing keeps it past the call
        return self._after_identity(identity, actor, digest)

    def _after_identity(self, identity: PortalIdentity, actor: str, digest: str | None) -> Attempt:
        """What follows the portal on every path: level, grants, code by SMS."""
        if identity.level is AccountLevel.SIMPLIFIED:
            self._audit.record("signin.simplified_account", actor)
            raise SimplifiedAccount()
        try:
            grants = self._registry.grants_for(identity.subject)
        except UpstreamError as err:  # R-ACC-4: fail closed, cached grants never admit
            log.warning("registry unavailable: %s", type(err).__name__)
            raise ServiceUnavailable("registry") from None
        now = self._clock.now()
        valid = valid_grants(grants, now, self._s.child_age_limit)
        if not valid:
            self._audit.record("signin.no_grants", actor)
            raise NoGrants()
        attempt_id = secrets.token_urlsafe(16)
        attempt = self._send(identity.subject, actor, digest, tuple(valid), attempt_id, False)
        self._audit.record("signin.code_sent", actor, emrs=len(valid))
        return attempt

    # ------------------------------------------------------------------ QR sign-in

    def device_offered(self) -> bool:
        """QR sign-in is offered when config allows it and the portal announces the grant."""
        if not self._s.device_grant:
            return False
        try:
            return self._portal.device_offered()
        except UpstreamError as err:
            log.warning("portal discovery failed: %s", type(err).__name__)
            return False

    def start_device(self) -> DeviceSignIn:
        """Ask the portal for a device code; the QR shows where the phone approves it."""
        try:
            auth = self._portal.start_device()
        except UpstreamError as err:
            log.warning("portal device authorization failed: %s", type(err).__name__)
            raise ServiceUnavailable("portal") from None
        now = self._clock.now()
        return DeviceSignIn(
            auth=auth,
            user_code=auth.user_code,
            verification_uri=auth.verification_uri,
            qr_uri=auth.verification_uri_complete or auth.verification_uri,
            expires_at=now + timedelta(seconds=auth.expires_in),
            interval=max(1, auth.interval),
        )

    def wait_device(
        self, pending: DeviceSignIn, cancel: threading.Event, sleeper: Sleeper
    ) -> Attempt:
        """Poll the token endpoint until the phone answers, then the usual path.

        Never faster than the server's ``interval`` (RFC 8628 §3.5); ``slow_down`` adds
        5 seconds for good. After approval the level, grants and SMS code follow exactly
        as after a password: the code step is never skipped (R-ENT-4). Raises
        DeviceCancelled, DeviceDenied, DeviceExpired or the errors of ``start``.
        """
        interval = pending.interval
        while True:
            if sleeper.sleep(interval, cancel) or cancel.is_set():
                raise DeviceCancelled()
            if self._clock.now() >= pending.expires_at:
                self._audit.record("signin.device_expired", DEVICE_ACTOR)
                raise DeviceExpired()
            try:
                identity = self._portal.poll_device(pending.auth.device_code)
            except SlowDown:
                interval += SLOW_DOWN_STEP
                continue
            except AuthorizationPending:
                continue
            except AccessDenied:
                self._audit.record("signin.device_denied", DEVICE_ACTOR)
                raise DeviceDenied() from None
            except ExpiredToken:
                self._audit.record("signin.device_expired", DEVICE_ACTOR)
                raise DeviceExpired() from None
            except UpstreamError as err:
                log.warning("portal unavailable: %s", type(err).__name__)
                raise ServiceUnavailable("portal") from None
            if cancel.is_set():
                raise DeviceCancelled()
            actor = actor_of(subject_digest(self._s.code_key, identity.subject))
            self._audit.record("signin.device_approved", actor)
            return self._after_identity(identity, actor, None)

    def resend(self, attempt: Attempt) -> Attempt:
        """R-OTP-5: a new code after the cooldown; it voids the previous one."""
        new = self._send(
            attempt.subject, attempt.actor, attempt.digest, attempt.grants, attempt.attempt_id, True
        )
        self._audit.record("signin.code_resent", attempt.actor)
        return new

    def verify(self, attempt: Attempt, entered: str) -> Session:
        """Check the code. Raises CodeTypo, WrongCode, AccountBlocked or CodeExpired."""
        if not otp.is_well_formed(entered):
            raise CodeTypo()  # R-OTP-6: not counted
        now = self._clock.now()
        with self._uow(write=True) as uow:
            state = uow.accounts.load_for_update(attempt.subject)
            result = otp.check_code(
                state, entered, now, self._s.policy, self._s.code_key, attempt.attempt_id
            )
            uow.accounts.save(result.state, attempt.digest)
            uow.commit()
        outcome = result.outcome
        if outcome is otp.CheckOutcome.ACCEPTED:
            session = Session(
                session_id=secrets.token_urlsafe(16),
                subject=attempt.subject,
                actor=attempt.actor,
                started_at=now,
                grants=list(attempt.grants),
                grants_checked_at=now,
                grants_checked_mono=self._clock.monotonic(),
            )
            self._audit.record("signin.success", attempt.actor)
            return session
        if outcome is otp.CheckOutcome.WRONG:
            self._audit.record("signin.wrong_code", attempt.actor, left=result.attempts_left)
            raise WrongCode(result.attempts_left)
        if outcome is otp.CheckOutcome.BLOCKED:
            assert result.blocked_until is not None
            self._audit.record("signin.blocked", attempt.actor)
            raise AccountBlocked(result.blocked_until)
        self._audit.record("signin.code_expired", attempt.actor)
        raise CodeExpired()

    def sign_out(self, session: Session, reason: str = "button") -> None:
        """Record the end of a session (button, idle timeout, lost access, error)."""
        self._audit.record("signin.sign_out", session.actor, reason=reason[:32])

    # ------------------------------------------------------------------ internals

    def _send(
        self,
        subject: str,
        actor: str,
        digest: str | None,
        grants: tuple[Grant, ...],
        attempt_id: str,
        resend: bool,
    ) -> Attempt:
        policy = self._s.policy
        raw_phone = sms_phone(grants)
        try:
            phone = normalize_ru_phone(raw_phone or "")
        except InvalidPhone:
            log.warning("grant phone unusable for %s", actor)
            raise ServiceUnavailable("sms") from None
        now = self._clock.now()
        code = otp.generate_code()
        nonce = secrets.token_hex(8)
        with self._uow(write=True) as uow:
            state = otp.lift_expired_block(uow.accounts.load_for_update(subject), now, policy)
            decision = otp.may_send(state, now, policy, attempt_id, resend)
            if decision.refusal is otp.SendRefusal.BLOCKED:
                assert decision.retry_at is not None
                uow.accounts.save(state, digest)
                uow.commit()
                self._audit.record("signin.blocked", actor)
                raise AccountBlocked(decision.retry_at)
            if not decision.allowed:
                assert decision.refusal is not None
                raise ResendRefused(decision.refusal, decision.retry_at)
            before = state
            code_hash = otp.hash_code(self._s.code_key, subject, nonce, code)
            state = otp.record_send(state, now, policy, attempt_id, code_hash, nonce)
            uow.accounts.save(state, digest)
            uow.commit()
        try:
            self._sms.send(phone, self._s.sms_text.format(code=code))
        except UpstreamError as err:
            log.warning("sms gateway failed: %s", type(err).__name__)
            self._undo_send(subject, digest, before, nonce)
            raise ServiceUnavailable("sms") from None
        finally:
            del code
        return Attempt(
            attempt_id=attempt_id,
            subject=subject,
            actor=actor,
            digest=digest,
            grants=grants,
            masked_phone=mask_phone(phone),
            code_sent_at=now,
            expires_at=now + policy.ttl,
            resend_at=now + policy.resend_cooldown,
            resends_left=max(0, policy.max_resends_per_attempt - (state.attempt_sends - 1)),
            attempts_left=policy.max_wrong - state.failures,
        )

    def _undo_send(
        self, subject: str, digest: str | None, before: otp.AccountState, nonce: str
    ) -> None:
        """The SMS never left: forget the code so it neither counts nor can be guessed."""
        with self._uow(write=True) as uow:
            state = uow.accounts.load_for_update(subject)
            if state.code_nonce == nonce:
                state = replace(
                    state, code_hash=before.code_hash, code_nonce=before.code_nonce,
                    code_sent_at=before.code_sent_at, attempt_id=before.attempt_id,
                    attempt_sends=before.attempt_sends, sends=before.sends,
                )
                uow.accounts.save(state, digest)
                uow.commit()
