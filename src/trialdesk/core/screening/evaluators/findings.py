"""Coded observations: disease status, treatment phase, risk group, findings, attestations,
qualitative tests, life expectancy, performance status (RECIST-measurable lesions are in ``lesions``).

The codes each reads are in docs/input-contract.md; local concepts use TrialDesk code systems
(``trialdesk-clinical``, ``trialdesk-attestation``) until a standard code exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from trialdesk.core.criteria.ast import (
    AttestationCheck,
    CodedStatusCheck,
    FindingCheck,
    LifeExpectancyCheck,
    NumericTest,
    PerformanceCheck,
    TestResultCheck,
)
from trialdesk.core.durations import Duration
from trialdesk.core.i18n import Message
from trialdesk.core.record import Coding, ObservationRecord, Quantity
from trialdesk.core.screening.context import USABLE_OBSERVATION_STATUSES, Context
from trialdesk.core.screening.evaluators.measurements import (
    holds_with_comparator,
    latest_in_window,
    undated_results,
)
from trialdesk.core.screening.evaluators.texts import joined_tests_text
from trialdesk.core.screening.outcome import Outcome, Truth
from trialdesk.core.screening.result import Evidence
from trialdesk.core.units import convert
from trialdesk.errors import TrialDeskError

__all__ = [
    "evaluate_attestation",
    "evaluate_coded_status",
    "evaluate_finding",
    "evaluate_life_expectancy",
    "evaluate_performance",
    "evaluate_test_result",
    "find_attestation",
]

M = Message.of
CLINICAL = "trialdesk-clinical"
ATTESTATION = "trialdesk-attestation"
_STATUS_CODES = {
    "disease_status": ((CLINICAL, "disease-status"),),
    "treatment_phase": ((CLINICAL, "treatment-phase"),),
    "risk_group": ((CLINICAL, "risk-group"),),
}
_WINDOW_OF = {"disease_status": "disease_status", "treatment_phase": "treatment_phase"}
#: mCODE CancerDiseaseStatus (LOINC 97509-4, HL7 mCODE STU2–STU4) and its values
#: (ConditionStatusTrendVS, SNOMED CT). They give the disease's trend, not whether it relapsed
#: or is refractory, so they never settle a disease-status criterion: read alone, they make it
#: a clinician's review, with the value as evidence.
MCODE_DISEASE_STATUS = ("loinc", "97509-4")
MCODE_TRENDS = {
    "260415000": "not detected",
    "268910001": "improved",
    "359746009": "stable",
    "271299001": "worsened",
    "709137006": "undetermined",
    "550991000124107": "full remission",
    "551001000124108": "partial remission",
}
_POSITIVE = {"positive", "reactive", "detected", "pos", "10828004", "52101004"}
_NEGATIVE = {
    "negative",
    "non-reactive",
    "nonreactive",
    "not detected",
    "neg",
    "260385009",
    "131194007",
}
_PERFORMANCE = {
    "lansky": (CLINICAL, "lansky"),
    "karnofsky": (CLINICAL, "karnofsky"),
    "ecog": (CLINICAL, "ecog"),
}


def _value_codes(value: object) -> set[str]:
    if isinstance(value, Coding):
        return {value.code.casefold()}
    if isinstance(value, str):
        return {value.strip().casefold()}
    if isinstance(value, bool):
        return {"true" if value else "false"}
    return set()


def _evidence(
    kind: str,
    description: str,
    observation: ObservationRecord,
    value: str | None,
    ctx: Context,
    threshold: str | None = None,
    note: str | None = None,
) -> Evidence:
    return Evidence(
        kind, description, str(observation.ref), value,
        date=str(observation.effective) if observation.effective else None,
        threshold=threshold, threshold_source=ctx.threshold_source() if threshold else None,
        source_file=observation.ref.file, note=note,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Latest:
    """What a finding reads: the newest dated observation in the window (``observation``),
    else the newest one before it (``stale``); and the undated ones that may be newer than
    either (``undated``: they decide first, see :func:`_undated`)."""

    observation: ObservationRecord | None
    stale: ObservationRecord | None
    undated: list[ObservationRecord]


def _latest(codes: tuple[tuple[str, str], ...], window: Duration | None, ctx: Context) -> _Latest:
    candidates = ctx.index.observations(codes)
    if window is None:
        usable = [
            o
            for o in candidates
            if o.effective is not None
            and not ctx.in_future(o.effective)
            and o.status in USABLE_OBSERVATION_STATUSES
        ]
        newest = usable[0] if usable else None
        since = newest.effective.latest if newest and newest.effective else date.min
        return _Latest(newest, None, undated_results(candidates, ctx.as_of, since))
    start = window.before(ctx.as_of)
    same_day, stale = latest_in_window(candidates, ctx, start)
    dated = same_day[0].effective if same_day else None
    undated = undated_results(candidates, ctx.as_of, dated.latest if dated else start)
    return _Latest(same_day[0] if same_day else None, stale, undated)


def _shown(value: object) -> str | None:
    """An observation's value as evidence text, whatever its type."""
    if isinstance(value, Quantity):
        return f"{value.value} {value.unit}" if value.unit else f"{value.value}"
    codes = _value_codes(value)
    if codes:
        return ", ".join(sorted(codes))
    return None if value is None else str(value)


