"""A family's answers → per-criterion outcome and an overall hint. Never an eligibility verdict.

Three values per rule node: YES, NO and CHECK (the care team must look: the family was not
sure, or a parent cannot know). Combination is Kleene-style with CHECK as the unknown, so a
single clear "no" to a required fact decides a criterion and anything uncertain stays with
the care team. ``review_if`` turns a YES into CHECK: what needs a clinician's judgement in
screening needs it here too. Numbers are Decimals; units are converted by core.analytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import Enum, StrEnum

from trialdesk.core.analytes import convert
from trialdesk.core.criteria import ast as a
from trialdesk.core.i18n import Message
from trialdesk.core.prescreen.plain import care_team_check
from trialdesk.core.prescreen.questions import UNSURE, question_for, topic_of
from trialdesk.core.protocol.protocol import Protocol
from trialdesk.errors import UnitError

__all__ = ["CriterionOutcome", "Overall", "PrescreenResult", "Status", "prescreen"]

M = Message.of


class Tri(Enum):
    YES = "yes"
    NO = "no"
    CHECK = "check"


class Status(StrEnum):
    MEETS = "meets"
    NOT_MET = "not_met"  # probably not eligible, because of this criterion
    CHECK = "check"  # the care team needs to check


class Overall(StrEnum):
    MAY_BE_ELIGIBLE = "may_be_eligible"
    PROBABLY_NOT = "probably_not"
    NEEDS_CHECK = "needs_check"  # a fact a parent could give is missing or unsure


@dataclass(slots=True)
class _Value:
    tri: Tri
    facts: list[Message] = field(default_factory=list)  # what the family told us, worded
    checks: list[Message] = field(default_factory=list)  # what the care team must check
    unsure: set[str] = field(default_factory=set)  # questions the family could not answer


@dataclass(frozen=True, slots=True)
class CriterionOutcome:
    id: str
    kind: str
    status: Status
    facts: tuple[Message, ...]
    checks: tuple[Message, ...]
    unsure: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PrescreenResult:
    overall: Overall
    criteria: tuple[CriterionOutcome, ...]
    on: date

    @property
    def not_met(self) -> tuple[CriterionOutcome, ...]:
        return tuple(c for c in self.criteria if c.status is Status.NOT_MET)

    @property
    def to_check(self) -> tuple[CriterionOutcome, ...]:
        return tuple(c for c in self.criteria if c.status is Status.CHECK)

    def summary(self) -> dict[str, object]:
        """What may be stored with an application: statuses only, no free text."""
        return {
            "overall": self.overall.value,
            "on": self.on.isoformat(),
            "criteria": {c.id: c.status.value for c in self.criteria},
        }


def prescreen(protocol: Protocol, answers: Mapping[str, str], today: date) -> PrescreenResult:
    """Evaluate every criterion of ``protocol`` against a family's answers on ``today``."""
    outcomes = []
    for criterion in protocol.criteria:
        value = _eval(criterion.rule, answers, today)
        outcomes.append(_outcome(criterion, value))
    return PrescreenResult(_overall(outcomes), tuple(outcomes), today)


def _outcome(criterion: a.Criterion, value: _Value) -> CriterionOutcome:
    favourable = Tri.YES if criterion.kind == "inclusion" else Tri.NO
    if value.tri is Tri.CHECK:
        status = Status.CHECK
    else:
        status = Status.MEETS if value.tri is favourable else Status.NOT_MET
    return CriterionOutcome(
        criterion.id,
        criterion.kind,
        status,
        tuple(dict.fromkeys(value.facts)),
        tuple(dict.fromkeys(value.checks)) if status is Status.CHECK else (),
        tuple(sorted(value.unsure)),
    )


def _overall(outcomes: list[CriterionOutcome]) -> Overall:
    if any(o.status is Status.NOT_MET for o in outcomes):
        return Overall.PROBABLY_NOT
    if any(o.unsure for o in outcomes if o.status is Status.CHECK):
        return Overall.NEEDS_CHECK
    return Overall.MAY_BE_ELIGIBLE


def _merge(tri: Tri, parts: list[_Value]) -> _Value:
    decisive = [p for p in parts if p.tri is tri] if tri is not Tri.CHECK else parts
    out = _Value(tri)
    for part in decisive:
        out.facts.extend(part.facts)
        out.checks.extend(part.checks)
    for part in parts:
        out.unsure |= part.unsure
    return out


def _all(parts: list[_Value]) -> _Value:
    if any(p.tri is Tri.NO for p in parts):
        return _merge(Tri.NO, parts)
    if any(p.tri is Tri.CHECK for p in parts):
        return _merge(Tri.CHECK, [p for p in parts if p.tri is Tri.CHECK])
    return _merge(Tri.YES, parts)


def _any(parts: list[_Value]) -> _Value:
    if any(p.tri is Tri.YES for p in parts):
        return _merge(Tri.YES, parts)
    if any(p.tri is Tri.CHECK for p in parts):
        return _merge(Tri.CHECK, [p for p in parts if p.tri is Tri.CHECK])
    return _merge(Tri.NO, parts)


