"""The hash-chained audit log (R-KSK-7)."""

from __future__ import annotations

import dataclasses

import pytest

from kiosk.services.audit import AuditLog, verify_chain
from tests.fakes import FakeClock, FakeStore


def make(n: int) -> FakeStore:
    store = FakeStore()
    log = AuditLog(store, FakeClock(), "k1")
    other = AuditLog(store, FakeClock(), "k2")
    for i in range(n):
        log.record("document.opened", "u:abc", emr="e1", doc=f"d{i}")
        if i % 3 == 0:
            other.record("staff.unlocked", "staff")
    return store


def test_r_ksk_7_intact_chain_verifies() -> None:
    """R-KSK-7: an untouched log verifies, across kiosks."""
    result = verify_chain(make(30))
    assert result.ok
    assert result.checked == 40


@pytest.mark.parametrize("index", [0, 7, 29])
def test_r_ksk_7_changed_entry_named(index: int) -> None:
    """R-KSK-7: a changed entry is named."""
    store = make(30)
    k1 = [i for i, r in enumerate(store.data.audit) if r.kiosk_id == "k1"]
    pos = k1[index]
    store.data.audit[pos] = dataclasses.replace(store.data.audit[pos], actor="u:other")
    result = verify_chain(store)
    assert not result.ok
    assert (result.kiosk_id, result.bad_seq) == ("k1", index + 1)


def test_r_ksk_7_removed_and_reordered_entries_detected() -> None:
    """R-KSK-7: a removed or swapped entry breaks the chain at that place."""
    store = make(10)
    k1 = [r for r in store.data.audit if r.kiosk_id == "k1"]
    store.data.audit.remove(k1[4])
    result = verify_chain(store)
    assert (result.ok, result.bad_seq) == (False, 6)
    store = make(10)
    audit = store.data.audit
    i, j = (n for n, r in enumerate(audit) if r.kiosk_id == "k1" and r.seq in (3, 4))
    audit[i], audit[j] = audit[j], audit[i]
    assert verify_chain(store).bad_seq == 4


def test_r_ksk_7_forged_inserted_entry_detected() -> None:
    """R-KSK-7: an entry inserted with a recomputed own hash still breaks the next link."""
    store = make(5)
    audit = store.data.audit
    k1 = [n for n, r in enumerate(audit) if r.kiosk_id == "k1"]
    fake = dataclasses.replace(audit[k1[2]], event="forged")
    audit.insert(k1[2] + 1, fake)
    assert not verify_chain(store).ok


def test_r_ksk_7_refuses_secret_fields() -> None:
    """R-KSK-7 / R-OTP-7: a code, password or surname can never be written to the audit."""
    log = AuditLog(FakeStore(), FakeClock(), "k1")
    for key in ("code", "password", "family", "login"):
        with pytest.raises(ValueError, match="must not hold"):
            log.record("x", "u:1", **{key: "secret"})
