"""Facts about the patient as a whole: age, sex, pregnancy, consent and prior toxicities."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from trialdesk.core.criteria.ast import (
    AgeCheck,
    ConsentCheck,
    PregnancyCheck,
    SexCheck,
    ToxicityCheck,
)
from trialdesk.core.durations import completed_years
from trialdesk.core.i18n import Message
from trialdesk.core.record import AdverseEventRecord, Sex
from trialdesk.core.screening.context import Context
from trialdesk.core.screening.evaluators.measurements import holds
from trialdesk.core.screening.evaluators.texts import joined_tests_text
from trialdesk.core.screening.outcome import Outcome, Truth
from trialdesk.core.screening.result import Evidence

__all__ = [
    "evaluate_age",
    "evaluate_consent",
    "evaluate_pregnancy",
    "evaluate_sex",
    "evaluate_toxicity",
]

M = Message.of
_GUARDIAN_ROLES = {"GUARD", "MTH", "FTH", "PRN", "NPRN", "parent", "guardian", "legal-guardian"}
_RESOLVED = {"resolved", "recovered", "resolvedWithSequelae"}


def _age_in(unit: str, born: date, on: date) -> int:
    if unit == "a":
        return completed_years(born, on)
    delta = relativedelta(on, born)
    return delta.years * 12 + delta.months


def evaluate_age(node: AgeCheck, ctx: Context) -> Outcome:
    birth = ctx.record.patient.birth_date
    if birth is None:
        return Outcome.unknown(M("age.no_birth_date"), M("patient.need_birth_date"))
    as_of = ctx.as_of
    answers = set()
    # Every test at the earliest and the latest possible birthday (one day for an exact date);
    # each unit's age is computed once per birthday.
    for born in {birth.earliest, birth.latest}:
        ages: dict[str, int] = {}
        met = True
        for t in node.tests:
            age_unit = t.unit or "a"
            age = ages.get(age_unit)
            if age is None:
                age = ages[age_unit] = _age_in(age_unit, born, as_of)
            if not holds(Decimal(age), t.op, t.number):
                met = False
                break
        answers.add(met)
    unit = node.tests[0].unit or "a"
    years = _age_in(unit, birth.latest, as_of)
    label = "years" if unit == "a" else "months"
    evidence = Evidence(
        "patient",
        "Age",
        str(ctx.record.patient.ref),
        str(years),
        label,
        date=ctx.as_of.isoformat(),
        threshold=joined_tests_text(node.tests),
        threshold_source=ctx.threshold_source(),
        note=f"born {birth}; completed {label} on the as-of date",
        source_file=ctx.record.patient.ref.file,
    )
    if ctx.record.patient.unknown_modifiers:
        return Outcome.review(
            M(
                "record.unknown_modifier",
                resource=str(ctx.record.patient.ref),
                urls=", ".join(ctx.record.patient.unknown_modifiers),
            ),
            M("record.modifier_need"),
            evidence,
        )
    if len(answers) > 1:
        return Outcome(
            Truth.UNKNOWN,
            [evidence],
            [M("age.imprecise", birth=str(birth))],
            [M("patient.need_birth_date")],
            no_data=True,
        )
    met = answers.pop()
    tests = joined_tests_text(node.tests)
    return Outcome.of(
        Truth.TRUE if met else Truth.FALSE,
        M("age.meets" if met else "age.does_not_meet", age=years, unit=label, test=tests),
        evidence,
    )


def evaluate_sex(node: SexCheck, ctx: Context) -> Outcome:
    sex = ctx.record.patient.sex
    evidence = Evidence(
        "patient",
        "Sex",
        str(ctx.record.patient.ref),
        sex.value,
        source_file=ctx.record.patient.ref.file,
    )
    if sex not in (Sex.FEMALE, Sex.MALE):
        return Outcome.unknown(M("sex.unknown"), M("sex.need"), evidence)
    met = sex.value in node.sexes
    return Outcome.of(Truth.TRUE if met else Truth.FALSE, M("sex.is", sex=sex.value), evidence)


def evaluate_pregnancy(node: PregnancyCheck, ctx: Context) -> Outcome:
    if ctx.record.patient.sex is Sex.MALE:
        return Outcome.of(Truth.FALSE, M("pregnancy.male"))
    return Outcome.review(M(f"pregnancy.{node.kind}.review"), M(f"pregnancy.{node.kind}.need"))


def evaluate_consent(node: ConsentCheck, ctx: Context, nct_id: str) -> Outcome:
    consents = [
        c for c in ctx.record.consents if c.status == "active" and not ctx.in_future(c.date)
    ]
    research = [c for c in consents if any(x.code == node.scope for x in (*c.scope, *c.categories))]
    if not research:
        return Outcome.unknown(M("consent.none"), M("consent.need"))
    consent = research[0]
    evidence = Evidence(
        "consent",
        "Research consent",
        str(consent.ref),
        consent.status,
        date=str(consent.date) if consent.date else None,
        note=", ".join(consent.performer_roles) or None,
        source_file=consent.ref.file,
    )
    if consent.unknown_modifiers:
        return Outcome.review(
            M(
                "record.unknown_modifier",
                resource=str(consent.ref),
                urls=", ".join(consent.unknown_modifiers),
            ),
            M("record.modifier_need"),
            evidence,
        )
    if consent.policy_uris and not any(nct_id in uri for uri in consent.policy_uris):
        return Outcome.review(M("consent.other_study", nct=nct_id), M("consent.need"), evidence)
    ages = ctx.completed_age(ctx.as_of)
    minor = ages is None or min(ages) < 18
    if minor and not _GUARDIAN_ROLES & set(consent.performer_roles):
        return Outcome.review(M("consent.no_guardian"), M("consent.need_guardian"), evidence)
    return Outcome.of(Truth.TRUE, M("consent.found"), evidence)


def evaluate_toxicity(node: ToxicityCheck, ctx: Context) -> Outcome:
    events = [
        e
        for e in ctx.record.adverse_events
        if e.actuality == "actual" and not ctx.in_future(e.onset)
    ]
    attested = _attestation(ctx, node.attestation)
    if not ctx.record.adverse_events:
        if attested is not None:
            return attested
        return Outcome.unknown(M("toxicity.no_history"), M("toxicity.need", grade=node.above_grade))
    relevant = [e for e in events if not _excepted(node, e) and not _resolved(e, ctx)]
    evidence = [_toxicity_evidence(e) for e in relevant]
    over = [e for e in relevant if e.grade is not None and e.grade > node.above_grade]
    if over:
        return Outcome.of(
            Truth.TRUE, M("toxicity.unresolved", grade=node.above_grade, count=len(over)), *evidence
        )
    ungraded = [e for e in relevant if e.grade is None]
    if ungraded:
        return Outcome.review(
            M("toxicity.ungraded", count=len(ungraded)), M("toxicity.need_grade"), *evidence
        )
    modifiers = [e for e in relevant if e.unknown_modifiers]
    if modifiers:
        return Outcome.review(
            M(
                "record.unknown_modifier",
                resource=str(modifiers[0].ref),
                urls=", ".join(modifiers[0].unknown_modifiers),
            ),
            M("record.modifier_need"),
            *evidence,
        )
    return Outcome.of(
        Truth.FALSE, M("toxicity.none", grade=node.above_grade, count=len(events)), *evidence
    )


def _excepted(node: ToxicityCheck, event: AdverseEventRecord) -> bool:
    return node.exceptions is not None and node.exceptions.matches(event.codes) is not None


def _resolved(event: AdverseEventRecord, ctx: Context) -> bool:
    if event.resolved is not None and event.resolved.latest <= ctx.as_of:
        return True
    return event.outcome in _RESOLVED


def _toxicity_evidence(event: AdverseEventRecord) -> Evidence:
    grade = f"grade {event.grade}" if event.grade is not None else "grade not recorded"
    return Evidence(
        "adverse_event",
        event.term or "adverse event",
        str(event.ref),
        grade,
        date=str(event.onset) if event.onset else None,
        note=event.outcome,
        source_file=event.ref.file,
    )


def _attestation(ctx: Context, code: str | None) -> Outcome | None:
    if code is None:
        return None
    from trialdesk.core.screening.evaluators.findings import find_attestation

    found = find_attestation(ctx, code, None)
    if found is None or found.truth not in (Truth.TRUE, Truth.FALSE):
        return None
    # The attestation says "no unresolved toxicity"; the predicate asks whether there is one.
    found.truth = Truth.FALSE if found.truth is Truth.TRUE else Truth.TRUE
    return found
