"""The fuzzers of ``python -m bench.fuzz``, briefly, plus regressions they found (R-SYNC-4)."""

from __future__ import annotations

import pytest

from bench import fuzz


@pytest.mark.parametrize("name", list(fuzz.FUZZERS))
def test_fuzzer_briefly(name: str):
    fuzz.run(name, 100)


def test_a_fuzzer_runs_again_in_the_same_process():
    """``python -m bench.fuzz`` runs each fuzzer in rounds (its first 10-minute run
    stopped at round two: Hypothesis refuses settings applied twice to one test)."""
    fuzz.run("otp", 5)
    fuzz.run("otp", 5)
