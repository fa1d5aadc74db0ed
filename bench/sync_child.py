"""One ``kiosk sync`` in a fresh process: ``python -m bench.sync_child --store URL
--registry URL --key KEY``.

The service graph is built as ``kiosk sync`` builds it (``build_services(config,
sync_worker=True)``, every setting as shipped: FHIR pages of 500 documents and 1 MiB),
then ``SyncService.run()`` is timed. Each run is a new process, so each pays for
starting the sync's fork server, as every ``kiosk sync`` does (a warm fork server, as
the benchmark had before, saved 0.45–0.63 s). The interpreter's start and the imports
are not timed. Prints one JSON line: wall seconds, documents, the CPU seconds of this
process and of its workers and fork server (reaped before reading them).
"""

from __future__ import annotations

import argparse
import json
import resource
import time


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _stop_fork_server() -> None:
    """Stop and reap the fork server so that its and its workers' CPU time is counted."""
    from multiprocessing import forkserver

    stop = getattr(forkserver._forkserver, "_stop", None)  # CPython's own, private
    if stop is not None:
        stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", required=True)
    parser.add_argument("--registry", required=True)
    parser.add_argument("--key", required=True)
    args = parser.parse_args()
    from bench.kiosk_proc import kiosk_env
    from kiosk.app import build_services
    from kiosk.config import load

    config = load(None, env=kiosk_env(args.store, args.registry, args.key))
    services = build_services(config, sync_worker=True)
    cpu0 = _cpu(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    report = services.sync.run()
    seconds = time.perf_counter() - t0
    cpu_self = _cpu(resource.RUSAGE_SELF) - cpu0
    services.close()
    _stop_fork_server()
    print(json.dumps({
        "seconds": seconds,
        "documents": report.documents,
        "batches": report.batches,
        "error": report.error,
        "cpu_s": cpu_self + _cpu(resource.RUSAGE_CHILDREN),
        "page_size": config.upstream.fhir_page_size,
        "max_page_mib": config.upstream.fhir_max_page_mib,
    }), flush=True)


if __name__ == "__main__":
    main()
