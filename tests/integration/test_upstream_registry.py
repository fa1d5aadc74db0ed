"""RegistryClient against the simulated registry (R-ACC-2, R-ACC-4, R-ENT-3, R-ENT-4)."""

from __future__ import annotations

import pytest

from kiosk.domain.grants import Relation
from kiosk.services.ports import Malformed, Refused
from kiosk.sim.server import API_KEY, SimServer
from kiosk.upstream.registry import RegistryClient, parse_grant

TIMEOUT = (0.5, 2.0)


@pytest.fixture
def registry(sim: SimServer):
    with RegistryClient(sim.registry_url, API_KEY, TIMEOUT) as r:
        yield r


def test_grants_are_parsed_R_ENT_4(registry: RegistryClient):
    grants = {g.emr_id: g for g in registry.grants_for("u-anna")}
    assert set(grants) == {"1001", "1002", "1003", "1004"}
    assert grants["1001"].relation is Relation.SELF
    assert grants["1002"].relation is Relation.CHILD
    assert grants["1004"].revoked_at is not None
    assert grants["1001"].approved_at.tzinfo is not None
    assert grants["1001"].phone == "+79161234567"


def test_phone_is_normalised(registry: RegistryClient):
    (grant,) = registry.grants_for("u-viktor")
    assert grant.phone == "+79261112233"


def test_no_grants_R_ENT_3(registry: RegistryClient):
    assert registry.grants_for("u-sergey") == []


def test_revocation_is_seen_at_once_R_ACC_2(sim: SimServer, registry: RegistryClient):
    sim.revoke_grant("u-anna", "1003")
    grants = {g.emr_id: g for g in registry.grants_for("u-anna")}
    assert grants["1003"].revoked_at is not None


def test_date_without_time_zone_is_malformed_R_ACC_4(sim: SimServer, registry: RegistryClient):
    sim.set_fault("registry", malformed_records=True)
    with pytest.raises(Malformed, match="time zone"):
        registry.grants_for("u-anna")


def test_wrong_api_key_is_refused(sim: SimServer):
    with RegistryClient(sim.registry_url, "wrong", TIMEOUT) as r, pytest.raises(Refused):
        r.grants_for("u-anna")


def test_get_is_retried_after_one_503(sim: SimServer, registry: RegistryClient):
    sim.set_fault("registry", error_5xx=True, times=1)
    assert len(registry.grants_for("u-anna")) == 4


@pytest.mark.parametrize(
    "item",
    [
        None,
        {},
        {"emr_id": "1", "relation": "parent", "patient_birth_date": "2010-01-01",
         "phone": "+79161234567", "approved_at": "2020-01-01T00:00:00Z"},
        {"emr_id": "1", "relation": "self", "patient_birth_date": "2010-01-01",
         "phone": "+79161234567", "approved_at": "2020-01-01"},
        {"emr_id": "1", "relation": "self", "patient_birth_date": "2010-01-01",
         "phone": "12345", "approved_at": "2020-01-01T00:00:00Z"},
        {"emr_id": "1", "relation": "self", "patient_birth_date": "2010-01-01T00:00:00Z",
         "phone": "+79161234567", "approved_at": "2020-01-01T00:00:00Z"},
        {"emr_id": "1", "relation": "self", "patient_birth_date": "2010-01-01",
         "phone": "+79161234567", "approved_at": "2020-01-01T00:00:00Z", "revoked_at": 5},
        {"emr_id": 1, "relation": "self", "patient_birth_date": "2010-01-01",
         "phone": "+79161234567", "approved_at": "2020-01-01T00:00:00Z"},
    ],
)
def test_strict_grant_parsing(item):
    with pytest.raises(Malformed):
        parse_grant(item, 0)
