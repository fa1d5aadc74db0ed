"""The user's EMRs and their documents, grant-checked on every call (R-ACC-2/3/5, R-ACT-1..3).

Grants are re-read from the registry when the session's copy is older than
``grants_max_age`` (a few seconds: every call checks, but a screenful of calls does not
hit the registry ten times). Validity in time — revocation instants and the child's
15th birthday — is evaluated against the clock on every single call.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta

from kiosk.domain.documents import KIND_ORDER, DocKind
from kiosk.domain.grants import (
    DEFAULT_CHILD_AGE_LIMIT,
    Grant,
    access_ends_at,
    is_grant_valid,
    valid_grants,
)
from kiosk.domain.moscow import moscow_date
from kiosk.domain.people import Patient, Sex, age_on, mask_name
from kiosk.services.audit import AuditLog
from kiosk.services.errors import AccessEnded, NoAccessLeft, NotFound
from kiosk.services.ports import (
    Clock,
    GrantRegistry,
    UnitOfWork,
    UnitOfWorkFactory,
    UpstreamError,
)
from kiosk.services.session import Session
from kiosk.services.views import DocumentPage, DocumentRow, DocumentView, EmrCard

log = logging.getLogger(__name__)

#: A registry re-read under way: when it was asked (monotonic) and its answer to come.
_Asked = tuple[float, "Future[list[Grant]]"]
#: A card's rows from the store: the patient, the EMR's last refresh, the last full sync.
_Cached = tuple["Patient | None", "datetime | None", "datetime | None"]

PAGE_SIZE = 50
#: The largest list page: a list that has shown 5,000 rows asks for 5,000 more at once
#: (see ``kiosk.ui.emr.MAX_PAGE``); a page of that size is read in a few milliseconds.
MAX_PAGE_SIZE = 5000


class RecordsService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        registry: GrantRegistry,
        clock: Clock,
        audit: AuditLog,
        child_age_limit: int = DEFAULT_CHILD_AGE_LIMIT,
        grants_max_age: timedelta = timedelta(seconds=5),
        registry_grace: timedelta = timedelta(seconds=60),
    ) -> None:
        self._uow = uow
        self._registry = registry
        self._clock = clock
        self._audit = audit
        self._age_limit = child_age_limit
        self._max_age = grants_max_age.total_seconds()
        self._grace = registry_grace.total_seconds()
        self._asking = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None

    # ------------------------------------------------------------------ grants

    def current_grants(self, session: Session) -> list[Grant]:
        """Valid grants now; raises NoAccessLeft when none is left (R-ACC-2)."""
        now = self._clock.now()
        with session.lock:
            self._recheck(session, now)
            valid = valid_grants(session.grants, now, self._age_limit)
        if not valid:
            raise NoAccessLeft()
        return valid

    def _ask_registry(self, session: Session) -> _Asked | None:
        """When the session's copy of the grants is due for a re-read, start it in the
        background and say when it was asked; None when the copy is fresh.

        The open of an EMR reads its card from the store meanwhile, and decides on
        the registry's answer once both are there: the patient waits for the longer of
        the two, not for both (issue 18, ``open_field_ms``). Nothing is shown before
        the answer; the re-read is aged from when it was asked.
        """
        asked_at = self._clock.monotonic()
        if asked_at - session.grants_checked_mono < self._max_age:
            return None
        with self._asking:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(2, thread_name_prefix="kiosk-grants")
            future = self._executor.submit(self._registry.grants_for, session.subject)
        return asked_at, future

    def _recheck(self, session: Session, now: datetime, asked: _Asked | None = None) -> None:
        """Re-read the registry when the session's copy is ``grants_max_age`` old, aged on
        the monotonic clock (a wall clock stepped back kept a revoked grant open);
        ``asked``: a re-read already under way (``_ask_registry``), whose answer is used.

        While the registry is down mid-session the last answer stands for at most
        ``registry_grace`` after it was given, then access closes (``NoAccessLeft``):
        R-ACC-2's "at once" bounded by a configured time (docs/design.md).
        """
        mono = self._clock.monotonic()
        age = mono - session.grants_checked_mono
        if age >= self._max_age:
            try:
                if asked is not None:
                    mono, future = asked
                    session.grants = future.result()
                else:
                    session.grants = self._registry.grants_for(session.subject)
                session.grants_checked_at = now
                session.grants_checked_mono = mono
            except UpstreamError as err:
                if age >= self._grace:
                    log.warning("registry down past the grace time: access closed (%s)",
                                type(err).__name__)
                    raise NoAccessLeft() from None
                # Within the grace time the last answer stands; time rules still apply.
                log.warning("registry re-check failed: %s", type(err).__name__)

    def _grant_for(self, session: Session, emr_id: str, asked: _Asked | None = None) -> Grant:
        """R-ACC-5: an EMR id from the UI is never trusted without this check.

        The same answer as looking ``emr_id`` up in ``current_grants`` (every grant's
        time rules evaluated now, the most recently approved valid one of the EMR;
        ``NoAccessLeft`` when no grant at all is valid), without building the sorted
        list that only the picker needs. ``asked``: see ``_recheck``.
        """
        now = self._clock.now()
        limit = self._age_limit
        found: Grant | None = None
        any_valid = False
        with session.lock:
            self._recheck(session, now, asked)
            for grant in session.grants:
                if is_grant_valid(grant, now, limit):
                    any_valid = True
                    if grant.emr_id == emr_id and (
                        found is None or grant.approved_at > found.approved_at
                    ):
                        found = grant
        if not any_valid:
            raise NoAccessLeft()
        if found is None:
            raise AccessEnded(emr_id)
        return found

    # ------------------------------------------------------------------ reads

    def emrs(self, session: Session) -> list[EmrCard]:
        """Every EMR the user may open now (R-ENT-5), own first."""
        grants = self.current_grants(session)
        with self._uow() as uow:
            return [self._card(uow, session, g) for g in grants]

    def card(self, session: Session, emr_id: str) -> EmrCard:
        """Opening an EMR: its card, once the grant is confirmed (R-ACC-5). Stale grants
        are re-read from the registry while the card's rows are read from the store."""
        asked = self._ask_registry(session)
        with self._uow() as uow:
            cached = self._cached(uow, emr_id)
        grant = self._grant_for(session, emr_id, asked)
        card = self._card_of(session, grant, cached)
        self._audit.record("emr.opened", session.actor, emr=emr_id)
        return card

    def counts(self, session: Session, emr_id: str) -> dict[DocKind, int]:
        self._grant_for(session, emr_id)
        with self._uow() as uow:
            return uow.documents.count_visible(emr_id)

    def documents(
        self, session: Session, emr_id: str, kind: DocKind, after: DocumentRow | None = None,
        limit: int = PAGE_SIZE,
    ) -> DocumentPage:
        """One page of a kind's list, newest first, cut-offs applied (R-SHOW-4/5);
        ``after``: the last row of the page before (keyset paging, see the store)."""
        self._grant_for(session, emr_id)
        limit = max(1, min(limit, MAX_PAGE_SIZE))
        with self._uow() as uow:
            rows = uow.documents.list_visible(emr_id, kind, limit, after)
        # No count here: a GROUP BY over a 50k-document EMR costs more than the page
        # itself; screens take the totals from counts() once per EMR.
        total = -1
        return DocumentPage(emr_id, kind, rows, after, total)

    def document(self, session: Session, emr_id: str, doc_id: str) -> DocumentView:
        self._grant_for(session, emr_id)
        with self._uow() as uow:
            doc = uow.documents.get_visible(emr_id, doc_id)
        if doc is None:
            raise NotFound()
        self._audit.record("document.opened", session.actor, emr=emr_id, doc=doc_id)
        return doc

    def for_print(
        self, session: Session, emr_id: str, doc_ids: Sequence[str]
    ) -> tuple[EmrCard, list[DocumentView]]:
        """The header and the chosen documents, read under one grant check and in one unit
        of work; printing is audited as such by the print service, not as opens."""
        grant = self._grant_for(session, emr_id)
        with self._uow() as uow:
            card = self._card(uow, session, grant)
            docs = [uow.documents.get_visible(emr_id, d) for d in dict.fromkeys(doc_ids)]
        if any(d is None for d in docs):
            raise NotFound()
        return card, [d for d in docs if d is not None]

    def lab_results(self, session: Session, emr_id: str, limit: int) -> list[DocumentView]:
        """The EMR's newest ``limit`` lab results with their rows, under one grant check
        and in one unit of work, for the trend pictures (issue 17 item 1). Not audited as
        opens: the patient opened one result; the others only lend it their values."""
        self._grant_for(session, emr_id)
        limit = max(1, min(limit, 500))
        with self._uow() as uow:
            rows = uow.documents.list_visible(emr_id, DocKind.LAB_RESULT, limit)
            docs = [uow.documents.get_visible(emr_id, r.doc_id) for r in rows]
        return [d for d in docs if d is not None]

    # ------------------------------------------------------------------ warm-up

    def warm(self, session: Session, emr_id: str, limit: int = PAGE_SIZE) -> int:
        """Read, while the picker shows, what opening ``emr_id`` reads first — the first
        kind's first page and the per-kind counts, which walk the EMR's whole index — and
        keep none of it (issue 18: the user's own EMR prefetched).

        On a kiosk whose cache holds many patients, this patient's index and rows are
        not in the OS's page cache when the picker appears; the tap would read them from
        disk. Read here, the tap finds them in memory, and still reads them itself:
        the list it shows is what the cache holds at the tap (a sync may write while the
        picker shows), and no rows of the patient wait in memory for a tap that may not
        come. Nothing is audited: nothing is shown. The grant is checked like any read.
        Returns the number of documents the EMR shows (what the counts walked).
        """
        limit = max(1, min(limit, MAX_PAGE_SIZE))
        self.documents(session, emr_id, KIND_ORDER[0], limit=limit)
        return sum(self.counts(session, emr_id).values())

    # ------------------------------------------------------------------ helpers

    def _card(self, uow: UnitOfWork, session: Session, grant: Grant) -> EmrCard:
        return self._card_of(session, grant, self._cached(uow, grant.emr_id))

    @staticmethod
    def _cached(uow: UnitOfWork, emr_id: str) -> _Cached:
        """What the card shows from the store: the patient, the EMR's last refresh and
        the last complete sync (read only for an EMR the cache holds)."""
        patient = uow.patients.get(emr_id)
        synced = uow.sync_state.emr_synced_at(emr_id)
        complete = uow.sync_state.last_complete_sync() if patient is not None else None
        return patient, synced, complete

    def _card_of(self, session: Session, grant: Grant, cached: _Cached) -> EmrCard:
        now: datetime = self._clock.now()
        patient, synced, complete = cached
        ends = access_ends_at(grant, self._age_limit)
        ends_on = moscow_date(ends) if ends else None
        today = moscow_date(now)
        if patient is None:
            return EmrCard(
                grant.emr_id, "—", age_on(grant.patient_birth_date, today), Sex.UNKNOWN,
                grant.relation, ends_on, synced, grant.emr_id in session.stale_emrs, False,
            )
        # A cached EMR is as fresh as its last sign-in refresh or the last sync that
        # read every change, whichever came later (R-SHOW-6).
        if complete is not None and (synced is None or complete > synced):
            synced = complete
        return EmrCard(
            emr_id=grant.emr_id,
            masked_name=mask_name(patient.given, patient.patronymic, patient.family),
            age=age_on(patient.birth_date, today),
            sex=patient.sex,
            relation=grant.relation,
            access_ends_on=ends_on,
            data_as_of=synced,
            stale=grant.emr_id in session.stale_emrs,
            in_cache=True,
        )

