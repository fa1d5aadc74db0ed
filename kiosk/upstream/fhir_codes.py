"""Codes → the order's four document kinds, as data in one place (docs/upstream.md).

Each row names its source: the code system's own definition (LOINC document ontology,
HL7 v2 table 0074, the US Core DiagnosticReport category value set, the FHIR
observation-category code system) or the real data it was seen in (the official R4
examples, IPS, a Synthea export). A record whose kind cannot be told from these is
rejected with the codes it had, so a clinic's IT person can ask for a row.

How a kind is found (``kiosk.upstream.fhir_kinds``):
- DocumentReference and Composition: ``type`` by ``DOCUMENT_TYPES`` (LOINC, also as
  its OID), else ``category`` the same way.
- DiagnosticReport: ``category`` by v2-0074 (``REPORT_SECTIONS``, also without a
  system), US Core LOINC parts (``LOINC_PARTS``), observation-category, SNOMED
  (``SNOMED_SECTIONS``) or its text (``WORDS``); with no category, by the report's own
  ``code`` (``REPORT_CODES``, then ``WORDS``), then by its results' categories.
"""

from __future__ import annotations

from kiosk.domain.documents import DocKind

EXAM = DocKind.EXAM_PROTOCOL
DISCHARGE = DocKind.DISCHARGE_SUMMARY
LAB = DocKind.LAB_RESULT
INSTRUMENTAL = DocKind.INSTRUMENTAL

LOINC_SYSTEMS = frozenset({"http://loinc.org", "urn:oid:2.16.840.1.113883.6.1"})
V2_0074_SYSTEMS = frozenset({
    "http://terminology.hl7.org/CodeSystem/v2-0074", "http://hl7.org/fhir/v2/0074",
    "urn:oid:2.16.840.1.113883.12.74"})
OBS_CATEGORY_SYSTEMS = frozenset({
    "http://terminology.hl7.org/CodeSystem/observation-category",
    "http://hl7.org/fhir/observation-category"})
SNOMED_SYSTEMS = frozenset({"http://snomed.info/sct", "urn:oid:2.16.840.1.113883.6.96"})

#: DocumentReference.type / Composition.type, LOINC document ontology (loinc.org, the
#: "Document Ontology" and "Clinical Notes" panels; US Core DocumentReference type).
DOCUMENT_TYPES: dict[str, DocKind] = {
    # Notes of a doctor's examination: протоколы осмотров.
    "11488-4": EXAM,  # Consult note
    "34108-1": EXAM,  # Outpatient note
    "11506-3": EXAM,  # Progress note
    "34117-2": EXAM,  # History and physical note (Synthea's every encounter note)
    "51847-2": EXAM,  # Evaluation and plan note (Synthea)
    "34111-5": EXAM,  # Emergency department note
    "28570-0": EXAM,  # Procedure note
    "34109-9": EXAM,  # Note (unspecified)
    "68608-9": EXAM,  # Summary note
    "57133-1": EXAM,  # Referral note
    "34133-9": EXAM,  # Summarization of episode note
    "11492-6": EXAM,  # History and physical note, hospital
    "34748-4": EXAM,  # Telephone encounter note
    "11504-8": EXAM,  # Surgical operation note
    "34104-0": EXAM,  # Hospital consult note
    "83910-0": EXAM,  # Public health note
    "47039-3": EXAM,  # Admission history and physical note (R4 example Bundle-xds)
    # Hospital discharge summaries: выписные эпикризы.
    "18842-5": DISCHARGE,  # Discharge summary
    "11490-0": DISCHARGE,  # Physician discharge summary
    "34105-7": DISCHARGE,  # Hospital discharge summary
    "28655-9": DISCHARGE,  # Attending physician discharge summary
    "34106-5": DISCHARGE,  # Physician hospital discharge summary
    "59258-4": DISCHARGE,  # Emergency department discharge summary
    "100719-4": DISCHARGE,  # Surgical operation discharge summary
    "78418-1": DISCHARGE,  # Neonatal perinatal medicine discharge summary (R4 example)
    # Laboratory reports sent as documents.
    "11502-2": LAB,  # Laboratory report
    "26436-6": LAB,  # Laboratory studies (set)
    "11526-1": LAB,  # Pathology study
    "60567-5": LAB,  # Comprehensive pathology report panel
    "11529-5": LAB,  # Surgical pathology study
    # Instrumental study conclusions (text reports, never images).
    "18748-4": INSTRUMENTAL,  # Diagnostic imaging study
    "18782-3": INSTRUMENTAL,  # Radiology study observation (narrative)
    "18726-0": INSTRUMENTAL,  # Radiology studies (set)
    "11522-0": INSTRUMENTAL,  # Echocardiography study
    "11524-6": INSTRUMENTAL,  # EKG study
    "18745-0": INSTRUMENTAL,  # Cardiac catheterization study
    "18746-8": INSTRUMENTAL,  # Colonoscopy study
    "18751-8": INSTRUMENTAL,  # Endoscopy study
    "18760-9": INSTRUMENTAL,  # Ultrasound study
    "38269-7": INSTRUMENTAL,  # DXA bone densitometry (official R4 example)
    "24627-2": INSTRUMENTAL,  # Chest CT
    "30746-2": INSTRUMENTAL,  # Chest X-ray
}