def _undated(
    kind: str, what: str, undated: list[ObservationRecord], ctx: Context, *, review: bool = False
) -> Outcome:
    """An observation with no effective date may be the newest one: neither "nothing
    recorded" nor the dated one decides. Unknown (review where the criterion asks a person
    when nothing usable is recorded); the date it was observed settles it."""
    first = undated[0]
    resource = str(first.ref)
    reason = (
        M("record.undated", resource=resource, what=what)
        if first.issued is None
        else M("record.undated_issued", resource=resource, what=what, issued=str(first.issued))
    )
    evidence = [
        _evidence(kind, what, o, _shown(o.value), ctx, note="no effective date") for o in undated
    ]
    need = M("record.need_date", resource=resource, what=what)
    if review:
        return Outcome.review(reason, need, *evidence)
    return Outcome.unknown(reason, need, *evidence)


def _bounded(value: Decimal, comparator: str | None, tests: tuple[NumericTest, ...]) -> bool | None:
    """Whether every test holds for a value recorded as ``comparator value`` (``<6`` months: any
    value below 6): TRUE or FALSE only when it does for every value the bound allows, else
    None (the bound does not settle it). A plain value is the value itself."""
    answers = [holds_with_comparator(value, comparator, t.op, t.number) for t in tests]
    if None in answers:
        return None
    return all(answers)


def _modifier_review(observation: ObservationRecord, evidence: Evidence) -> Outcome | None:
    if not observation.unknown_modifiers:
        return None
    return Outcome.review(
        M(
            "record.unknown_modifier",
            resource=str(observation.ref),
            urls=", ".join(observation.unknown_modifiers),
        ),
        M("record.modifier_need"),
        evidence,
    )


def evaluate_coded_status(node: CodedStatusCheck, ctx: Context) -> Outcome:
    window = node.window or (ctx.window(_WINDOW_OF[node.kind]) if node.kind in _WINDOW_OF else None)
    latest = _latest(_STATUS_CODES[node.kind], window, ctx)
    observation, stale = latest.observation, latest.stale
    label = node.kind.replace("_", " ")
    if latest.undated:
        return _undated("status", label, latest.undated, ctx)
    if observation is None and node.kind == "disease_status":
        trend = _latest((MCODE_DISEASE_STATUS,), window, ctx).observation
        if trend is not None:
            return _trend_review(node, trend, ctx)
    if observation is None:
        when = f" (latest {stale.effective}, older than {window})" if stale is not None else ""
        return Outcome.unknown(
            M("status.missing", what=label, when=when),
            M("status.need", what=label, window=str(window) if window else "any time"),
        )
    found = _value_codes(observation.value)
    evidence = _evidence(
        "status",
        label,
        observation,
        ", ".join(sorted(found)) or None,
        ctx,
        threshold=" or ".join(node.values),
    )
    if (review := _modifier_review(observation, evidence)) is not None:
        return review
    met = bool(found & {v.casefold() for v in node.values})
    return Outcome.of(
        Truth.TRUE if met else Truth.FALSE,
        M("status.is", what=label, value=", ".join(sorted(found)), wanted=" or ".join(node.values)),
        evidence,
    )


