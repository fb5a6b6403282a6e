"""Lint a checked protocol before it goes live: findings with a severity and a location.

Syntax and type errors stop loading (see ``bind``); lint finds what loads but deserves a look:
registry facts that disagree with the rules, ×ULN thresholds without a default reference
interval, rules that rest on unconfirmed reference data, always-review criteria, low-confidence
machine-made rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from trialdesk.core.criteria import ast as a
from trialdesk.core.protocol.protocol import Protocol
from trialdesk.core.record import Sex
from trialdesk.core.reference_intervals import default_intervals

__all__ = ["Finding", "Severity", "lint_protocol", "walk"]


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True, slots=True)
class Finding:
    severity: Severity
    where: str
    message: str


def walk(rule: a.Rule) -> Iterator[a.Rule]:
    yield rule
    children: tuple[a.Rule | None, ...] = ()
    if isinstance(rule, a.AllOf | a.AnyOf | a.EachAvailable):
        children = rule.items
    elif isinstance(rule, a.NotOf | a.ReviewIf):
        children = (rule.item,)
    elif isinstance(rule, a.IfThen):
        children = (rule.condition, rule.then, rule.otherwise)
    for child in children:
        if child is not None:
            yield from walk(child)


def lint_protocol(protocol: Protocol) -> list[Finding]:
    findings: list[Finding] = []
    for criterion in protocol.criteria:
        where = f"{criterion.id}"
        for node in walk(criterion.rule):
            findings.extend(_node_findings(node, where))
        if isinstance(criterion.rule, a.ReviewAlways):
            findings.append(
                Finding(Severity.INFO, where, "always needs a clinician's review (not computable)")
            )
        if criterion.confidence is not None and criterion.confidence < 0.8:
            findings.append(
                Finding(
                    Severity.WARNING,
                    where,
                    f"machine-made rule with confidence {criterion.confidence:.2f}: check it against the registry text",
                )
            )
    findings.extend(_registry_findings(protocol))
    return findings


def _node_findings(node: a.Rule, where: str) -> Iterator[Finding]:
    if isinstance(node, a.LabCheck):
        item = node.analyte
        for test in node.tests:
            if test.reference_limit is None:
                continue
            ages = [Decimal(age) for age in range(0, 19)]
            covered = [
                age
                for age in ages
                if any(default_intervals(item.id, age, sex) for sex in (Sex.FEMALE, Sex.MALE))
            ]
            if not covered:
                yield Finding(
                    Severity.WARNING,
                    where,
                    f"{item.name} {test.describe()}: no default {test.reference_limit} exists; results without their own reference range will be unknown",
                )
            elif any(
                not i.confirmed
                for age in covered
                for sex in (Sex.FEMALE, Sex.MALE)
                for i in default_intervals(item.id, age, sex)
            ):
                yield Finding(
                    Severity.WARNING,
                    where,
                    f"{item.name} {test.describe()}: the default {test.reference_limit} table is UNCONFIRMED; results without their own range go to review",
                )
            else:
                yield Finding(
                    Severity.INFO,
                    where,
                    f"{item.name} {test.describe()}: {test.reference_limit} from the result's reference range, else the default table",
                )
        unconfirmed = [c for c in item.loinc if c in item.loinc_unconfirmed]
        if unconfirmed:
            yield Finding(
                Severity.INFO,
                where,
                f"{item.name}: LOINC {', '.join(unconfirmed)} not yet checked against a LOINC source",
            )


_AGE = re.compile(r"^\s*(\d+)\s*(Year|Years|Month|Months)?", re.IGNORECASE)


def _registry_findings(protocol: Protocol) -> Iterator[Finding]:
    eligibility = protocol.registry.eligibility
    ages = [
        t
        for c in protocol.criteria
        for node in walk(c.rule)
        if isinstance(node, a.AgeCheck)
        for t in node.tests
    ]
    for label, text, op in (
        ("min_age", eligibility.min_age, ">="),
        ("max_age", eligibility.max_age, "<="),
    ):
        match = _AGE.match(text or "")
        if match is None:
            continue
        years = Decimal(match.group(1))
        if (match.group(2) or "years").lower().startswith("month"):
            continue
        if not any(t.op == op and t.number == years and t.unit == "a" for t in ages):
            yield Finding(
                Severity.WARNING,
                f"registry.eligibility.{label}",
                f"the registry says {text}, but no age rule has {op} {years} years",
            )
    sexes = {
        s
        for c in protocol.criteria
        for node in walk(c.rule)
        if isinstance(node, a.SexCheck)
        for s in node.sexes
    }
    if eligibility.sex != "ALL" and eligibility.sex.lower() not in sexes:
        yield Finding(
            Severity.WARNING,
            "registry.eligibility.sex",
            f"the registry restricts sex to {eligibility.sex}, but no rule checks it",
        )
