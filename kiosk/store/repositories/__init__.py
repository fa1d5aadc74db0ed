"""SQLAlchemy implementations of the repository ports, one module per aggregate.

``patients``, ``documents``, ``sync_state``, ``accounts``, ``audit``, ``outbox`` and
``staff`` each hold one repository; ``base`` what they share (the unit's connection,
``Upsert``, chunks); ``dialects`` the one seam where SQLite and PostgreSQL differ
(``Dialect``: upserts, ``COPY``, raw reads, locks, how instants go to the driver),
chosen once per engine by the unit of work. Every repository works on its unit's
one ``Connection`` and speaks Core to the tables (``kiosk.store.models``).
"""

from kiosk.store.repositories.accounts import SqlAccountRepository
from kiosk.store.repositories.audit import SqlAuditRepository
from kiosk.store.repositories.documents import SqlDocumentRepository
from kiosk.store.repositories.outbox import SqlOutboxRepository
from kiosk.store.repositories.patients import SqlPatientRepository
from kiosk.store.repositories.staff import SqlStaffRepository
from kiosk.store.repositories.sync_state import SqlSyncStateRepository

__all__ = [
    "SqlAccountRepository",
    "SqlAuditRepository",
    "SqlDocumentRepository",
    "SqlOutboxRepository",
    "SqlPatientRepository",
    "SqlStaffRepository",
    "SqlSyncStateRepository",
]
