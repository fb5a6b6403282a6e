"""Free-text eligibility criteria to typed constraints: split items, read thresholds, say what
was not read. Pure; the ClinicalTrials.gov importer renders the result as protocol rules."""

from trialdesk.core.criteria_text.model import (
    Constraint,
    ConstraintKind,
    Item,
    ItemKind,
    Operator,
    ParsedCriteria,
)
from trialdesk.core.criteria_text.parser import extract_constraints, parse_criteria

__all__ = [
    "Constraint",
    "ConstraintKind",
    "Item",
    "ItemKind",
    "Operator",
    "ParsedCriteria",
    "extract_constraints",
    "parse_criteria",
]
