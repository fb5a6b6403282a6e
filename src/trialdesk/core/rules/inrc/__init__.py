"""INRC 2017: revised International Neuroblastoma Response Criteria.

Source: Park JR et al., J Clin Oncol 2017;35:2580-2587 (PMC5676955). The article's component
tables could not be read; the overall criteria were read in the NCI PDQ summary. Each item of
``trialdesk/core/data/inrc/inrc-2017.toml`` says whether it is confirmed; every result names its
rule and says whether anything behind it is not. docs/clinical-rules/inrc.md explains it for
investigators.

    result = evaluate_inrc(json.loads(text, parse_float=Decimal), file="a.json")
    result.overall        # Response.PR
    result.confirmed      # False when an unconfirmed item or a decision contributed
"""

from __future__ import annotations

from trialdesk.core.rules.inrc.assessment import InrcAssessment, parse_inrc_assessment
from trialdesk.core.rules.inrc.components import ComponentResult, Response
from trialdesk.core.rules.inrc.evaluate import InrcResult, evaluate_inrc
from trialdesk.core.rules.inrc.tables import InrcTables, inrc_tables

__all__ = [
    "ComponentResult",
    "InrcAssessment",
    "InrcResult",
    "InrcTables",
    "Response",
    "evaluate_inrc",
    "inrc_tables",
    "parse_inrc_assessment",
]