def _trend_review(node: CodedStatusCheck, trend: ObservationRecord, ctx: Context) -> Outcome:
    """An mCODE disease-status trend where the criterion asks for a disease status."""
    codes = sorted(_value_codes(trend.value))
    value = ", ".join(f"{c} ({MCODE_TRENDS[c]})" if c in MCODE_TRENDS else c for c in codes)
    evidence = _evidence(
        "status", "mCODE cancer disease status", trend, value or None, ctx,
        threshold=" or ".join(node.values),
    )  # fmt: skip
    if (review := _modifier_review(trend, evidence)) is not None:
        return review
    return Outcome.review(
        M("status.trend", value=value or "no value", date=str(trend.effective)),
        M("status.trend_need", wanted=" or ".join(node.values)),
        evidence,
    )


def evaluate_finding(node: FindingCheck, ctx: Context) -> Outcome:
    window = node.window or ctx.window("echo")
    code = (node.code.system, node.code.code)
    latest = _latest((code,), window, ctx)
    observation, stale = latest.observation, latest.stale
    label = node.code.code.replace("-", " ")
    if latest.undated:
        return _undated("finding", label, latest.undated, ctx)
    if observation is None:
        return Outcome.unknown(
            M("status.missing", what=label, when=f" (latest {stale.effective})" if stale else ""),
            M("status.need", what=label, window=str(window)),
        )
    found = _value_codes(observation.value)
    evidence = _evidence(
        "finding",
        label,
        observation,
        ", ".join(sorted(found)) or None,
        ctx,
        threshold=("not " if node.negate else "") + " or ".join(node.values),
    )
    if (review := _modifier_review(observation, evidence)) is not None:
        return review
    met = bool(found & {v.casefold() for v in node.values}) != node.negate
    return Outcome.of(
        Truth.TRUE if met else Truth.FALSE,
        M("status.is", what=label, value=", ".join(sorted(found)), wanted=" or ".join(node.values)),
        evidence,
    )


def find_attestation(ctx: Context, code: str, window: Duration | None) -> Outcome | None:
    window = window or ctx.window("attestation")
    latest = _latest(((ATTESTATION, code),), window, ctx)
    observation, stale = latest.observation, latest.stale
    if latest.undated:
        return _undated("attestation", code, latest.undated, ctx, review=True)
    if observation is None:
        if stale is not None:
            return Outcome.review(
                M("attestation.stale", code=code, date=str(stale.effective), window=str(window)),
                M("attestation.need", code=code, window=str(window)),
            )
        return None
    value = observation.value
    evidence = _evidence(
        "attestation",
        code,
        observation,
        str(value).lower() if isinstance(value, bool) else None,
        ctx,
        note=observation.performer,
    )
    if (review := _modifier_review(observation, evidence)) is not None:
        return review
    if not isinstance(value, bool):
        return Outcome.review(
            M("attestation.unreadable", code=code),
            M("attestation.need", code=code, window=str(window)),
            evidence,
        )
    return Outcome.of(
        Truth.TRUE if value else Truth.FALSE,
        M(
            "attestation.true" if value else "attestation.false",
            code=code,
            by=observation.performer or "a clinician",
        ),
        evidence,
    )


def evaluate_attestation(node: AttestationCheck, ctx: Context) -> Outcome:
    found = find_attestation(ctx, node.code, node.window)
    if found is not None:
        return found
    window = node.window or ctx.window("attestation")
    return Outcome.review(
        M("attestation.missing", code=node.code),
        M("attestation.need", code=node.code, window=str(window)),
    )


def _qualitative(observation: ObservationRecord) -> str | None:
    found = _value_codes(observation.value) | {
        c.code.casefold() for c in observation.interpretation
    }
    if found & _POSITIVE or ("a" in found and not found & _NEGATIVE):
        return "positive"
    if found & _NEGATIVE or "n" in found:
        return "negative"
    return None


def evaluate_test_result(node: TestResultCheck, ctx: Context) -> Outcome:
    window = node.window or ctx.window("test")
    codes = tuple(
        (p.system, p.code) for p in node.codes.patterns if not p.prefix and p.upper is None
    )
    latest = _latest(codes, window, ctx)
    observation, stale = latest.observation, latest.stale
    if latest.undated:
        return _undated("test", node.codes.title, latest.undated, ctx)
    if observation is None:
        when = f" (latest {stale.effective}, older than {window})" if stale is not None else ""
        return Outcome.unknown(
            M("test.missing", what=node.codes.title, when=when),
            M("test.need", what=node.codes.title, window=str(window)),
        )
    result = _qualitative(observation)
    evidence = _evidence(
        "test",
        node.codes.title,
        observation,
        result or "inconclusive",
        ctx,
        threshold=f"= {node.expected}",
    )
    if (review := _modifier_review(observation, evidence)) is not None:
        return review
    if result is None:
        return Outcome.review(
            M("test.inconclusive", what=node.codes.title),
            M("test.need", what=node.codes.title, window=str(window)),
            evidence,
        )
    met = result == node.expected
    return Outcome.of(
        Truth.TRUE if met else Truth.FALSE,
        M("test.result", what=node.codes.title, result=result),
        evidence,
    )


