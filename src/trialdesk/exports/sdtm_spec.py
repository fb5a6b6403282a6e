"""SDTM variable metadata (SDTMIG v3.3 names, labels and core status) for the exported domains.

Each variable: (name, label, type, core). type is "Char" or "Num"; core is "Req" (required:
never null), "Exp" (expected: present, may be null) or "Perm". Names are at most 8 characters
and labels at most 40 (SAS transport v5); tests check both.
"""

from __future__ import annotations

__all__ = ["DOMAIN_LABELS", "SPEC", "Variable"]

Variable = tuple[str, str, str, str]

_ID: list[Variable] = [
    ("STUDYID", "Study Identifier", "Char", "Req"),
    ("DOMAIN", "Domain Abbreviation", "Char", "Req"),
    ("USUBJID", "Unique Subject Identifier", "Char", "Req"),
]


def _seq(prefix: str) -> Variable:
    return (f"{prefix}SEQ", "Sequence Number", "Num", "Req")


DOMAIN_LABELS = {
    "DM": "Demographics",
    "IE": "Inclusion/Exclusion Criteria Not Met",
    "DS": "Disposition",
    "EX": "Exposure",
    "AE": "Adverse Events",
    "LB": "Laboratory Test Results",
    "VS": "Vital Signs",
    "TU": "Tumor/Lesion Identification",
    "TR": "Tumor/Lesion Results",
    "RS": "Disease Response and Clin Classification",
}

