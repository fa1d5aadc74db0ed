"""The FHIR source as the kiosk holds it: opened on first use.

A kiosk needs its EMR source only after a patient's code is confirmed (the sign-in
refresh), and then in a process of its own (``RefreshWorker``): the kiosk's own
process reads FHIR only when that process cannot start, or for the staff panel's sync
and probe. Importing the FHIR client and its reader (``kiosk.upstream.fhir``,
``fhir_read`` and the ``fhir_*`` modules it reads with, ``fhir_model``: ~30–35 ms of
CPU) at start-up delayed the moment a sign-in can start for nothing (issue 18,
``ready_ms``). This module imports neither until a source is opened.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.services.ports import EmrSnapshot, SourceBatch
    from kiosk.upstream.fhir import FhirSource
    from kiosk.upstream.http import TimeoutSpec


@dataclass(frozen=True)
class OpenFhirSource:
    """What opens a ``FhirSource``: plain values, so it pickles (a refresh process opens
    its own). ``radiology_hosts``/``radiology_systems``: see ``fhir_read.Radiology``."""

    base_url: str
    timeout: TimeoutSpec
    page_size: int
    max_page_bytes: int
    radiology_hosts: frozenset[str]
    radiology_systems: frozenset[str]

    def __call__(self) -> FhirSource:
        from kiosk.upstream.fhir import FhirSource
        from kiosk.upstream.fhir_read import Radiology

        return FhirSource(self.base_url, self.timeout, self.page_size,
                          max_page_bytes=self.max_page_bytes,
                          radiology=Radiology(hosts=self.radiology_hosts,
                                              systems=self.radiology_systems))


class LazyFhirSource:
    """An ``EmrSource`` (and ``CountingSource``) that opens its ``FhirSource`` on its
    first call. Not a ``StreamingSource``: the kiosk's sync has no worker processes;
    ``kiosk sync`` opens the source itself."""

    def __init__(self, open_source: OpenFhirSource) -> None:
        self._open_source = open_source
        self._source: FhirSource | None = None
        self._lock = threading.Lock()

    def _opened(self) -> FhirSource:
        with self._lock:
            if self._source is None:
                self._source = self._open_source()
            return self._source

    def changes(self, cursor: str | None) -> Iterator[SourceBatch]:
        return self._opened().changes(cursor)

    def pending(self, cursor: str | None) -> int | None:
        return self._opened().pending(cursor)

    def snapshot(self, emr_id: str) -> EmrSnapshot:
        return self._opened().snapshot(emr_id)

    def ping(self) -> None:
        self._opened().ping()

    def close(self) -> None:
        with self._lock:
            source, self._source = self._source, None
        if source is not None:
            source.close()
