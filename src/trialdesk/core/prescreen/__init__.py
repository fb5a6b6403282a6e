"""The family pre-screen: questions a parent can answer, generated from the computable criteria.

``questionnaire`` walks each criterion's rule tree and asks only what a parent can know (the
child's birth date, diagnosis, treatment stage, relapse, recent blood counts, infections,
transplants, HIV). ``prescreen`` turns the answers into a per-criterion outcome: meets, does
not meet ("probably not eligible, because …") or the care team needs to check. Every other
rule (organ function by ULN, echocardiogram, consent, the investigator's judgement) is a
care-team check. Only the study team decides; nothing here is an eligibility verdict.
``plain_criterion`` renders a criterion as plain-language phrases for the public page.
Everything is returned as :class:`~trialdesk.core.i18n.Message` keys; the web layer words them.
"""

from __future__ import annotations

from trialdesk.core.prescreen.evaluate import (
    CriterionOutcome,
    Overall,
    PrescreenResult,
    Status,
    prescreen,
)
from trialdesk.core.prescreen.plain import PlainNode, plain_criterion
from trialdesk.core.prescreen.questions import Question, questionnaire, topic_of

__all__ = [
    "CriterionOutcome",
    "Overall",
    "PlainNode",
    "PrescreenResult",
    "Question",
    "Status",
    "plain_criterion",
    "prescreen",
    "questionnaire",
    "topic_of",
]
