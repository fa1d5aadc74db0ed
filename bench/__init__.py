"""Benchmarks (issue 5): ``python -m bench [--quick] [--json FILE]``. Not part of the suite."""
