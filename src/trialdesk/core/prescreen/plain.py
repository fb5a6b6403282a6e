"""Criteria in plain language: a small tree of message keys built from the rule tree.

The web layer words each key in the family's language (``plain.*`` and ``check.*`` keys in
its catalogues), so the same template serves every protocol whose rules use these kinds.
Code sets are named by their library topic (``topic.<name>``) so they can be translated;
an unknown set falls back to its English title.
"""

from __future__ import annotations

from dataclasses import dataclass

from trialdesk.core.codes import CodeSet
from trialdesk.core.criteria import ast as a
from trialdesk.core.i18n import Message
from trialdesk.core.prescreen.questions import topic_of

__all__ = ["PlainNode", "care_team_check", "plain_criterion", "plain_rule"]

M = Message.of

_OP_WORD = {">=": "at_least", "<=": "at_most", ">": "more_than", "<": "less_than", "=": "equal"}


@dataclass(frozen=True, slots=True)
class PlainNode:
    """A phrase (``message``) and, for and/or/if groups, the phrases under it."""

    message: Message
    children: tuple[PlainNode, ...] = ()


def plain_criterion(criterion: a.Criterion) -> PlainNode:
    return plain_rule(criterion.rule)


def plain_rule(rule: a.Rule, negated: bool = False) -> PlainNode:
    if isinstance(rule, a.AllOf | a.AnyOf | a.EachAvailable):
        items = _without_repeats(rule.items)
        if len(items) == 1:
            return plain_rule(items[0], negated)
        group = {a.AllOf: "all", a.AnyOf: "any", a.EachAvailable: "each_available"}[type(rule)]
        if negated:  # not (a and b) is rare in protocols; say it plainly rather than rewrite
            group = f"not_{group}"
        return PlainNode(M(f"plain.{group}"), tuple(plain_rule(i) for i in items))
    if isinstance(rule, a.NotOf):
        return plain_rule(rule.item, not negated)
    if isinstance(rule, a.ReviewIf):
        return PlainNode(M("plain.review_if"), (plain_rule(rule.item, negated),))
    if isinstance(rule, a.IfThen):
        children = [plain_rule(rule.condition), plain_rule(rule.then)]
        if rule.otherwise is not None:
            children.append(plain_rule(rule.otherwise))
        return PlainNode(M("plain.if"), tuple(children))
    message = _leaf(rule)
    if negated:
        message = Message(f"{message.key}_not", message.params)
    return PlainNode(message)


def _without_repeats(items: tuple[a.Rule, ...]) -> tuple[a.Rule, ...]:
    """Drop a condition when a procedure on the same topic is listed: to a family, "has had an
    organ transplant" and "has the status of an organ transplant" are one fact."""
    procedures = {topic_of(i.codes) for i in items if isinstance(i, a.ProcedureCheck)}
    return tuple(
        i
        for i in items
        if not (
            isinstance(i, a.ConditionCheck)
            and i.status == "any"
            and topic_of(i.codes) in procedures
        )
    )


def _topic(codes: CodeSet | None) -> dict[str, str]:
    if codes is None:
        return {"topic": "", "title": ""}
    return {"topic": topic_of(codes) or "", "title": codes.title}


def _limit(tests: tuple[a.NumericTest, ...]) -> dict[str, str]:
    parts = {}
    for index, test in enumerate(tests):
        suffix = "" if index == 0 else str(index + 1)
        parts[f"op{suffix}"] = _OP_WORD.get(test.op, test.op)
        parts[f"number{suffix}"] = f"{test.number.normalize():f}"
        parts[f"unit{suffix}"] = test.unit or ""
        parts[f"limit{suffix}"] = test.reference_limit or ""
    return parts


def _leaf(leaf: a.Rule) -> Message:
    if isinstance(leaf, a.AgeCheck):
        low = [t.number for t in leaf.tests if t.op in (">=", ">")]
        high = [t.number for t in leaf.tests if t.op in ("<=", "<")]
        unit = leaf.tests[0].unit if leaf.tests else "a"
        return M(
            "plain.age",
            low=f"{low[0].normalize():f}" if low else "",
            high=f"{high[0].normalize():f}" if high else "",
            after=f"{high[0] + 1:f}" if high and unit == "a" else "",
        )
    if isinstance(leaf, a.SexCheck):
        return M("plain.sex", sexes=",".join(leaf.sexes))
    if isinstance(leaf, a.LabCheck):
        kind = "lab_uln" if any(t.reference_limit for t in leaf.tests) else "lab"
        return M(
            f"plain.{kind}", analyte=leaf.analyte.id, name=leaf.analyte.name, **_limit(leaf.tests)
        )
    if isinstance(leaf, a.ConditionCheck):
        return M(f"plain.condition_{leaf.status}", **_topic(leaf.codes))
    if isinstance(leaf, a.ProcedureCheck | a.MedicationCheck):
        kind = "procedure" if isinstance(leaf, a.ProcedureCheck) else "medication"
        return M(f"plain.{kind}", **_topic(leaf.codes))
    if isinstance(leaf, a.CodedStatusCheck):
        return M(f"plain.status.{leaf.kind}", values=",".join(leaf.values))
    if isinstance(leaf, a.MeasurableLesionsCheck):
        return M("plain.measurable", standard=leaf.standard)
    if isinstance(leaf, a.LifeExpectancyCheck):
        return M("plain.life_expectancy", **_limit(leaf.tests))
    if isinstance(leaf, a.ToxicityCheck):
        return M("plain.toxicity", grade=leaf.above_grade)
    if isinstance(leaf, a.TestResultCheck):
        return M("plain.test", expected=leaf.expected, **_topic(leaf.codes))
    if isinstance(leaf, a.ConsentCheck):
        return M("plain.consent")
    if isinstance(leaf, a.AttestationCheck):
        return M(f"plain.attested.{leaf.code}")
    if isinstance(leaf, a.FindingCheck):
        return M("plain.finding", code=str(leaf.code), values=",".join(leaf.values))
    return M(f"plain.other.{type(leaf).__name__}")


def care_team_check(leaf: a.Rule) -> Message:
    """What the care team checks for a leaf a parent cannot answer."""
    if isinstance(leaf, a.LabCheck):
        return M("prescreen.check.lab", analyte=leaf.analyte.id, name=leaf.analyte.name)
    if isinstance(leaf, a.ConditionCheck | a.ProcedureCheck | a.MedicationCheck):
        return M("prescreen.check.history", **_topic(leaf.codes))
    if isinstance(leaf, a.TestResultCheck):
        return M("prescreen.check.test", **_topic(leaf.codes))
    if isinstance(leaf, a.AttestationCheck):
        return M("prescreen.check.judgement")
    kinds = {
        a.MeasurableLesionsCheck: "scan",
        a.LifeExpectancyCheck: "judgement",
        a.ToxicityCheck: "side_effects",
        a.ConsentCheck: "consent",
        a.CodedStatusCheck: "records",
        a.FindingCheck: "records",
        a.PerformanceCheck: "records",
    }
    return M(f"prescreen.check.{kinds.get(type(leaf), 'records')}")
