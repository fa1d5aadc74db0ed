"""Patients of the sync cache (R-SYNC-3: a withdrawn patient takes the EMR with it)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, select

from kiosk.domain.people import Patient, Sex
from kiosk.store.models import DOCUMENTS, EMR_SYNC, PATIENTS
from kiosk.store.repositories.base import Repository, Upsert

_COLUMNS = ("emr_id", "family", "given", "patronymic", "birth_date", "sex")
_GET = select(*(PATIENTS.c[name] for name in _COLUMNS)).where(
    PATIENTS.c.emr_id == bindparam("emr_id")
)
_UPSERT = Upsert(PATIENTS, _COLUMNS, ["emr_id"])
#: Sex member (or its plain value) → stored text; a lookup also rejects unknown values.
_SEX_VALUES: dict[str, str] = {sex: sex.value for sex in Sex}


class SqlPatientRepository(Repository):
    def get(self, emr_id: str) -> Patient | None:
        row = self._conn.execute(_GET, {"emr_id": emr_id}).first()
        if row is None:
            return None
        return Patient(
            emr_id=row.emr_id,
            family=row.family,
            given=row.given,
            patronymic=row.patronymic,
            birth_date=row.birth_date,
            sex=Sex(row.sex),
        )

    def upsert_many(self, patients: Sequence[Patient]) -> None:
        if not patients:
            return
        day = self._dialect.day
        sex = _SEX_VALUES.get
        rows = [
            (p.emr_id, p.family, p.given, p.patronymic, day(p.birth_date),
             sex(p.sex) or Sex(p.sex).value)  # an unknown value fails as ``Sex()`` does
            for p in patients
        ]
        self._dialect.upsert(self._conn, _UPSERT, rows)

    def delete_many(self, emr_ids: Sequence[str]) -> None:
        """A withdrawn patient takes the EMR's documents and sync mark with it (R-SYNC-3).

        Documents of an EMR whose patient is gone could never be shown correctly (no
        name, no age), so keeping them would only keep personal data for nothing.
        """
        self._delete_in(DOCUMENTS, "emr_id", emr_ids)
        self._delete_in(EMR_SYNC, "emr_id", emr_ids)
        self._delete_in(PATIENTS, "emr_id", emr_ids)
