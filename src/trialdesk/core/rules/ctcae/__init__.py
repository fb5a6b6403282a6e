"""CTCAE v5.0: the terminology (837 terms) and automatic grading of lab values and vital signs.

Source: NCI Common Terminology Criteria for Adverse Events v5.0, 27 Nov 2017, read with the
pharmaverse admiral interpretation. Tables are data under ``trialdesk/core/data/ctcae/``;
docs/clinical-rules/ctcae.md explains them, docs/decisions/ctcae-grading.md records the choices.

    grade_lab("ALT", Decimal("130"), "U/L", uln=Decimal("40")).grade        # 2
    grade_lab_array("ANC", np.array([1.2, 0.4]), "10*9/L", lln=1.8)       # array([2, 4])
    search("neutro")[0].name                                               # "Neutrophil count..."
"""

from __future__ import annotations

from trialdesk.core.rules.ctcae.febrile import grade_febrile_neutropenia
from trialdesk.core.rules.ctcae.grading import gradable_analytes, grade_lab, parse_qualifiers
from trialdesk.core.rules.ctcae.results import (
    GradeStatus,
    LabGrade,
    QualifierEffect,
    RuleHit,
    TermGrade,
)
from trialdesk.core.rules.ctcae.terminology import (
    CtcaeTerm,
    all_terms,
    search,
    system_organ_classes,
    term,
    terms_in_soc,
)
from trialdesk.core.rules.ctcae.vectorized import NOT_GRADABLE, UNDETERMINED, grade_lab_array

__all__ = [
    "NOT_GRADABLE",
    "UNDETERMINED",
    "CtcaeTerm",
    "GradeStatus",
    "LabGrade",
    "QualifierEffect",
    "RuleHit",
    "TermGrade",
    "all_terms",
    "gradable_analytes",
    "grade_febrile_neutropenia",
    "grade_lab",
    "grade_lab_array",
    "parse_qualifiers",
    "search",
    "system_organ_classes",
    "term",
    "terms_in_soc",
]
