"""The fuzzers of ``python -m bench.fuzz``, briefly, plus regressions they found (R-SYNC-4)."""

from __future__ import annotations

import copy

import pytest

from bench import fuzz
from kiosk.domain.documents import Document
from kiosk.upstream.fhir_read import read_value


@pytest.mark.parametrize("name", list(fuzz.FUZZERS))
def test_fuzzer_briefly(name: str):
    """The same 100 examples on every run (``derandomize``): a suite that fails at
    random cannot gate a submission. ``python -m bench.fuzz`` explores at random."""
    fuzz.run(name, 100, derandomize=True)


def test_a_lab_report_without_conclusion_or_form_is_kept_with_its_rows():
    """Found by the fuzzer (4 December 2026): a lab report with results and neither a
    conclusion nor a presented form has no words of its own; it is kept, its values are
    what the patient reads (the check wanted words and failed it)."""
    res = copy.deepcopy(fuzz.BASES["DiagnosticReport"])
    del res["presentedForm"], res["conclusion"]
    out = read_value(res, {"Observation/x9": fuzz.INCLUDED})
    assert isinstance(out, Document) and out.text == ""
    assert out.results and out.results[0].analyte == "Гемоглобин"
    fuzz.check_outcome(out)


def test_a_fuzzer_runs_again_in_the_same_process():
    """``python -m bench.fuzz`` runs each fuzzer in rounds (its first 10-minute run
    stopped at round two: Hypothesis refuses settings applied twice to one test)."""
    fuzz.run("otp", 5)
    fuzz.run("otp", 5)
