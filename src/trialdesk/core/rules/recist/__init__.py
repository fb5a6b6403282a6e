"""RECIST 1.1: measurability, target selection, time-point responses and best overall response.

Source: Eisenhauer EA et al., Eur J Cancer 2009;45:228-247. Tables are data under
``trialdesk/core/data/recist/``; docs/clinical-rules/recist.md explains them for investigators.
"""

from __future__ import annotations

from trialdesk.core.rules.recist.measurability import (
    Lesion,
    LesionKind,
    Measurability,
    MeasurabilityCategory,
    Method,
    assess_measurability,
)

__all__ = [
    "Lesion",
    "LesionKind",
    "Measurability",
    "MeasurabilityCategory",
    "Method",
    "assess_measurability",
]
