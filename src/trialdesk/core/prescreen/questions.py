"""Which parent-answerable question (if any) each rule leaf maps to, and the questionnaire.

A leaf is matched by what it looks for, never by the criterion's id, so a new protocol with
the same kinds of rules gets the same questions: an age rule asks for the birth date, a
condition rule on the library's neuroblastoma codes asks about the diagnosis, and so on.
Code-set leaves are matched to the library value set whose codes they contain.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from trialdesk.core.codes import CodeSet, library_value_sets
from trialdesk.core.criteria import ast as a
from trialdesk.core.protocol.protocol import Protocol

__all__ = [
    "BLOOD_COUNT_UNITS",
    "QUESTIONS",
    "Question",
    "leaves",
    "question_for",
    "questionnaire",
    "topic_of",
]


@dataclass(frozen=True, slots=True)
class Question:
    """One question: ``kind`` is date | choice | number; text keys are ``prescreen.q.<id>``."""

    id: str
    kind: str
    choices: tuple[str, ...] = ()
    units: tuple[str, ...] = ()  # for numbers: the units a family may pick, the first is default
    optional: bool = True


UNSURE = "unsure"
YES_NO = ("yes", "no", UNSURE)

# Blood counts a family often has from the last hospital visit; each analyte's own unit
# first, then the one Chinese and US lab reports commonly print (converted by core.units).
BLOOD_COUNT_UNITS: dict[str, tuple[str, ...]] = {
    "hemoglobin": ("g/L", "g/dL"),
    "neutrophils": ("10*9/L", "/uL"),
    "platelets": ("10*9/L", "/uL"),
}

QUESTIONS: dict[str, Question] = {
    q.id: q
    for q in (
        Question("birth_date", "date", optional=False),
        Question("diagnosis", "choice", YES_NO),
        Question("risk_group", "choice", ("high", "not_high", UNSURE)),
        Question(
            "treatment_stage",
            "choice",
            ("induction", "consolidation", "maintenance", "finished", UNSURE),
        ),
        Question("disease_status", "choice", ("relapsed", "refractory", "neither", UNSURE)),
        *(
            Question(f"lab_{analyte}", "number", units=units)
            for analyte, units in BLOOD_COUNT_UNITS.items()
        ),
        Question("active_infection", "choice", YES_NO),
        Question("organ_transplant", "choice", YES_NO),
        Question("stem_cell_transplant", "choice", ("none", "own_cells", "donor_cells", UNSURE)),
        Question("hiv", "choice", YES_NO),
    )
}

# Library value sets a parent can speak to, and the question that asks about each.
_TOPIC_QUESTION = {
    "neuroblastoma": "diagnosis",
    "infection": "active_infection",
    "pulmonary_infection": "active_infection",
    "solid_organ_transplant": "organ_transplant",
    "hsct_not_known_autologous": "stem_cell_transplant",
    "hiv_infection": "hiv",
}
_STATUS_QUESTION = {
    "risk_group": "risk_group",
    "treatment_phase": "treatment_stage",
    "disease_status": "disease_status",
}


def topic_of(codes: CodeSet | None) -> str | None:
    """The library value set whose every code ``codes`` contains (the largest one wins)."""
    if codes is None:
        return None
    patterns = set(codes.patterns)
    best: tuple[int, str] | None = None
    for name, library in library_value_sets().items():
        if set(library.patterns) <= patterns and (best is None or len(library.patterns) > best[0]):
            best = (len(library.patterns), name)
    return best[1] if best else None


def question_for(leaf: a.Rule) -> Question | None:
    """The question that answers this leaf, or None when only the care team can."""
    if isinstance(leaf, a.AgeCheck):
        return QUESTIONS["birth_date"]
    if isinstance(leaf, a.ConditionCheck | a.ProcedureCheck):
        name = _TOPIC_QUESTION.get(topic_of(leaf.codes) or "")
        return QUESTIONS[name] if name else None
    if isinstance(leaf, a.CodedStatusCheck):
        name = _STATUS_QUESTION.get(leaf.kind)
        return QUESTIONS[name] if name else None
    if (
        isinstance(leaf, a.LabCheck)
        and leaf.analyte.id in BLOOD_COUNT_UNITS
        and all(test.reference_limit is None for test in leaf.tests)
    ):
        return QUESTIONS[f"lab_{leaf.analyte.id}"]
    return None


def leaves(rule: a.Rule) -> Iterator[a.Rule]:
    """The leaves of a rule tree, left to right."""
    if isinstance(rule, a.AllOf | a.AnyOf | a.EachAvailable):
        for item in rule.items:
            yield from leaves(item)
    elif isinstance(rule, a.NotOf | a.ReviewIf):
        yield from leaves(rule.item)
    elif isinstance(rule, a.IfThen):
        yield from leaves(rule.condition)
        yield from leaves(rule.then)
        if rule.otherwise is not None:
            yield from leaves(rule.otherwise)
    else:
        yield rule


def questionnaire(protocol: Protocol) -> tuple[Question, ...]:
    """The questions this protocol's criteria need, in the order a form asks them."""
    wanted = {
        question.id
        for criterion in protocol.criteria
        for leaf in leaves(criterion.rule)
        if (question := question_for(leaf)) is not None
    }
    return tuple(q for q in QUESTIONS.values() if q.id in wanted)
