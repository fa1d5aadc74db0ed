"""What the kiosk makes of a set of FHIR resources: kept, hidden, rejected, ignored.

A clinic's IT person runs this (``python -m bench.corpus``) over an export before a
kiosk goes live, and the tests pin its outcome on real data nobody here wrote. A record
we cannot read is a patient's document lost: every one not kept is listed with why.

Bundles are read the way the kiosk would meet them: a FHIR document (``type``
``document``) as one document made of its Composition's sections, any other Bundle as
a search page (its Observations feed its reports).
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import tarfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from kiosk.domain.documents import Document
from kiosk.domain.people import Patient
from kiosk.services.ports import Rejected
from kiosk.upstream import fhir_model as m
from kiosk.upstream.fhir_read import Ignored, Reader
from kiosk.upstream.fhir_status import Withdrawn

#: Resource types that carry a document the patient may read.
DOCUMENT_TYPES = ("DocumentReference", "DiagnosticReport", "Composition")


@dataclass(slots=True)
class Tally:
    """Outcomes per resource type; ``lost`` lists every document-bearing record not kept."""

    kept: Counter[str] = field(default_factory=Counter)
    hidden: Counter[tuple[str, str]] = field(default_factory=Counter)
    rejected: Counter[tuple[str, str]] = field(default_factory=Counter)
    ignored: Counter[str] = field(default_factory=Counter)
    lost: list[tuple[str, str, str]] = field(default_factory=list)  # (where, id, reason)
    crashes: list[tuple[str, str]] = field(default_factory=list)
    #: Kept documents by the content they carry (text, narrative, pdf, results).
    content: Counter[str] = field(default_factory=Counter)

    def document_bearing(self) -> int:
        return (sum(self.kept[t] for t in DOCUMENT_TYPES)
                + sum(n for (t, _), n in self.hidden.items() if t in DOCUMENT_TYPES)
                + sum(n for (t, _), n in self.rejected.items() if t in DOCUMENT_TYPES))

    def kept_share(self) -> float:
        total = self.document_bearing()
        return 1.0 if total == 0 else sum(self.kept[t] for t in DOCUMENT_TYPES) / total

    def as_json(self) -> dict[str, object]:
        types = sorted({*self.kept, *self.ignored, *(t for t, _ in self.hidden),
                        *(t for t, _ in self.rejected)})
        return {
            "types": {t: {
                "kept": self.kept[t], "ignored": self.ignored[t],
                "hidden": {r: n for (tt, r), n in sorted(self.hidden.items()) if tt == t},
                "rejected": {r: n for (tt, r), n in sorted(self.rejected.items()) if tt == t},
            } for t in types},
            "document_bearing": self.document_bearing(),
            "kept_share": round(self.kept_share(), 4),
            "content": dict(self.content),
            "crashes": len(self.crashes),
            "lost": [list(item) for item in self.lost],
        }


def _type_of(source_id: str) -> str:
    return source_id.split("/", 1)[0]


class Survey:
    """Feeds resources through one ``Reader`` and counts what came out."""

    def __init__(self, reader: Reader | None = None) -> None:
        self.reader = reader or Reader()
        self.tally = Tally()

    def add(self, where: str, raw: bytes) -> None:
        """One resource's JSON (a Bundle is opened, see the module's docstring)."""
        try:
            head = m.head_decoder.decode(raw)
        except (msgspec.ValidationError, msgspec.DecodeError):
            head = None
        try:
            if head is not None and head.resourceType == "Bundle":
                self._bundle(where, raw)
            else:
                self._count(where, self.reader.resource(raw), _type_of_head(head))
        except Exception as err:  # counted, never hidden: the figure must say 0
            self.tally.crashes.append((where, f"{type(err).__name__}: {err}"[:200]))

    def _bundle(self, where: str, raw: bytes) -> None:
        bundle = m.bundle_decoder.decode(raw)
        if bundle.type == "document":
            self._count(where, self.reader.document_bundle(bundle.entry or ()), "Composition")
            return
        inner_bundles = []
        for entry in bundle.entry or ():
            head = m.head_decoder.decode(entry.resource) if entry.resource else None
            if head is not None and head.resourceType == "Bundle":
                inner_bundles.append(bytes(entry.resource))
            elif head is not None and head.resourceType not in (
                    "Patient", *DOCUMENT_TYPES, "Observation"):
                self.tally.ignored[str(head.resourceType)] += 1
            elif head is not None and head.resourceType == "Observation":
                self.tally.ignored["Observation"] += 1
        page = self.reader.page(raw)
        if page.error is not None:
            self.tally.crashes.append((where, page.error))
            return
        for patient in page.patients:
            self._count(where, patient, "Patient")
        for doc in page.documents:
            self._count(where, doc, _type_of(doc.doc_id))
        for rej in page.rejected:
            self._count(where, rej, _type_of(rej.source_id))
        for doc_id in page.withdrawn:
            self._count(where, Withdrawn(doc_id, "withdrawn or not final"), _type_of(doc_id))
        for inner in inner_bundles:
            self._bundle(where, inner)

    def _count(self, where: str, out: object, rtype: str) -> None:
        t = self.tally
        for item in out if isinstance(out, list) else [out]:
            if isinstance(item, Document):
                kind = _type_of(item.doc_id)
                t.kept[kind] += 1
                for name, has in (("text", bool(item.text) and not item.narrative
                                   and not item.results and item.pdf is None),
                                  ("narrative", bool(item.narrative)),
                                  ("pdf", item.pdf is not None), ("results", bool(item.results))):
                    if has:
                        t.content[name] += 1
            elif isinstance(item, Patient):
                t.kept["Patient"] += 1
            elif isinstance(item, Withdrawn):
                kind = _type_of(item.doc_id)
                t.hidden[kind, item.reason] += 1
                if kind in DOCUMENT_TYPES and item.reason != "replaced":
                    t.lost.append((where, item.doc_id, "hidden: " + item.reason))
            elif isinstance(item, Rejected) and item.source_id.startswith("entry["):
                t.ignored["Bundle entry without a resource"] += 1
            elif isinstance(item, Rejected):
                kind = _type_of(item.source_id)
                t.rejected[kind, item.reason] += 1
                if kind in DOCUMENT_TYPES:
                    t.lost.append((where, item.source_id, item.reason))
            elif isinstance(item, Ignored):
                t.ignored[_type_of(item.source_id)] += 1
            else:
                t.ignored[rtype] += 1


def _type_of_head(head: m.Head | None) -> str:
    return str(head.resourceType) if head is not None else "?"


def survey(items: Iterable[tuple[str, bytes]], reader: Reader | None = None) -> Tally:
    """The tally of every ``(where, JSON)`` given."""
    s = Survey(reader)
    for where, raw in items:
        s.add(where, raw)
    return s.tally


def render(tally: Tally) -> str:
    """The tally as a table a person reads."""
    data = tally.as_json()
    lines = [f"{'type':<22}{'kept':>7}{'hidden':>8}{'rejected':>10}{'ignored':>9}"]
    types = data["types"]
    assert isinstance(types, dict)
    for rtype, row in types.items():
        lines.append(f"{rtype:<22}{row['kept']:>7}{sum(row['hidden'].values()):>8}"
                     f"{sum(row['rejected'].values()):>10}{row['ignored']:>9}")
    lines.append(f"document-bearing: {data['document_bearing']}, kept: "
                 f"{100 * tally.kept_share():.1f} %, crashes: {data['crashes']}")
    lines.append("content of kept documents: " + json.dumps(data["content"]))
    if tally.lost:
        lines.append("not kept:")
        lines.extend(f"  {where}: {rid}: {reason}" for where, rid, reason in tally.lost)
    return "\n".join(lines)


# ---------------------------------------------------------------- the real sets

#: The repository (for tests/data); a packaged kiosk passes its own folder instead.
ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {"r4": "hl7.fhir.r4.examples@4.0.1", "ips": "hl7.fhir.uv.ips@2.0.0"}


def cache_dir() -> Path:
    return Path(os.environ.get("KIOSK_CORPUS_CACHE", Path.home() / ".cache" / "kiosk-corpus"))


def synthea_dir() -> Path:
    for candidate in (ROOT / "tests" / "data" / "fhir-synthea",):
        if candidate.is_dir():
            return candidate
    return ROOT / "tests" / "data" / "fhir-synthea"


def package_tarball(name: str, fetch: bool = True) -> Path | None:
    """The npm tarball of ``name@version`` in the cache, fetched when missing."""
    pkg, version = name.rsplit("@", 1)
    path = cache_dir() / f"{pkg}-{version}.tgz"
    if path.is_file():
        return path
    if not fetch:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run(["npm", "pack", name, "--silent"], cwd=path.parent, check=True,  # noqa: S603, S607 (npm from PATH, a fixed name)
                       capture_output=True, timeout=300)
    except (OSError, subprocess.SubprocessError):
        return None
    return path if path.is_file() else None


def package_items(tarball: Path) -> Iterator[tuple[str, bytes]]:
    """Every JSON resource of an npm FHIR package (its index and manifests left out)."""
    with tarfile.open(tarball) as tar:
        for member in tar:
            name = member.name
            if not member.isfile() or not name.endswith(".json"):
                continue
            base = name.rsplit("/", 1)[-1]
            if base in ("package.json", ".index.json") or "/other/" in name:
                continue
            handle = tar.extractfile(member)
            if handle is not None:
                yield name.split("/", 1)[-1], handle.read()


def synthea_items(folder: Path | None = None) -> Iterator[tuple[str, bytes]]:
    """Every line of the Synthea export's NDJSON files; the lab reports' results come
    as a searchset page with their Observations, as a server that honours _include."""
    folder = folder or synthea_dir()
    for path in sorted(folder.glob("*.ndjson.gz")):
        with gzip.open(path) as lines:
            for i, line in enumerate(lines):
                if line.strip():
                    yield f"{path.name}:{i + 1}", line


def load_set(name: str, fetch: bool = True) -> list[tuple[str, bytes]] | None:
    """``r4``, ``ips`` (npm packages, fetched into the cache when ``fetch``) or
    ``synthea`` (tests/data); ``None`` when a package is not at hand."""
    if name == "synthea":
        return list(synthea_items())
    tarball = package_tarball(PACKAGES[name], fetch)
    return None if tarball is None else list(package_items(tarball))
