"""Parse eligibility text: split it into items, read each item's constraints, say how much of
the item they cover. Pure: text in, :class:`ParsedCriteria` out."""

from __future__ import annotations

import re

from trialdesk.core.criteria_text.concepts import concept_constraints
from trialdesk.core.criteria_text.demographics import age_constraints, sex_constraints
from trialdesk.core.criteria_text.labs import lab_constraints
from trialdesk.core.criteria_text.model import (
    Constraint,
    Item,
    ItemKind,
    ParsedCriteria,
    Span,
)
from trialdesk.core.criteria_text.scores import (
    life_expectancy_constraints,
    performance_constraints,
    washout_constraints,
)
from trialdesk.core.criteria_text.sections import split_items

__all__ = ["extract_constraints", "parse_criteria"]

# Words that carry no eligibility meaning of their own once the constraints are read; what
# remains after removing them (and the constraint spans) decides the coverage.
_STOPWORDS = frozenset(
    """a an the of in on at to for with by from as and or nor is are be been being was were must
    should shall will would can could may have has had having not no any all each either both
    patient patients subject subjects participant participants who which that this these those
    such than then if also only following defined as per i.e e.g eg ie etc including include
    includes inclusive criteria criterion meet meets meeting standard standards normal adequate
    function functions organ organs major main blood routine test tests testing biochemistry
    biochemical coagulation hematologic haematologic hematological haematological hepatic renal
    liver kidney bone marrow serum plasma level levels value values count counts laboratory lab
    labs result results screening baseline enrollment enrolment study entry registration
    within days day weeks week prior before after time times their his her they it its
    documented known evidence history current currently active chronic infection infections
    positive negative status disease age aged years year old gender sex restricted
    shows show showing measured assessed using follows follow ULN upper limit
    sign signed signing obtain obtained obtaining full written voluntarily voluntary form
    forms guardian guardians parent parents legal legally representative informed consent assent
    women woman men man female females male males mothers girls boys children adults people""".split()  # noqa: SIM905
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]+")


def parse_criteria(text: str, default_kind: ItemKind = ItemKind.INCLUSION) -> ParsedCriteria:
    """Items with their constraints; ``default_kind`` for text before any section header."""
    items: list[Item] = []
    warnings: list[str] = []
    group = 1
    for raw in split_items(text, default_kind):
        constraints = extract_constraints(text, raw.span, group)
        group += len({c.group for c in constraints if c.group is not None})
        items.append(
            Item(
                kind=raw.kind,
                number=raw.number,
                text=text[raw.span[0] : raw.span[1]],
                span=raw.span,
                constraints=tuple(constraints),
                coverage=_coverage(text, raw.span, constraints),
                header=raw.header,
            )
        )
    if not any(i.kind is ItemKind.EXCLUSION for i in items) and text.strip():
        warnings.append("no exclusion section found; items before any header read as inclusion")
    return ParsedCriteria(text=text, items=tuple(items), warnings=tuple(warnings))


def extract_constraints(text: str, span: Span, first_group: int = 1) -> list[Constraint]:
    start, end = span
    labs = lab_constraints(text, start, end, first_group)
    conditions = " ".join(c.condition for c in labs if c.condition)
    found = [
        *age_constraints(text, start, end),
        *sex_constraints(text, start, end),
        *labs,
        *performance_constraints(text, start, end),
        *life_expectancy_constraints(text, start, end),
        *washout_constraints(text, start, end),
        *(c for c in concept_constraints(text, start, end) if c.text not in conditions),
    ]
    found.sort(key=lambda c: c.span)
    return found


def _coverage(text: str, span: Span, constraints: list[Constraint]) -> str:
    if not constraints:
        return "none"
    characters = list(text[span[0] : span[1]])
    for constraint in constraints:
        for index in range(constraint.span[0] - span[0], constraint.span[1] - span[0]):
            characters[index] = " "
    residue = [w for w in _WORD.findall("".join(characters)) if w.lower() not in _STOPWORDS]
    # One unread word is enough to make an item partial: in eligibility text a single word
    # ("symptomatic", "uncontrolled", "untreated") changes who the item is about.
    return "complete" if not residue else "partial"
