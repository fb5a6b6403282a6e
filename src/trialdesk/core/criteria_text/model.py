"""What the criteria-text parser produces: items with their spans, and typed constraints.

Offsets are character offsets into the text given to the parser (for an imported study, the
registry's ``eligibilityCriteria`` after markdown escapes are removed; the importer maps them
back). A constraint is one atom: ``hemoglobin >= 80 g/L``, ``age >= 18 a``; ranges become two
atoms, so every atom has a single operator and a single number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

__all__ = [
    "Constraint",
    "ConstraintKind",
    "Item",
    "ItemKind",
    "Operator",
    "ParsedCriteria",
    "Span",
]

Span = tuple[int, int]


class Operator(StrEnum):
    GE = ">="
    LE = "<="
    GT = ">"
    LT = "<"
    EQ = "="
    NE = "!="

    def negated(self) -> Operator:
        return _NEGATION[self]


_NEGATION = {
    Operator.GE: Operator.LT,
    Operator.LE: Operator.GT,
    Operator.GT: Operator.LE,
    Operator.LT: Operator.GE,
    Operator.EQ: Operator.NE,
    Operator.NE: Operator.EQ,
}


class ItemKind(StrEnum):
    INCLUSION = "inclusion"
    EXCLUSION = "exclusion"


class ConstraintKind(StrEnum):
    AGE = "age"
    SEX = "sex"
    LAB = "lab"
    PERFORMANCE = "performance"
    LIFE_EXPECTANCY = "life_expectancy"
    CONDITION = "condition"
    PREGNANCY = "pregnancy"
    BREASTFEEDING = "breastfeeding"
    CONTRACEPTION = "contraception"
    WASHOUT = "washout"
    CONSENT = "consent"


@dataclass(frozen=True, slots=True)
class Constraint:
    """One computable statement found in an item.

    ``reference`` is ``"ULN"`` or ``"LLN"`` when ``value`` is a multiple of a normal limit.
    ``negated`` means the text states the absence ("no HIV infection"). ``group`` ties atoms
    that the text joins with "or" (``"INR or PT <= 1.5 x ULN"``). ``condition`` holds the text
    of a conditional limit ("if liver metastases") and ``condition_set`` the value set it names.
    """

    kind: ConstraintKind
    span: Span
    text: str
    confidence: float
    analyte: str | None = None
    operator: Operator | None = None
    value: Decimal | None = None
    unit: str | None = None
    reference: str | None = None
    negated: bool = False
    group: int | None = None
    condition: str | None = None
    condition_set: str | None = None
    value_set: str | None = None
    scale: str | None = None
    detail: str | None = None
    concept: str | None = None  # the concepts.toml entry a condition/pregnancy/... came from

    def to_dict(self, loinc: str | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": str(self.kind)}
        fields = {
            "analyte": self.analyte,
            "loinc": loinc,
            "operator": str(self.operator) if self.operator else None,
            "value": str(self.value) if self.value is not None else None,
            "unit": self.unit,
            "uln_multiple": self.reference,
            "negated": self.negated,
            "group": self.group,
            "condition": self.condition,
            "condition_set": self.condition_set,
            "value_set": self.value_set,
            "scale": self.scale,
            "detail": self.detail,
            "concept": self.concept,
        }
        data.update({k: v for k, v in fields.items() if v is not None})
        data["span"] = list(self.span)
        data["text"] = self.text
        data["confidence"] = self.confidence
        return data


@dataclass(frozen=True, slots=True)
class Item:
    """One criterion: ``number`` is its position path ("4", "4.2"), ``text`` its own words."""

    kind: ItemKind
    number: str
    text: str
    span: Span
    constraints: tuple[Constraint, ...] = ()
    coverage: str = "none"  # complete | partial | none: how much of the text the atoms cover
    header: str | None = None  # the parent's lead-in for a sub-item ("Normal organ function")

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": str(self.kind),
            "number": self.number,
            "text": self.text,
            "span": list(self.span),
            "coverage": self.coverage,
            "constraints": [c.to_dict(_loinc(c.analyte)) for c in self.constraints],
        }
        if self.header:
            data["header"] = self.header
        return data


def _loinc(analyte_id: str | None) -> str | None:
    if analyte_id is None or analyte_id == "age":
        return None
    from trialdesk.core.analytes import analyte

    codes = analyte(analyte_id).loinc
    return codes[0] if codes else None


@dataclass(frozen=True, slots=True)
class ParsedCriteria:
    text: str
    items: tuple[Item, ...]
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": [i.to_dict() for i in self.items],
            "warnings": list(self.warnings),
        }
