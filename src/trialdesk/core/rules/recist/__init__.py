"""RECIST 1.1: measurability, target selection, time-point responses and best overall response.

Source: Eisenhauer EA et al., Eur J Cancer 2009;45:228-247. Tables are data under
``trialdesk/core/data/recist/``; docs/clinical-rules/recist.md explains them for investigators.

    result = evaluate_recist(json.loads(text, parse_float=Decimal), file="a.json")
    result.best_overall_response.response   # Overall.PR
"""

from __future__ import annotations

from trialdesk.core.rules.recist.assessment import Assessments, parse_assessments
from trialdesk.core.rules.recist.baseline import Baseline, BaselineLesion
from trialdesk.core.rules.recist.best_response import BestResponse, best_overall_response
from trialdesk.core.rules.recist.evaluate import RecistResult, evaluate_recist
from trialdesk.core.rules.recist.measurability import (
    Lesion,
    LesionKind,
    Measurability,
    MeasurabilityCategory,
    Method,
    assess_measurability,
)
from trialdesk.core.rules.recist.tables import (
    Confirmation,
    NonTargetResponse,
    Overall,
    TargetResponse,
)
from trialdesk.core.rules.recist.timepoint import TimePointResult

__all__ = [
    "Assessments",
    "Baseline",
    "BaselineLesion",
    "BestResponse",
    "Confirmation",
    "Lesion",
    "LesionKind",
    "Measurability",
    "MeasurabilityCategory",
    "Method",
    "NonTargetResponse",
    "Overall",
    "RecistResult",
    "TargetResponse",
    "TimePointResult",
    "assess_measurability",
    "best_overall_response",
    "evaluate_recist",
    "parse_assessments",
]
