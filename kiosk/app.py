"""The composition root: config → store → clients → services. The UI receives ``Services``.

:func:`build_services` runs in a worker after the Welcome screen is painted (start-up
pays only for Qt) and imports neither SQLAlchemy nor requests: its store is opened by
``Services.open_store``, which the kiosk calls next, or at its first use; requests with
a client's first call or ``Services.prepare_sign_in``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

from kiosk.config import Config
from kiosk.domain.otp import CodePolicy
from kiosk.services.audit import AuditLog
from kiosk.services.booking import qr_payload
from kiosk.services.clock import EventSleeper, SystemClock
from kiosk.services.ports import (
    Clock,
    EmrSource,
    GrantRegistry,
    Portal,
    Sleeper,
    SmsGateway,
    StoreError,
    SupportChannel,
    SupportTopic,
    SyncLock,
    UnitOfWorkFactory,
)
from kiosk.services.printing import Clinic, PrintService
from kiosk.services.receipts import ReceiptService
from kiosk.services.records import RecordsService
from kiosk.services.session import Session
from kiosk.services.signin import SignInService, SignInSettings
from kiosk.services.staff import StaffService
from kiosk.services.support import SupportReceipt, SupportService
from kiosk.services.sync import SyncService
from kiosk.services.sync_workers import RefreshWorker, SyncWorkers

log = logging.getLogger(__name__)


#: What a sync worker process needs, imported once by the fork server rather than by
#: every worker (SQLAlchemy alone takes ~0.4 s of CPU to import).
SYNC_WORKER_PRELOAD = ("kiosk.services.sync", "kiosk.store.database", "kiosk.store.repositories",
                       "kiosk.upstream.fhir", "kiosk.upstream.transport")

@dataclass
class Services:
    """Everything a screen may call. Every method may block: call it from a worker."""

    config: Config
    clock: Clock
    uow: UnitOfWorkFactory
    audit: AuditLog
    signin: SignInService
    records: RecordsService
    printing: PrintService
    support: SupportService
    receipts: ReceiptService
    staff: StaffService
    sync: SyncService
    booking_url: str
    support_url: str
    support_channel: SupportChannel | None = None
    closers: list[Callable[[], None]] = field(default_factory=list)
    #: The wait between QR sign-in polls; tests swap in one that moves a fake clock.
    sleeper: Sleeper = field(default_factory=EventSleeper)
    #: What a sign-in's steps need that the kiosk's start left out (``prepare_sign_in``).
    preparers: list[Callable[[], None]] = field(default_factory=list)
    #: Opens the store now and brings it to the schema's head; raises ``StoreError``
    #: when it cannot (and the next unit of work tries again). The graph
    #: ``build_services`` makes opens its store at first use; the kiosk asks for it right
    #: after the graph is built, in a worker. A graph given an open store: nothing to do.
    open_store: Callable[[], object] = field(default=lambda: None)

    @property
    def kiosk_id(self) -> str:
        return self.config.kiosk.id

    def submit_support(
        self, session: Session | None, topic: SupportTopic, text: str, contact: str = ""
    ) -> SupportReceipt:
        """Queue the request, then try to deliver at once; failures stay queued (R-ACT-5)."""
        receipt = self.support.submit(session, topic, text, contact)
        self.deliver_outbox()
        return receipt

    def prepare_sign_in(self) -> None:
        """Called when a patient begins to sign in, while they type or scan: load what
        the sign-in's next steps need and the start left out (issue 18, ``ready_ms``: the
        ID token check's PyJWT), then start the sign-in refresh's process."""
        for prepare in self.preparers:
            prepare()
        self.sync.prepare_refresh()

    def deliver_outbox(self) -> int:
        if self.support_channel is None:
            return 0
        try:
            return self.support.deliver_due(self.support_channel)
        except StoreError:
            log.warning("support outbox delivery postponed: store unavailable")
            return 0

    def close(self) -> None:
        for close in reversed(self.closers):
            close()
        self.closers.clear()


def default_store_url() -> str:
    from platformdirs import user_data_dir

    data = Path(user_data_dir("kiosk", appauthor=False))
    data.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data / 'cache.sqlite3'}"


def assemble(
    config: Config,
    *,
    uow: UnitOfWorkFactory,
    portal: Portal,
    registry: GrantRegistry,
    sms: SmsGateway,
    source: EmrSource,
    clock: Clock | None = None,
    code_key: bytes | None = None,
    pin_hash: str = "",
    sync_lock: SyncLock | None = None,
    sync_workers: SyncWorkers | None = None,
    refresher: RefreshWorker | None = None,
    probes: dict[str, Callable[[], None]] | None = None,
    checkpoint: Callable[[], None] | None = None,
) -> Services:
    """Wire services from ready adapters (the real ones, or fakes in tests)."""
    clock = clock or SystemClock()
    kiosk_id = config.kiosk.id
    key = code_key or secrets.token_bytes(32)
    policy = CodePolicy()
    audit = AuditLog(uow, clock, kiosk_id, key)
    signin = SignInService(
        portal, registry, sms, uow, clock, audit,
        SignInSettings(key, kiosk_id, policy, config.kiosk.child_age_limit,
                       device_grant=config.portal.device_grant),
    )
    records = RecordsService(
        uow, registry, clock, audit, config.kiosk.child_age_limit,
        grants_max_age=timedelta(seconds=5),
        registry_grace=timedelta(seconds=config.upstream.registry_grace_s),
    )
    return Services(
        config=config,
        clock=clock,
        uow=uow,
        audit=audit,
        signin=signin,
        records=records,
        printing=PrintService(records, audit, kiosk_id, clock,
                              Clinic(config.print.clinic_name, config.print.clinic_address)),
        support=SupportService(uow, clock, audit, kiosk_id),
        receipts=ReceiptService(uow, clock, audit, kiosk_id, config.portal.booking_url,
                                config.portal.support_url),
        staff=StaffService(uow, clock, audit, kiosk_id, pin_hash, key, policy, probes or {}),
        sync=SyncService(source, uow, clock, sync_lock, sync_workers, refresher, checkpoint),
        booking_url=qr_payload(config.portal.booking_url),
        support_url=qr_payload(config.portal.support_url),
    )


def build_services(
    config: Config, clock: Clock | None = None, *, sync_worker: bool = False
) -> Services:
    """The production graph: real store (opened at its first use, or by
    ``Services.open_store``) and real HTTP clients.

    ``sync_worker``: the graph of ``kiosk sync``, whose sync may run the EMR source's
    searches in worker processes (``upstream.fhir_sync_processes``); a kiosk's own graph
    runs its sign-in refreshes in a process instead (the same setting).
    """

    from kiosk.store.deferred import DeferredStore
    from kiosk.upstream.fhir_open import LazyFhirSource, OpenFhirSource
    from kiosk.upstream.portal import OidcPortal
    from kiosk.upstream.registry import RegistryClient
    from kiosk.upstream.sms import SmsClient
    from kiosk.upstream.support import SupportDeskClient

    up = config.upstream
    timeout = (up.connect_timeout_s, up.read_timeout_s)
    # Opened by ``Services.open_store`` (the kiosk calls it in a worker once the graph is
    # built: a sign-in can start meanwhile) or at its first use; ``kiosk sync`` opens it
    # now, so that a store it cannot open fails the command at once.
    # ``kiosk sync`` checkpoints the WAL from a thread of its own while it writes (its
    # workers' writes and its own alike), so its store's units leave that to it.
    store = DeferredStore(config.store.url or default_store_url(),
                          autocheckpoint=not sync_worker)
    if sync_worker:
        store.open()
    portal = OidcPortal(
        config.portal.issuer, config.portal.client_id, config.secret("portal", "client_secret"),
        timeout,
    )
    registry = RegistryClient(up.registry_url, config.secret("upstream", "registry_key"), timeout)
    sms = SmsClient(up.sms_url, config.secret("upstream", "sms_key"), timeout)
    # Plain values: it pickles, so a refresh process opens its own source.
    open_source = OpenFhirSource(
        up.fhir_url, timeout, up.fhir_page_size, up.fhir_max_page_mib * 2**20,
        radiology_hosts=frozenset(h.strip().lower() for h in up.fhir_radiology_hosts.split(",")
                                  if h.strip()),
        radiology_systems=frozenset(s.strip() for s in up.fhir_radiology_systems.split(",")
                                    if s.strip()),
    )
    # The kiosk's own process reads FHIR only when its refresh process cannot start, or
    # for the staff panel: it opens the source then (issue 18, ready_ms). ``kiosk sync``
    # reads by streams, which the source it opens now has.
    source = open_source() if sync_worker else LazyFhirSource(open_source)
    desk = SupportDeskClient(up.support_url, config.secret("upstream", "support_key"), timeout)
    key_hex = config.secret("security", "code_key")
    services = assemble(
        config,
        uow=store.uow_factory,
        portal=portal,
        registry=registry,
        sms=sms,
        source=source,
        clock=clock,
        code_key=bytes.fromhex(key_hex) if key_hex else None,
        pin_hash=config.secret("kiosk", "staff_pin_hash"),
        sync_lock=store.sync_lock(),
        sync_workers=SyncWorkers(store.opener(), SYNC_WORKER_PRELOAD, store.checkpoint)
        if sync_worker and up.fhir_sync_processes else None,
        # The refresh process checkpoints its own writes: the kiosk does not do it for it.
        refresher=RefreshWorker(replace(store.opener(), autocheckpoint=True), open_source,
                                SYNC_WORKER_PRELOAD)
        if not sync_worker and up.fhir_sync_processes else None,
        checkpoint=store.checkpoint if sync_worker else None,
        probes={
            "portal": portal.ping,
            "registry": registry.ping,
            "sms": sms.ping,
            "emr": source.ping,
            "support": desk.ping,
            "store": store.ping,
        },
    )
    services.support_channel = desk
    services.open_store = store.open
    services.preparers.append(portal.prepare)
    for client in (portal, registry, sms, source, desk):
        close = getattr(client, "close", None)
        if close is not None:
            services.closers.append(close)
    services.closers.append(store.dispose)
    return services
