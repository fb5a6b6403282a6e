"""The typed, checked criteria tree: what the screener evaluates and the SQL compiler compiles.

Built from the syntax tree by :mod:`trialdesk.core.criteria.bind`; every node keeps its span
in the rule text. Thresholds are Decimals with explicit UCUM units (or a multiple of the
reference range's ULN/LLN).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from trialdesk.core.analytes import Analyte
from trialdesk.core.codes import CodePattern, CodeSet
from trialdesk.core.criteria.syntax import Span
from trialdesk.core.durations import Duration

__all__ = [
    "AgeCheck",
    "AllOf",
    "AllergyCheck",
    "AnyOf",
    "AttestationCheck",
    "CodedStatusCheck",
    "ConditionCheck",
    "ConsentCheck",
    "Criterion",
    "EachAvailable",
    "FindingCheck",
    "IfThen",
    "LabCheck",
    "LifeExpectancyCheck",
    "MeasurableLesionsCheck",
    "MedicationCheck",
    "NotOf",
    "NumericTest",
    "PerformanceCheck",
    "PregnancyCheck",
    "ProcedureCheck",
    "ReviewAlways",
    "ReviewIf",
    "Rule",
    "SexCheck",
    "TestResultCheck",
    "ToxicityCheck",
]


@dataclass(frozen=True, slots=True)
class NumericTest:
    """``value op number`` where number is absolute (in ``unit``) or ``factor`` × ULN/LLN."""

    op: str  # >= <= > < = !=
    number: Decimal
    unit: str | None = None
    reference_limit: str | None = None  # "ULN" | "LLN" when number is a multiple

    def describe(self) -> str:
        return _describe(self)

    def _text(self) -> str:
        if self.reference_limit:
            return f"{self.op} {self.number.normalize():f} × {self.reference_limit}"
        shown = _SPELLED_OUT.get(self.unit or "", self.unit)
        unit = f" {shown}" if shown and shown != "1" else ""
        return f"{self.op} {self.number.normalize():f}{unit}"


@lru_cache(maxsize=1024)
def _describe(test: NumericTest) -> str:
    # Cached: every evidence item and reason shows its threshold (the screening hot path).
    return test._text()


# UCUM codes people misread in a sentence ("<= 18 a"): written out where a reason shows them.
_SPELLED_OUT = {"a": "years", "mo": "months", "wk": "weeks", "d": "days"}


@dataclass(frozen=True, slots=True)
class AllOf:
    items: tuple[Rule, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Rule, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class NotOf:
    item: Rule
    span: Span


@dataclass(frozen=True, slots=True)
class IfThen:
    condition: Rule
    then: Rule
    otherwise: Rule | None
    span: Span


@dataclass(frozen=True, slots=True)
class EachAvailable:
    """Every listed check whose data exists must hold; at least one must have data."""

    items: tuple[Rule, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class ReviewIf:
    item: Rule
    span: Span


@dataclass(frozen=True, slots=True)
class ReviewAlways:
    reason: str
    span: Span


@dataclass(frozen=True, slots=True)
class AgeCheck:
    tests: tuple[NumericTest, ...]  # in completed years or months (NumericTest.unit: a | mo)
    span: Span


@dataclass(frozen=True, slots=True)
class SexCheck:
    sexes: tuple[str, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class LabCheck:
    analyte: Analyte
    category: str  # lab | vital | echo: which recency window applies
    tests: tuple[NumericTest, ...]
    window: Duration | None
    span: Span
    room_air: bool = False


@dataclass(frozen=True, slots=True)
class ConditionCheck:
    codes: CodeSet
    status: str  # active | resolved | any
    window: Duration | None
    span: Span


@dataclass(frozen=True, slots=True)
class ProcedureCheck:
    codes: CodeSet
    window: Duration | None
    span: Span


@dataclass(frozen=True, slots=True)
class MedicationCheck:
    codes: CodeSet
    status: str  # active | any
    window: Duration | None
    span: Span


@dataclass(frozen=True, slots=True)
class AllergyCheck:
    codes: CodeSet | None
    criticality: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class CodedStatusCheck:
    """disease_status / treatment_phase / risk_group: the latest coded observation of a kind."""

    kind: str
    values: tuple[str, ...]
    window: Duration | None
    span: Span


@dataclass(frozen=True, slots=True)
class FindingCheck:
    code: CodePattern
    values: tuple[str, ...]
    negate: bool
    window: Duration | None
    span: Span


@dataclass(frozen=True, slots=True)
class MeasurableLesionsCheck:
    standard: str
    tests: tuple[NumericTest, ...]
    window: Duration | None
    span: Span


@dataclass(frozen=True, slots=True)
class PerformanceCheck:
    scale: str  # lansky | karnofsky | ecog | auto
    tests: tuple[NumericTest, ...]
    window: Duration | None
    span: Span


@dataclass(frozen=True, slots=True)
class LifeExpectancyCheck:
    tests: tuple[NumericTest, ...]  # in months
    window: Duration | None
    span: Span


@dataclass(frozen=True, slots=True)
class ToxicityCheck:
    above_grade: int
    exceptions: CodeSet | None
    attestation: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class TestResultCheck:
    codes: CodeSet
    expected: str  # positive | negative
    window: Duration | None
    span: Span


@dataclass(frozen=True, slots=True)
class PregnancyCheck:
    kind: str  # pregnant | breastfeeding
    window: Duration | None
    span: Span


@dataclass(frozen=True, slots=True)
class ConsentCheck:
    scope: str
    span: Span


@dataclass(frozen=True, slots=True)
class AttestationCheck:
    code: str
    window: Duration | None
    span: Span


Rule = (
    AllOf
    | AnyOf
    | NotOf
    | IfThen
    | EachAvailable
    | ReviewIf
    | ReviewAlways
    | AgeCheck
    | SexCheck
    | LabCheck
    | ConditionCheck
    | ProcedureCheck
    | MedicationCheck
    | AllergyCheck
    | CodedStatusCheck
    | FindingCheck
    | MeasurableLesionsCheck
    | PerformanceCheck
    | LifeExpectancyCheck
    | ToxicityCheck
    | TestResultCheck
    | PregnancyCheck
    | ConsentCheck
    | AttestationCheck
)


@dataclass(frozen=True, slots=True)
class Criterion:
    """One checked criterion of a protocol: its registry text, its rule and how it was read."""

    id: str
    kind: str  # inclusion | exclusion
    text: str
    rule_text: str
    rule: Rule
    interpretation: str | None = None
    confidence: float | None = None
