"""Wrong staff PINs per kiosk (R-KSK-6)."""

from __future__ import annotations

from sqlalchemy import select

from kiosk.services.ports import PinState
from kiosk.store.models import STAFF_PIN
from kiosk.store.repositories.base import Repository, Upsert

_SELECT = select(STAFF_PIN.c.failures, STAFF_PIN.c.locked_until)
_SAVE = Upsert(STAFF_PIN, ("kiosk_id", "failures", "locked_until"), ["kiosk_id"])


class SqlStaffRepository(Repository):
    def load_for_update(self, kiosk_id: str) -> PinState:
        row = self._dialect.lock_row(
            self._conn, STAFF_PIN, {"kiosk_id": kiosk_id, "failures": 0},
            _SELECT.where(STAFF_PIN.c.kiosk_id == kiosk_id),
        )
        if row is None:
            return PinState(kiosk_id=kiosk_id)
        return PinState(
            kiosk_id=kiosk_id, failures=int(row.failures), locked_until=row.locked_until
        )

    def save(self, state: PinState) -> None:
        self._save(_SAVE, {"kiosk_id": state.kiosk_id, "failures": state.failures,
                           "locked_until": state.locked_until})