def evaluate_life_expectancy(node: LifeExpectancyCheck, ctx: Context) -> Outcome:
    window = node.window or ctx.window("life_expectancy")
    latest = _latest(((CLINICAL, "life-expectancy"),), window, ctx)
    observation = latest.observation
    tests = joined_tests_text(node.tests)
    if latest.undated:
        return _undated("estimate", "Life expectancy", latest.undated, ctx, review=True)
    if observation is None or not isinstance(observation.value, Quantity):
        return Outcome.review(M("life_expectancy.missing"), M("life_expectancy.need", test=tests))
    value = observation.value
    try:
        months = convert(value.value, value.unit, "mo")
    except TrialDeskError:
        return Outcome.review(
            M("life_expectancy.unreadable", unit=value.unit), M("life_expectancy.need", test=tests)
        )
    evidence = _evidence(
        "estimate",
        "Life expectancy",
        observation,
        f"{value.comparator or ''}{months.normalize():f}",
        ctx,
        threshold=tests,
        note=observation.performer,
    )
    if (review := _modifier_review(observation, evidence)) is not None:
        return review
    met = _bounded(months, value.comparator, node.tests)
    if met is None:  # "< 12 months" does not settle ">= 6 months": the investigator judges
        return Outcome.review(
            M(
                "life_expectancy.censored",
                value=f"{value.comparator}{months.normalize():f}",
                test=tests,
            ),
            M("life_expectancy.need", test=tests),
            evidence,
        )
    return Outcome.of(
        Truth.TRUE if met else Truth.FALSE,
        M(
            "life_expectancy.is",
            months=f"{value.comparator or ''}{months.normalize():f}",
            test=tests,
        ),
        evidence,
    )


def evaluate_performance(node: PerformanceCheck, ctx: Context) -> Outcome:
    scale = node.scale
    if scale == "auto":
        ages = ctx.completed_age(ctx.as_of)
        if ages is None:
            return Outcome.unknown(M("age.no_birth_date"), M("patient.need_birth_date"))
        # COG/NCI wording: Lansky for patients up to and including 16 years, Karnofsky above.
        scale = "lansky" if max(ages) <= 16 else "karnofsky"
    window = node.window or ctx.window("performance")
    latest = _latest((_PERFORMANCE[scale],), window, ctx)
    observation = latest.observation
    tests = joined_tests_text(node.tests)
    if latest.undated:
        return _undated("performance", scale.capitalize(), latest.undated, ctx)
    if observation is None:
        return Outcome.unknown(
            M("performance.missing", scale=scale),
            M("performance.need", scale=scale, window=str(window)),
        )
    value = observation.value
    score = (
        value.value
        if isinstance(value, Quantity)
        else Decimal(value)
        if isinstance(value, int) and not isinstance(value, bool)
        else None
    )
    if score is None:
        return Outcome.unknown(
            M("performance.unreadable", scale=scale),
            M("performance.need", scale=scale, window=str(window)),
        )
    shown = f"{value.comparator or ''}{score}" if isinstance(value, Quantity) else f"{score}"
    evidence = _evidence(
        "performance", scale.capitalize(), observation, shown, ctx, threshold=tests
    )
    if (review := _modifier_review(observation, evidence)) is not None:
        return review
    comparator = value.comparator if isinstance(value, Quantity) else None
    met = _bounded(score, comparator, node.tests)
    if met is None:
        return Outcome.unknown(
            M("performance.censored", scale=scale, score=f"{comparator}{score}", test=tests),
            M("performance.need", scale=scale, window=str(window)),
            evidence,
        )
    return Outcome.of(
        Truth.TRUE if met else Truth.FALSE,
        M("performance.is", scale=scale, score=f"{comparator or ''}{score}", test=tests),
        evidence,
    )