#: DiagnosticReport.category, HL7 v2 table 0074 "diagnostic service section ID"; also
#: matched when a server sends the code without a system.
REPORT_SECTIONS: dict[str, DocKind] = {
    **dict.fromkeys(
        ("LAB", "BG", "BLB", "CG", "CH", "CP", "GE", "HM", "HLA", "ICU", "IMM", "LAB",
         "MB", "MCB", "MYC", "OSL", "PAT", "SP", "SR", "TX", "URN", "VR"), LAB),
    **dict.fromkeys(
        ("RAD", "RX", "CT", "CUS", "EC", "EN", "NMR", "NMS", "OUS", "RUS", "VUS", "XRC",
         "PF", "AU", "CTH", "PHY", "RT", "OTH_IMG"), INSTRUMENTAL),
}

#: US Core DiagnosticReport category codes (LOINC parts, us-core-diagnosticreport-category).
LOINC_PARTS: dict[str, DocKind] = {
    "LP29684-5": INSTRUMENTAL,  # Radiology
    "LP29708-2": INSTRUMENTAL,  # Cardiology
    "LP7839-6": LAB,  # Pathology
}

#: observation-category (FHIR), used by some servers on reports too.
OBS_CATEGORIES: dict[str, DocKind] = {
    "laboratory": LAB,
    "imaging": INSTRUMENTAL,
    "procedure": INSTRUMENTAL,
}

#: SNOMED CT sections seen on reports (official R4 examples: "Laboratory test",
#: "Radiology", "Haematology test").
SNOMED_SECTIONS: dict[str, DocKind] = {
    "15220000": LAB,  # Laboratory test
    "252275004": LAB,  # Haematology test
    "394914008": INSTRUMENTAL,  # Radiology
    "363679005": INSTRUMENTAL,  # Imaging
}

#: DiagnosticReport.code when a report has no category (official R4 examples).
REPORT_CODES: dict[str, DocKind] = {
    **{code: kind for code, kind in DOCUMENT_TYPES.items()
       if kind in (LAB, INSTRUMENTAL)},
    "58410-2": LAB,  # CBC panel
    "24331-1": LAB,  # Lipid panel
    "24323-8": LAB,  # Comprehensive metabolic panel
    "51990-0": LAB,  # Basic metabolic panel
    "57021-8": LAB,  # CBC with differential
    "18769-0": LAB,  # Microbial susceptibility tests
    "47527-7": LAB,  # Cytology report of cervical or vaginal smear (Pap)
    "10524-7": LAB,  # Cytology report of cervical smear
    "55233-1": LAB,  # Genetic analysis master panel
    "51969-4": LAB,  # Genetic analysis report
    "38269-7": INSTRUMENTAL,  # DXA bone densitometry
}

#: Words of a category's or a report's text (lower case, as a prefix of a word).
WORDS: tuple[tuple[str, DocKind], ...] = (
    ("лаборатор", LAB), ("анализ", LAB), ("биохим", LAB), ("гематол", LAB),
    ("микробиол", LAB), ("гистолог", LAB), ("цитолог", LAB), ("lab", LAB), ("laborator", LAB),
    ("chemistry", LAB), ("haematolog", LAB), ("hematolog", LAB), ("patholog", LAB),
    ("microbiolog", LAB), ("serum", LAB), ("blood", LAB), ("urin", LAB), ("culture", LAB),
    ("biopsy", LAB), ("cytolog", LAB), ("genetic", LAB), ("pharmacogen", LAB),
    ("marrow", LAB), ("panel", LAB), ("plasma", LAB),
    ("радиол", INSTRUMENTAL), ("рентген", INSTRUMENTAL), ("томограф", INSTRUMENTAL),
    ("узи", INSTRUMENTAL), ("ультразвук", INSTRUMENTAL), ("экг", INSTRUMENTAL),
    ("электрокардиогр", INSTRUMENTAL), ("эндоскоп", INSTRUMENTAL),
    ("инструмент", INSTRUMENTAL), ("radiolog", INSTRUMENTAL), ("imaging", INSTRUMENTAL),
    ("tomograph", INSTRUMENTAL), ("ultraso", INSTRUMENTAL), ("x-ray", INSTRUMENTAL),
    ("ct", INSTRUMENTAL), ("mri", INSTRUMENTAL), ("dxa", INSTRUMENTAL),
    ("densitometr", INSTRUMENTAL), ("echocardio", INSTRUMENTAL), ("ecg", INSTRUMENTAL),
    ("ekg", INSTRUMENTAL), ("endoscop", INSTRUMENTAL), ("cardiolog", INSTRUMENTAL),
)

#: Observation categories of results that are not one of the order's kinds: a report
#: made only of them (a questionnaire's score) is refused with this reason.
NOT_A_KIND = {"survey": "a questionnaire (survey), not one of the order's four kinds",
              "social-history": "social history, not one of the order's four kinds",
              "vital-signs": "vital signs, not one of the order's four kinds"}


#: Codes of documents and reports that are none of the order's four kinds, with why.
NOT_A_KIND_CODES = {
    "60591-5": "a patient summary (IPS), not one of the order's four kinds",
    "89206-7": "a questionnaire score (PHQ-9), not one of the order's four kinds",
    "69737-5": "a questionnaire score (GAD-7), not one of the order's four kinds",
    "44249-1": "a questionnaire score (PHQ-9), not one of the order's four kinds",
}


def kind_of_words(text: str) -> DocKind | None:
    """The kind a category's or a code's words name, by the first matching word."""
    for word in text.lower().replace("/", " ").replace("(", " ").replace(",", " ").split():
        for prefix, kind in WORDS:
            if word.startswith(prefix) and (len(prefix) > 3 or word == prefix):
                return kind
    return None
