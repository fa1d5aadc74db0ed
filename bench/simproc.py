"""The simulator in its own process, so that it does not share the GIL with the kiosk.

``python -m bench.simproc --docs N`` prints one JSON line with the URLs and the number
of documents, then serves until its stdin closes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from datetime import UTC, datetime

from bench.common import ROOT, child_env


def population(docs: int, big_emr_docs: int = 0):
    from kiosk.domain.moscow import moscow_date
    from kiosk.sim.population import Population

    per = 8
    size = 9 + max(0, docs - big_emr_docs) // per
    return Population(size=size, seed=5, today=moscow_date(datetime.now(UTC)),
                      docs_per_patient=per, big_emr_docs=big_emr_docs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, required=True)
    parser.add_argument("--big", type=int, default=0, help="documents of EMR 1009")
    args = parser.parse_args()
    from kiosk.sim.server import API_KEY, SimServer

    pop = population(args.docs, args.big)
    server = SimServer(pop)
    server.warm()
    server.start()
    docs = sum(len(server.fhir.entries[t]) for t in ("DocumentReference", "DiagnosticReport"))
    print(json.dumps({"base_url": server.base_url, "fhir_url": server.fhir_url,
                      "registry_url": server.registry_url, "api_key": API_KEY,
                      "documents": docs, "patients": len(pop.patients)}), flush=True)
    sys.stdin.read()
    server.stop()


class SimProcess:
    """Context manager: start the simulator process, read its URLs, stop it at exit."""

    def __init__(self, docs: int, big: int = 0) -> None:
        self.docs = docs
        self.big = big
        self.info: dict = {}

    def __enter__(self) -> SimProcess:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.simproc", "--docs", str(self.docs),
             "--big", str(self.big)], cwd=ROOT,
            env=child_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the simulator process did not start")
        self.info = json.loads(line)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


if __name__ == "__main__":
    main()