SPEC: dict[str, list[Variable]] = {
    "DM": [
        *_ID,
        ("SUBJID", "Subject Identifier for the Study", "Char", "Req"),
        ("RFSTDTC", "Subject Reference Start Date/Time", "Char", "Exp"),
        ("RFENDTC", "Subject Reference End Date/Time", "Char", "Exp"),
        ("RFXSTDTC", "Date/Time of First Study Treatment", "Char", "Exp"),
        ("RFICDTC", "Date/Time of Informed Consent", "Char", "Exp"),
        ("DTHDTC", "Date/Time of Death", "Char", "Exp"),
        ("DTHFL", "Subject Death Flag", "Char", "Exp"),
        ("SITEID", "Study Site Identifier", "Char", "Req"),
        ("BRTHDTC", "Date/Time of Birth", "Char", "Perm"),
        ("AGE", "Age", "Num", "Exp"),
        ("AGEU", "Age Units", "Char", "Exp"),
        ("SEX", "Sex", "Char", "Req"),
        ("ARMCD", "Planned Arm Code", "Char", "Exp"),
        ("ARM", "Description of Planned Arm", "Char", "Exp"),
        ("ACTARMCD", "Actual Arm Code", "Char", "Exp"),
        ("ACTARM", "Description of Actual Arm", "Char", "Exp"),
        ("COUNTRY", "Country", "Char", "Req"),
    ],
    "IE": [
        *_ID,
        _seq("IE"),
        ("IETESTCD", "Incl/Excl Criterion Short Name", "Char", "Req"),
        ("IETEST", "Inclusion/Exclusion Criterion", "Char", "Req"),
        ("IECAT", "Inclusion/Exclusion Category", "Char", "Req"),
        ("IEORRES", "I/E Criterion Original Result", "Char", "Req"),
        ("IESTRESC", "I/E Criterion Result in Std Format", "Char", "Req"),
        ("IEDTC", "Date/Time of Collection", "Char", "Perm"),
    ],
    "DS": [
        *_ID,
        _seq("DS"),
        ("DSTERM", "Reported Term for the Disposition Event", "Char", "Req"),
        ("DSDECOD", "Standardized Disposition Term", "Char", "Req"),
        ("DSCAT", "Category for Disposition Event", "Char", "Exp"),
        ("DSSTDTC", "Start Date/Time of Disposition Event", "Char", "Exp"),
    ],
    "EX": [
        *_ID,
        _seq("EX"),
        ("EXTRT", "Name of Treatment", "Char", "Req"),
        ("EXDOSE", "Dose", "Num", "Exp"),
        ("EXDOSU", "Dose Units", "Char", "Exp"),
        ("EXROUTE", "Route of Administration", "Char", "Perm"),
        ("EXSTDTC", "Start Date/Time of Treatment", "Char", "Exp"),
        ("EXENDTC", "End Date/Time of Treatment", "Char", "Exp"),
        ("VISIT", "Visit Name", "Char", "Perm"),
    ],
    "AE": [
        *_ID,
        _seq("AE"),
        ("AETERM", "Reported Term for the Adverse Event", "Char", "Req"),
        ("AEDECOD", "Dictionary-Derived Term", "Char", "Req"),
        ("AEBODSYS", "Body System or Organ Class", "Char", "Exp"),
        ("AETOXGR", "Standard Toxicity Grade", "Char", "Exp"),
        ("AESER", "Serious Event", "Char", "Exp"),
        ("AEREL", "Causality", "Char", "Exp"),
        ("AEACN", "Action Taken with Study Treatment", "Char", "Exp"),
        ("AEOUT", "Outcome of Adverse Event", "Char", "Perm"),
        ("AESTDTC", "Start Date/Time of Adverse Event", "Char", "Exp"),
        ("AEENDTC", "End Date/Time of Adverse Event", "Char", "Exp"),
    ],
    "LB": [
        *_ID,
        _seq("LB"),
        ("LBTESTCD", "Lab Test or Examination Short Name", "Char", "Req"),
        ("LBTEST", "Lab Test or Examination Name", "Char", "Req"),
        ("LBORRES", "Result or Finding in Original Units", "Char", "Exp"),
        ("LBORRESU", "Original Units", "Char", "Exp"),
        ("LBORNRLO", "Reference Range Lower Limit in Orig Unit", "Char", "Exp"),
        ("LBORNRHI", "Reference Range Upper Limit in Orig Unit", "Char", "Exp"),
        ("LBSTRESC", "Character Result/Finding in Std Format", "Char", "Exp"),
        ("LBSTRESN", "Numeric Result/Finding in Standard Units", "Num", "Exp"),
        ("LBSTRESU", "Standard Units", "Char", "Exp"),
        ("LBTOXGR", "Standard Toxicity Grade", "Char", "Exp"),
        ("LBBLFL", "Baseline Flag", "Char", "Exp"),
        ("LBDTC", "Date/Time of Specimen Collection", "Char", "Exp"),
    ],
    "VS": [
        *_ID,
        _seq("VS"),
        ("VSTESTCD", "Vital Signs Test Short Name", "Char", "Req"),
        ("VSTEST", "Vital Signs Test Name", "Char", "Req"),
        ("VSORRES", "Result or Finding in Original Units", "Char", "Exp"),
        ("VSORRESU", "Original Units", "Char", "Exp"),
        ("VSSTRESC", "Character Result/Finding in Std Format", "Char", "Exp"),
        ("VSSTRESN", "Numeric Result/Finding in Standard Units", "Num", "Exp"),
        ("VSSTRESU", "Standard Units", "Char", "Exp"),
        ("VSDTC", "Date/Time of Measurements", "Char", "Exp"),
    ],
    "TU": [
        *_ID,
        _seq("TU"),
        ("TULNKID", "Link ID", "Char", "Exp"),
        ("TUTESTCD", "Tumor/Lesion ID Short Name", "Char", "Req"),
        ("TUTEST", "Tumor/Lesion ID Test Name", "Char", "Req"),
        ("TUORRES", "Tumor/Lesion ID Result", "Char", "Exp"),
        ("TUSTRESC", "Tumor/Lesion ID Result Std. Format", "Char", "Exp"),
        ("TULOC", "Location of the Tumor/Lesion", "Char", "Exp"),
        ("TUDTC", "Date/Time of Tumor/Lesion Identification", "Char", "Exp"),
        ("VISIT", "Visit Name", "Char", "Perm"),
    ],
    "TR": [
        *_ID,
        _seq("TR"),
        ("TRLNKID", "Link ID", "Char", "Exp"),
        ("TRTESTCD", "Tumor/Lesion Assessment Short Name", "Char", "Req"),
        ("TRTEST", "Tumor/Lesion Assessment Test Name", "Char", "Req"),
        ("TRORRES", "Result or Finding in Original Units", "Char", "Exp"),
        ("TRORRESU", "Original Units", "Char", "Exp"),
        ("TRSTRESC", "Character Result/Finding in Std Format", "Char", "Exp"),
        ("TRSTRESN", "Numeric Result/Finding in Std Units", "Num", "Exp"),
        ("TRSTRESU", "Standard Units", "Char", "Exp"),
        ("TRDTC", "Date/Time of Tumor/Lesion Assessment", "Char", "Exp"),
        ("VISIT", "Visit Name", "Char", "Perm"),
    ],
    "RS": [
        *_ID,
        _seq("RS"),
        ("RSTESTCD", "Assessment Short Name", "Char", "Req"),
        ("RSTEST", "Assessment Name", "Char", "Req"),
        ("RSCAT", "Category for Assessment", "Char", "Exp"),
        ("RSORRES", "Result or Finding in Original Units", "Char", "Exp"),
        ("RSSTRESC", "Character Result/Finding in Std Format", "Char", "Exp"),
        ("RSDTC", "Date/Time of Assessment", "Char", "Exp"),
        ("VISIT", "Visit Name", "Char", "Perm"),
    ],
}
