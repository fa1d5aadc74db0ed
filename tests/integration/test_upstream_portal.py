"""OidcPortal against the simulated OIDC provider (R-ENT-1, R-ENT-2)."""

from __future__ import annotations

import gc

import pytest

from kiosk.services.ports import AccountLevel, Malformed, Refused, WrongCredentials
from kiosk.sim.population import DEMO_PASSWORD
from kiosk.sim.server import CLIENT_ID, CLIENT_SECRET, SimServer
from kiosk.upstream.portal import OidcPortal

TIMEOUT = (0.5, 2.0)


@pytest.fixture
def portal(sim: SimServer):
    with OidcPortal(sim.portal_url, CLIENT_ID, CLIENT_SECRET, TIMEOUT) as p:
        yield p


@pytest.mark.parametrize(
    ("login", "level"),
    [("anna", AccountLevel.STANDARD), ("elena", AccountLevel.FULL),
     ("olga", AccountLevel.SIMPLIFIED)],
)
def test_good_login_gives_subject_and_level_R_ENT_2(portal: OidcPortal, login, level):
    identity = portal.authenticate(login, DEMO_PASSWORD)
    assert identity.subject == f"u-{login}"
    assert identity.level is level


def test_wrong_password_R_ENT_1(portal: OidcPortal):
    with pytest.raises(WrongCredentials) as err:
        portal.authenticate("anna", "not-the-password")
    assert "not-the-password" not in str(err.value)


def test_unknown_login_is_wrong_credentials(portal: OidcPortal):
    with pytest.raises(WrongCredentials):
        portal.authenticate("nobody", DEMO_PASSWORD)


def test_password_is_not_kept_by_the_client_R_ENT_1(portal: OidcPortal):
    secret = "Uniq-Passw0rd-Marker"
    with pytest.raises(WrongCredentials):
        portal.authenticate("anna", secret)
    gc.collect()
    assert secret not in repr(vars(portal))
    assert secret not in repr(vars(portal.http))
    assert secret not in repr(vars(portal.http.session))


def test_wrong_client_secret_is_refused_not_wrong_credentials(sim: SimServer):
    with OidcPortal(sim.portal_url, CLIENT_ID, "wrong", TIMEOUT) as p, pytest.raises(
        Refused
    ) as err:
        p.authenticate("anna", DEMO_PASSWORD)
    assert not isinstance(err.value, WrongCredentials)


def test_r_ent_1_missing_id_token_is_refused(sim: SimServer, portal: OidcPortal):
    """R-ENT-1 (issue 15 item 7): sign-in through the portal means its signed ID token;
    a token response without one is refused, not settled by userinfo alone."""
    sim.id_token_mode = "missing"
    with pytest.raises(Refused, match="no ID token") as err:
        portal.authenticate("anna", DEMO_PASSWORD)
    assert not isinstance(err.value, WrongCredentials)


def _reissue_id_token(sim: SimServer, monkeypatch, **claims: object) -> None:
    """The simulator's token endpoint, with the ID token re-signed (by the provider's own
    key) with ``claims`` changed: what a provider serving several clients may send."""
    import jwt

    original = sim.token

    def token(form, basic):
        status, body = original(form, basic)
        if status == 200 and "id_token" in body:
            old = jwt.decode(body["id_token"], options={"verify_signature": False})
            old.update(claims)
            body["id_token"] = jwt.encode({k: v for k, v in old.items() if v is not None},
                                          sim._signing_keys()[0], algorithm="RS256",
                                          headers={"kid": sim._kid})
        return status, body

    monkeypatch.setattr(sim, "token", token)


@pytest.mark.parametrize(("aud", "azp", "ok"), [
    ([CLIENT_ID, "another-client"], None, False),  # several audiences, no azp
    ([CLIENT_ID, "another-client"], "another-client", False),  # minted for the other one
    ([CLIENT_ID, "another-client"], CLIENT_ID, True),
    (CLIENT_ID, "another-client", False),  # azp present: it must be us
    ([CLIENT_ID], None, True),
])
def test_r_ent_1_multi_audience_id_token_needs_azp_of_this_kiosk(
        sim: SimServer, portal: OidcPortal, monkeypatch, aud, azp, ok):
    """R-ENT-1 (issue 15 item 7, OIDC Core 3.1.3.7): an ID token for several audiences is
    accepted only when its authorized party (azp) is this kiosk's client id."""
    _reissue_id_token(sim, monkeypatch, aud=aud, azp=azp)
    if ok:
        assert portal.authenticate("anna", DEMO_PASSWORD).subject == "u-anna"
    else:
        with pytest.raises(Refused, match="azp"):
            portal.authenticate("anna", DEMO_PASSWORD)


@pytest.mark.parametrize("mode", ["bad_signature", "expired", "wrong_audience"])
def test_bad_id_token_is_refused(sim: SimServer, portal: OidcPortal, mode):
    sim.id_token_mode = mode
    with pytest.raises(Refused) as err:
        portal.authenticate("anna", DEMO_PASSWORD)
    assert not isinstance(err.value, WrongCredentials)


def test_userinfo_without_level_is_malformed(sim: SimServer, portal: OidcPortal):
    portal.ping()  # discovery cached before the fault
    sim.set_fault("portal", malformed_records=True)
    with pytest.raises(Malformed, match="account_level"):
        portal.authenticate("anna", DEMO_PASSWORD)


def test_discovery_is_cached(sim: SimServer, portal: OidcPortal, monkeypatch):
    portal.authenticate("anna", DEMO_PASSWORD)
    calls = []
    original = sim.discovery
    monkeypatch.setattr(sim, "discovery", lambda: calls.append(1) or original())
    portal.authenticate("anna", DEMO_PASSWORD)
    assert calls == []


def test_endpoints_off_the_issuer_host_are_refused(sim: SimServer, portal: OidcPortal,
                                                    monkeypatch):
    doc = sim.discovery()
    doc["token_endpoint"] = "http://evil.example/token"
    monkeypatch.setattr(sim, "discovery", lambda: doc)
    with pytest.raises(Malformed, match="token_endpoint"):
        portal.authenticate("anna", DEMO_PASSWORD)


def test_issuer_mismatch_is_refused(sim: SimServer, portal: OidcPortal, monkeypatch):
    doc = sim.discovery()
    doc["issuer"] = "http://127.0.0.1:1/portal"
    monkeypatch.setattr(sim, "discovery", lambda: doc)
    with pytest.raises(Malformed, match="issuer"):
        portal.ping()
