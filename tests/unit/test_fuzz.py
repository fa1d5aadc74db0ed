"""The fuzzers of ``python -m bench.fuzz``, briefly, plus regressions they found (R-SYNC-4)."""

from __future__ import annotations

import pytest

from bench import fuzz


@pytest.mark.parametrize("name", list(fuzz.FUZZERS))
def test_fuzzer_briefly(name: str):
    fuzz.run(name, 100)
