"""``kiosk config check``: every out-of-range number and bad choice is named, and a
default configuration has none (issue 19 split ``validate`` into its checks)."""

from __future__ import annotations

import pytest

from kiosk.config import check_config


def problems_of(env: dict[str, str]) -> list[str]:
    """What the demo's start-up (no production secrets needed) would refuse."""
    return check_config(None, env, production=False)[1]


def test_defaults_are_valid() -> None:
    assert problems_of({}) == []


@pytest.mark.parametrize(("env", "named"), [
    ({"KIOSK_KIOSK_IDLE_TIMEOUT_S": "9"}, "kiosk.idle_timeout_s"),
    ({"KIOSK_KIOSK_IDLE_TIMEOUT_S": "3601"}, "kiosk.idle_timeout_s"),
    ({"KIOSK_KIOSK_IDLE_WARNING_S": "4"}, "kiosk.idle_warning_s"),
    ({"KIOSK_KIOSK_CHILD_AGE_LIMIT": "19"}, "kiosk.child_age_limit"),
    ({"KIOSK_UPSTREAM_CONNECT_TIMEOUT_S": "0"}, "upstream.connect_timeout_s"),
    ({"KIOSK_UPSTREAM_READ_TIMEOUT_S": "301"}, "upstream.read_timeout_s"),
    ({"KIOSK_UPSTREAM_REGISTRY_GRACE_S": "601"}, "upstream.registry_grace_s"),
    ({"KIOSK_UPSTREAM_FHIR_PAGE_SIZE": "0"}, "upstream.fhir_page_size"),
    ({"KIOSK_UPSTREAM_FHIR_MAX_PAGE_MIB": "65"}, "upstream.fhir_max_page_mib"),
    ({"KIOSK_KIOSK_LANGUAGE": "de"}, "kiosk.language"),
    ({"KIOSK_PRINT_PAPER": "A3"}, "print.paper"),
    ({"KIOSK_KIOSK_ID": "a b"}, "kiosk.id"),
    ({"KIOSK_SECURITY_CODE_KEY": "zz"}, "security.code_key"),
    ({"KIOSK_SECURITY_CODE_KEY": "ab" * 15}, "security.code_key"),
    ({"KIOSK_SECURITY_CODE_KEY": "ab" * 16}, None),
    ({"KIOSK_UPSTREAM_CONNECT_TIMEOUT_S": "60"}, None),
    ({"KIOSK_UPSTREAM_REGISTRY_GRACE_S": "0"}, None),
])
def test_each_problem_is_named_once(env: dict[str, str], named: str | None) -> None:
    problems = problems_of(env)
    assert [p.split(":", 1)[0] for p in problems] == ([named] if named else [])
