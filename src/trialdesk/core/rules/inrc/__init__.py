"""INRC 2017: revised International Neuroblastoma Response Criteria.

Source: Park JR et al., J Clin Oncol 2017;35:2580-2587 (PMC5676955). The component and overall
tables of the article could not be read, so most rules are recalled and marked UNCONFIRMED in
``trialdesk/core/data/inrc/inrc-2017.toml``; every result names its rule and says whether anything
behind it is unconfirmed. docs/clinical-rules/inrc.md explains it for investigators.

    result = evaluate_inrc(json.loads(text, parse_float=Decimal), file="a.json")
    result.overall        # Response.PR
    result.confirmed      # False while the tables are unconfirmed
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
