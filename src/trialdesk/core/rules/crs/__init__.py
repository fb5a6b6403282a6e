"""Cytokine release syndrome grading: ASTCT 2019 consensus and the CTCAE v5.0 term.

grade_crs(CrsFindings(temperature=Decimal("38.6"), vasopressors=1)).astct_grade  # 3
"""

from __future__ import annotations

from trialdesk.core.rules.crs.grading import CrsFindings, CrsGrade, grade_crs
from trialdesk.core.rules.crs.oxygen import OxygenSupport

__all__ = ["CrsFindings", "CrsGrade", "OxygenSupport", "grade_crs"]
