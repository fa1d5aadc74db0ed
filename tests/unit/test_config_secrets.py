"""Secrets given inline never show in a printed configuration (privacy standard): the
config sections are NamedTuples with a hand-written repr, so this is checked here."""

from __future__ import annotations

import logging

from kiosk.config import load

SECRETS = {
    "KIOSK_PORTAL_CLIENT_SECRET": "portal-s3cret-value",
    "KIOSK_UPSTREAM_REGISTRY_KEY": "registry-s3cret-value",
    "KIOSK_UPSTREAM_SMS_KEY": "sms-s3cret-value",
    "KIOSK_UPSTREAM_SUPPORT_KEY": "support-s3cret-value",
    "KIOSK_SECURITY_CODE_KEY": "ab" * 32,
    "KIOSK_KIOSK_STAFF_PIN_HASH": "scrypt$pin-hash-s3cret",
}


def test_repr_str_and_log_lines_of_a_config_hold_no_inline_secret(caplog) -> None:
    config = load(None, env=dict(SECRETS))
    assert config.secret("upstream", "sms_key") == "sms-s3cret-value"  # it is loaded
    log = logging.getLogger("test-config")
    with caplog.at_level(logging.INFO):
        log.info("config %s / %r", config, config)
    shown = [repr(config), str(config), f"{config}", caplog.text,
             *(repr(section) for section in config)]
    for text in shown:
        for value in SECRETS.values():
            assert value not in text