def _eval(rule: a.Rule, answers: Mapping[str, str], today: date) -> _Value:
    if isinstance(rule, a.AllOf):
        return _all([_eval(item, answers, today) for item in rule.items])
    if isinstance(rule, a.AnyOf):
        return _any([_eval(item, answers, today) for item in rule.items])
    if isinstance(rule, a.EachAvailable):
        # The family never has every one of these; only a clear NO decides.
        parts = [_eval(item, answers, today) for item in rule.items]
        if all(p.tri is Tri.YES for p in parts):
            return _merge(Tri.YES, parts)
        return _all(parts) if any(p.tri is Tri.NO for p in parts) else _merge(Tri.CHECK, parts)
    if isinstance(rule, a.NotOf):
        inner = _eval(rule.item, answers, today)
        flipped = {Tri.YES: Tri.NO, Tri.NO: Tri.YES, Tri.CHECK: Tri.CHECK}[inner.tri]
        return _Value(flipped, inner.facts, inner.checks, inner.unsure)
    if isinstance(rule, a.ReviewIf):
        inner = _eval(rule.item, answers, today)
        if inner.tri is Tri.YES:
            return _Value(Tri.CHECK, inner.facts, [M("prescreen.check.judgement")], inner.unsure)
        return inner
    if isinstance(rule, a.IfThen):
        return _if_then(rule, answers, today)
    return _leaf(rule, answers, today)


def _if_then(rule: a.IfThen, answers: Mapping[str, str], today: date) -> _Value:
    condition = _eval(rule.condition, answers, today)
    if condition.tri is Tri.NO:
        if rule.otherwise is None:
            return _Value(Tri.YES, condition.facts)  # not applicable: nothing to meet
        return _eval(rule.otherwise, answers, today)
    then = _eval(rule.then, answers, today)
    if condition.tri is Tri.YES:
        return _Value(then.tri, condition.facts + then.facts, then.checks, then.unsure)
    if then.tri is Tri.YES and (rule.otherwise is None):
        return then
    return _Value(Tri.CHECK, then.facts, then.checks, condition.unsure | then.unsure)


def _leaf(leaf: a.Rule, answers: Mapping[str, str], today: date) -> _Value:
    question = question_for(leaf)
    if question is None:
        return _Value(Tri.CHECK, checks=[care_team_check(leaf)])
    if isinstance(leaf, a.AgeCheck):
        return _age(leaf, answers.get("birth_date", ""), today)
    if isinstance(leaf, a.LabCheck):
        return _count(leaf, answers, question.id)
    answer = (answers.get(question.id) or "").strip()
    if answer not in question.choices or answer == UNSURE:
        return _Value(
            Tri.CHECK,
            checks=[M("prescreen.check.unsure", question=question.id)],
            unsure={question.id},
        )
    fact = M(f"prescreen.fact.{question.id}.{answer}")
    return _Value(_choice_truth(leaf, question.id, answer), [fact])


def _choice_truth(leaf: a.Rule, question: str, answer: str) -> Tri:
    if isinstance(leaf, a.CodedStatusCheck):
        chosen = {"not_high": "", "neither": "", "finished": ""}.get(answer, answer)
        return Tri.YES if chosen in leaf.values else Tri.NO
    if question == "stem_cell_transplant":
        # Only a donor (allogeneic) transplant falls in the "not known autologous" set.
        return Tri.YES if answer == "donor_cells" else Tri.NO
    # A parent's "infection" may not be in the lungs: the care team finds out where.
    if (
        answer == "yes"
        and isinstance(leaf, a.ConditionCheck)
        and topic_of(leaf.codes) == "pulmonary_infection"
    ):
        return Tri.CHECK
    return Tri.YES if answer == "yes" else Tri.NO


def _age(leaf: a.AgeCheck, raw: str, today: date) -> _Value:
    try:
        born = date.fromisoformat(raw.strip())
    except ValueError:
        born = None
    if born is None or born > today:
        return _Value(
            Tri.CHECK,
            checks=[M("prescreen.check.unsure", question="birth_date")],
            unsure={"birth_date"},
        )
    months = (today.year - born.year) * 12 + today.month - born.month - (today.day < born.day)
    ok = True
    for test in leaf.tests:
        value = Decimal(months) if test.unit == "mo" else Decimal(months // 12)
        ok = ok and _compare(value, test.op, test.number)
    return _Value(Tri.YES if ok else Tri.NO, [M("prescreen.fact.age", years=months // 12)])


def _count(leaf: a.LabCheck, answers: Mapping[str, str], question: str) -> _Value:
    raw = (answers.get(question) or "").strip().replace(",", ".")
    if not raw:
        return _Value(Tri.CHECK, checks=[care_team_check(leaf)])
    unit = (answers.get(f"{question}_unit") or leaf.analyte.unit).strip()
    try:
        ok = all(
            _compare(convert(leaf.analyte, Decimal(raw), unit, t.unit), t.op, t.number)
            for t in leaf.tests
        )
    except (InvalidOperation, UnitError):
        return _Value(Tri.CHECK, checks=[care_team_check(leaf)], unsure={question})
    fact = M("prescreen.fact.count", analyte=leaf.analyte.id, value=f"{Decimal(raw):f}", unit=unit)
    # Even a good count is re-measured: the care team uses the hospital's own recent result.
    return _Value(Tri.YES if ok else Tri.NO, [fact])


def _compare(value: Decimal, op: str, limit: Decimal) -> bool:
    return {
        ">=": value >= limit,
        "<=": value <= limit,
        ">": value > limit,
        "<": value < limit,
        "=": value == limit,
        "!=": value != limit,
    }[op]
