"""Every requirement id of docs/requirements.md is named by at least one test.

A test names the rule it proves as ``R-OTP-3`` (docstring, comment) or ``r_otp_3`` (test
name); ``grep -rn R-OTP-3 tests/`` then finds the proof. An id no test names is a rule
nobody checks, so adding a rule to docs/requirements.md without a test fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ROOT / "docs" / "requirements.md"
ID = re.compile(r"\*\*(R-[A-Z]+-\d+)\*\*")


def defined_ids() -> list[str]:
    """The ids the requirements define (a bold ``**R-XXX-n**`` opens each rule)."""
    return ID.findall(REQUIREMENTS.read_text(encoding="utf-8"))


def test_requirements_define_every_group_once() -> None:
    ids = defined_ids()
    assert len(ids) == len(set(ids)), "an id is defined twice"
    groups = {i.rsplit("-", 1)[0] for i in ids}
    assert groups == {"R-ENT", "R-OTP", "R-ACC", "R-SHOW", "R-ACT", "R-KSK", "R-SYNC"}


def test_every_requirement_id_is_named_by_a_test() -> None:
    here = Path(__file__).resolve()
    texts = [
        p.read_text(encoding="utf-8")
        for p in (ROOT / "tests").rglob("*.py")
        if p.resolve() != here
    ]
    corpus = "\n".join(texts)
    unnamed = []
    for rid in defined_ids():
        name = rid.lower().replace("-", "_")
        pattern = rf"(?:{re.escape(rid)}|{re.escape(name)})(?!\d)"
        if not re.search(pattern, corpus, flags=re.IGNORECASE):
            unnamed.append(rid)
    assert unnamed == [], f"requirements no test names: {unnamed}"
