"""``python -m bench.corpus [--json] [--set NAME]``: the FHIR mapping on real data.

Sets (data nobody here wrote):
- ``r4``: every official R4 example, npm package ``hl7.fhir.r4.examples`` 4.0.1;
- ``ips``: International Patient Summary documents, npm ``hl7.fhir.uv.ips`` 2.0.0;
- ``synthea``: a Synthea bulk export (tests/data/fhir-synthea, Apache-2.0).

The npm packages are fetched once with ``npm pack`` into ``KIOSK_CORPUS_CACHE``
(default ``~/.cache/kiosk-corpus``) and read from there afterwards; with no network and
no cache those sets are skipped with a line saying so. Prints, per resource type, kept /
hidden / rejected by reason / ignored, and the share of document-bearing resources kept.
"""

from __future__ import annotations

import argparse
import json
import sys

from kiosk.upstream.fhir_survey import load_set, render, survey


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.corpus")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--set", choices=["r4", "ips", "synthea"], action="append")
    args = parser.parse_args(argv)
    out: dict[str, object] = {}
    for name in args.set or ["r4", "ips", "synthea"]:
        items = load_set(name)
        if items is None:
            print(f"{name}: not available (no cache and npm pack failed)", file=sys.stderr)
            continue
        tally = survey(items)
        if args.json:
            out[name] = tally.as_json()
        else:
            print(f"== {name} ({len(items)} files or lines)")
            print(render(tally))
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
