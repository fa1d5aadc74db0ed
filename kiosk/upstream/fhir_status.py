"""Whether a document is shown: its status read by FHIR's rules for each resource
type. A withdrawn document, or one not final yet, becomes a ``Withdrawn`` (any cached
version leaves the cache); one a current DocumentReference replaces leaves too; an
unknown status is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kiosk.upstream import fhir_model as m
from kiosk.upstream.fhir_fields import ID, Reject

DOCREF_STATUSES = frozenset({"current", "superseded"})
REPORT_FINAL = frozenset({"final", "amended", "corrected", "appended"})
REPORT_NOT_FINAL = frozenset({"registered", "partial", "preliminary"})
COMPOSITION_FINAL = frozenset({"final", "amended"})
WITHDRAWN = frozenset({"entered-in-error", "cancelled"})
#: Why a preliminary document is hidden rather than shown marked: a draft can still
#: change or be withdrawn, and a patient reading it at a public kiosk cannot ask the
#: doctor what changed; the final version arrives by the next sync (docs/upstream.md).
NOT_FINAL = "not final yet (preliminary): shown once final"


@dataclass(frozen=True, slots=True)
class Withdrawn:
    """A document that must not be shown (any cached version leaves the cache)."""

    doc_id: str
    reason: str


def docref_withdrawn(res: m.DocumentReference, doc_id: str) -> Withdrawn | None:
    """A DocumentReference that must leave (withdrawn, or a draft), else ``None``;
    an unknown status is refused."""
    if res.status in WITHDRAWN:
        return Withdrawn(doc_id, res.status or "")
    if res.status is None:
        raise Reject("missing status")
    if res.status not in DOCREF_STATUSES:
        raise Reject(f"unknown status {res.status[:30]!r}")
    if res.docStatus == "entered-in-error":
        return Withdrawn(doc_id, "entered-in-error")
    if res.docStatus == "preliminary":
        return Withdrawn(doc_id, NOT_FINAL)
    return None


def composition_withdrawn(res: m.Composition, doc_id: str) -> Withdrawn | None:
    """A Composition that must leave (withdrawn, or a draft), else ``None``; a missing
    or unknown status is refused."""
    if res.status in WITHDRAWN:
        return Withdrawn(doc_id, res.status or "")
    if res.status == "preliminary":
        return Withdrawn(doc_id, NOT_FINAL)
    if res.status not in COMPOSITION_FINAL:
        raise Reject("missing status" if res.status is None
                     else f"unknown status {res.status[:30]!r}")
    return None


def replaced(relations: Sequence[m.RelatesTo], doc_id: str) -> list[Withdrawn]:
    """The documents a current one ``replaces``: they leave the cache."""
    out: list[Withdrawn] = []
    for rel in relations:
        target = rel.target.reference if rel.target is not None else None
        if rel.code == "replaces" and target and target.startswith("DocumentReference/"):
            old = target.split("/")[1]
            if ID.match(old) and f"DocumentReference/{old}" != doc_id:
                out.append(Withdrawn(f"DocumentReference/{old}", "replaced"))
    return out


def report_withdrawn(res: m.DiagnosticReport, doc_id: str) -> Withdrawn | None:
    """A report that must leave (withdrawn, or not final yet), else ``None``."""
    if res.status in WITHDRAWN:
        return Withdrawn(doc_id, res.status or "")
    if res.status is None:
        raise Reject("missing status")
    if res.status in REPORT_NOT_FINAL:
        return Withdrawn(doc_id, NOT_FINAL)
    if res.status not in REPORT_FINAL:
        raise Reject(f"unknown status {res.status[:30]!r}")
    return None
