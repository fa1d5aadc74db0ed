"""Test data from outside the project, kept in the repository so a clean clone runs the suite.

Each folder has a README with where the files come from and their licence.
"""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent
#: Official HL7 FHIR R4 examples (CC0).
FHIR_R4_EXAMPLES = DATA / "fhir-r4-examples"
#: A Synthea bulk export, one resource a line, gzip (Apache-2.0).
FHIR_SYNTHEA = DATA / "fhir-synthea"
